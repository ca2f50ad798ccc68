# Quick start: `make run` serves the demo, `make test` runs every test.
# Both create a local virtual environment in .venv and install into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint format seed reset-demo-passwords clean lock

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "annotator needs Python 3.11 or newer; found " + sys.version.split()[0] + ". Run make PYTHON=python3.11 …")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs come from the lock files in requirements/ (`make lock` makes them from
# pyproject.toml): every machine gets the same versions, so extraction output and export
# bytes do not change under a user's feet. The stamp files make a second `make` skip the
# install until a lock file changes.
$(VENV)/.installed: requirements/run.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/run.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: requirements/dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@ $(VENV)/.installed

# The lock files, for every platform (uv's universal resolution): run.txt for `make run`,
# deploy.txt with PostgreSQL and gunicorn, dev.txt with everything the tests and lint need.
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 pyproject.toml
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv>=0.5"
	$(UV_COMPILE) -o requirements/run.txt
	$(UV_COMPILE) --extra postgres --extra deploy -o requirements/deploy.txt
	$(UV_COMPILE) --extra dev -o requirements/dev.txt

run: $(VENV)/.installed
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py runserver $(HOST):$(PORT)

seed: $(VENV)/.installed
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo

reset-demo-passwords: $(VENV)/.installed
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo --reset-passwords

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev lint-js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The browser code's linter, Biome, from npm (devDependencies only: no page loads it).
# npm writes node_modules/.package-lock.json on every install: it is the stamp, so that a
# second `make lint-js` skips `npm ci` until package-lock.json changes.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

.PHONY: lint-js
lint-js: node_modules/.package-lock.json
	npx --no-install biome ci --error-on-warnings annotator/static/annotator

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
