"""Reading an SDK's arguments and results, whatever their shape: fields, counts, numbers, texts, a response's id.

Results are SDKs' pydantic models, whose unknown fields (a compatible provider's extras such as OpenRouter's
``usage.cost``) stay plain dicts, or dicts (a raw response's body decoded here): `field` reads both. Request
arguments can be an SDK's ``omit`` / ``NOT_GIVEN`` sentinels, which the type checks here skip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, NamedTuple, cast

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from .. import _attributes as a
from ._genai import Attributes

__all__ = ["Sampling", "count", "field", "fields", "identity", "number", "sampled", "sampling", "text", "tokens"]

_NOT_PYDANTIC: Final = object()
_EMPTY: Final[Mapping[str, Any]] = {}


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


def identity(values: Mapping[str, Any], attributes: Attributes) -> None:
    """``gen_ai.response.id`` and ``gen_ai.response.model`` from a response's `fields`, each a non-empty string.

    `fields`, not the SDK object's attributes: a compatible server may leave out what the provider always
    sends (an id).
    """
    response_id = values.get("id")
    if isinstance(response_id, str) and response_id:
        attributes[a.GEN_AI_RESPONSE_ID] = response_id
    model = values.get("model")
    if isinstance(model, str) and model:
        attributes[a.GEN_AI_RESPONSE_MODEL] = model


class Sampling(NamedTuple):
    """How an SDK names the request parameters the conventions record (`sampling` reads them).

    Attributes:
        numbers: (``gen_ai.request.*`` attribute, parameter) pairs of the numeric ones (temperature, top_p...).
        seed: the seed's parameter.
        choices: the number of choices' parameter, when the API has one.
        stop: the stop sequences' parameter (a string or a list of them).
    """

    numbers: tuple[tuple[str, str], ...]
    seed: str = "seed"
    choices: str | None = "n"
    stop: str = "stop"


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def sampled(kwargs: Mapping[str, Any], names: Sampling, max_tokens: tuple[str, ...] = ("max_tokens",)) -> Attributes:
    """The request attributes of `sampling`, in a new dict (for a surface whose request records nothing else)."""
    attributes: Attributes = {}
    sampling(kwargs, attributes, names, max_tokens)
    return attributes


def sampling(kwargs: Mapping[str, Any], attributes: Attributes, names: Sampling, max_tokens: tuple[str, ...]) -> None:
    """The sampling parameters of a request as the conventions name them, by the SDK's ``names``; the first of
    ``max_tokens`` the request gives is the output limit. A sentinel default (``...``, ``UNSET``) is no value."""
    for key, name in names.numbers:
        if name in kwargs:  # most calls name few of them: no call for the others
            value = number(kwargs[name])
            if value is not None:
                attributes[key] = value
    for name in max_tokens:
        limit = _whole(kwargs.get(name))
        if limit is not None:
            attributes[gen_ai.GEN_AI_REQUEST_MAX_TOKENS] = limit
            break
    seed = _whole(kwargs.get(names.seed))
    if seed is not None:
        attributes[gen_ai.GEN_AI_REQUEST_SEED] = seed
    choices = None if names.choices is None else _whole(kwargs.get(names.choices))
    if choices is not None and choices != 1:
        attributes[gen_ai.GEN_AI_REQUEST_CHOICE_COUNT] = choices
    stop = kwargs.get(names.stop)
    if isinstance(stop, str):
        attributes[gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES] = [stop]
    elif isinstance(stop, (list, tuple)):
        sequences = [item for item in stop if isinstance(item, str)]  # pyright: ignore[reportUnknownVariableType]
        if sequences:
            attributes[gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES] = sequences
