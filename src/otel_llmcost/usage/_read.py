"""Span attributes -> `GenAICall`: the usage, provider, model and request context of one call.

Reads the current GenAI convention names first, then the older and foreign ones seen in the wild
(deprecated ``gen_ai.*`` names, the Anthropic SDK's own tracing, OpenLLMetry, OpenInference). Where a
source reported a part outside its total (cached tokens outside the input count, Gemini thinking outside
the output count), the part is folded into the total, so every token lands in exactly one bucket.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

from .. import _attributes as a
from ._model import TOKEN_TOTALS, RequestContext, Usage, buckets_usage, new_tuple, token_buckets

__all__ = ["INFERENCE_OPERATIONS", "GenAICall", "TokenCall", "operation_of", "read_call", "read_tokens", "token_call"]

Attributes = Mapping[str, object]
_O = a.GenAiOperationNameValues
_U = a.LlmcostUsageStatusValues

INFERENCE_OPERATIONS = frozenset(
    {
        # The GenAI conventions.
        _O.CHAT,
        _O.TEXT_COMPLETION,
        _O.GENERATE_CONTENT,
        _O.EMBEDDINGS,
        # OpenLLMetry's llm.request.type and OpenInference's span kinds, lowercased.
        a.LlmRequestTypeValues.COMPLETION,
        a.LlmRequestTypeValues.EMBEDDING,
        a.LlmRequestTypeValues.RERANK,
        a.OpeninferenceSpanKindValues.LLM.lower(),
        # The paid endpoints our instrumentors trace that the conventions do not name yet.
        _O.SPEECH,
        _O.TRANSCRIPTION,
        _O.TRANSLATION,
        _O.IMAGE_GENERATION,
        _O.IMAGE_EDIT,
        _O.VIDEO_GENERATION,
        _O.OCR,
        _O.RERANK,
        _O.VECTOR_READ,
        _O.VECTOR_WRITE,
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
# The conventions' usage by modality (semantic-conventions-genai #440) first, then this library's older names.
# Text and video tokens are priced as plain tokens, so their counts need no reading.
_INPUT_AUDIO = (
    a.GEN_AI_USAGE_AUDIO_INPUT_TOKENS,
    a.LLMCOST_USAGE_INPUT_AUDIO_TOKENS,
    a.LLM_TOKEN_COUNT_PROMPT_DETAILS_AUDIO,
)
_OUTPUT_AUDIO = (
    a.GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS,
    a.LLMCOST_USAGE_OUTPUT_AUDIO_TOKENS,
    a.LLM_TOKEN_COUNT_COMPLETION_DETAILS_AUDIO,
)
_CACHE_READ_AUDIO = (a.GEN_AI_USAGE_AUDIO_CACHE_READ_INPUT_TOKENS, a.LLMCOST_USAGE_CACHE_READ_AUDIO_TOKENS)
_INPUT_IMAGE = (a.GEN_AI_USAGE_IMAGE_INPUT_TOKENS, a.LLMCOST_USAGE_INPUT_IMAGE_TOKENS)
_OUTPUT_IMAGE = (a.GEN_AI_USAGE_IMAGE_OUTPUT_TOKENS, a.LLMCOST_USAGE_OUTPUT_IMAGE_TOKENS)
_SERVICE_TIER = (
    a.OPENAI_RESPONSE_SERVICE_TIER,
    a.GEN_AI_OPENAI_RESPONSE_SERVICE_TIER,
    a.ANTHROPIC_RESPONSE_SERVICE_TIER,
    a.OPENAI_REQUEST_SERVICE_TIER,
    a.GEN_AI_OPENAI_REQUEST_SERVICE_TIER,
    a.ANTHROPIC_REQUEST_SERVICE_TIER,
    a.LLMCOST_REQUEST_SERVICE_TIER,
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
        invalid_provider_cost: why the provider's reported cost was ignored (not a finite, non-negative
            number), when it was.
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
    invalid_provider_cost: str | None = None

    @property
    def model(self) -> str | None:
        """The model to price the call by: the one that answered, else the one asked for."""
        return self.response_model or self.request_model


def operation_of(attributes: Attributes) -> str | None:
    """The span's operation if it is a priced GenAI call (inference or embeddings), else `None`. Cheap."""
    operation = attributes.get(a.GEN_AI_OPERATION_NAME)
    if operation is None:
        operation = attributes.get(a.LLM_REQUEST_TYPE) or attributes.get(a.OPENINFERENCE_SPAN_KIND)
        if operation is None:
            return None
    elif type(operation) is str and operation in INFERENCE_OPERATIONS:
        return operation  # the usual case, in lower case already
    if not isinstance(operation, str):
        return None
    operation = operation.lower()
    return operation if operation in INFERENCE_OPERATIONS else None


