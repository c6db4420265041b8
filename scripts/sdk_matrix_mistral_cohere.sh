#!/usr/bin/env bash
# The mistralai and cohere instrumentors' tests (tests/test_{mistralai,cohere}_{calls,matrix}.py) on older SDK
# releases, one virtual environment each under .sdk-matrix/ (kept between runs). scripts/sdk_matrix.sh runs it.
#
#   scripts/sdk_matrix_mistral_cohere.sh
#   MISTRAL_VERSIONS="1.5.0" COHERE_VERSIONS="" scripts/sdk_matrix_mistral_cohere.sh   # others ("" skips)
#
# mistralai 1.x talks HTTP through httpx, 3.x through httpx2 (the tests take whichever the SDK uses); cohere
# through httpx. OpenLLMetry's instrumentor of each is installed for the coexistence matrix; openai and anthropic
# shared test fixtures (conftest loads openai_support).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# The oldest release tested and the last of each older major (the newest is the one `make test` runs on). Before
# 5.18, cohere's chat_stream swallows GeneratorExit (a bare `except`): closing it early raises, traced or not.
read -ra MISTRAL <<<"${MISTRAL_VERSIONS-1.0.0 1.12.4 2.10.1}"
read -ra COHERE <<<"${COHERE_VERSIONS-5.18.0 6.1.0}"
if [[ -d ../shared/tiktoken ]]; then
	TIKTOKEN_CACHE_DIR=${TIKTOKEN_CACHE_DIR:-$(cd ../shared/tiktoken && pwd)}
	export TIKTOKEN_CACHE_DIR
fi

status=0
for spec in "${MISTRAL[@]/#/mistralai==}" "${COHERE[@]/#/cohere==}"; do
	name=${spec%%==*}
	venv=.sdk-matrix/$name-${spec#*==}
	if [[ ! -x $venv/bin/python ]]; then
		"$PYTHON" -m venv "$venv"
		"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
	fi
	extra=${name/mistralai/mistral}
	"$venv/bin/python" -m pip install -q --disable-pip-version-check ".[$extra,openai,anthropic]" "$spec" httpx2 pytest \
		"opentelemetry-instrumentation-$name==0.62.4"
	echo "== $spec"
	# Older cohere releases declare pydantic v1-style json_encoders, which pydantic 2 warns about on import.
	"$venv/bin/python" -m pytest "tests/test_${name}_calls.py" "tests/test_${name}_matrix.py" -q -p no:cacheprovider \
		-W "ignore::pydantic.warnings.PydanticDeprecatedSince20" ||
		status=1
done
exit "$status"
