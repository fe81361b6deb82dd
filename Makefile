# The two commands: `make run` (serve the reference model on embedded defaults)
# and `make test` (lint, type-check and the full test suite). Each sets itself up.
PYTHON ?= python3
VENV ?= .venv
PIP = $(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-quick lint

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.base: $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

$(VENV)/.dev: $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) -e ".[train,openvino,dev,cluster]"
	touch $@ $(VENV)/.base

run: $(VENV)/.base
	$(VENV)/bin/streetwatch serve --host $(HOST) --port $(PORT) --data-dir data

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/python -m pytest

test-quick: lint
	$(VENV)/bin/python -m pytest -m "not slow"
