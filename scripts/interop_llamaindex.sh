#!/usr/bin/env bash
# LlamaIndex under its official GenAI instrumentation (tests/test_agents_llama_index.py), in a virtual
# environment of its own, .interop-llamaindex/ (kept between runs; a second run only re-installs this package).
#
# `make test`'s environment cannot hold it: llama-index-llms-openai 0.8 requires openai below 3, while that
# environment runs openai 3.x, which the OpenAI Agents SDK (0.24) requires. Here the openai SDK is the last
# 2.x, talking HTTP through httpx; conftest's fixtures import anthropic and httpx2, so they come too.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
venv=.interop-llamaindex
if [[ ! -x $venv/bin/python ]]; then
	"$PYTHON" -m venv "$venv"
	"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check ".[openai,anthropic,interop-llamaindex]" httpx2 pytest
# The test file skips itself without these; here that would hide a broken install, so fail instead.
"$venv/bin/python" -c "import llama_index.llms.openai, opentelemetry.instrumentation.genai.llama_index"
echo "== llama-index"
"$venv/bin/python" -m pytest tests/test_agents_llama_index.py -p no:cacheprovider
