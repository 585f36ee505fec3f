# servscore: two commands on a fresh machine.
#   make demo   install only what the demo needs (runtime dependencies, the Python package; no test
#               tools, no C++ tests), score the sample data; prints how long it took
#   make test   the rest (test requirements, C++ tests, consumers), the manylinux wheel (make wheel),
#               and every C++ and Python test, the Python ones against the wheel installed in a fresh venv
# Both are idempotent: a second run reuses the virtual environment and the build.

SHELL := /bin/bash
.DEFAULT_GOAL := demo

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

# The build of the Python package; it also holds the C++ tests (one compile for both).
BUILD := build/py
INSTALL := build/install
# the demo's system packages (a compiler, Eigen, Boost.JSON); make test adds Catch2
APT_DEMO_PACKAGES := g++ libeigen3-dev libboost-json1.81-dev
APT_PACKAGES := $(APT_DEMO_PACKAGES) catch2 pkg-config ccache
# only for `make test`: the report is opened in a real browser; CJK fonts for Chinese plots
# postgresql: tests/python/test_sql.py starts a throw-away server of it (initdb, pg_ctl on a loopback port)
APT_TEST_PACKAGES := chromium fonts-noto-cjk clang-format doxygen postgresql
# only for the hardening targets (make tsan / fuzz): clang, libFuzzer and the sanitizer runtimes
APT_HARDEN_PACKAGES := clang libclang-rt-14-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# ccache for every C++ build of make test when it is installed (make test installs it): CMake takes
# the launcher from the environment, scikit-build-core's build too. The cache is ccache's own
# (CCACHE_DIR, by default ~/.cache/ccache), so a rebuild after `make clean` or a second clone at the
# same path reuses the objects (no CCACHE_BASEDIR: it would make __FILE__ and the debug paths
# relative). CCACHE=0 turns it off.
CCACHE ?= 1
ifeq ($(CCACHE),1)
export CMAKE_CXX_COMPILER_LAUNCHER ?= $(shell command -v ccache 2>/dev/null)
endif

.PHONY: lint typecheck demo demo-run package test build sysdeps sysdeps-demo testdeps venv venv-run ctest \
	consumers examples pytest wheel wheel-venv docs-cpp dev clean help \
	sanitize asan-build tsan fuzz fuzz-build fuzz-smoke hardendeps

help:
	@echo "make demo | make test | make wheel | make build | make docs-cpp | make dev DEV=build/dev-NAME | make clean"

# System packages: installed with apt-get only when one is missing.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef
sysdeps-demo: build/.sysdeps-demo
build/.sysdeps-demo:
	$(call apt_install,$(APT_DEMO_PACKAGES))
	@mkdir -p build && touch $@
sysdeps: build/.sysdeps
build/.sysdeps:
	$(call apt_install,$(APT_PACKAGES))
	@mkdir -p build && touch $@
testdeps: build/.testdeps
build/.testdeps:
	$(call apt_install,$(APT_TEST_PACKAGES))
	@mkdir -p build && touch $@

hardendeps: build/.hardendeps
build/.hardendeps:
	$(call apt_install,$(APT_HARDEN_PACKAGES))
	@mkdir -p build && touch $@

# .venv: requirements.txt (build tools + runtime) for the demo; requirements-dev.txt adds the rest.
venv-run: $(VENV)/.stamp-run
$(VENV)/.stamp-run: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q -r requirements.txt
	@touch $@
venv: $(VENV)/.stamp
$(VENV)/.stamp: requirements-dev.txt requirements-test.txt requirements.txt $(VENV)/.stamp-run
	$(PIP) install -q -r requirements-dev.txt
	@touch $@

# pip builds the wheel in build/py (incremental) and installs it into .venv. The compile shows its
# progress ([n/N] lines); the whole output is in build/py.log.
# $(1): SERVSCORE_BUILD_TESTS (OFF for the demo; ON for make test, which then builds them in the same dir)
define pip_build
	@mkdir -p build; set -o pipefail; echo "Building the Python package (C++ core; log in $(BUILD).log)"; \
	if ! SERVSCORE_BUILD_TESTS=$(1) CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) \
	  $(PIP) install -v --no-build-isolation --no-deps . -Cbuild-dir=$(BUILD) 2>&1 < /dev/null | tee $(BUILD).log \
	  | { grep --line-buffered -E '^ *\[[0-9]+/[0-9]+\] ' | sed -u 's/^ */  /' || true; }; then \
	  tail -40 $(BUILD).log; echo "make: building the package failed (log: $(BUILD).log)"; exit 1; fi
endef
package: sysdeps-demo venv-run
	$(call pip_build,OFF)

build: sysdeps venv
	$(call pip_build,ON)
	cmake --build $(BUILD) --target servscore_tests -j $(JOBS)
	cmake --install $(BUILD) --prefix $(INSTALL) >/dev/null

