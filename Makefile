# Ting: `make run` serves the demo on http://127.0.0.1:5000; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
CATALOGUES := $(wildcard conference/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run test install translations extract-messages lint bench clean

run: install translations
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

translations: $(COMPILED)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

# After changing user-facing strings: extract them and merge into the catalogues.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o conference/translations/messages.pot .
	$(BIN)/pybabel update -i conference/translations/messages.pot -d conference/translations --no-fuzzy-matching

# Speed figures (not tests): each script prints its figures as `name: value` lines.
bench: install translations
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) instance .pytest_cache
