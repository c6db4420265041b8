#!/usr/bin/env bash
# Each instrumentor on the SDK releases `make test` does not run: its tests in one virtual environment per SDK
# release, under .sdk-matrix/ (kept between runs; a second run only re-installs this package).
#
#   scripts/sdk_matrix.sh                              # the default versions below
#   scripts/sdk_matrix.sh 1.55.0 2.10.0                # other openai versions
#   ANTHROPIC_VERSIONS="0.50.0" GOOGLE_GENAI_VERSIONS="1.20.0" BEDROCK_VERSIONS="1.35.0" scripts/sdk_matrix.sh
#   MISTRAL_VERSIONS="1.5.0" COHERE_VERSIONS="" scripts/sdk_matrix.sh   # "" skips
#
# openai: the oldest supported, the last 1.x and the last 2.x (3.x runs in `make test`); 1.x and 2.x talk HTTP
# through httpx, 3.x through httpx2, and the tests take whichever the SDK uses. anthropic: the oldest supported
# and the last 1.x (2.x runs in `make test`). google-genai: the oldest supported and the last 2.x (3.x runs in
# `make test`). boto3/botocore (one version number): 1.34.116, the first with Converse, and a current one.
# mistralai: the oldest tested and the last 1.x and 2.x; cohere: 5.18 and the last 6.x (the newest of each runs
# in `make test`).
# Every environment also gets openai, anthropic and httpx2: the suite's shared fixtures (conftest) import them; and
# websockets and trustme, for the Realtime tests' loopback WebSocket server.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
status=0

# run NAME EXTRA "PINS" TEST_FILE...: the test files in the environment .sdk-matrix/NAME.
run() {
	local name=$1 extra=$2 pins=$3
	shift 3
	local venv=.sdk-matrix/$name
	if [[ ! -x $venv/bin/python ]]; then
		"$PYTHON" -m venv "$venv"
		"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
	fi
	# shellcheck disable=SC2086 # the pins are words
	"$venv/bin/python" -m pip install -q --disable-pip-version-check ".[openai,anthropic,$extra]" $pins httpx2 pytest websockets trustme
	echo "== $name"
	"$venv/bin/python" -m pytest "$@" -q -p no:cacheprovider || status=1
}

OPENAI=("$@")
[[ ${#OPENAI[@]} -gt 0 ]] || OPENAI=(1.40.0 1.109.1 2.54.0)
for version in "${OPENAI[@]}"; do
	# The Realtime tests skip themselves on a release without that API (beta from 1.5x, GA from 1.10x); the
	# `realtime` extra pins the websockets that release was made for (newer ones warn on its connect()).
	run "openai-$version" openai "openai[realtime]==$version" tests/test_openai_sdk_versions.py tests/test_realtime_openai.py \
		tests/test_realtime_openai_beta.py
done
read -r -a ANTHROPIC <<<"${ANTHROPIC_VERSIONS-0.40.0 1.17.0}"
for version in "${ANTHROPIC[@]}"; do
	run "anthropic-$version" anthropic "anthropic==$version" tests/test_anthropic_messages.py \
		tests/test_anthropic_surfaces.py tests/test_anthropic_native_streams.py tests/test_anthropic_coexistence.py
done
read -r -a GOOGLE <<<"${GOOGLE_GENAI_VERSIONS-1.11.0 2.34.0}"
for version in "${GOOGLE[@]}"; do
	run "google-genai-$version" google "google-genai==$version" tests/test_google_genai_generate.py \
		tests/test_google_genai_stream.py tests/test_google_genai_embed.py tests/test_realtime_gemini_live.py
done
read -r -a BEDROCK <<<"${BEDROCK_VERSIONS-1.34.116 1.44.18}"
for version in "${BEDROCK[@]}"; do
	run "botocore-$version" bedrock "boto3==$version botocore==$version" tests/test_bedrock_converse.py \
		tests/test_bedrock_invoke.py tests/test_bedrock_instrumentor.py
done
# OpenLLMetry's instrumentor of each goes in too, for the coexistence matrix. Before 5.18, cohere's chat_stream
# swallows GeneratorExit (a bare `except`): closing it early raises, traced or not. Older cohere releases declare
# pydantic v1-style json_encoders, which pydantic 2 warns about on import.
read -r -a MISTRAL <<<"${MISTRAL_VERSIONS-1.0.0 1.12.4 2.10.1}"
for version in "${MISTRAL[@]}"; do
	run "mistralai-$version" mistral "mistralai==$version opentelemetry-instrumentation-mistralai==0.62.4" \
		tests/test_mistralai_calls.py tests/test_mistralai_matrix.py
done
read -r -a COHERE <<<"${COHERE_VERSIONS-5.18.0 6.1.0}"
for version in "${COHERE[@]}"; do
	run "cohere-$version" cohere "cohere==$version opentelemetry-instrumentation-cohere==0.62.4" \
		tests/test_cohere_calls.py tests/test_cohere_matrix.py -W "ignore::pydantic.warnings.PydanticDeprecatedSince20"
done
exit "$status"