# The main job on the bundled sample data: the HTML report and its text summary. Timed from the
# first install step to the report.
demo:
	@start=$$(date +%s); $(MAKE) --no-print-directory demo-run && \
	  echo "make demo: finished in $$(( $$(date +%s) - start )) s (system packages, .venv, build, report)"
demo-run: package
	$(VENV)/bin/servscore report examples/data -o build/report.html

# The manylinux wheel: built from build/py (the same compile as make build) and repaired by
# auditwheel into dist/ (the policy is the oldest glibc the wheel's symbols allow).
DIST := dist
wheel: build
	rm -rf build/wheelhouse && mkdir -p build/wheelhouse $(DIST)
	SERVSCORE_BUILD_TESTS=ON CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) \
	  $(PIP) wheel -q --no-build-isolation --no-deps . -Cbuild-dir=$(BUILD) -w build/wheelhouse
	rm -f $(DIST)/servscore-*.whl
	$(VENV)/bin/auditwheel repair -w $(DIST) build/wheelhouse/servscore-*.whl
	$(VENV)/bin/auditwheel show $(DIST)/servscore-*.whl

# A fresh venv with the repaired wheel and the test requirements only: no build tools, nothing from
# build/ or the source tree importable (checked: servscore.__file__ must be inside the venv).
WHEEL_VENV := build/wheel-venv
WHEEL_PY := $(WHEEL_VENV)/bin/python
# the tests' PATH: the venv, then the system; not .venv (cmake, ninja, pybind11)
WHEEL_PATH := $(CURDIR)/$(WHEEL_VENV)/bin:/usr/local/bin:/usr/bin:/bin
$(WHEEL_VENV)/.stamp: requirements-test.txt
	@test -x $(WHEEL_PY) || $(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_PY) -m pip install -q -r requirements-test.txt
	@touch $@
wheel-venv: wheel $(WHEEL_VENV)/.stamp
	$(WHEEL_PY) -m pip install -q --force-reinstall --no-deps $(DIST)/servscore-*.whl
	@cd /tmp && env -u PYTHONPATH PATH=$(WHEEL_PATH) $(CURDIR)/$(WHEEL_PY) -c \
	  "import servscore, sys; f = servscore.__file__; print('servscore', servscore.__version__, 'from', f); \
	  sys.exit(0 if f.startswith('$(CURDIR)/$(WHEEL_VENV)/') else 'servscore is not the installed wheel')"

ctest: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

consumers: build
	tests/consumers/run.sh $(CURDIR)/$(INSTALL) $(CURDIR)/build/consumers

examples: build
	tests/examples.sh $(CURDIR)/$(INSTALL) $(CURDIR)/build/examples $(CURDIR)/$(PY)

# The Python tests run against the wheel installed in $(WHEEL_VENV); its modules' docstring examples
# run too (--pyargs servscore imports them from the venv's site-packages).
# pytest-xdist: PYTEST_WORKERS processes, each taking whole files (--dist loadfile), so a file's
# module fixtures (a Spark session, a Dask cluster, a browser) are started once.
PYTEST_WORKERS ?= $(JOBS)
PYTEST_XDIST = -n $(PYTEST_WORKERS) --dist loadfile
pytest: wheel-venv testdeps
	env -u PYTHONPATH PATH=$(WHEEL_PATH) SERVSCORE_REQUIRE_BROWSER=1 SERVSCORE_REQUIRE_DB=1 \
	  $(WHEEL_PY) -m pytest -q -p no:cacheprovider $(PYTEST_XDIST) tests/python --pyargs servscore

# The typed API: mypy --strict over the package, with the stub of the compiled core.
typecheck: build
	$(VENV)/bin/mypy

# The hardening of CI (docs/hardening.md): sanitize (clang ASan + UBSan over the C++ tests and the
# Python engine tests), fuzz-smoke (clang libFuzzer, every target FUZZ_SMOKE_SECONDS, seeded, from
# the committed corpus; found crashes are also replayed by servscore_tests "[fuzz]") and tsan (clang
# TSan over every C++ test that runs an engine with several workers).
test: ctest consumers examples pytest typecheck lint sanitize fuzz-smoke tsan docs-cpp

# The C++ API reference (Doxygen, from the headers' comments and docs/cpp.md).
docs-cpp: testdeps
	@mkdir -p build/docs-cpp
	doxygen docs/Doxyfile
	@echo "C++ API reference: build/docs-cpp/html/index.html ($$(grep -c . build/docs-cpp/warnings.log || true) doxygen warnings in build/docs-cpp/warnings.log)"

