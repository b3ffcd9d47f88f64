#!/usr/bin/env bash
# Installs the Debian packages callbackd needs. Idempotent: installs only what is missing, so it is cheap to run
# before every build.
#   scripts/setup.sh server   what the server needs to build and run (scripts/run-server.sh)
#   scripts/setup.sh          that, and what the tests, the linters and the fuzzers add (scripts/test.sh)
set -euo pipefail
set_name=${1:-all}
case "$set_name" in server | all) ;; *) echo "usage: $0 [server|all]" >&2; exit 2 ;; esac
server_packages=(
  build-essential cmake pkg-config
  libsofia-sip-ua-dev libspandsp-dev libsqlite3-dev libssl-dev libsodium-dev libphonenumber-dev
  libcpp-httplib-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libsystemd-dev
  espeak-ng sox libsox-fmt-mp3  # the voice prompts are synthesised at build time
  python3 curl                  # run-server.sh picks free ports with python3; the README's examples use curl
)
test_packages=(
  clang-format clang-tidy clang libclang-rt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  sqlite3 python3-jsonschema python3-yaml
  sip-tester baresip-core procps fail2ban systemd dpkg-dev file
  nodejs chromium
)
packages=("${server_packages[@]}")
[ "$set_name" = server ] || packages+=("${test_packages[@]}")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian's Sofia-SIP has an assertion two packets can reach; we run it rebuilt with our patches.
bash "$(dirname "$0")/build-sofia.sh"
[ "$set_name" = server ] && exit 0
# The browser tests' only npm package (playwright-core), exactly as tests/browser/package-lock.json pins it.
browser_tests="$(dirname "$0")/../tests/browser"
if [ ! -f "$browser_tests/node_modules/playwright-core/package.json" ] ||
   [ "$browser_tests/package-lock.json" -nt "$browser_tests/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in tests/browser"
  npm ci --prefix "$browser_tests" --no-audit --no-fund
fi
