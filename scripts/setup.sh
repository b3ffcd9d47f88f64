#!/usr/bin/env bash
# Installs every Debian package that the build, the tests and the server need. Idempotent: installs only what is
# missing, so it is cheap to run before every build.
set -euo pipefail
packages=(
  build-essential cmake pkg-config clang-format clang-tidy clang libclang-rt-dev
  libsofia-sip-ua-dev libspandsp-dev libsqlite3-dev sqlite3 libssl-dev libsodium-dev
  libphonenumber-dev
  libcpp-httplib-dev nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libsystemd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  espeak-ng sox libsox-fmt-mp3
  python3-jsonschema python3-yaml
  sip-tester baresip-core python3 curl procps fail2ban systemd dpkg-dev file
  nodejs chromium
)
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
# The browser tests' only npm package (playwright-core), exactly as tests/browser/package-lock.json pins it.
browser_tests="$(dirname "$0")/../tests/browser"
if [ ! -f "$browser_tests/node_modules/playwright-core/package.json" ] ||
   [ "$browser_tests/package-lock.json" -nt "$browser_tests/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in tests/browser"
  npm ci --prefix "$browser_tests" --no-audit --no-fund
fi
