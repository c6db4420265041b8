"""Span attributes -> `GenAICall`: the usage, provider, model and request context of one call.

Reads the current GenAI convention names first, then the older and foreign ones seen in the wild
(deprecated ``gen_ai.*`` names, the Anthropic SDK's own tracing, OpenLLMetry, OpenInference). Where a
source reported a part outside its total (cached tokens outside the input count, Gemini thinking outside
the output count), the part is folded into the total, so every token lands in exactly one bucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

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
_REQUEST_MODEL = (a.GEN_AI_REQUEST_MODEL, a.LLM_MODEL_NAME, a.EMBEDDING_MODEL_NAME)
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


class GenAICall(NamedTuple):
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


class _InvalidUsage(ValueError):
    pass


# Every attribute that reports a usage field, with its rank among the names for that field (0 wins).
_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("input", _INPUT),
    ("output", _OUTPUT),
    ("cache_read", _CACHE_READ),
    ("cache_write", _CACHE_WRITE),
    ("cache_write_5m", (a.ANTHROPIC_USAGE_CACHE_CREATION_EPHEMERAL_5M_INPUT_TOKENS,)),
    ("cache_write_1h", (a.ANTHROPIC_USAGE_CACHE_CREATION_EPHEMERAL_1H_INPUT_TOKENS,)),
    ("reasoning", _REASONING),
    ("input_audio", _INPUT_AUDIO),
    ("cache_read_audio", (a.LLMCOST_USAGE_CACHE_READ_AUDIO_TOKENS,)),
    ("input_image", (a.LLMCOST_USAGE_INPUT_IMAGE_TOKENS,)),
    ("output_audio", _OUTPUT_AUDIO),
    ("output_image", (a.LLMCOST_USAGE_OUTPUT_IMAGE_TOKENS,)),
    ("compaction_input", (a.ANTHROPIC_USAGE_COMPACTION_INPUT_TOKENS,)),
    ("compaction_output", (a.ANTHROPIC_USAGE_COMPACTION_OUTPUT_TOKENS,)),
    ("input_characters", (a.LLMCOST_USAGE_INPUT_CHARACTERS,)),
    ("images", (a.LLMCOST_USAGE_IMAGES,)),
    ("web_search", (a.LLMCOST_USAGE_WEB_SEARCH_CALLS,)),
    ("seconds", (a.LLMCOST_USAGE_INPUT_AUDIO_SECONDS,)),
)
_TEXT_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("provider", _PROVIDER),
    ("request_model", _REQUEST_MODEL),
    ("response_model", (a.GEN_AI_RESPONSE_MODEL,)),
    ("response_id", (a.GEN_AI_RESPONSE_ID,)),
    ("error_type", (a.ERROR_TYPE,)),
    ("service_tier", _SERVICE_TIER),
)
_SLOTS: dict[str, tuple[str, int]] = {
    key: (name, rank) for name, keys in (*_FIELDS, *_TEXT_FIELDS) for rank, key in enumerate(keys)
}
_TEXT = frozenset(name for name, _ in _TEXT_FIELDS)
_WINNERS: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}
_MAX_SHAPES = 1024
_ZEROS: dict[str, int] = dict.fromkeys((name for name, _ in _FIELDS if name != "seconds"), 0)


def _winners(attributes: Attributes) -> tuple[tuple[str, str], ...]:
    """For each field the span reports, the best-ranked attribute that reports it: ``(field, key)`` pairs.

    Spans from one source carry the same keys, so the answer is cached by the span's keys.
    """
    keys = tuple(attributes)
    winners = _WINNERS.get(keys)
    if winners is None:
        found: dict[str, tuple[int, str]] = {}
        for key in keys:
            slot = _SLOTS.get(key)
            if slot is not None:
                name, rank = slot
                best = found.get(name)
                if best is None or rank < best[0]:
                    found[name] = (rank, key)
        winners = tuple((name, key) for name, (_, key) in found.items())
        if len(_WINNERS) >= _MAX_SHAPES:
            _WINNERS.clear()
        _WINNERS[keys] = winners
    return winners


def _scan(attributes: Attributes) -> tuple[dict[str, str], dict[str, int | float]]:
    """The call's text fields and usage values, each from the best-ranked name present.

    Raises:
        _InvalidUsage: a usage value is not a count (or, for seconds, not a duration).
    """
    texts: dict[str, str] = {}
    counts: dict[str, int | float] = {}
    for name, key in _winners(attributes):
        value = attributes[key]
        if name in _TEXT:
            if isinstance(value, str) and value:
                texts[name] = value
        elif type(value) is int and value >= 0:
            counts[name] = value
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise _InvalidUsage(f"{key} is {value!r}, not a {'duration' if name == 'seconds' else 'count'}")
        elif name == "seconds":
            counts[name] = value
        elif value != int(value):
            raise _InvalidUsage(f"{key} is {value!r}, not a count")
        else:
            counts[name] = int(value)
    return texts, counts


def _usage(attributes: Attributes, counts: dict[str, int | float]) -> Usage | None:
    if not counts:
        return None
    seconds = counts.pop("seconds", None)
    count: dict[str, int] = {**_ZEROS, **counts}  # pyright: ignore[reportAssignmentType]
    cache_read = count["cache_read"]
    cache_write_1h = count["cache_write_1h"]
    cache_write = count["cache_write"] or count["cache_write_5m"] + cache_write_1h
    cache_write_1h = min(cache_write_1h, cache_write)
    input_audio = count["input_audio"]
    cache_read_audio = count["cache_read_audio"]
    input_image = count["input_image"]
    input_tokens = count["input"]
    parts = cache_read + cache_write + input_audio - cache_read_audio + input_image
    if parts > input_tokens:
        # The source counted cached tokens outside the input, as Anthropic's raw usage does.
        input_tokens += cache_read + cache_write
    reasoning = count["reasoning"]
    output_audio = count["output_audio"]
    output_image = count["output_image"]
    output_tokens = count["output"]
    output_parts = reasoning + output_audio + output_image
    if output_parts > output_tokens:
        # The source counted thinking outside the output, as Gemini's raw usage does.
        output_tokens += reasoning
    if parts > input_tokens or output_parts > output_tokens or cache_read_audio > min(cache_read, input_audio):
        raise _InvalidUsage("the parts of the usage exceed its totals even when counted outside them")
    images: tuple[tuple[str, int], ...] = ()
    image_count = count["images"]
    if image_count:
        size = attributes.get(a.LLMCOST_REQUEST_IMAGE_SIZE)
        quality = attributes.get(a.LLMCOST_REQUEST_IMAGE_QUALITY)
        key = size if isinstance(size, str) else "image"
        images = ((f"{key}/{quality}" if isinstance(quality, str) and quality else key, image_count),)
    web_search = count["web_search"]
    return Usage(
        input_tokens - parts + count["compaction_input"],
        cache_read - cache_read_audio,
        cache_write - cache_write_1h,
        cache_write_1h,
        input_audio - cache_read_audio,
        cache_read_audio,
        input_image,
        output_tokens - output_parts + count["compaction_output"],
        reasoning,
        output_audio,
        output_image,
        count["input_characters"],
        _ZERO if seconds is None else Decimal(repr(float(seconds))),
        images,
        (("web_search", web_search),) if web_search else (),
    )


_ZERO = Decimal(0)
_NO_CONTEXT = RequestContext()


def _context(attributes: Attributes, texts: Mapping[str, str]) -> RequestContext:
    tier = texts.get("service_tier")
    tier = tier.lower() if tier else None
    batch = attributes.get(a.LLMCOST_REQUEST_BATCH) is True or tier == "batch"
    region = attributes.get(a.LLMCOST_REQUEST_REGION)
    if tier is None and not batch and region is None:
        return _NO_CONTEXT
    return RequestContext(
        batch=batch,
        service_tier=tier,
        region=region.lower() if isinstance(region, str) and region else None,
    )


def read_call(attributes: Attributes, operation: str | None = None) -> GenAICall:
    """What the span ``attributes`` say about their call. Never raises: bad usage is reported, not thrown."""
    invalid: str | None = None
    try:
        texts, counts = _scan(attributes)
        usage = _usage(attributes, counts)
    except _InvalidUsage as error:
        texts, usage, invalid = _texts_only(attributes), None, str(error)
    status = attributes.get(a.LLMCOST_USAGE_STATUS)
    cost = attributes.get(a.LLMCOST_PROVIDER_REPORTED_COST)
    provider_cost = None
    if isinstance(cost, (int, float)) and not isinstance(cost, bool) and cost >= 0:
        provider_cost = Decimal(repr(float(cost)))
    return GenAICall(
        operation if operation is not None else operation_of(attributes),
        texts.get("provider"),
        texts.get("request_model"),
        texts.get("response_model"),
        texts.get("response_id"),
        usage,
        status if isinstance(status, str) and status in ("estimated", "partial") else "reported",
        _context(attributes, texts),
        provider_cost,
        invalid,
        texts.get("error_type"),
    )


def _texts_only(attributes: Attributes) -> dict[str, str]:
    texts: dict[str, str] = {}
    for name, keys in _TEXT_FIELDS:
        for key in keys:
            value = attributes.get(key)
            if isinstance(value, str) and value:
                texts[name] = value
                break
    return texts