class _InvalidUsage(ValueError):
    pass


# Every attribute that reports a usage field, with its rank among the names for that field (0 wins). The fields
# are the arguments of `Usage.from_reported` (`Totals`), and the few below that map to them in `_usage`.
_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("input_tokens", _INPUT),
    ("output_tokens", _OUTPUT),
    ("cache_read_tokens", _CACHE_READ),
    ("cache_write_tokens", _CACHE_WRITE),
    ("cache_write_5m", (a.ANTHROPIC_USAGE_CACHE_CREATION_EPHEMERAL_5M_INPUT_TOKENS,)),
    ("cache_write_1h_tokens", (a.ANTHROPIC_USAGE_CACHE_CREATION_EPHEMERAL_1H_INPUT_TOKENS,)),
    ("reasoning_tokens", _REASONING),
    ("input_audio_tokens", _INPUT_AUDIO),
    ("cache_read_audio_tokens", _CACHE_READ_AUDIO),
    ("input_image_tokens", _INPUT_IMAGE),
    ("output_audio_tokens", _OUTPUT_AUDIO),
    ("output_image_tokens", _OUTPUT_IMAGE),
    ("compaction_input", (a.ANTHROPIC_USAGE_COMPACTION_INPUT_TOKENS,)),
    ("compaction_output", (a.ANTHROPIC_USAGE_COMPACTION_OUTPUT_TOKENS,)),
    ("input_characters", (a.LLMCOST_USAGE_INPUT_CHARACTERS,)),
    ("images", (a.LLMCOST_USAGE_IMAGES,)),
    ("web_search", (a.LLMCOST_USAGE_WEB_SEARCH_CALLS,)),
    ("search_units", (a.LLMCOST_USAGE_SEARCH_UNITS,)),
    ("pages", (a.LLMCOST_USAGE_PAGES,)),
    ("grounded_prompts", (a.LLMCOST_USAGE_GROUNDED_PROMPTS,)),
    ("read_units", (a.LLMCOST_USAGE_READ_UNITS,)),
    ("write_units", (a.LLMCOST_USAGE_WRITE_UNITS,)),
    ("cache_read_image", (a.GEN_AI_USAGE_IMAGE_CACHE_READ_INPUT_TOKENS,)),
    ("seconds", (a.LLMCOST_USAGE_INPUT_AUDIO_SECONDS,)),
    ("compute_seconds", (a.LLMCOST_USAGE_COMPUTE_SECONDS,)),
    ("video_seconds", (a.LLMCOST_USAGE_VIDEO_SECONDS,)),
    ("output_megapixels", (a.LLMCOST_USAGE_OUTPUT_MEGAPIXELS,)),
    ("input_megapixels", (a.LLMCOST_USAGE_INPUT_MEGAPIXELS,)),
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
_TEXT_NAMES = tuple(name for name, _ in _TEXT_FIELDS)
_SPECIAL = frozenset(
    {
        "cache_write_5m",
        "compaction_input",
        "compaction_output",
        "images",
        "web_search",
        "search_units",
        "pages",
        "grounded_prompts",
        "read_units",
        "write_units",
        "seconds",
        "compute_seconds",
        "video_seconds",
        "output_megapixels",
        "input_megapixels",
        "cache_read_image",
    }
)
_CACHE = frozenset({"cache_read_tokens", "cache_write_tokens"})
_MEGAPIXELS = ("output_megapixels", "input_megapixels")
_DURATIONS = frozenset({"seconds", "compute_seconds", "video_seconds", *_MEGAPIXELS})  # amounts, not counts
_EXTRA_KEYS = frozenset(
    {a.LLMCOST_USAGE_STATUS, a.LLMCOST_PROVIDER_REPORTED_COST, a.LLMCOST_REQUEST_BATCH, a.LLMCOST_REQUEST_REGION}
)
_NO_TEXTS: list[str | None] = [None] * len(_TEXT_NAMES)
_TOTAL_INDEX = {name: index for index, name in enumerate(TOKEN_TOTALS)}
_NO_TOTALS = [0] * len(TOKEN_TOTALS)
_MAX_SHAPES = 1024
_WEB_SEARCH = "web_search"
_REQUEST = "request"
_PAGE = "page"
_GROUNDED_PROMPT = "grounded_prompt"
_READ_UNIT = "read_unit"
_WRITE_UNIT = "write_unit"


