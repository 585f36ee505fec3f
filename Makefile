# servscore: two commands on a fresh machine.
#   make demo   install what is missing, build, run the main job on the sample data
#   make test   the same set-up, then every C++ and Python test
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
APT_PACKAGES := g++ libeigen3-dev libboost-json1.81-dev catch2
# only for `make test`: the report is opened in a real browser; CJK fonts for Chinese plots
APT_TEST_PACKAGES := chromium fonts-noto-cjk clang-format
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: lint typecheck demo test build sysdeps testdeps venv ctest consumers examples pytest dev clean help

help:
	@echo "make demo | make test | make build | make dev DEV=build/dev-NAME | make clean"

# System packages: installed with apt-get only when one is missing.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef
sysdeps: build/.sysdeps
build/.sysdeps:
	$(call apt_install,$(APT_PACKAGES))
	@mkdir -p build && touch $@
testdeps: build/.testdeps
build/.testdeps:
	$(call apt_install,$(APT_TEST_PACKAGES))
	@mkdir -p build && touch $@

venv: $(VENV)/.stamp
$(VENV)/.stamp: requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	@touch $@

# pip builds the wheel in build/py (incremental) and installs it into .venv.
build: sysdeps venv
	SERVSCORE_BUILD_TESTS=ON CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) \
	  $(PIP) install -q --no-build-isolation --no-deps . -Cbuild-dir=$(BUILD)
	cmake --build $(BUILD) --target servscore_tests -j $(JOBS)
	cmake --install $(BUILD) --prefix $(INSTALL) >/dev/null

# The main job on the bundled sample data: the HTML report and its text summary.
demo: build
	$(VENV)/bin/servscore report examples/data -o build/report.html

ctest: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

consumers: build
	tests/consumers/run.sh $(CURDIR)/$(INSTALL) $(CURDIR)/build/consumers

examples: build
	tests/examples.sh $(CURDIR)/$(INSTALL) $(CURDIR)/build/examples $(CURDIR)/$(PY)

# Tests run against the installed package; its modules' docstring examples run too (--pyargs).
pytest: build testdeps
	SERVSCORE_REQUIRE_BROWSER=1 $(PY) -m pytest -q -p no:cacheprovider tests/python --pyargs servscore

# The typed API: mypy --strict over the package, with the stub of the compiled core.
typecheck: build
	$(VENV)/bin/mypy

test: ctest consumers examples pytest typecheck lint

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
	  python/src/*.cpp python/src/*.hpp tests/cpp/*.cpp tests/consumers/*.cpp examples/cpp/*.cpp
