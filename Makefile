# Yinjian: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: run test lint translations extract-messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
.make-install: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# axe-core for the browser tests (tests/e2e/package.json; never served to users), reinstalled when its lock changes.
E2E_TOOLS := tests/e2e/node_modules/.package-lock.json
$(E2E_TOOLS): tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
	touch $@

translations: .make-install
	$(BIN)/pybabel compile -f -d app/translations -D messages --use-fuzzy >/dev/null

# --ignore-dirs: Babel skips folders starting with "_" by default, which would miss templates/_partials and _macros.
extract-messages: .make-install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs=".* node_modules" -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

run: .make-install translations
	SESSION_COOKIE_SECURE=0 $(FLASK) db upgrade
	SESSION_COOKIE_SECURE=0 $(FLASK) demo-data --if-empty
	SESSION_COOKIE_SECURE=0 $(FLASK) run --host 127.0.0.1 --port $(PORT)

lint: .make-install
	$(BIN)/ruff check app tests bench wsgi.py

test: .make-install translations lint $(E2E_TOOLS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: .make-install translations
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .make-install instance/yinjian.db* tests/e2e/node_modules
