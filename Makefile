# The clinic content system. `make run` serves the demo; `make test` checks it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Local development runs with DEBUG on; production sets its own environment.
DEV_ENV := DJANGO_DEBUG=1

.PHONY: install install-dev run worker test lint format migrations-check test-security test-scaleout bench bench-archive bench-reading bench-search bench-wordpress bench-wagtail ci clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(DEV_ENV) $(MANAGE) migrate --noinput
	$(DEV_ENV) $(MANAGE) load_demo
	@echo "Serving http://127.0.0.1:8000 (Ctrl-C stops the server and the worker)"
	@$(DEV_ENV) $(MANAGE) run_scheduler & scheduler=$$!; \
	$(DEV_ENV) $(MANAGE) db_worker & worker=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null; wait' EXIT INT TERM; \
	$(DEV_ENV) $(MANAGE) runserver 127.0.0.1:8000

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install-dev
	$(DEV_ENV) $(MANAGE) makemigrations --check --dry-run

# The attack, load, fault and scale-out tests run on their own (below).
# PYTEST_ARGS changes the selection, e.g. PYTEST_ARGS='tests/comments' or
# PYTEST_ARGS= for every test.
PYTEST_ARGS ?= -m "not security and not scaleout"

test: lint migrations-check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Attack, load and fault tests (PostgreSQL, Redis and Chromium when present).
test-security: install-dev
	$(BIN)/python -m pytest -m security --no-cov

# Two app servers behind nginx with PostgreSQL, Redis, a worker and S3.
test-scaleout: install-dev
	$(BIN)/python -m pytest -m scaleout --no-cov

bench: install
	@command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/run.py

# A 20,000-article archive (2,000 on SQLite), every page measured uncached.
bench-archive: install
	$(BIN)/python bench/archive.py $(ARGS)

# What the reading figures cost a 2,000-word article's save.
bench-reading: install
	$(BIN)/python bench/reading.py $(ARGS)

# How well search answers the query set in bench/search_queries.json, on
# the demo content.
bench-search: install
	$(BIN)/python bench/search.py $(ARGS)

# The WordPress import of a generated 5,000-post export; ARGS="--scale 10"
# for ten times as much.
bench-wordpress: install
	$(BIN)/python bench/wordpress.py $(ARGS)

# The same article page (1,500 words, 60 comments in 20 threads) on Wagtail
# with django-comments-xtd, in a virtualenv of its own under bench/.data.
bench-wagtail:
	$(PYTHON) bench/wagtail_page.py --workdir bench/.data/wagtail $(ARGS)

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) staticfiles .cache .pytest_cache .ruff_cache .coverage
