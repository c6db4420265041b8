#!/usr/bin/env bash
# The openai instrumentor on older SDK majors: tests/test_openai_sdk_versions.py in one virtual environment per
# openai version, under .sdk-matrix/ (kept between runs; a second run only re-installs this package). Then the
# anthropic instrumentor's tests on the oldest supported anthropic and the last 1.x (ANTHROPIC_VERSIONS; 2.x is
# the one `make test` runs on).
#
#   scripts/sdk_matrix.sh                 # the default versions below
#   scripts/sdk_matrix.sh 1.55.0 2.10.0   # others
#
# Then the Google Gen AI instrumentor's tests on the oldest supported google-genai and the last 2.x (the newest,
# 3.x, is the one `make test` runs on); GOOGLE_GENAI_VERSIONS="1.20.0 2.0.0" names others.
#
# openai 1.x and 2.x talk HTTP through httpx, 3.x through httpx2; the tests take whichever the SDK uses.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# The oldest supported, the last 1.x, the last 2.x (3.x is the one `make test` runs on).
VERSIONS=("$@")
[[ ${#VERSIONS[@]} -gt 0 ]] || VERSIONS=(1.40.0 1.109.1 2.54.0)
status=0
for version in "${VERSIONS[@]}"; do
	venv=.sdk-matrix/openai-$version
	if [[ ! -x $venv/bin/python ]]; then
		"$PYTHON" -m venv "$venv"
		"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
	fi
	# httpx2 and anthropic only for the test suite's shared fixtures (conftest), which import them.
	"$venv/bin/python" -m pip install -q --disable-pip-version-check ".[openai,anthropic]" "openai==$version" httpx2 pytest
	echo "== openai $version: $("$venv/bin/python" -c 'import openai, sys; print(openai.__version__, "on", "httpx2" if "httpx2" in vars(openai._base_client) else "httpx")')"
	"$venv/bin/python" -m pytest tests/test_openai_sdk_versions.py -q -p no:cacheprovider || status=1
done
# google-genai talks httpx on every supported release; the shared fixtures (conftest) import openai, anthropic
# and httpx2.
read -r -a GOOGLE <<<"${GOOGLE_GENAI_VERSIONS:-1.11.0 2.34.0}"
for version in "${GOOGLE[@]}"; do
	venv=.sdk-matrix/google-genai-$version
	if [[ ! -x $venv/bin/python ]]; then
		"$PYTHON" -m venv "$venv"
		"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
	fi
	"$venv/bin/python" -m pip install -q --disable-pip-version-check ".[google,openai,anthropic]" "google-genai==$version" httpx2 pytest
	echo "== google-genai $("$venv/bin/python" -c 'from google.genai import version; print(version.__version__)')"
	"$venv/bin/python" -m pytest tests/test_google_genai_generate.py tests/test_google_genai_stream.py \
		tests/test_google_genai_embed.py -q -p no:cacheprovider || status=1
done

read -r -a ANTHROPIC <<<"${ANTHROPIC_VERSIONS:-0.40.0 1.17.0}"
for version in "${ANTHROPIC[@]}"; do
	venv=.sdk-matrix/anthropic-$version
	if [[ ! -x $venv/bin/python ]]; then
		"$PYTHON" -m venv "$venv"
		"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
	fi
	"$venv/bin/python" -m pip install -q --disable-pip-version-check ".[openai,anthropic]" "anthropic==$version" httpx2 pytest
	echo "== anthropic $("$venv/bin/python" -c 'import anthropic; print(anthropic.__version__)')"
	"$venv/bin/python" -m pytest tests/test_anthropic_messages.py tests/test_anthropic_surfaces.py \
		tests/test_anthropic_native_streams.py tests/test_anthropic_coexistence.py -q -p no:cacheprovider || status=1
done
scripts/sdk_matrix_mistral_cohere.sh || status=1
exit "$status"
