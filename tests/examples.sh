#!/usr/bin/env bash
# Build the C++ example against the installed library, run it and the Python example on the
# bundled CSV, and check that both print the same quadrant counts.
# usage: examples.sh INSTALL_PREFIX WORK_DIR PYTHON
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$1"; work="$2"; py="$3"
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$root/examples/cpp" -B "$work/cpp" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cpp" >/dev/null
csv="$root/examples/data/encounters.csv"
cpp_out="$("$work/cpp/score_csv" "$csv" 2)"
py_out="$(cd "$root/examples/python" && "$py" score_csv.py "$csv")"
echo "C++ example:    ${cpp_out%%$'\n'*}"
echo "Python example: ${py_out%%$'\n'*}"
if [ "$cpp_out" != "$py_out" ]; then
  echo "examples disagree:"; echo "$cpp_out"; echo "$py_out"; exit 1
fi
(cd "$root/examples/python" && "$py" demo.py >/dev/null)
echo "examples: 1 passed, 0 failed"