class _Shape(NamedTuple):
    """Where the fields of a span with one set of keys are. Spans from one source share their keys.

    Attributes:
        winners: for each field the span reports, the best-ranked key that reports it, as ``(field, key)``.
        counts: the keys of the count fields, with the field's name; None when a field needs the general
            reading (seconds, which may be fractional).
        texts: the keys of the text fields, with the field's index in `_TEXT_NAMES`.
        extras: whether the span has a key read besides the fields: usage status, reported cost, batch, region.
        plain: whether every count field is an argument of `Usage.from_reported`, as in most spans (not a
            botocore span's cache counts: see `_usage`).
        tokens: for a plain span whose counts are all tokens (most spans), the keys of the counts with their
            index in `TOKEN_TOTALS`, which `tokens_usage` takes; else None.
    """

    winners: tuple[tuple[str, str], ...]
    counts: tuple[tuple[str, str], ...] | None
    texts: tuple[tuple[str, int], ...]
    extras: bool
    plain: bool
    tokens: tuple[tuple[str, int], ...] | None


_SHAPES: dict[tuple[str, ...], _Shape] = {}


def _new_shape(keys: tuple[str, ...]) -> _Shape:
    """The shape of spans with ``keys``, now cached."""
    found: dict[str, tuple[int, str]] = {}
    for key in keys:
        slot = _SLOTS.get(key)
        if slot is not None:
            name, rank = slot
            best = found.get(name)
            if best is None or rank < best[0]:
                found[name] = (rank, key)
    if "cache_write_tokens" in found:
        found.pop("cache_write_5m", None)  # the sum is there: the 5-minute part adds nothing
    winners = tuple((name, key) for name, (_, key) in found.items())
    counts = None
    if _DURATIONS.isdisjoint(found):
        counts = tuple((key, name) for name, key in winners if name not in _TEXT)
    plain = _SPECIAL.isdisjoint(found) and not (a.RPC_SYSTEM in keys and _CACHE.intersection(found))
    tokens = None
    if plain and counts is not None and all(name in _TOTAL_INDEX for _, name in counts):
        tokens = tuple((key, _TOTAL_INDEX[name]) for key, name in counts)
    shape = _Shape(
        winners,
        counts,
        tuple((key, _TEXT_NAMES.index(name)) for name, key in winners if name in _TEXT),
        not _EXTRA_KEYS.isdisjoint(keys),
        plain,
        tokens,
    )
    if len(_SHAPES) >= _MAX_SHAPES:
        _SHAPES.clear()
    _SHAPES[keys] = shape
    return shape


def _read_quickly(attributes: Attributes, shape: _Shape) -> tuple[list[str | None], Usage | None] | None:
    """The text fields and usage of a span whose counts are all plain ints >= 0, as they usually are.

    None for any other span: `_scan` reads it, and explains what is wrong with its usage.

    Raises:
        _InvalidUsage: the parts of the usage exceed its totals.
    """
    counted = shape.counts
    if counted is None:
        return None
    tokens = shape.tokens
    if tokens is not None and counted:
        # Most spans: their counts by position, straight into the token buckets.
        found = _read_tokens(attributes, shape, tokens)
        if found is None:
            return None
        texts, buckets = found
        return texts, buckets_usage(buckets)
    counts: dict[str, int | float] = {}
    for key, name in counted:
        value = attributes[key]
        if type(value) is not int or value < 0:
            return None
        counts[name] = value
    texts = _texts(attributes, shape)
    if not counted:
        return texts, None
    if not shape.plain:
        return texts, _usage(attributes, counts)
    try:
        return texts, Usage.from_reported(**counts)  # pyright: ignore[reportArgumentType] - the names are its own
    except ValueError as error:
        raise _InvalidUsage(str(error)) from None


