"""The usage rules Bedrock's surfaces share: the model id, its region scope, the service tier, token counts.

Model ids go to the span as the caller gave them (``us.anthropic.claude-sonnet-4-5-20250929-v1:0``, an
inference profile or provisioned throughput ARN): the price table reads the geographic prefix (``us.``,
``eu.``, ``apac.``, ``global.``...) itself. A bare foundation model id is an in-Region call, which Bedrock
prices as ``regional``: the span says so (``llmcost.request.region``).

Bedrock counts cache reads and writes beside the input (``inputTokens`` is the input read at the full price;
``totalTokens`` is the sum of all four counts): the span's input is their sum, as the conventions count it
(`instrumentation._bedrock.token_usage`, which the HTTP fallback shares).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, cast

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from .._genai import Attributes
from .._read import number, text

__all__ = ["mapping", "model_attributes", "sampling", "tier_attribute"]

_EMPTY: Final[Mapping[str, Any]] = {}
_REGIONAL: Final = "regional"
_FOUNDATION_MODEL: Final = ":foundation-model/"
# The geographic prefixes of Bedrock's cross-Region inference profiles (``us.anthropic.claude-...``).
_GEOGRAPHIES: Final = frozenset({"us", "eu", "apac", "jp", "au", "ca", "in", "us-gov", "global"})


def model_attributes(api_params: Mapping[str, Any], attributes: Attributes) -> str | None:
    """The requested model id, as given; a foundation model called without a cross-Region inference profile
    (a bare id, or its ARN) marks the call ``regional``."""
    model = text(api_params.get("modelId"))
    if model is None:
        return None
    if model.startswith("arn:"):
        if _FOUNDATION_MODEL in model:
            attributes[a.LLMCOST_REQUEST_REGION] = _REGIONAL
    elif model.split(".", 1)[0].lower() not in _GEOGRAPHIES:
        attributes[a.LLMCOST_REQUEST_REGION] = _REGIONAL
    return model


def mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is a mapping (a parsed JSON object), else an empty one."""
    return cast("Mapping[str, Any]", value) if isinstance(value, Mapping) else _EMPTY


def tier_attribute(tier: object, attributes: Attributes) -> None:
    """The service tier a request asked for or a response reported (``{"type": "flex"}`` or ``"flex"``)."""
    found = text(cast("Mapping[str, Any]", tier).get("type")) if isinstance(tier, Mapping) else text(tier)
    if found is not None:
        attributes[a.LLMCOST_REQUEST_SERVICE_TIER] = found


def sampling(
    config: Mapping[str, Any], attributes: Attributes, max_tokens: str, temperature: str, top_p: str, stop: str
) -> None:
    """The sampling parameters of ``config`` under the given names, as the GenAI conventions name them."""
    limit = config.get(max_tokens)
    if isinstance(limit, int) and not isinstance(limit, bool):
        attributes[gen_ai.GEN_AI_REQUEST_MAX_TOKENS] = limit
    for key, name in ((gen_ai.GEN_AI_REQUEST_TEMPERATURE, temperature), (gen_ai.GEN_AI_REQUEST_TOP_P, top_p)):
        value = number(config.get(name))
        if value is not None:
            attributes[key] = value
    sequences = config.get(stop)
    if isinstance(sequences, (list, tuple)):
        found = [item for item in sequences if isinstance(item, str)]  # pyright: ignore[reportUnknownVariableType]
        if found:
            attributes[gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES] = found
