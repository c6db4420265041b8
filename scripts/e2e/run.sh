#!/usr/bin/env bash
# Runs the end-to-end tests (tests/e2e) against the backends scripts/e2e/setup.sh installed in .e2e/.
#
#   scripts/e2e/setup.sh && scripts/e2e/run.sh [pytest arguments]
#
# The tests run in the project's test environment (.venv, which `make test` makes; E2E_PYTHON=... names
# another interpreter with otel-llmcost installed), and start and stop the backends themselves on free
# ports of 127.0.0.1. OTEL_LLMCOST_E2E=1 makes a missing backend a failure, not a skip. Every wait in the
# tests is bounded; E2E_TIMEOUT (seconds, 900 by default) bounds the whole run, backends included.
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${E2E_PYTHON:-.venv/bin/python}
if [[ ! -x $PY ]]; then
	echo "scripts/e2e/run.sh: no Python at $PY: run 'make test' first (it makes .venv), or set E2E_PYTHON" >&2
	exit 2
fi
if [[ ! -d .e2e ]]; then
	echo "scripts/e2e/run.sh: .e2e/ is missing: run scripts/e2e/setup.sh first" >&2
	exit 2
fi

export OTEL_LLMCOST_E2E=1

LIMIT=${E2E_TIMEOUT:-900}
# At the limit `timeout` signals its whole process group: pytest and the backends it started.
status=0
timeout --kill-after=30 "$LIMIT" "$PY" -m pytest tests/e2e -p no:cacheprovider "$@" || status=$?
if [[ $status == 124 || $status == 137 ]]; then
	echo "scripts/e2e/run.sh: the end-to-end tests did not finish within $LIMIT s (E2E_TIMEOUT)" >&2
fi
exit "$status"
