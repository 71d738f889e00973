#!/usr/bin/env bash
# Runs one fuzz target for a bounded time (README.md): assembles its seed corpus from the source
# tree, replays tests/fuzz/regressions/TARGET/ first (libFuzzer runs every seed before mutating),
# then fuzzes for SECONDS with a fixed seed. Exits non-zero on any crash, leak, sanitizer report,
# FUZZ_CHECK failure, timeout (-timeout per input) or memory blow-up (-rss_limit_mb), leaving
# the input in WORK_DIR/crash-* (or leak-*, timeout-*, oom-*).
#   usage: run_fuzzer.sh TARGET FUZZER SECONDS WORK_DIR [libFuzzer options...]
#   e.g.   tests/fuzz/run_fuzzer.sh ledger_export build-fuzz/bin/ledger_export_fuzzer 600 /tmp/fz -jobs=2
# FUZZ_SEED (default 1) is libFuzzer's -seed. WORK_DIR/corpus keeps what a run found, and the
# next run in the same WORK_DIR starts from it; CI starts from an empty one.
set -euo pipefail

target=$1 fuzzer=$(realpath "$2") seconds=$3
mkdir -p "$4"
work=$(realpath "$4")
shift 4
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
seed=${FUZZ_SEED:-1}
cd "$fuzz_dir/../.."

# The seed inputs, in the source tree (the current directory now): existing files, not copies.
case "$target" in
  scenario_loader)
    seeds=(scenarios/*.toml scenarios/ci/*.toml tests/data/scenarios/*.toml
           tests/data/scenarios_invalid/*.toml tests/data/minipay/*.toml)
    max_len=16384 ;;
  system_definition_loader)
    seeds=(sample-system/refpay.toml tests/data/minipay/minipay.toml.in)
    max_len=16384 ;;
  alert_webhook) seeds=(tests/fuzz/seeds/alert_webhook/*) max_len=8192 ;;
  ledger_export) seeds=(tests/fuzz/seeds/ledger_export/*) max_len=8192 ;;
  *) echo "run_fuzzer.sh: unknown target $target" >&2; exit 64 ;;
esac

rm -rf "$work/seeds" "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
mkdir -p "$work/seeds" "$work/corpus"
n=0
for f in "${seeds[@]}" "tests/fuzz/regressions/$target"/*; do
  [ -f "$f" ] || continue
  case "$(basename "$f")" in .*|README.md) continue ;; esac
  cp "$f" "$work/seeds/$((n += 1))-$(basename "$f")"
done

options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len"
         -seed="$seed" -print_final_stats=1 -artifact_prefix="$work/" "$@")
echo "fuzz $target: ${seconds} s, seed $seed, $n seed inputs (regressions included), work dir $work"
echo "  $fuzzer ${options[*]} $work/corpus $work/seeds"
status=0
# ASan's leak check runs at exit; UBSan stops at the first report (-fno-sanitize-recover).
# From the work directory: -jobs writes its fuzz-N.log files into the current one.
cd "$work"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
  "$fuzzer" "${options[@]}" "$work/corpus" "$work/seeds" > "$work/log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  tail -n 150 "$work/log"
  echo "fuzz $target: FAILED (exit $status); the whole log: $work/log" >&2
  # The input, also in the log as base64 (a CI machine's work directory is gone afterwards).
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -f "$f" ] || continue
    echo "input: $f ($(stat -c %s "$f") bytes); as base64 (base64 -d > FILE recreates it):" >&2
    head -c 65536 "$f" | base64 -w 0 >&2
    echo >&2
  done
  echo "reproduce: $fuzzer <input>; keep it as tests/fuzz/regressions/$target/<name> (tests/fuzz/README.md)" >&2
  exit "$status"
fi
grep -E '^(INFO: Seed|stat::|Done)' "$work/log" || true
echo "fuzz $target: no failure in ${seconds} s (corpus: $(ls "$work/corpus" | wc -l) inputs)"
