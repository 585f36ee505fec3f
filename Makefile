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
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: demo test build sysdeps venv ctest consumers examples pytest dev clean help

help:
	@echo "make demo | make test | make build | make dev DEV=build/dev-NAME | make clean"

# System packages: installed with apt-get only when one is missing.
sysdeps: build/.sysdeps
build/.sysdeps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
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

demo: build
	cd examples/python && ../../$(PY) demo.py

ctest: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

consumers: build
	tests/consumers/run.sh $(CURDIR)/$(INSTALL) $(CURDIR)/build/consumers

examples: build
	tests/examples.sh $(CURDIR)/$(INSTALL) $(CURDIR)/build/examples $(CURDIR)/$(PY)

# Tests run against the installed package; its modules' docstring examples run too (--pyargs).
pytest: build
	$(PY) -m pytest -q -p no:cacheprovider tests/python --pyargs servscore

test: ctest consumers examples pytest

# Development build for one engineer: C++ tests and the Python package staged in $(DEV)/python.
#   make dev DEV=build/dev-kano && PYTHONPATH=build/dev-kano/python .venv/bin/pytest tests/python/test_kano.py
DEV ?= build/dev
dev: sysdeps venv
	cmake -S . -B $(DEV) -G Ninja -DSERVSCORE_PYTHON=ON -DSERVSCORE_BUILD_TESTS=ON \
	  -DPython_EXECUTABLE=$(CURDIR)/$(PY) -Dpybind11_DIR=$$($(PY) -m pybind11 --cmakedir) >/dev/null
	cmake --build $(DEV) -j $(JOBS)

clean:
	rm -rf build
