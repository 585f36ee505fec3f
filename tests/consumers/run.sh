#!/usr/bin/env bash
# Build and run the consumer projects: find_package against an install prefix, and add_subdirectory.
# usage: run.sh INSTALL_PREFIX WORK_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="$1"; work="$2"
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
for c in find_package add_subdirectory; do
  cmake -S "$here/$c" -B "$work/$c" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  if ! cmake --build "$work/$c" -j "$(nproc 2>/dev/null || echo 2)" >"$work/$c.log" 2>&1; then
    cat "$work/$c.log" >&2; echo "consumer $c: build failed" >&2; exit 1
  fi
  echo -n "consumer $c: "
  "$work/$c/consumer"
done
