# QA Center — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Demo data size and seed for `make run` (e.g. `make run SCALE=large`).
SCALE ?= small
SEED ?= 2026

.PHONY: run test test-integration test-e2e lint format messages clean help

help:
	@echo "make run    - install, migrate, load demo data, start web + worker + beat on http://127.0.0.1:8000"
	@echo "make test   - install, lint, checks and the test suite (SQLite, no services needed)"
	@echo "make test-integration - the suite against PostgreSQL/Redis (set DATABASE_URL, REDIS_URL)"
	@echo "make test-e2e         - browser tests in Debian's Chromium (/usr/bin/chromium)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"' \
		|| { echo "QA Center needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtualenv: on Debian run 'apt-get install python3-venv'."; exit 1; }

$(VENV)/.runtime: $(BIN)/python requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(VENV)/.runtime
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo --scale $(SCALE) --seed $(SEED)
	@# Queue every chart: the worker draws them as soon as it starts, so the dashboards fill in.
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py draw_charts --queue
	@echo "Starting web, Celery worker and beat on http://127.0.0.1:8000 (Ctrl-C stops all three)."
	DEBUG=$${DEBUG:-1} PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	DEBUG=1 $(BIN)/python manage.py check --fail-level WARNING
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -m "not integration and not e2e"

test-integration: $(VENV)/.dev
	$(BIN)/pytest -m "not e2e"

test-e2e: $(VENV)/.dev
	$(BIN)/pytest -m e2e

# Regenerate the Chinese catalogue after adding strings (needs gettext), then compile it.
messages: $(VENV)/.dev
	DEBUG=1 $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --no-location --ignore=.venv --ignore=var --ignore=tests
	DEBUG=1 $(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv --ignore=var

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