def _read_tokens(
    attributes: Attributes, shape: _Shape, tokens: tuple[tuple[str, int], ...]
) -> tuple[list[str | None], tuple[int, ...]] | None:
    """The text fields and token buckets of a span whose counts are all tokens (``tokens``, the shape's), or None
    when one is not a plain int >= 0.

    Raises:
        _InvalidUsage: the parts of the usage exceed its totals.
    """
    totals = _NO_TOTALS.copy()
    for key, index in tokens:
        value = attributes[key]
        if type(value) is not int or value < 0:
            return None
        totals[index] = value
    # `_texts`, inline: after the SDK's own work this code runs cold, and a function less is less to load.
    texts = _NO_TEXTS.copy()
    for key, index in shape.texts:
        value = attributes[key]
        if type(value) is str and value:
            texts[index] = value
    try:
        return texts, token_buckets(*totals)
    except ValueError as error:
        raise _InvalidUsage(str(error)) from None


def _texts(attributes: Attributes, shape: _Shape) -> list[str | None]:
    """The text fields of a span, in the order of `_TEXT_NAMES` (None where it has none)."""
    texts = _NO_TEXTS.copy()
    for key, index in shape.texts:
        value = attributes[key]
        if type(value) is str and value:
            texts[index] = value
    return texts


def _read(attributes: Attributes, shape: _Shape) -> tuple[list[str | None], Usage | None]:
    """The text fields and usage of any span: `_read_quickly` reads most of them.

    Raises:
        _InvalidUsage: a usage value is not a count (or a duration), or the parts exceed their totals.
    """
    named, values = _scan(attributes, shape.winners)
    texts = [named.get(name) for name in _TEXT_NAMES]
    if not values:
        return texts, None
    return texts, _usage(attributes, values)


def _video_key(attributes: Attributes) -> str:
    """The key of a call's seconds of video: its resolution (``video`` when not asked), and its sound if asked."""
    resolution = attributes.get(a.LLMCOST_REQUEST_VIDEO_RESOLUTION)
    key = resolution if isinstance(resolution, str) and resolution else "video"
    audio = attributes.get(a.LLMCOST_REQUEST_VIDEO_AUDIO)
    return key if not isinstance(audio, bool) else f"{key}/audio" if audio else f"{key}/silent"


def _scan(
    attributes: Attributes, winners: tuple[tuple[str, str], ...]
) -> tuple[dict[str, str], dict[str, int | float]]:
    """The call's text fields and usage values, each from the best-ranked name present.

    Raises:
        _InvalidUsage: a usage value is not a count (or, for seconds, not a duration).
    """
    texts: dict[str, str] = {}
    counts: dict[str, int | float] = {}
    for name, key in winners:
        value = attributes[key]
        if name in _TEXT:
            if isinstance(value, str) and value:
                texts[name] = value
        elif type(value) is int and value >= 0:
            counts[name] = value
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            kind = "count" if name not in _DURATIONS else "size" if name in _MEGAPIXELS else "duration"
            raise _InvalidUsage(f"{key} is {value!r}, not a {kind}")
        elif name in _DURATIONS:
            counts[name] = value
        elif value != int(value):
            raise _InvalidUsage(f"{key} is {value!r}, not a count")
        else:
            counts[name] = int(value)
    return texts, counts


