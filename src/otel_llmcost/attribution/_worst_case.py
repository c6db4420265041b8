"""The most a call can cost, from its request alone: its input counted with tiktoken, its output at the limit."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import NamedTuple, cast

from .. import _attributes as a
from ..pricing import Usage, price
from ._tokens import count_tokens

__all__ = ["WorstCase", "worst_case"]

_OUTPUT_KEYS = ("max_completion_tokens", "max_output_tokens", "max_tokens")
_INPUT_KEYS = ("messages", "input", "prompt", "instructions", "system")
# The most output tokens each model family can write in one call, from the vendors' model pages; the longest
# prefix that matches wins. A model not listed is taken at `_DEFAULT_OUTPUT_LIMIT`.
_OUTPUT_LIMITS: tuple[tuple[str, int], ...] = (
    ("gpt-5", 128_000),
    ("gpt-4.1", 32_768),
    ("gpt-4o-mini", 16_384),
    ("gpt-4o", 16_384),
    ("gpt-4-turbo", 4_096),
    ("gpt-3.5-turbo", 4_096),
    ("o1", 100_000),
    ("o3", 100_000),
    ("o4-mini", 100_000),
    ("claude-opus-4", 32_000),
    ("claude-sonnet-4", 64_000),
    ("claude-3-7-sonnet", 64_000),
    ("claude-haiku-4", 64_000),
    ("claude-3-5-haiku", 8_192),
)
_DEFAULT_OUTPUT_LIMIT = 32_768
_PER_MESSAGE = 3
_REPLY_PRIMER = 3
_NO_OUTPUT = frozenset({a.GenAiOperationNameValues.EMBEDDINGS})


class WorstCase(NamedTuple):
    """The most a call can cost, and the token counts it was priced at; ``usd`` is None when unpriced."""

    usd: Decimal | None
    input_tokens: int
    output_tokens: int


def output_limit(model: str) -> int:
    """The most output tokens ``model`` writes in one call."""
    name = model.rsplit("/", 1)[-1].lower()
    found = [(prefix, limit) for prefix, limit in _OUTPUT_LIMITS if name.startswith(prefix)]
    return max(found, key=lambda item: len(item[0]))[1] if found else _DEFAULT_OUTPUT_LIMIT


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


def output_tokens(model: str, operation: str, params: Mapping[str, object]) -> int:
    """The most output tokens the request allows: its own limit, else the model's; times ``n`` choices."""
    if operation in _NO_OUTPUT:
        return 0
    limit = next((params[key] for key in _OUTPUT_KEYS if isinstance(params.get(key), int)), None)
    tokens = limit if isinstance(limit, int) else output_limit(model)
    choices = params.get("n")
    return tokens * choices if isinstance(choices, int) and choices > 1 else tokens


def worst_case(provider: str, model: str, operation: str, params: Mapping[str, object]) -> WorstCase:
    """The most the call ``params`` describes can cost at today's price."""
    given_in, given_out = input_tokens(model, params), output_tokens(model, operation, params)
    cost = price(Usage(input=given_in, output=given_out), provider=provider, model=model)
    return WorstCase(cost.total_usd, given_in, given_out)
