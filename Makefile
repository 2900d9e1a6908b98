# Two commands set everything up on a fresh machine (Python 3.11 + pip + make):
#   make run   — build .venv from uv.lock if missing, then ingest seeds/ into data/
#   make test  — build .venv from uv.lock if missing, then run the whole test suite
PYTHON     ?= python3
VENV       := .venv
UV_VERSION := 0.13.8
UV         := $(VENV)/bin/uv
STAMP      := $(VENV)/.synced
# uv must use the project's venv and never download a Python of its own.
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test test-fast lint bench venv clean

venv: $(STAMP)

# The stamp is rebuilt when the lockfile or the project metadata change; --frozen installs
# exactly what uv.lock says and fails rather than re-resolving.
$(STAMP): uv.lock pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) sync --frozen --inexact --quiet
	@touch $@

run: $(STAMP)
	$(VENV)/bin/khabar run seeds/ --out data/

# pytest exits 5 when it collected nothing: say so, and keep it a failure.
test: $(STAMP)
	@$(VENV)/bin/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; fi; exit $$rc

# ruff's checks over the code, the benchmarks and the tests; mypy over the code
# (pyproject.toml [tool.ruff], [tool.mypy]).
lint: $(STAMP)
	$(VENV)/bin/ruff check flows tasks schemas bench tests
	$(VENV)/bin/mypy flows tasks schemas

# The unit tests only: no end-to-end (Prefect API) or long property tests.
test-fast: $(STAMP)
	$(VENV)/bin/python -m pytest -m "not e2e and not long and not gx" $(PYTEST_ARGS)

# Figures, not tests: speeds depend on the machine's load (see issue "Performance").
# BENCH_DOCS: pages of each kind in the end-to-end corpus (default 10000).
bench: $(STAMP)
	$(VENV)/bin/python -m bench.pipeline $(BENCH_DOCS)
	$(VENV)/bin/python -m bench.normalize
	$(VENV)/bin/python -m bench.validation
	$(VENV)/bin/python -m bench.storage

clean:
	rm -rf $(VENV) data/ .pytest_cache
