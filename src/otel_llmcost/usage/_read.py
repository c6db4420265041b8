"""Span attributes -> `GenAICall`: the usage, provider, model and request context of one call.

Reads the current GenAI convention names first, then the older and foreign ones seen in the wild
(deprecated ``gen_ai.*`` names, the Anthropic SDK's own tracing, OpenLLMetry, OpenInference). Where a
source reported a part outside its total (cached tokens outside the input count, Gemini thinking outside
the output count), the part is folded into the total, so every token lands in exactly one bucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from .. import _attributes as a
from ..pricing import RequestContext, Usage

__all__ = ["INFERENCE_OPERATIONS", "GenAICall", "operation_of", "read_call"]

Attributes = Mapping[str, object]

INFERENCE_OPERATIONS = frozenset(
    {
        # The GenAI conventions.
        "chat",
        "text_completion",
        "generate_content",
        "embeddings",
        # OpenLLMetry's llm.request.type and OpenInference's span kinds, lowercased.
        "completion",
        "embedding",
        "rerank",
        "llm",
        # The paid endpoints our instrumentors trace that the conventions do not name yet.
        "speech",
        "transcription",
        "translation",
        "image_generation",
        "image_edit",
    }
)
"""Operations whose spans are priced. Agent, tool and workflow spans are not calls and get roll-ups."""

_PROVIDER = (a.GEN_AI_PROVIDER_NAME, a.GEN_AI_SYSTEM, a.LLM_PROVIDER, a.LLM_SYSTEM)
_REQUEST_MODEL = (a.GEN_AI_REQUEST_MODEL, a.LLM_MODEL_NAME)
_INPUT = (a.GEN_AI_USAGE_INPUT_TOKENS, a.GEN_AI_USAGE_PROMPT_TOKENS, a.LLM_TOKEN_COUNT_PROMPT)
_OUTPUT = (a.GEN_AI_USAGE_OUTPUT_TOKENS, a.GEN_AI_USAGE_COMPLETION_TOKENS, a.LLM_TOKEN_COUNT_COMPLETION)
_CACHE_READ = (
    a.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    a.OPENLLMETRY_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    a.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ,
)
_CACHE_WRITE = (
    a.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    a.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
    a.OPENLLMETRY_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    a.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_WRITE,
)
_REASONING = (
    a.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    a.GEN_AI_USAGE_REASONING_TOKENS,
    a.LLM_TOKEN_COUNT_COMPLETION_DETAILS_REASONING,
)
_INPUT_AUDIO = (a.LLMCOST_USAGE_INPUT_AUDIO_TOKENS, a.LLM_TOKEN_COUNT_PROMPT_DETAILS_AUDIO)
_OUTPUT_AUDIO = (a.LLMCOST_USAGE_OUTPUT_AUDIO_TOKENS, a.LLM_TOKEN_COUNT_COMPLETION_DETAILS_AUDIO)
_SERVICE_TIER = (
    a.OPENAI_RESPONSE_SERVICE_TIER,
    a.GEN_AI_OPENAI_RESPONSE_SERVICE_TIER,
    a.ANTHROPIC_RESPONSE_SERVICE_TIER,
    a.OPENAI_REQUEST_SERVICE_TIER,
    a.GEN_AI_OPENAI_REQUEST_SERVICE_TIER,
    a.ANTHROPIC_REQUEST_SERVICE_TIER,
)
_USAGE_KEYS = frozenset(
    (
        *_INPUT,
        *_OUTPUT,
        *_CACHE_READ,
        *_CACHE_WRITE,
        *_REASONING,
        *_INPUT_AUDIO,
        *_OUTPUT_AUDIO,
        a.LLMCOST_USAGE_INPUT_CHARACTERS,
        a.LLMCOST_USAGE_INPUT_AUDIO_SECONDS,
        a.LLMCOST_USAGE_IMAGES,
        a.LLMCOST_USAGE_WEB_SEARCH_CALLS,
        a.LLMCOST_USAGE_INPUT_IMAGE_TOKENS,
        a.LLMCOST_USAGE_OUTPUT_IMAGE_TOKENS,
    )
)


@dataclass(frozen=True, slots=True)
class GenAICall:
    """What a GenAI span says about its call, as far as pricing needs it.

    Attributes:
        operation: the operation, lowercased (``chat``, ``embeddings``...).
        provider: the provider name as the span spelled it; `None` if it names none.
        request_model: the model the request asked for (an Azure deployment name, a moving alias).
        response_model: the model that answered, when the span says.
        response_id: the provider's id for the response, which identifies the call.
        usage: the usage, or `None` when the span carries no usage at all.
        usage_status: ``reported``, ``estimated`` (counted by an instrumentor) or ``partial`` (incomplete).
        context: batch, service tier and region.
        provider_cost: a charge the provider itself reported, in USD.
        invalid_usage: why the usage attributes could not be used, when they could not.
        error_type: the span's ``error.type``: the call failed.
    """

    operation: str | None
    provider: str | None
    request_model: str | None
    response_model: str | None
    response_id: str | None
    usage: Usage | None
    usage_status: str
    context: RequestContext
    provider_cost: Decimal | None = None
    invalid_usage: str | None = None
    error_type: str | None = None


def operation_of(attributes: Attributes) -> str | None:
    """The span's operation if it is a priced GenAI call (inference or embeddings), else `None`. Cheap."""
    operation = attributes.get(a.GEN_AI_OPERATION_NAME)
    if operation is None:
        operation = attributes.get(a.LLM_REQUEST_TYPE) or attributes.get(a.OPENINFERENCE_SPAN_KIND)
        if operation is None:
            return None
    if not isinstance(operation, str):
        return None
    operation = operation.lower()
    return operation if operation in INFERENCE_OPERATIONS else None


