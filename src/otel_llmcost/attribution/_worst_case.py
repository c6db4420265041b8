"""The most a call can cost, from its request alone: its input counted with tiktoken, its output at the limit."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from importlib import resources
from types import MappingProxyType
from typing import NamedTuple, cast

from .. import _attributes as a
from ..pricing import PriceFileError, Usage, default_table, price
from ._tokens import count_tokens

__all__ = ["WorstCase", "output_limit", "worst_case"]

_OUTPUT_KEYS = ("max_completion_tokens", "max_output_tokens", "max_tokens")
_INPUT_KEYS = ("messages", "input", "prompt", "instructions", "system")
# A model the price table does not know, or whose output limit LiteLLM does not list, is taken at this many.
_DEFAULT_OUTPUT_LIMIT = 32_768
_LIMITS_FILE = "output_limits.json"
_PER_MESSAGE = 3
_REPLY_PRIMER = 3
_NO_OUTPUT = frozenset({a.GenAiOperationNameValues.EMBEDDINGS})


class WorstCase(NamedTuple):
    """The most a call can cost, and the token counts it was priced at; ``usd`` is None when unpriced."""

    usd: Decimal | None
    input_tokens: int
    output_tokens: int


@functools.cache
def _output_limits() -> Mapping[str, int]:
    """The most output tokens of each price table entry's model (``provider/id``), generated from LiteLLM's
    ``max_output_tokens`` by `scripts/gen_output_limits.py`."""
    text = resources.files(__name__.rpartition(".")[0]).joinpath(_LIMITS_FILE).read_text(encoding="utf-8")
    return MappingProxyType(cast("dict[str, int]", json.loads(text)["max_output_tokens"]))


def output_limit(provider: str, model: str) -> int:
    """The most output tokens ``model`` of ``provider`` writes in one call: that of the price table entry that
    prices it (or of the entry it inherits from), else 32,768."""
    try:
        entry = default_table().match(provider, model).entry
    except PriceFileError:  # the budget's pricing says so; the limit falls back
        return _DEFAULT_OUTPUT_LIMIT
    if entry is None:
        return _DEFAULT_OUTPUT_LIMIT
    limits = _output_limits()
    limit = limits.get(entry.key)
    if limit is None and entry.inherit is not None:  # an override file's entry that inherits a bundled one
        limit = limits.get(entry.inherit)
    return limit if limit is not None else _DEFAULT_OUTPUT_LIMIT


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in cast("Mapping[object, object]", value).values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in cast("list[object]", value):
            yield from _strings(item)


def _token_ids(value: object) -> int:
    """Tokens given as ids (embeddings and completions accept lists of ints, or lists of them)."""
    if isinstance(value, (list, tuple)):
        items = cast("list[object]", value)
        if all(isinstance(item, int) for item in items):
            return len(items)
        return sum(_token_ids(item) for item in items)
    return 0


def input_tokens(model: str, params: Mapping[str, object]) -> int:
    """The request's input tokens, counted as OpenAI's cookbook counts a chat: each message's text fields (its
    role included) plus 3 per message and 3 to prime the reply; token ids as given."""
    values = [params[key] for key in _INPUT_KEYS if key in params]
    tokens = count_tokens(model, _strings(values)) + _token_ids(
        [value for value in values if not isinstance(value, str)]
    )
    messages = params.get("messages")
    if isinstance(messages, (list, tuple)):
        tokens += _PER_MESSAGE * len(cast("list[object]", messages)) + _REPLY_PRIMER
    return tokens


def output_tokens(provider: str, model: str, operation: str, params: Mapping[str, object]) -> int:
    """The most output tokens the request allows: its own limit, else the model's; times ``n`` choices."""
    if operation in _NO_OUTPUT:
        return 0
    limit = next((params[key] for key in _OUTPUT_KEYS if isinstance(params.get(key), int)), None)
    tokens = limit if isinstance(limit, int) else output_limit(provider, model)
    choices = params.get("n")
    return tokens * choices if isinstance(choices, int) and choices > 1 else tokens


def worst_case(provider: str, model: str, operation: str, params: Mapping[str, object]) -> WorstCase:
    """The most the call ``params`` describes can cost at today's price."""
    given_in, given_out = input_tokens(model, params), output_tokens(provider, model, operation, params)
    cost = price(Usage(input=given_in, output=given_out), provider=provider, model=model)
    return WorstCase(cost.total_usd, given_in, given_out)
