#!/usr/bin/env bash
# Runs every benchmark of tests/bench and prints ONE table of their figures:
#   figure | target | measured | ratio to target | program
# Every figure comes from this run: each program's own table (the lines under its header row) is
# parsed; nothing is hard-coded. Each program's full output goes to stderr as it runs, the table
# to stdout, so `tests/bench/run_all.sh build/bin > table.md` keeps only the table.
#
#   tests/bench/run_all.sh [BIN_DIR]        (default: build/bin; root for the lab and fault benches)
#
# The exit code is 0 when every program ran and printed its table, 1 otherwise (a missed target
# is a figure, not a failure: read the ratio column). See tests/bench/README.md.
set -uo pipefail

bin_dir=${1:-build/bin}
if [[ ! -d $bin_dir ]]; then
  echo "run_all.sh: $bin_dir: no such directory (give the build's bin directory)" >&2
  exit 64
fi

# Fields are separated by US (\x1f), not tabs: `read` would merge consecutive tabs, and so lose
# empty fields.
sep=$'\x1f'
rows=()     # "figure US target US measured US ratio US program"
notes=()
status=0

# table_of LABELS < OUTPUT: the rows of the table whose header row holds LABELS ("|"-separated, in
# order, e.g. "figure|target|median|p99|ratio"), as US-separated columns, up to the first blank
# line. The benches print the first column left-aligned and every other one right-aligned under
# its label, so a column ends where its label ends in the header; the first two are split at the
# last run of two or more spaces (figures and targets may hold single spaces: "up + down",
# "< 500ms").
table_of() {
  awk -v labels="$1" -v sep="$sep" '
    function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
    BEGIN { n = split(labels, label, "|") }
    !started {
      line = $0; pos = 0; ok = (index(trim(line), label[1]) == 1)
      for (k = 1; ok && k <= n; k++) {
        p = index(substr(line, pos + 1), label[k])
        if (p == 0) { ok = 0; break }
        end_[k] = pos + p + length(label[k]) - 1; pos = end_[k]
      }
      if (ok) started = 1
      next
    }
    trim($0) == "" { exit }
    {
      head = trim(substr($0, 1, end_[2])); figure = head; target = ""
      if (match(head, /  +[^ ]([^ ]| [^ ])*$/)) {
        figure = substr(head, 1, RSTART - 1); target = trim(substr(head, RSTART))
      }
      out = figure sep target
      for (k = 3; k <= n; k++) {
        width = (k == n) ? length($0) : end_[k] - end_[k - 1]
        out = out sep trim(substr($0, end_[k - 1] + 1, width))
      }
      print out
    }'
}

# run PROGRAM ARGS...: runs it with its output copied to stderr line by line as it comes (not
# `tee /dev/stderr`: reopening a redirected stderr would truncate it); sets $output, returns the
# program's exit code.
run() {
  local program=$1
  shift
  echo "== $program $*" >&2
  local started=$SECONDS
  output=$("$bin_dir/$program" "$@" 2>&1 | while IFS= read -r line; do
    printf '%s\n' "$line" >&2
    printf '%s\n' "$line"
  done
  exit "${PIPESTATUS[0]}")
  local code=$?
  echo "== $program: exit $code, $((SECONDS - started)) s" >&2
  echo >&2
  return "$code"
}

# add_row FIGURE TARGET MEASURED RATIO PROGRAM: one row of the table.
add_row() {
  local IFS=$sep
  rows+=("$*")
}

# failed PROGRAM WHY: notes a program that is absent, failed or printed no table.
failed() {
  notes+=("$1: $2")
  status=1
}

# number TEXT: the first decimal number in TEXT ("" when none).
number() { grep -oE '[0-9]+(\.[0-9]+)?' <<<"$1" | head -n1; }

# ratio A B: A / B with two decimals ("-" when either is not a number or B is 0).
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) { print "-"; exit }
    printf "%.2f\n", a / b }'
}

# run_for_table PROGRAM HEADER HINT: runs PROGRAM (noting it failed when it is not built, exits
# non-zero or prints no table with HEADER; HINT adds the likely reason) and sets $table; returns 1
# when there is no table to read.
run_for_table() {
  local p=$1 header=$2 hint=$3
  [[ -x $bin_dir/$p ]] || { failed "$p" "not built"; return 1; }
  run "$p"; local code=$?
  table=$(table_of "$header" <<<"$output")
  [[ $code -eq 0 && -n $table ]] || { failed "$p" "exit $code, no table$hint"; return 1; }
}

bench_refpay() {
  local p=refpay_throughput_bench
  local table p50="" p99="" p99_target="" p99_ratio=""
  run_for_table $p "figure|target|measured|ratio" "" || return 0
  local figure target measured r
  while IFS=$sep read -r figure target measured r; do
    case $figure in
      "latency p50 (ms)") p50=$measured ;;
      "latency p99 (ms)") p99=$measured; p99_target=$target; p99_ratio=$r ;;
      *) add_row "refpay $figure" "$target" "$measured" "${r:--}" "$p" ;;
    esac
  done <<<"$table"
  [[ -n $p99 ]] && add_row "refpay latency (ms)" "p99 $p99_target" "median $p50 · p99 $p99" "${p99_ratio:--}" "$p"
}

