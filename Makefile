# One entry point for people and CI. `make test` installs everything the tests need on a bare
# machine (Debian packages, the Python package with its test extras, the Go-built lab servers)
# and then runs the whole suite.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
export PIP_DISABLE_PIP_VERSION_CHECK = 1
# The machine's Go toolchain (Debian's golang-go is too old for the lab builds).
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: test deps lab check lint pytest build

test: deps lab check

deps:
	bash lab/install-deps

# Real servers and tools, built from the registries into caches outside the repository.
lab:
	bash lab/prometheus/build
	bash lab/controlplane/build
	bash lab/coredns/build
	bash lab/n9e/build
	bash lab/victoriametrics/build

check: lint pytest

lint:
	ruff check .
	ruff format --check .

pytest:
	$(PYTHON) -m pytest

build:
	n9e-k8s build
