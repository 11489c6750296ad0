# The README's commands. Each target creates or reuses the virtual environment itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Official files: the mirror beside the project when it exists, else download from official URLs.
MIRROR := $(abspath ../shared/opendata)
ifneq ($(wildcard $(MIRROR)/README.md),)
export PORTRAITS_MIRROR_DIR ?= $(MIRROR)
endif
# Dagster's local storage under the project (absolute path, kept between commands).
export DAGSTER_HOME ?= $(CURDIR)/var/dagster_home

.PHONY: run test ui serve bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# copied once: an instance configured by its owner is never overwritten
$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	[ -e $@ ] || cp dagster.yaml $@

## run: build everything (Dagster job build_all) on the embedded default and publish output/
run: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/portraits build

## test: the test suite (reads the official files from the mirror)
test: $(STAMP)
	$(BIN)/python -m pytest

## ui: the Dagster webserver and daemon on the same definitions (http://127.0.0.1:3000)
ui: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m pipelines.definitions -h 127.0.0.1 -p 3000

## serve: the published catalogue on http://127.0.0.1:8000
serve:
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory output

## bench: full build timings per stage and peak memory
bench: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python scripts/bench.py

clean:
	rm -rf var/work.duckdb var/work.duckdb.wal var/build var/cache var/dagster_home output output.editions
