# WatchTogether developer tasks.
#
#   make run            migrate, load demo data, start web + worker + beat (http://127.0.0.1:8000)
#   make run PORT=9000  same, on another port
#   make test           run the test suite on every core (pytest-xdist; installs Debian chromium when missing)
#   make test PYTEST_ARGS="-x -k rooms"
#   make test TEST_WORKERS=0             in one process
#   make lint           ruff, and lint-imports (the one-way layers between apps, pyproject.toml)
#   make lock           recompile requirements*.lock (hashed) from requirements*.txt
#   make check-deploy   Django's deployment checks with production settings
#   make audit          pip-audit over the locked tree; says "not audited" when no vulnerability source answers
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
# A whole `make test` runs the consumers once more with the fast path off (stock channel layer and
# daphne, config/settings/channels.py), so the platform is known to work without it.
STOCK_PATH_TESTS := tests/accounts/test_consumers.py tests/guilds/test_consumers.py tests/rooms/test_room_consumers.py
TEST_WORKERS ?= auto

# Dummy production settings for `check-deploy` only (never used to serve anything).
CHECK_DEPLOY_ENV := DJANGO_DEBUG=false \
	DJANGO_SECRET_KEY=check-deploy-dummy-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz \
	DJANGO_ALLOWED_HOSTS=example.com

.PHONY: help venv deps lock run test lint check-deploy audit

help:
	@echo "Targets: deps (alias venv), lock, run [PORT=8000], test [PYTEST_ARGS=...], lint, check-deploy, audit"

# The virtualenv's interpreter; order-only below so its timestamp never forces a reinstall.
$(VENV_PY):
	$(PYTHON) -m venv $(VENV)

# Installs exactly the locked tree (every package pinned with its hashes), only when the lock is
# newer than the stamp. requirements*.txt are the human-edited inputs; `make lock` recompiles.
# --no-deps: the lock is the whole tree, so pip resolves nothing (resolving, a new venv's pip 23.2 took
# pip-audit's `CacheControl[filecache]` for a requirement of its own and refused it as unpinned when PyPI
# had a newer release); `pip check` then proves the tree complete.
$(STAMP): requirements-dev.lock | $(VENV_PY)
	$(VENV_PY) -m pip install --no-deps --require-hashes -r requirements-dev.lock
	$(VENV_PY) -m pip check
	touch $@

LOCK := $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 --custom-compile-command "make lock"

# After editing requirements.txt or requirements-dev.txt: pin the whole tree again.
lock: $(STAMP)
	$(LOCK) requirements.txt -o requirements.lock
	$(LOCK) requirements-dev.txt -o requirements-dev.lock

venv deps: $(STAMP)

run: deps
	$(VENV_PY) manage.py migrate --noinput
	$(VENV_PY) manage.py seed_demo
	@echo
	@echo "  WatchTogether is starting on http://127.0.0.1:$(PORT)/  (Ctrl-C stops web, worker, beat and relay)"
	@echo
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" scripts/start-processes -f Procfile.dev -p $(PORT)

test: deps
	bash scripts/ensure-chromium
	mkdir -p var  # the embedded default's SQLite test database lives there
	$(VENV_PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)
	$(if $(PYTEST_ARGS),,WS_FAST_PATH=false $(VENV_PY) -m pytest -q -n $(TEST_WORKERS) $(STOCK_PATH_TESTS))

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

check-deploy: deps
	$(CHECK_DEPLOY_ENV) $(VENV_PY) manage.py check --deploy --fail-level WARNING

audit: deps
	$(VENV_PY) scripts/audit_dependencies.py
