"""Reading OpenAI's arguments and results: request parameters, usage objects, provider-reported cost."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final, cast

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...usage import Usage, tokens_usage
from .._genai import Attributes
from .._read import Sampling, fields, number, sampling, text

__all__ = [
    "provider_cost",
    "sampling_attributes",
    "service_tier",
    "token_usage",
    "usage_fields",
    "zero_cache_read",
]

_log = logging.getLogger("otel_llmcost")

_AUTO: Final = "auto"
_NAMES: Final = Sampling(
    (
        (gen_ai.GEN_AI_REQUEST_TEMPERATURE, "temperature"),
        (gen_ai.GEN_AI_REQUEST_TOP_P, "top_p"),
        (gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY, "frequency_penalty"),
        (gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY, "presence_penalty"),
    )
)
_SAMPLING: Final = frozenset(
    {
        *(name for _, name in _NAMES.numbers),
        *("max_completion_tokens", "max_tokens", "max_output_tokens"),  # every surface's ``max_tokens`` names
        *("seed", "n", "stop", "service_tier"),
    }
)


def service_tier(kwargs: Mapping[str, Any], attributes: Attributes) -> None:
    """``openai.request.service_tier``, when the request names a tier other than ``auto``."""
    tier = text(kwargs.get("service_tier"))
    if tier is not None and tier != _AUTO:
        attributes[a.OPENAI_REQUEST_SERVICE_TIER] = tier


def sampling_attributes(kwargs: Mapping[str, Any], attributes: Attributes, max_tokens: tuple[str, ...]) -> None:
    """The sampling parameters of a request, as the GenAI conventions name them; ``max_tokens`` in order.

    Parameters passed through ``extra_body`` count as named ones (the SDK sends them in the body, after them).
    """
    extra = kwargs.get("extra_body")
    if extra and isinstance(extra, Mapping):  # truth first: an ABC's isinstance costs more than a call's reading
        kwargs = {**kwargs, **cast("Mapping[str, Any]", extra)}
    if kwargs.keys().isdisjoint(_SAMPLING):  # a call that names none of them (one look-up per argument)
        return
    sampling(kwargs, attributes, _NAMES, max_tokens)
    if "service_tier" in kwargs:
        service_tier(kwargs, attributes)


def zero_cache_read(attributes: Attributes, *reported: object) -> None:
    """``gen_ai.usage.cache_read.input_tokens`` 0 when the API reported a cache read count of 0: a measured zero
    is reported as one, as the official instrumentation does (a count it did not report stays absent)."""
    if 0 in reported and not any(type(value) is int and value > 0 for value in reported):
        attributes[a.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = 0


def token_usage(
    input_tokens: int,
    output_tokens: int,
    *,
    cache_read: int = 0,
    cache_write: int = 0,
    input_audio: int = 0,
    input_image: int = 0,
    reasoning: int = 0,
    output_audio: int = 0,
    output_image: int = 0,
    total: int = 0,
    requests: Mapping[str, int] | None = None,
) -> Usage | None:
    """A `Usage` from the totals and parts an OpenAI-style usage object reports (`Usage.from_reported`).

    OpenAI counts cached, audio and image tokens inside the prompt and reasoning tokens inside the
    completion; the compatible APIs that count some beside are folded by the usage model's rules. Parts that
    exceed their totals even so (a compatible server's odd counts) are dropped: the totals the SDK returned are
    kept and billed at the plain rates, never lost.
    """
    # In `TOKEN_TOTALS` order: `tokens_usage` applies `from_reported`'s rules to counts by position, in half its time.
    counts = (
        input_tokens,
        output_tokens,
        cache_read,
        cache_write,
        0,  # cache writes for an hour: OpenAI reports no cache lifetimes
        input_audio,
        0,  # cached audio tokens: not reported apart
        input_image,
        reasoning,
        output_audio,
        output_image,
    )
    try:
        if requests is None and min(counts) >= 0:
            return tokens_usage(counts, total)
        return Usage.from_reported(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=cache_read,
            cache_write_tokens=cache_write,
            input_audio_tokens=input_audio,
            input_image_tokens=input_image,
            reasoning_tokens=reasoning,
            output_audio_tokens=output_audio,
            output_image_tokens=output_image,
            total_tokens=total,
            requests=requests,
        )
    except ValueError:
        _log.debug("otel-llmcost: an OpenAI usage whose parts exceed its totals; its totals kept", exc_info=True)
    try:
        return Usage.from_reported(input_tokens=input_tokens, output_tokens=output_tokens, total_tokens=total)
    except ValueError:
        return None


def usage_fields(usage: object, attributes: Attributes) -> Mapping[str, Any] | None:
    """The `fields` of a response's ``usage`` object (`None` when there is none), after its reported cost."""
    if usage is None:
        return None
    values = fields(usage)
    provider_cost(values, attributes)
    return values


def provider_cost(usage: Mapping[str, Any], attributes: Attributes) -> None:
    """The charge a gateway reported with the ``usage`` fields (OpenRouter's ``cost``, in US dollars), as reported.

    The cost processor judges it: one that is not a finite number >= 0 is ignored there, and says so.
    """
    reported = usage.get("cost")
    cost = number(reported) if reported is not None else None  # OpenAI's own usage has none: no call for it
    if cost is not None:
        attributes[a.LLMCOST_PROVIDER_REPORTED_COST] = cost
