# The two commands of the README. Each makes its own virtual environment, installs, and runs.
PYTHON ?= python3
DEMO_VENV := .venv-demo
TEST_VENV := .venv
SHARED_TIKTOKEN := $(abspath ../shared/tiktoken)

.PHONY: demo test e2e bench clean

demo: $(DEMO_VENV)/.installed
	$(DEMO_VENV)/bin/python examples/demo.py

$(DEMO_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install -q --upgrade pip
	$(DEMO_VENV)/bin/python -m pip install -q ".[anthropic,openai]"
	touch $@

$(TEST_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/python -m pip install -q --upgrade pip
	$(TEST_VENV)/bin/python -m pip install -q -e ".[dev,interop,anthropic,openai]"
	touch $@

test: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/ruff check src tests scripts examples
	$(TEST_VENV)/bin/ruff format --check src tests scripts examples
	$(TEST_VENV)/bin/pyright
	TIKTOKEN_CACHE_DIR=$(SHARED_TIKTOKEN) $(TEST_VENV)/bin/python -m pytest

# The end-to-end tests against a real Phoenix and VictoriaMetrics (docs/e2e.md); .ci/run runs them too.
e2e: $(TEST_VENV)/.installed
	scripts/e2e/setup.sh
	scripts/e2e/run.sh

bench: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/python benchmarks/bench_processor.py
	$(TEST_VENV)/bin/python benchmarks/bench_openai.py

clean:
	rm -rf $(DEMO_VENV) $(TEST_VENV) .e2e build dist
