#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang, ASan and UBSan into build-fuzz/, and runs each for
# N seconds (default 20) from its seed corpus tests/fuzz/corpus/<name>/. Exits non-zero when any target
# crashes, leaks, hangs (-timeout=5 per input) or breaks one of its invariants; the input that did it is kept
# as build-fuzz/artifacts/<name>-crash-* (turn it into a corpus file and a regression test: tests/README.md).
# Inputs that reach new code go to build-fuzz/corpus/<name>/, never into the repo.
#   scripts/fuzz.sh [seconds-per-target] [target...]     e.g. scripts/fuzz.sh 60 sdp csv
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
# Keep in step with tests/fuzz/CMakeLists.txt. name:max_len; max_len a little above the largest real input
# (an RTP datagram of one MTU, an SDP body, a URI of 256 characters), so the fuzzer does not waste its time
# in input lengths the parser rejects at once.
all_targets=(sdp:4096 rtp:1500 rfc4733:4096 csv:4096 sip_uri:512 destination:512 config:4096 rest_body:4096
  wav:4096 toll_policy:65)
wanted=("$@")

bash scripts/setup.sh  # clang and libFuzzer (libclang-rt-dev) among the rest
out=build-fuzz
echo "== fuzz: build ($out, clang)"
mkdir -p "$out"
if ! { nice -n 10 cmake -S tests/fuzz -B "$out" -DCMAKE_CXX_COMPILER=clang++ &&
  nice -n 10 cmake --build "$out" -j2; } >"$out/build.log" 2>&1; then
  tail -40 "$out/build.log" >&2
  exit 1
fi

# libFuzzer reports through the sanitizers; leaks count as crashes. These replace what the caller exported
# for the unit tests (abort_on_error would bypass libFuzzer's own crash handling).
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$out/artifacts" "$out/logs"
status=0
printf '%-12s %8s %12s %10s  %s\n' target seconds executions exec/s result
for entry in "${all_targets[@]}"; do
  name=${entry%%:*}
  max_len=${entry##*:}
  if ((${#wanted[@]})) && [[ " ${wanted[*]} " != *" $name "* ]]; then continue; fi
  mkdir -p "$out/corpus/$name"
  dict=()
  [ -f "tests/fuzz/dict/$name.dict" ] && dict=(-dict="tests/fuzz/dict/$name.dict")
  log="$out/logs/$name.log"
  result=ok
  # First corpus directory: where new inputs are written; the repo's seeds are only read.
  if ! nice -n 10 "$out/${name}_fuzz" -max_total_time="$seconds" -timeout=5 -max_len="$max_len" \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/artifacts/$name-" "${dict[@]}" \
    "$out/corpus/$name" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
    result="FAILED (log: $log)"
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  printf '%-12s %8s %12s %10s  %s\n' "$name" "$seconds" "${runs:-?}" "${rate:-?}" "$result"
  if [ "$result" != ok ]; then
    grep -E 'ERROR|SUMMARY|runtime error|invariant broken|Test unit written' "$log" | head -20 >&2 || true
  fi
done
exit $status
