# `make run` and `make test` each do all the set-up on a fresh machine (Python 3.11+).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m streamlit run app.py

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) -m benchmarks.bench_check
	$(PY) -m benchmarks.bench_claims
	$(PY) -m benchmarks.bench_csv
	$(PY) -m benchmarks.bench_interpreter
	$(PY) -m benchmarks.bench_assistant
	$(PY) -m benchmarks.bench_page_streaming
	$(PY) -m benchmarks.bench_cold_start

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
