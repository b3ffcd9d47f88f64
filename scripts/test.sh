#!/usr/bin/env bash
# Builds callbackd twice (optimised, and with AddressSanitizer + UBSan) and runs the unit tests (GoogleTest) in
# both. Each whole-call integration case (real peers over loopback: sipp, HTTP, baresip, a browser) runs once:
# the ones that check behaviour in the sanitizer build, which catches more, several at a time; the ones that
# measure time or memory under load alone, in the optimised build (tests/integration/registry.py); the package
# check there too. Then every libFuzzer target for a bounded time (scripts/fuzz.sh, CALLBACKD_FUZZ_SECONDS per
# target, default 10, 0 skips), then clang-format and clang-tidy. Exits non-zero on any failure. Set
# CALLBACKD_TEST_BUILDS="build" to run one build only while iterating: it then runs every case.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)

echo "== clang-format check"
files=$(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp' 2>/dev/null || true)
if [ -n "$files" ]; then
  # shellcheck disable=SC2086
  clang-format --dry-run --Werror $files
fi

status=0
builds=(${CALLBACKD_TEST_BUILDS:-build build-asan})
for build in "${builds[@]}"; do
  # Most cases wait on peers and timers far more than they compute: more of them than cores run at once.
  parallel=$((jobs * 2))
  flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCALLBACKD_INTEGRATION=timing)
  skip=browser
  if [ "$build" = build-asan ]; then
    flags=(-DCMAKE_BUILD_TYPE=Debug -DCALLBACKD_SANITIZE=ON -DCALLBACKD_INTEGRATION=behaviour)
    skip=install
  fi
  if [ "${#builds[@]}" = 1 ]; then
    flags+=(-DCALLBACKD_INTEGRATION=all)
    skip=none
  fi
  echo "== $build: configure and compile"
  cmake -S . -B "$build" "${flags[@]}" >/dev/null
  cmake --build "$build" -j"$jobs"
  echo "== $build: tests"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  if ! ctest --test-dir "$build" --output-on-failure --timeout 600 -j"$parallel" -LE "^${skip}\$"; then
    status=1
  fi
done
fuzz_seconds=${CALLBACKD_FUZZ_SECONDS:-10}
if [ "$fuzz_seconds" != 0 ]; then
  echo "== fuzz: every target for $fuzz_seconds s"
  bash scripts/fuzz.sh "$fuzz_seconds" || status=1
fi
echo "== clang-tidy"
bash scripts/lint.sh || status=1
exit $status
