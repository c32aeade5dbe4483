# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench analyses clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/otasuke db upgrade
	$(BIN)/otasuke run

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check .

test: lint
	.ci/test-servers
	$(BIN)/pytest -q

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# After changing the FAQ, intents, asked questions, terms, synonyms or the analyser.
analyses: $(STAMP)
	$(BIN)/python tools/refresh_analyses.py

clean:
	rm -rf $(VENV) var/otasuke.db .pytest_cache
