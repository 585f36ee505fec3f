#!/usr/bin/env bash
# Run libFuzzer targets for a while each: tests/fuzz/run.sh <fuzz build dir> <seconds> <target>...
# Each target starts from its committed seed corpus and found crashes (tests/fuzz/corpus/<t>,
# tests/fuzz/regressions/<t>) and writes new inputs to <build>/corpus/<t> (not the tree). A crash
# leaves its input in <build>/artifacts/<t>/ and fails the run: copy it to regressions/<t>/, fix
# the bug, and the replay test "[fuzz]" of servscore_tests keeps it fixed.
set -euo pipefail
build=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
status=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for t in "$@"; do
  name=${t#fuzz_}
  work="$build/corpus/$name"
  art="$build/artifacts/$name/"
  mkdir -p "$work" "$art" "$here/regressions/$name"
  log="$build/$t.log"
  if "$build/tests/fuzz/$t" -seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
      -print_final_stats=1 -artifact_prefix="$art" "$work" "$here/corpus/$name" "$here/regressions/$name" \
      >"$log" 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    cov=$(grep -E '^#[0-9]+.*cov:' "$log" | tail -1 | sed -E 's/.*cov: ([0-9]+).*ft: ([0-9]+).*/cov \1, ft \2/')
    echo "fuzz $name: ${seconds}s, $execs executions, $cov, no findings"
  else
    status=1
    echo "fuzz $name: FAILED (input in $art); the end of $log:"
    tail -40 "$log"
  fi
done
exit $status
