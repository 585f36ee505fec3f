#!/usr/bin/env bash
# Build and run the consumer programs of the C++ library (each prints "... ok"):
#   find_package, static     against INSTALL_PREFIX (the static library of make build)
#   pkg-config, static       the same prefix, through servscore.pc (pkg-config --static)
#   add_subdirectory, shared the source tree as a subproject with BUILD_SHARED_LIBS=ON, installed to
#                            WORK_DIR/shared-prefix (its exported symbols checked: servscore:: only)
#   find_package, shared     against that prefix
#   pkg-config, shared       against that prefix
#   docs example             the program of docs/cpp.md, against INSTALL_PREFIX
# usage: run.sh INSTALL_PREFIX WORK_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
prefix="$1"; work="$2"
mkdir -p "$work"
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
jobs="$(nproc 2>/dev/null || echo 2)"
passed=0; failed=0
cxx="${CXX:-c++}"

# build_cmake NAME SOURCE_DIR [cmake args...]: configure and build, the log shown on failure
build_cmake() {
  local name="$1" src="$2"; shift 2
  if ! { cmake -S "$src" -B "$work/$name" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release "$@" &&
         cmake --build "$work/$name" -j "$jobs"; } >"$work/$name.log" 2>&1; then
    cat "$work/$name.log" >&2; echo "consumer $name: build failed" >&2; exit 1
  fi
}
# run NAME PROGRAM: one consumer program; it prints its own "ok" / "FAILED" and exits 0 / 1
run() {
  local name="$1"; shift
  echo -n "consumer $name: "
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
pc_dir() { dirname "$(find "$1" -name servscore.pc -path '*pkgconfig*' | head -1)"; }

# static: find_package and pkg-config against the install of make build
build_cmake find_package-static "$here/find_package" -DCMAKE_PREFIX_PATH="$prefix"
run "find_package (static)" "$work/find_package-static/consumer"
pc_static="$(pc_dir "$prefix")"
# shellcheck disable=SC2046
"$cxx" -std=c++17 -O1 "$here/consumer.cpp" -o "$work/pkg-config-static" \
  $(PKG_CONFIG_PATH="$pc_static" pkg-config --static --cflags --libs servscore)
run "pkg-config (static)" "$work/pkg-config-static"
# the example of docs/cpp.md, extracted from the page: the documented code compiles and runs
if [ -f "$root/docs/cpp.md" ]; then
  awk '/<!-- compiled and run by tests\/consumers\/run.sh/{m=1; next} m && /^```cpp/{f=1; next} f && /^```/{exit} f' \
    "$root/docs/cpp.md" > "$work/docs_example.cpp"
  if [ -s "$work/docs_example.cpp" ]; then
    # shellcheck disable=SC2046
    "$cxx" -std=c++17 -O1 "$work/docs_example.cpp" -o "$work/docs_example" \
      $(PKG_CONFIG_PATH="$pc_static" pkg-config --static --cflags --libs servscore)
    run "docs/cpp.md example" "$work/docs_example"
  fi
fi

# shared: add_subdirectory with BUILD_SHARED_LIBS, installed, then find_package and pkg-config on it
# -O1: this compile checks linking, visibility and the install, not speed (ctest covers the -O3 build)
build_cmake add_subdirectory-shared "$here/add_subdirectory" -DBUILD_SHARED_LIBS=ON -DSERVSCORE_INSTALL=ON \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG"
run "add_subdirectory (shared)" "$work/add_subdirectory-shared/consumer"
shared_prefix="$work/shared-prefix"
rm -rf "$shared_prefix"
cmake --install "$work/add_subdirectory-shared" --prefix "$shared_prefix" >/dev/null
so="$(find "$shared_prefix" -name 'libservscore.so' | head -1)"
if [ -z "$so" ]; then echo "consumer shared: no libservscore.so installed" >&2; exit 1; fi
# visibility: every exported (defined, dynamic) symbol is in namespace servscore
foreign="$(nm -DC --defined-only "$so" | awk '{ $1 = ""; $2 = ""; sub(/^  /, ""); print }' |
  grep -vE '^(servscore::|typeinfo for servscore::|typeinfo name for servscore::|vtable for servscore::|VTT for servscore::|SERVSCORE_|_init$|_fini$)' || true)"
echo -n "consumer shared symbols: "
if [ -z "$foreign" ]; then
  echo "$(nm -DC --defined-only "$so" | wc -l) exported, all servscore:: ok"; passed=$((passed + 1))
else
  echo "FAILED, exported outside servscore::"; echo "$foreign" | head -20; failed=$((failed + 1))
fi
build_cmake find_package-shared "$here/find_package" -DCMAKE_PREFIX_PATH="$shared_prefix"
if ! ldd "$work/find_package-shared/consumer" | grep -q "libservscore.so"; then
  echo "consumer find_package (shared): not linked to libservscore.so" >&2; failed=$((failed + 1))
fi
run "find_package (shared)" "$work/find_package-shared/consumer"
pc_shared="$(pc_dir "$shared_prefix")"
# shellcheck disable=SC2046
"$cxx" -std=c++17 -O1 "$here/consumer.cpp" -o "$work/pkg-config-shared" \
  $(PKG_CONFIG_PATH="$pc_shared" pkg-config --cflags --libs servscore)
run "pkg-config (shared)" env LD_LIBRARY_PATH="$(dirname "$so")" "$work/pkg-config-shared"

echo "consumers: $passed passed, $failed failed"
[ "$failed" = 0 ]
