"""Reading the SDK's arguments and results: request parameters, usage objects, provider-reported cost.

Results are the SDK's pydantic models, whose unknown fields (a compatible provider's extras such as
OpenRouter's ``usage.cost``) stay plain dicts: `field` reads both. Request arguments can be the SDK's
``omit`` / ``NOT_GIVEN`` sentinels, which the type checks here skip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, cast

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...pricing import Usage
from .._genai import Attributes

__all__ = [
    "count",
    "field",
    "number",
    "provider_cost",
    "sampling_attributes",
    "service_tier",
    "text",
    "token_usage",
    "zero_cache_read",
]

_AUTO: Final = "auto"
_NOT_PYDANTIC: Final = object()
_EMPTY: Final[Mapping[str, Any]] = {}
_NUMBERS: Final = (
    (gen_ai.GEN_AI_REQUEST_TEMPERATURE, "temperature"),
    (gen_ai.GEN_AI_REQUEST_TOP_P, "top_p"),
    (gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY, "frequency_penalty"),
    (gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY, "presence_penalty"),
)


def field(value: object, name: str) -> Any:
    """``value.name`` of an SDK object, ``value[name]`` of a dict (a request parameter or an unknown field).

    A pydantic model's fields and extras are read from its dicts: ``getattr`` of a name a pydantic 2 model
    lacks raises and catches an AttributeError inside pydantic, which costs microseconds on every call.
    """
    if value is None:
        return None
    if isinstance(value, dict):
        return cast("dict[str, Any]", value).get(name)
    attributes: dict[str, Any] | None = getattr(value, "__dict__", None)
    if attributes is not None and name in attributes:
        return attributes[name]
    extras: object = getattr(value, "__pydantic_extra__", _NOT_PYDANTIC)
    if extras is _NOT_PYDANTIC:
        return getattr(value, name, None)
    return cast("dict[str, Any]", extras).get(name) if extras else None


def fields(value: object) -> Mapping[str, Any]:
    """The fields of an SDK object (its pydantic fields and extras), or of a dict, as a mapping; cheap."""
    if value is None:
        return _EMPTY
    if isinstance(value, dict):
        return cast("dict[str, Any]", value)
    attributes: dict[str, Any] | None = getattr(value, "__dict__", None)
    if attributes is None:
        return _EMPTY
    extras: dict[str, Any] | None = getattr(value, "__pydantic_extra__", None)
    return {**attributes, **extras} if extras else attributes


def tokens(values: Mapping[str, Any], name: str) -> int:
    """The count ``values[name]``; 0 when it is missing, null or not a count."""
    found = values.get(name)
    return found if type(found) is int and found > 0 else 0


def count(value: object, name: str) -> int:
    """The count ``name`` of ``value``; 0 when it is missing, null or not a count."""
    found = field(value, name)
    return found if isinstance(found, int) and not isinstance(found, bool) and found > 0 else 0


def number(value: object) -> float | None:
    """``value`` as a float if it is a number (not a bool, not a sentinel), else `None`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def text(value: object) -> str | None:
    """``value`` if it is a non-empty string, else `None`."""
    return value if isinstance(value, str) and value else None


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
    if isinstance(extra, Mapping) and extra:
        kwargs = {**kwargs, **cast("Mapping[str, Any]", extra)}
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
    """The charge a gateway reported with the ``usage`` fields (OpenRouter's ``cost``, in US dollars), as reported.

    The cost processor judges it: one that is not a finite number >= 0 is ignored there, and says so.
    """
    cost = number(usage.get("cost"))
    if cost is not None:
        attributes[a.LLMCOST_PROVIDER_REPORTED_COST] = cost