bench_lab() {
  local p=lab_updown_bench
  local table
  run_for_table $p "figure|target|median|p99|max|ratio" " (root?)" || return 0
  local figure target median p99 max r
  while IFS=$sep read -r figure target median p99 max r; do
    add_row "lab $figure, 5 nodes" "$target" "median $median · p99 $p99 · max $max" "${r:--}" "$p"
  done <<<"$table"
}

bench_wrk() {
  local p=workload_vs_wrk_bench
  [[ -x $bin_dir/$p ]] || { failed $p "not built"; return; }
  run $p; local code=$?
  if grep -q "wrk is not installed" <<<"$output"; then
    notes+=("$p: wrk is not installed (apt-get install wrk); skipped")
    return
  fi
  local table
  table=$(table_of "figure|wrk|workload|ratio|target" <<<"$output")
  [[ $code -eq 0 && -n $table ]] || { failed $p "exit $code, no table"; return; }
  local figure wrk workload r target
  while IFS=$sep read -r figure wrk workload r target; do
    # The figure is the ratio workload ÷ wrk itself; its ratio to the target is computed here.
    add_row "workload ÷ wrk, $figure" "$target" "$r (workload $workload/s, wrk $wrk/s)" "$(ratio "$r" "$(number "$target")")" "$p"
  done <<<"$table"
}

bench_injection() {
  local p=injection_latency_bench
  local table
  run_for_table $p "fault|target p99|median|p99|ratio" " (root?)" || return 0
  local figure target median p99 r
  while IFS=$sep read -r figure target median p99 r; do
    add_row "injection latency, $figure" "p99 ≤ $target" "median $median · p99 $p99" "${r:--}" "$p"
  done <<<"$table"
}

bench_ssh_injection() {
  local p=ssh_injection_latency_bench
  local table
  run_for_table $p "fault|target p99|median|p99|ratio" " (root, sshd and nft?)" || return 0
  local figure target median p99 r
  while IFS=$sep read -r figure target median p99 r; do
    local limit="-"
    [[ $target != "-" ]] && limit="p99 ≤ $target"
    add_row "injection latency over SSH, $figure" "$limit" "median $median · p99 $p99" "${r:--}" "$p"
  done <<<"$table"
}

# bench_figures PROGRAM PREFIX TOLERATE: runs PROGRAM, whose table is figure|target|measured|ratio,
# and adds a row per figure, named "PREFIX, figure" (just the figure when PREFIX is empty).
# TOLERATE is a note for a non-zero exit that still printed figures ("" means such an exit is
# a failure and its table is not taken).
bench_figures() {
  local p=$1 prefix=$2 tolerate=$3
  [[ -x $bin_dir/$p ]] || { failed "$p" "not built"; return; }
  run "$p"; local code=$?
  local table
  table=$(table_of "figure|target|measured|ratio" <<<"$output")
  if [[ $code -ne 0 && -z $tolerate ]] || [[ -z $table ]]; then
    failed "$p" "exit $code, no figure|target|measured|ratio table (root?)"
    return
  fi
  [[ $code -eq 0 ]] || failed "$p" "exit $code: $tolerate"
  local figure target measured r
  while IFS=$sep read -r figure target measured r; do
    add_row "${prefix:+$prefix, }$figure" "${target:--}" "$measured" "${r:--}" "$p"
  done <<<"$table"
}

# The backup/restore benchmarks, when built (backup_restore_1m_bench, and any other *backup*bench*
# or *restore*bench* program).
bench_backup() {
  local found=() p
  for p in "$bin_dir"/*backup*bench* "$bin_dir"/*restore*bench*; do
    [[ -x $p ]] && found+=("$(basename "$p")")
  done
  if [[ ${#found[@]} -eq 0 ]]; then
    notes+=("backup/restore: no *backup*bench* or *restore*bench* program in $bin_dir; skipped")
    return
  fi
  for p in $(printf '%s\n' "${found[@]}" | sort -u); do
    bench_figures "$p" "" ""
  done
}

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
bench_refpay
bench_lab
bench_wrk
bench_injection
bench_ssh_injection
# Exit 1 of reconcile_1m_bench: the report was not the expected pass (its table still holds the
# figures); of observer_effect_bench: a variant did not run (its rows say "failed").
bench_figures reconcile_1m_bench "score 1M" "unexpected report (see its output)"
bench_backup
bench_figures observer_effect_bench "observer effect" "a variant failed (see its output)"
bench_figures clock_read_bench "clock shim" ""
bench_figures durable_volume_bench "power.loss fs, refpay" ""
bench_figures live_follow_bench "live page" ""

echo "firedrill benchmarks, $started, $(nproc) cores, $(uname -sr), binaries in $bin_dir"
echo
echo "| figure | target | measured | ratio to target | program |"
echo "|---|---|---|---|---|"
for row in "${rows[@]}"; do
  IFS=$sep read -r figure target measured r program <<<"$row"
  echo "| $figure | ${target:--} | $measured | $r | \`$program\` |"
done
if [[ ${#notes[@]} -gt 0 ]]; then
  echo
  for note in "${notes[@]}"; do echo "- $note"; done
fi
exit $status