# ---- Hardening (docs/hardening.md): sanitizers and fuzzing ----
# Sanitizer builds: clang, -O1 with line tables (every report has file:line frames), no LTO
# (pybind11 would add it), asserts off as in the release build.
SAN_CMAKE := -G Ninja -DSERVSCORE_INSTALL=OFF -DSERVSCORE_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DCMAKE_CXX_COMPILER=clang++
UBSAN_ENV := UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# One clang ASan + UBSan build serves the C++ tests, the Python extension and the libFuzzer targets
# (SERVSCORE_FUZZ also instruments the library for coverage): one compile instead of three.
ASAN_BUILD := build/asan
FUZZ_BUILD := $(ASAN_BUILD)
FUZZ_TARGETS = $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.cpp)))
# The Python suites run under ASan + UBSan, except those that spend their time outside the
# extension: the HTML report, notebooks, the documentation and README examples, the CLI (a
# subprocess per case), the text-model training and corpus evaluations, and mypy over the stub
# (test_typing), and the Dask / Spark suites (worker processes and a JVM under LD_PRELOAD). Everything else (every engine, the state bytes, JSON interchange, frames and
# Arrow input) runs.
SANITIZE_PYTEST_SKIP := test_report test_notebooks test_docs test_readme test_cli test_typing \
  test_corpus test_text_eval test_text_model test_dask test_spark test_cli_corrupt test_sql
SANITIZE_PYTESTS = $(filter-out $(addprefix tests/python/,$(addsuffix .py,$(SANITIZE_PYTEST_SKIP))),$(wildcard tests/python/test_*.py))
asan-build: sysdeps hardendeps venv
	cmake -S . -B $(ASAN_BUILD) $(SAN_CMAKE) -DSERVSCORE_SANITIZE=address,undefined -DSERVSCORE_FUZZ=ON \
	  -DSERVSCORE_PYTHON=ON -DPython_EXECUTABLE=$(CURDIR)/$(PY) -Dpybind11_DIR=$$($(PY) -m pybind11 --cmakedir) >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# ASan + UBSan over the C++ tests (leak checking on) and the Python extension (the engine tests).
# python links neither the ASan runtime nor libstdc++: both are preloaded (ASan's __cxa_throw
# interceptor needs libstdc++ at start-up).
sanitize: asan-build
	$(UBSAN_ENV) ASAN_OPTIONS=detect_leaks=1 ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)
	LD_PRELOAD="$$(clang++ -print-file-name=libclang_rt.asan-x86_64.so) $$(g++ -print-file-name=libstdc++.so)" \
	  ASAN_OPTIONS=detect_leaks=0 $(UBSAN_ENV) \
	  PYTHONPATH=$(ASAN_BUILD)/python $(PY) -m pytest -q -p no:cacheprovider -x $(PYTEST_XDIST) $(SANITIZE_PYTESTS)

# clang TSan over the C++ tests of the threaded code (parallel_for users and the text-model trainer).
# target_clones is off: the ifunc resolvers run before the TSan runtime is initialised.
TSAN_BUILD := build/tsan
# every C++ test case that runs an engine with several workers (their names say so)
TSAN_TESTS := *worker*,*parallel*,*thread*
tsan: sysdeps hardendeps
	cmake -S . -B $(TSAN_BUILD) $(SAN_CMAKE) -DSERVSCORE_SANITIZE=thread -DSERVSCORE_NO_TARGET_CLONES=ON >/dev/null
	cmake --build $(TSAN_BUILD) --target servscore_tests -j $(JOBS)
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 $(TSAN_BUILD)/tests/cpp/servscore_tests "$(TSAN_TESTS)"

# libFuzzer targets (tests/fuzz/README.md), built in the ASan build. `make fuzz` runs each for
# FUZZ_SECONDS on a copy of its seed corpus; `make fuzz-smoke` (in make test) is the short run.
FUZZ_SECONDS ?= 300
fuzz-build: asan-build
fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
# The smoke run of make test: every target FUZZ_SMOKE_SECONDS, seeded (FUZZ_SEED, default 1),
# from the committed seeds and regressions; 6 targets x 20 s: 2 minutes of fuzzing in CI.
FUZZ_SMOKE_SECONDS ?= 20
fuzz-smoke: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

# Development build for one engineer: C++ tests and the Python package staged in $(DEV)/python.
#   make dev DEV=build/dev-kano && PYTHONPATH=build/dev-kano/python .venv/bin/pytest tests/python/test_kano.py
DEV ?= build/dev
dev: sysdeps venv
	cmake -S . -B $(DEV) -G Ninja -DSERVSCORE_PYTHON=ON -DSERVSCORE_BUILD_TESTS=ON \
	  -DPython_EXECUTABLE=$(CURDIR)/$(PY) -Dpybind11_DIR=$$($(PY) -m pybind11 --cmakedir) >/dev/null
	cmake --build $(DEV) -j $(JOBS)

clean:
	rm -rf build

# Style: ruff (lint and format) and clang-format; part of `make test`, so CI checks it.
lint: venv testdeps
	$(VENV)/bin/ruff check python tests benchmarks tools examples
	$(VENV)/bin/ruff format --check python tests benchmarks tools examples
	clang-format --dry-run --Werror include/servscore/*.hpp include/servscore/detail/*.hpp src/*.cpp src/*.hpp \
	  python/src/*.cpp python/src/*.hpp tests/cpp/*.cpp tests/consumers/*.cpp examples/cpp/*.cpp tests/fuzz/*.cpp tests/fuzz/*.hpp