def _usage(attributes: Attributes, counts: dict[str, int | float]) -> Usage:
    """The usage of a span's ``counts`` by field (see `_FIELDS`); only seconds may be fractional.

    Raises:
        _InvalidUsage: the parts of the usage exceed its totals, even when counted beside them.
    """
    extra_input = extra_output = 0
    if attributes.get(a.RPC_SYSTEM) == a.RpcSystemValues.AWS_API:
        # opentelemetry-instrumentation-botocore writes Bedrock's inputTokens, which leaves the cache reads and
        # writes out, as the input: they are added, whether or not they happen to exceed it.
        cached = counts.get("cache_read_tokens", 0) + counts.get("cache_write_tokens", 0)
        counts["input_tokens"] = counts.get("input_tokens", 0) + cached
    if not _SPECIAL.isdisjoint(counts):
        # Anthropic's SDK reports the 5-minute and 1-hour writes, and maybe not their sum.
        write_5m = counts.pop("cache_write_5m", 0)
        if not counts.get("cache_write_tokens"):
            counts["cache_write_tokens"] = write_5m + counts.get("cache_write_1h_tokens", 0)
        # Server-side context compaction (Anthropic) counts its tokens outside the call's; they bill as plain ones.
        extra_input = int(counts.pop("compaction_input", 0))
        extra_output = int(counts.pop("compaction_output", 0))
        image_count = counts.pop("images", 0)
        if image_count:
            size = attributes.get(a.LLMCOST_REQUEST_IMAGE_SIZE)
            quality = attributes.get(a.LLMCOST_REQUEST_IMAGE_QUALITY)
            key = size if isinstance(size, str) else "image"
            counts["images"] = {f"{key}/{quality}" if isinstance(quality, str) and quality else key: image_count}  # pyright: ignore[reportArgumentType]
        requests = {
            kind: count
            for kind, count in (
                (_WEB_SEARCH, counts.pop("web_search", 0)),
                (_REQUEST, counts.pop("search_units", 0)),  # a rerank's search units: each one of the model's requests
                (_PAGE, counts.pop("pages", 0)),
                (_GROUNDED_PROMPT, counts.pop("grounded_prompts", 0)),
                (_READ_UNIT, counts.pop("read_units", 0)),  # a vector database's (Pinecone's) billed reads
                (_WRITE_UNIT, counts.pop("write_units", 0)),
            )
            if count
        }
        if requests:
            counts["requests"] = requests  # pyright: ignore[reportArgumentType]
        cache_read_image = counts.pop("cache_read_image", 0)
        if cache_read_image:
            # Cached image tokens are in both the cache reads and the image input: priced once, as cache reads.
            input_image = counts.get("input_image_tokens", 0) - cache_read_image
            if input_image < 0 or cache_read_image + counts.get("cache_read_audio_tokens", 0) > counts.get(
                "cache_read_tokens", 0
            ):
                raise _InvalidUsage("the cached image tokens exceed the image input or the cache reads")
            counts["input_image_tokens"] = input_image
        seconds = counts.pop("seconds", None)
        if seconds is not None:
            counts["input_audio_seconds"] = Decimal(repr(float(seconds)))  # pyright: ignore[reportArgumentType]
        compute_seconds = counts.pop("compute_seconds", None)
        if compute_seconds is not None:
            counts["compute_seconds"] = Decimal(repr(float(compute_seconds)))  # pyright: ignore[reportArgumentType]
        video = counts.pop("video_seconds", 0)
        if video:
            counts["videos"] = {_video_key(attributes): Decimal(repr(float(video)))}  # pyright: ignore[reportArgumentType]
        for name in _MEGAPIXELS:
            megapixels = counts.pop(name, None)
            if megapixels is not None:
                counts[name] = Decimal(repr(float(megapixels)))  # pyright: ignore[reportArgumentType]
    try:
        usage = Usage.from_reported(**counts)  # pyright: ignore[reportArgumentType] - the names are its own
    except ValueError as error:
        raise _InvalidUsage(str(error)) from None
    if extra_input or extra_output:
        usage = usage._replace(input=usage.input + extra_input, output=usage.output + extra_output)
    return usage


_ZERO = Decimal(0)
_NO_CONTEXT = RequestContext()


def _context(attributes: Attributes | None, tier: str | None) -> RequestContext:
    """The request context; ``attributes`` is None when the span has none of the batch and region keys."""
    tier = tier.lower() if tier else None
    batch = tier == "batch"
    region = None
    if attributes is not None:
        batch = attributes.get(a.LLMCOST_REQUEST_BATCH) is True or batch
        region = attributes.get(a.LLMCOST_REQUEST_REGION)
    if tier is None and not batch and region is None:
        return _NO_CONTEXT
    return RequestContext(
        batch=batch,
        service_tier=tier,
        region=region.lower() if isinstance(region, str) and region else None,
    )


_TIER_CONTEXTS: dict[str, RequestContext] = {}


def _tier_context(tier: str) -> RequestContext:
    """The context of a span whose only request fact is its service ``tier``; spans of one source repeat a few."""
    context = _TIER_CONTEXTS.get(tier)
    if context is None:
        if len(_TIER_CONTEXTS) >= _MAX_SHAPES:
            _TIER_CONTEXTS.clear()
        context = _TIER_CONTEXTS[tier] = _context(None, tier)
    return context


