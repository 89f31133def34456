# The two commands a newcomer types: `make run` (the server on the bundled models) and `make test`.
# Both create .venv and install what they need; nothing is downloaded at run time.

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
PY := $(VENV)/bin/python

.PHONY: run test test-fast bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@echo "installing firstword and its engines (llama-cpp-python compiles once, ~10 min on 2 cores; pip caches it)"
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/firstword serve

test: $(STAMP)
	$(VENV)/bin/pytest -q

test-fast: $(STAMP)
	$(VENV)/bin/pytest -q -m "not engine and not e2e"

bench: $(STAMP)
	$(VENV)/bin/firstword bench latency --json bench-results/latency.json

clean:
	rm -rf $(VENV) .pytest_cache bench-results
