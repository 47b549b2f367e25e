# Quick start: `make run` serves the demo marketplace; `make test` runs every test.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed-requirements
DEV_STAMP := $(VENV)/.installed-requirements-dev
TRANSLATIONS := market/translations
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po))

.PHONY: run test e2e-tools venv dev-venv translations extract-messages update-messages migrate seed clean

run: venv translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# Two workers by default (CI has two cores); PYTEST_ARGS="-n 0" runs in one process.
test: dev-venv translations e2e-tools
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# axe-core for the browser tests' accessibility checks, from npm (pinned in the lock file).
# Without npm those checks are skipped, and say so.
E2E_AXE := tests/e2e/node_modules/axe-core/axe.min.js
e2e-tools: $(E2E_AXE)

$(E2E_AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/e2e --no-audit --no-fund --silent && touch $@; \
	else echo "npm is missing: the browser tests' accessibility checks will be skipped"; fi

# requirements.txt is what production runs; requirements-dev.txt adds what the tests need.
venv: $(STAMP)

dev-venv: $(DEV_STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

translations: venv $(MO_FILES)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile -i $< -o $@

# For developers: gather new strings and merge them into each catalog.
extract-messages: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o $(TRANSLATIONS)/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

migrate: venv
	$(FLASK) db upgrade

clean:
	rm -rf $(VENV) instance .pytest_cache tests/e2e/node_modules
