# WatchTogether developer tasks.
#
#   make run            migrate, load demo data, start web + worker + beat (http://127.0.0.1:8000)
#   make run PORT=9000  same, on another port
#   make test           run the test suite on every core (pytest-xdist; installs Debian chromium when missing)
#   make test PYTEST_ARGS="-x -k rooms"
#   make test TEST_WORKERS=0             in one process
#   make lint           ruff
#   make check-deploy   Django's deployment checks with production settings
#
# With no environment set everything runs embedded (SQLite, in-memory channel
# layer, filesystem Celery queue under var/); see .env.example.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
PYTEST_ARGS ?=
TEST_WORKERS ?= auto

# Dummy production settings for `check-deploy` only (never used to serve anything).
CHECK_DEPLOY_ENV := DJANGO_DEBUG=false \
	DJANGO_SECRET_KEY=check-deploy-dummy-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz \
	DJANGO_ALLOWED_HOSTS=example.com

.PHONY: help venv deps run test lint check-deploy

help:
	@echo "Targets: deps (alias venv), run [PORT=8000], test [PYTEST_ARGS=...], lint, check-deploy"

# The virtualenv's interpreter; order-only below so its timestamp never forces a reinstall.
$(VENV_PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file is newer than the stamp.
$(STAMP): requirements.txt requirements-dev.txt | $(VENV_PY)
	$(VENV_PY) -m pip install -r requirements-dev.txt
	touch $@

venv deps: $(STAMP)

run: deps
	mkdir -p var/media var/celery/processed
	$(VENV_PY) manage.py migrate --noinput
	$(VENV_PY) manage.py seed_demo
	@echo
	@echo "  WatchTogether is starting on http://127.0.0.1:$(PORT)/  (Ctrl-C stops web, worker, beat and relay)"
	@echo
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile.dev -p $(PORT)

test: deps
	bash scripts/ensure-chromium
	mkdir -p var  # the embedded default's SQLite test database lives there
	$(VENV_PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: deps
	$(VENV)/bin/ruff check .

check-deploy: deps
	$(CHECK_DEPLOY_ENV) $(VENV_PY) manage.py check --deploy --fail-level WARNING
