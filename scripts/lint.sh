#!/usr/bin/env bash
# clang-tidy over every source file, using the compile commands of the build/ tree. Exits non-zero on findings.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
files=$(git ls-files 'src/*.cpp')
out=$(mktemp)
# Two files at a time: clang-tidy is single-threaded and the machine has two cores.
# shellcheck disable=SC2086
printf '%s\n' $files | xargs -P "$(nproc)" -n 4 clang-tidy -p build --quiet 2>/dev/null | tee "$out" || true
if grep -qE '(warning|error):' "$out"; then
  echo "lint: clang-tidy findings above" >&2
  exit 1
fi
echo "lint: clean"
