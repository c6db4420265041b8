#!/usr/bin/env bash
# The Flask and Django attribution helpers ON TOP of the official OpenTelemetry framework instrumentations
# (tests/test_web_otel_flask.py, tests/test_web_otel_django.py), in a virtual environment of their own under
# .sdk-matrix/web-otel (kept between runs; a second run only re-installs this package).
#
# Why not in `make test`: opentelemetry-instrumentation-flask and -django 0.66b1, their newest releases, pin
# opentelemetry-instrumentation, -semantic-conventions, -util-http and -instrumentation-wsgi to ==0.66b1, while the
# test environment's other instrumentations (-fastapi, -botocore, -httpx) are at 0.66b2: installed there, they
# would take the whole OpenTelemetry core back a release. Here pip resolves the core they fit.
#
#   scripts/web_otel.sh                        # the versions below
#   WEB_OTEL_VERSION=0.65b0 scripts/web_otel.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VERSION=${WEB_OTEL_VERSION:-0.66b1}
venv=.sdk-matrix/web-otel
if [[ ! -x $venv/bin/python ]]; then
	"$PYTHON" -m venv "$venv"
	"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
fi
# openai, anthropic and httpx2: the suite's shared fixtures (conftest) import them.
"$venv/bin/python" -m pip install -q --disable-pip-version-check ".[openai,anthropic]" httpx2 pytest "flask>=3" \
	"django>=5" "opentelemetry-instrumentation-flask==$VERSION" "opentelemetry-instrumentation-django==$VERSION"
"$venv/bin/python" -m pip check
echo "== web-otel ($VERSION)"
# One process each: Django's settings are set once per process.
"$venv/bin/python" -m pytest tests/test_web_otel_flask.py -q -p no:cacheprovider
"$venv/bin/python" -m pytest tests/test_web_otel_django.py -q -p no:cacheprovider
