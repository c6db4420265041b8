# The two commands of the README. Each makes its own virtual environment, installs, and runs.
PYTHON ?= python3
DEMO_VENV := .venv-demo
TEST_VENV := .venv

.PHONY: demo demo-stop test e2e bench clean

# The support assistant under opentelemetry-instrument, shipping to a local Phoenix (examples/demo.py). If
# Phoenix cannot be installed, the demo still runs and prints the costs at exit.
demo: $(DEMO_VENV)/.installed
	scripts/e2e/setup.sh phoenix || echo "make demo: Phoenix could not be installed; the demo runs without it"
	$(DEMO_VENV)/bin/python examples/demo.py

# Stops the Phoenix that `make demo` left running for its UI.
demo-stop:
	@if [ -f .demo/phoenix.pid ]; then kill -- "-$$(cat .demo/phoenix.pid)" 2>/dev/null || true; rm -f .demo/phoenix.pid; echo "Phoenix stopped"; fi

$(DEMO_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install -q --upgrade pip
	# httpx: the demo replays its recorded Gemini answers through an httpx transport, and calls Mistral's API with it
	# (the HTTP fallback prices that call); bedrock: boto3, whose Bedrock call botocore answers from a recording.
	$(DEMO_VENV)/bin/python -m pip install -q ".[anthropic,openai,google,bedrock]" httpx
	touch $@

$(TEST_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/python -m pip install -q --upgrade pip
	$(TEST_VENV)/bin/python -m pip install -q -e ".[dev,interop,anthropic,openai,google,bedrock,mistral,cohere,deepgram,assemblyai,elevenlabs,voyageai,pinecone]"
	touch $@

test: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/ruff check src tests scripts examples benchmarks
	$(TEST_VENV)/bin/ruff format --check src tests scripts examples benchmarks
	$(TEST_VENV)/bin/pyright
	$(TEST_VENV)/bin/lint-imports --no-cache
	$(TEST_VENV)/bin/python -m pytest

# The end-to-end tests against a real Phoenix and VictoriaMetrics (docs/e2e.md); .ci/run runs them too.
e2e: $(TEST_VENV)/.installed
	scripts/e2e/setup.sh
	scripts/e2e/run.sh

bench: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/python benchmarks/bench_processor.py
	$(TEST_VENV)/bin/python benchmarks/bench_openai.py
	$(TEST_VENV)/bin/python benchmarks/bench_anthropic.py

clean: demo-stop
	rm -rf $(DEMO_VENV) $(TEST_VENV) .e2e .demo build dist
