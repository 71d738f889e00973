#!/usr/bin/env bash
# firedrill set-up for a fresh Debian 12 machine: installs the packages of DESIGN.md §8 (as root
# or through sudo; idempotent), configures and builds, then does one of:
#   ./setup.sh run    the main job: the default game day on the bundled payment system
#                     (`firedrill run`: four faults under load, verdict and report paths)
#   ./setup.sh test   every test (ctest), warnings as errors when CI=true
#   ./setup.sh build  only install and build
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-build}
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

packages=(
  build-essential cmake pkg-config git
  libboost1.81-dev libboost-json1.81-dev
  libnl-3-dev libnl-route-3-dev
  libtomlplusplus-dev libspdlog-dev libcli11-dev
  libsqlite3-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libfaketime faketime
  iproute2 curl wrk
)
# Only the tests need these: headless Chromium renders report.html, python3-jsonschema checks
# report.json against its JSON Schema.
test_packages=(chromium python3 python3-jsonschema)

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
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

build() {
  local werror=OFF
  [ "${CI:-}" = "true" ] && werror=ON
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIREDRILL_WERROR=$werror >/dev/null
  cmake --build "$build_dir" -j "$jobs"
}

install_packages
build
case "$mode" in
  build) ;;
  run) exec "$build_dir/bin/firedrill" run "${@:2}" ;;
  test) cd "$build_dir" && exec ctest --output-on-failure -j "$jobs" --timeout 600 "${@:2}" ;;
  *) echo "usage: ./setup.sh [build|run|test]" >&2; exit 64 ;;
esac
