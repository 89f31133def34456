# The two commands a newcomer types: `make run` (the server on the bundled models) and `make test`.
# Both create .venv and install what they need; nothing is downloaded at run time.

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
PY := $(VENV)/bin/python

# llama-cpp-python is compiled here, for a portable x86-64 (AVX2) rather than this CPU's every
# feature: a -march=native build on a CPU with AMX crashed in llama_decode on batched prompts
# (0.3.36, seen 2026-11-25). pip's own wheel cache ignores CMAKE_ARGS, so the portable wheel is
# kept in a wheelhouse of our own, named by version and flags, and built once per machine.
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
WHEELHOUSE := $(HOME)/.cache/firstword/wheels/llama-$(LLAMA_VERSION)-portable

# The browser tests drive Debian's chromium; Playwright never downloads one.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test test-fast test-browser bench clean browser node espeak

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@if ! ls $(WHEELHOUSE)/llama_cpp_python-*.whl >/dev/null 2>&1; then \
	  echo "compiling llama-cpp-python $(LLAMA_VERSION) once for this machine (~5 min on 2 cores)"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip wheel --quiet --no-cache-dir --no-deps -w $(WHEELHOUSE) llama-cpp-python==$(LLAMA_VERSION); \
	fi
	$(PY) -m pip install --quiet $(WHEELHOUSE)/llama_cpp_python-*.whl
	@echo "installing firstword and its engines"
	$(PY) -m pip install --quiet -e '.[test,voice,deepgram,train]'
	@touch $(STAMP)

browser:
	@test -x $(CHROMIUM) || { echo "installing Debian's chromium for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium >/dev/null; } || \
	  echo "WARNING: could not install chromium; the browser tests will be skipped"; }

# espeak-ng: the voice where the GPL-3.0 Piper extra is left out, and the tests of that engine.
espeak:
	@command -v espeak-ng >/dev/null 2>&1 || { echo "installing Debian's espeak-ng for the voice out"; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q espeak-ng >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q espeak-ng >/dev/null; } || \
	  echo "WARNING: could not install espeak-ng; its tests will be skipped"; }

run: $(STAMP)
	$(VENV)/bin/firstword serve

test: $(STAMP) browser node espeak
	$(VENV)/bin/pytest -q --durations=20

# The AI SDK tests read /api/chat with the real `ai` package (tests/node, from its lock file);
# without node they are skipped with the reason.
node:
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error >/dev/null 2>&1 || \
	  echo "WARNING: npm ci in tests/node failed; the AI SDK tests will try again or be skipped"; \
	fi

test-browser: $(STAMP) browser
	$(VENV)/bin/pytest -q -m browser

test-fast: $(STAMP)
	$(VENV)/bin/pytest -q -m "not engine and not e2e"

bench: $(STAMP)
	$(VENV)/bin/firstword bench latency --json bench-results/latency.json

clean:
	rm -rf $(VENV) .pytest_cache bench-results test-artifacts