def read_call(attributes: Attributes, operation: str | None = None) -> GenAICall:
    """What the span ``attributes`` say about their call. Never raises: bad usage is reported, not thrown."""
    keys = tuple(attributes)
    shape = _SHAPES.get(keys) or _new_shape(keys)
    invalid: str | None = None
    try:
        texts, usage = _read_quickly(attributes, shape) or _read(attributes, shape)
    except _InvalidUsage as error:
        texts, usage, invalid = _texts_only(attributes), None, str(error)
    provider, request_model, response_model, response_id, error_type, service_tier = texts
    status: object = None
    provider_cost = None
    invalid_cost = None
    context = _NO_CONTEXT
    if shape.extras:
        status = attributes.get(a.LLMCOST_USAGE_STATUS)
        cost = attributes.get(a.LLMCOST_PROVIDER_REPORTED_COST)
        if cost is not None:
            provider_cost, invalid_cost = _provider_cost(cost)
        context = _context(attributes, service_tier)
    elif service_tier is not None:
        context = _TIER_CONTEXTS.get(service_tier) or _tier_context(service_tier)
    call: GenAICall = new_tuple(
        GenAICall,
        (
            operation if operation is not None else operation_of(attributes),
            provider,
            request_model,
            response_model,
            response_id,
            usage,
            status if isinstance(status, str) and status in (_U.ESTIMATED, _U.PARTIAL) else _U.REPORTED,
            context,
            provider_cost,
            invalid,
            error_type,
            invalid_cost,
        ),
    )
    return call


TokenCall = tuple[str | None, str | None, str | None, str | None, str | None, RequestContext, tuple[int, ...]]
"""What `read_tokens` reads: the provider, request model, response model, response id, error type, request context
and token buckets (`TOKEN_UNITS`, in order) of a call."""


def read_tokens(attributes: Attributes) -> TokenCall | None:
    """What `read_call` reads from the usual span, without building its `GenAICall` and `Usage`: a span whose
    usage is reported tokens only, each count a plain int >= 0, and none of the keys beyond them that `read_call`
    reads (usage status, reported cost, batch, region). None for any other span, which `read_call` reads.

    For the processor, which prices most spans from these alone: building the two named tuples is a quarter of
    `read_call`'s instructions on the Anthropic SDK's span.
    """
    keys = tuple(attributes)
    shape = _SHAPES.get(keys) or _new_shape(keys)
    tokens = shape.tokens
    if not tokens or shape.extras:
        return None
    try:
        found = _read_tokens(attributes, shape, tokens)
    except _InvalidUsage:
        return None  # `read_call` says why
    if found is None:
        return None
    texts, buckets = found
    tier = texts[5]
    context = _NO_CONTEXT if tier is None else _TIER_CONTEXTS.get(tier) or _tier_context(tier)
    return texts[0], texts[1], texts[2], texts[3], texts[4], context, buckets


def token_call(read: TokenCall, operation: str) -> GenAICall:
    """The `GenAICall` that `read_call` reads from the span `read_tokens` read as ``read``, without reading it
    again: for the processor, when the usual span turns out not to be priced in one pass."""
    provider, request_model, response_model, response_id, error_type, context, tokens = read
    fields = (operation, provider, request_model, response_model, response_id, buckets_usage(tokens))
    call: GenAICall = new_tuple(GenAICall, (*fields, _U.REPORTED, context, None, None, error_type, None))
    return call


def _provider_cost(cost: object) -> tuple[Decimal | None, str | None]:
    """A reported cost, or why it cannot be used: only a finite number >= 0 (and not -0.0) is a charge.

    An infinite amount would poison the cost counter for good (the metrics SDK drops a series that reaches
    ``inf``), and a negative one, even -0.0, would make a sum smaller than its parts.
    """
    if isinstance(cost, (int, float)) and not isinstance(cost, bool):
        value = float(cost)
        if math.isfinite(value) and math.copysign(1.0, value) > 0:
            return Decimal(repr(value)), None
    return None, f"the provider reported a cost of {cost!r}, not a finite non-negative number; priced locally"


def _texts_only(attributes: Attributes) -> list[str | None]:
    texts = _NO_TEXTS.copy()
    for index, (_, keys) in enumerate(_TEXT_FIELDS):
        for key in keys:
            value = attributes.get(key)
            if isinstance(value, str) and value:
                texts[index] = value
                break
    return texts
