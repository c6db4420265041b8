"""Reading OpenAI's arguments and results: request parameters, usage objects, provider-reported cost."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...usage import Usage
from .._genai import Attributes
from .._read import number, text

__all__ = [
    "provider_cost",
    "sampling_attributes",
    "service_tier",
    "token_usage",
]

_AUTO: Final = "auto"
_NUMBERS: Final = (
    (gen_ai.GEN_AI_REQUEST_TEMPERATURE, "temperature"),
    (gen_ai.GEN_AI_REQUEST_TOP_P, "top_p"),
    (gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY, "frequency_penalty"),
    (gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY, "presence_penalty"),
)


def service_tier(kwargs: Mapping[str, Any], attributes: Attributes) -> None:
    """``openai.request.service_tier``, when the request names a tier other than ``auto``."""
    tier = text(kwargs.get("service_tier"))
    if tier is not None and tier != _AUTO:
        attributes[a.OPENAI_REQUEST_SERVICE_TIER] = tier


def sampling_attributes(kwargs: Mapping[str, Any], attributes: Attributes, max_tokens: tuple[str, ...]) -> None:
    """The sampling parameters of a request, as the GenAI conventions name them; ``max_tokens`` in order."""
    for key, name in _NUMBERS:
        if name in kwargs:  # most calls name few of them: no call for the others
            value = number(kwargs[name])
            if value is not None:
                attributes[key] = value
    for name in max_tokens:
        limit = kwargs.get(name)
        if isinstance(limit, int) and not isinstance(limit, bool):
            attributes[gen_ai.GEN_AI_REQUEST_MAX_TOKENS] = limit
            break
    seed = kwargs.get("seed")
    if isinstance(seed, int) and not isinstance(seed, bool):
        attributes[gen_ai.GEN_AI_REQUEST_SEED] = seed
    choices = kwargs.get("n")
    if isinstance(choices, int) and not isinstance(choices, bool) and choices != 1:
        attributes[gen_ai.GEN_AI_REQUEST_CHOICE_COUNT] = choices
    stop = kwargs.get("stop")
    if isinstance(stop, str):
        attributes[gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES] = [stop]
    elif isinstance(stop, (list, tuple)):
        sequences = [item for item in stop if isinstance(item, str)]  # pyright: ignore[reportUnknownVariableType]
        if sequences:
            attributes[gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES] = sequences
    if "service_tier" in kwargs:
        service_tier(kwargs, attributes)


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
) -> Usage:
    """A `Usage` from the totals and parts an OpenAI-style usage object reports.

    OpenAI counts cached, audio and image tokens inside the prompt and reasoning tokens inside the
    completion. Some compatible APIs count reasoning tokens beside the completion (their total is prompt plus
    completion plus reasoning), or cached tokens beside the prompt: such parts are folded into their total,
    so that every token is counted once.
    """
    if reasoning and (total == input_tokens + output_tokens + reasoning or reasoning > output_tokens):
        output_tokens += reasoning
    if cache_read and (total == input_tokens + cache_read + output_tokens or cache_read > input_tokens):
        input_tokens += cache_read
    output_parts = reasoning + output_audio + output_image
    input_parts = cache_read + cache_write + input_audio + input_image
    # The counts are non-negative (see `tokens`) and the parts at most their totals: the buckets are built
    # directly, rather than through Usage.from_totals's checks, on every call's path.
    return Usage(
        input=max(input_tokens - input_parts, 0),
        cache_read=cache_read,
        cache_write=cache_write,
        input_audio=input_audio,
        input_image=input_image,
        output=max(output_tokens - output_parts, 0),
        reasoning=reasoning,
        output_audio=output_audio,
        output_image=output_image,
        requests=tuple(sorted((kind, found) for kind, found in requests.items() if found)) if requests else (),
    )


def provider_cost(usage: Mapping[str, Any], attributes: Attributes) -> None:
    """The charge a gateway reported with the ``usage`` fields (OpenRouter's ``cost``, in US dollars)."""
    cost = number(usage.get("cost"))
    if cost is not None and cost >= 0:
        attributes[a.LLMCOST_PROVIDER_REPORTED_COST] = cost
