#!/usr/bin/env bash
# firedrill set-up for a fresh Debian 12 machine: installs the packages of DESIGN.md §8 (as root
# or through sudo; idempotent), configures and builds, then does one of:
#   ./setup.sh run    the main job: the default game day on the bundled payment system
#                     (`firedrill run`: four faults under load, verdict and report paths)
#   ./setup.sh test   every test (ctest), warnings as errors when CI=true; then, unless ctest
#                     arguments narrow the run, the fuzz targets in a clang build of their own
#                     (build-fuzz/, tests/fuzz/README.md), each for FUZZ_SECONDS (30)
#   ./setup.sh build  only install and build
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-build}
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

packages=(
  build-essential cmake pkg-config git
  libboost1.81-dev libboost-json1.81-dev
  libnl-3-dev libnl-route-3-dev libfuse3-dev
  libtomlplusplus-dev libspdlog-dev libcli11-dev
  libsqlite3-dev libsodium-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libfaketime faketime
  iproute2 curl wrk
  prometheus prometheus-alertmanager
)
# Only the tests need these: headless Chromium renders report.html, python3-jsonschema checks
# report.json against its JSON Schema, clang and its runtime (libFuzzer, sanitizers) build the
# fuzz targets, and the SSH test bed (sample-system/hosts/testbed.sh) runs Debian's sshd in
# network namespaces with nft and tc on each "host".
test_packages=(chromium python3 python3-jsonschema clang-14 libclang-rt-14-dev
  openssh-server openssh-client nftables procps)

install_packages() {
  local missing=()
  local wanted=("${packages[@]}")
  [ "$mode" = "test" ] && wanted+=("${test_packages[@]}")
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # openssh-server's and prometheus's packages would start system services listening on every
  # address (sshd; Prometheus, node exporter, Alertmanager); drills start their own, in
  # namespaces. A policy-rc.d that refuses service starts stops that during the install (one
  # already there, e.g. a container's, is left as it is).
  local policy=/usr/sbin/policy-rc.d own_policy=""
  if [ ! -e "$policy" ]; then
    # Gone again however the install ends (an interrupted set-up too).
    trap "$sudo rm -f $policy" EXIT
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy" && own_policy=1
  fi
  local status=0
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" || status=$?
  if [ -n "$own_policy" ]; then
    $sudo rm -f "$policy"
    trap - EXIT
  fi
  return $status
}

build() {
  local werror=OFF
  [ "${CI:-}" = "true" ] && werror=ON
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIREDRILL_WERROR=$werror >/dev/null
  cmake --build "$build_dir" -j "$jobs"
}

# The fuzz targets: configured with clang, built, and each run for FUZZ_SECONDS as a CTest
# test. Without clang++-14 a laptop skips them; CI fails.
fuzz() {
  local fuzz_dir=${FUZZ_BUILD_DIR:-build-fuzz}
  if ! command -v clang++-14 >/dev/null; then
    echo "setup: clang++-14 not found: the fuzz targets cannot run (tests/fuzz/README.md)" >&2
    [ "${CI:-}" = "true" ] && return 1
    return 0
  fi
  cmake -S . -B "$fuzz_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
    -DFIREDRILL_FUZZ=ON -DFIREDRILL_FUZZ_SECONDS="${FUZZ_SECONDS:-30}" >/dev/null || return 1
  cmake --build "$fuzz_dir" -j "$jobs" || return 1
  # Verbose: each target's seed, executions and corpus size are in the log.
  (cd "$fuzz_dir" && ctest --verbose -j "$jobs" -L fuzz)
}

install_packages
build
case "$mode" in
  build) ;;
  run) exec "$build_dir/bin/firedrill" run "${@:2}" ;;
  test)
    status=0
    # As many tests as cores: with twice as many (tried: the drills mostly wait) a CI lab drill
    # with a site loss and a restore under load ended differently once in two runs.
    (cd "$build_dir" && ctest --output-on-failure -j "${TEST_JOBS:-$jobs}" --timeout 600 "${@:2}") || status=$?
    [ $# -gt 1 ] || fuzz || status=$?
    exit $status ;;
  *) echo "usage: ./setup.sh [build|run|test]" >&2; exit 64 ;;
esac