def _first(attributes: Attributes, keys: tuple[str, ...]) -> object:
    for key in keys:
        value = attributes.get(key)
        if value is not None:
            return value
    return None


def _text(attributes: Attributes, keys: tuple[str, ...]) -> str | None:
    value = _first(attributes, keys)
    return value if isinstance(value, str) and value else None


class _InvalidUsage(ValueError):
    pass


def _count(attributes: Attributes, *keys: str) -> int:
    value = _first(attributes, keys)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
        raise _InvalidUsage(f"{keys[0]} is {value!r}, not a count")
    return int(value)


def _usage(attributes: Attributes) -> Usage | None:
    if _USAGE_KEYS.isdisjoint(attributes):
        return None
    cache_read = _count(attributes, *_CACHE_READ)
    cache_write_1h = _count(attributes, a.ANTHROPIC_USAGE_CACHE_CREATION_EPHEMERAL_1H_INPUT_TOKENS)
    cache_write = _count(attributes, *_CACHE_WRITE) or (
        _count(attributes, a.ANTHROPIC_USAGE_CACHE_CREATION_EPHEMERAL_5M_INPUT_TOKENS) + cache_write_1h
    )
    input_audio = _count(attributes, *_INPUT_AUDIO)
    cache_read_audio = _count(attributes, a.LLMCOST_USAGE_CACHE_READ_AUDIO_TOKENS)
    input_image = _count(attributes, a.LLMCOST_USAGE_INPUT_IMAGE_TOKENS)
    input_tokens = _count(attributes, *_INPUT)
    parts = cache_read + cache_write + input_audio - cache_read_audio + input_image
    if parts > input_tokens:
        # The source counted cached tokens outside the input, as Anthropic's raw usage does.
        input_tokens += cache_read + cache_write
    input_tokens += _count(attributes, a.ANTHROPIC_USAGE_COMPACTION_INPUT_TOKENS)
    reasoning = _count(attributes, *_REASONING)
    output_audio = _count(attributes, *_OUTPUT_AUDIO)
    output_image = _count(attributes, a.LLMCOST_USAGE_OUTPUT_IMAGE_TOKENS)
    output_tokens = _count(attributes, *_OUTPUT)
    if reasoning + output_audio + output_image > output_tokens:
        # The source counted thinking outside the output, as Gemini's raw usage does.
        output_tokens += reasoning
    output_tokens += _count(attributes, a.ANTHROPIC_USAGE_COMPACTION_OUTPUT_TOKENS)
    images: dict[str, int] = {}
    image_count = _count(attributes, a.LLMCOST_USAGE_IMAGES)
    if image_count:
        size = attributes.get(a.LLMCOST_REQUEST_IMAGE_SIZE)
        quality = attributes.get(a.LLMCOST_REQUEST_IMAGE_QUALITY)
        key = str(size) if isinstance(size, str) else "image"
        images[f"{key}/{quality}" if isinstance(quality, str) and quality else key] = image_count
    web_search = _count(attributes, a.LLMCOST_USAGE_WEB_SEARCH_CALLS)
    seconds = attributes.get(a.LLMCOST_USAGE_INPUT_AUDIO_SECONDS)
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0):
        raise _InvalidUsage(f"{a.LLMCOST_USAGE_INPUT_AUDIO_SECONDS} is {seconds!r}, not a duration")
    try:
        return Usage.from_totals(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=cache_read,
            cache_write_tokens=cache_write,
            cache_write_1h_tokens=min(cache_write_1h, cache_write),
            input_audio_tokens=input_audio,
            cache_read_audio_tokens=cache_read_audio,
            input_image_tokens=input_image,
            reasoning_tokens=reasoning,
            output_audio_tokens=output_audio,
            output_image_tokens=output_image,
            input_characters=_count(attributes, a.LLMCOST_USAGE_INPUT_CHARACTERS),
            input_audio_seconds=Decimal(repr(float(seconds))) if seconds is not None else 0,
            images=images,
            requests={"web_search": web_search} if web_search else None,
        )
    except ValueError as error:
        raise _InvalidUsage(str(error)) from None


