#!/usr/bin/env bash
# The openai instrumentor on older SDK majors: tests/test_openai_sdk_versions.py in one virtual environment per
# openai version, under .sdk-matrix/ (kept between runs; a second run only re-installs this package).
#
#   scripts/sdk_matrix.sh                 # the default versions below
#   scripts/sdk_matrix.sh 1.55.0 2.10.0   # others
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
	# httpx2 only for the test suite's shared fixtures (conftest), which import it; the SDK under test does not.
	"$venv/bin/python" -m pip install -q --disable-pip-version-check ".[openai]" "openai==$version" httpx2 pytest
	echo "== openai $version: $("$venv/bin/python" -c 'import openai, sys; print(openai.__version__, "on", "httpx2" if "httpx2" in vars(openai._base_client) else "httpx")')"
	"$venv/bin/python" -m pytest tests/test_openai_sdk_versions.py -q -p no:cacheprovider || status=1
done
scripts/sdk_matrix_mistral_cohere.sh || status=1
exit "$status"