def _context(attributes: Attributes) -> RequestContext:
    tier = _text(attributes, _SERVICE_TIER)
    tier = tier.lower() if tier else None
    batch = attributes.get(a.LLMCOST_REQUEST_BATCH) is True or tier == "batch"
    region = attributes.get(a.LLMCOST_REQUEST_REGION)
    return RequestContext(
        batch=batch,
        service_tier=tier,
        region=region.lower() if isinstance(region, str) and region else None,
    )


def read_call(attributes: Attributes, operation: str | None = None) -> GenAICall:
    """What the span ``attributes`` say about their call. Never raises: bad usage is reported, not thrown."""
    invalid: str | None = None
    try:
        usage = _usage(attributes)
    except _InvalidUsage as error:
        usage, invalid = None, str(error)
    status = attributes.get(a.LLMCOST_USAGE_STATUS)
    cost = attributes.get(a.LLMCOST_PROVIDER_REPORTED_COST)
    provider_cost = None
    if isinstance(cost, (int, float)) and not isinstance(cost, bool) and cost >= 0:
        provider_cost = Decimal(repr(float(cost)))
    return GenAICall(
        operation=operation if operation is not None else operation_of(attributes),
        provider=_text(attributes, _PROVIDER),
        request_model=_text(attributes, _REQUEST_MODEL),
        response_model=_text(attributes, (a.GEN_AI_RESPONSE_MODEL,)),
        response_id=_text(attributes, (a.GEN_AI_RESPONSE_ID,)),
        usage=usage,
        usage_status=status if isinstance(status, str) and status in ("estimated", "partial") else "reported",
        context=_context(attributes),
        provider_cost=provider_cost,
        invalid_usage=invalid,
        error_type=_text(attributes, (a.ERROR_TYPE,)),
    )
