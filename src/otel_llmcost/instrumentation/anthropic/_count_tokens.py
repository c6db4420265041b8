"""``messages.count_tokens``: a span per call with the count, and no usage: nothing is generated or billed.

Its operation is not an inference, so `CostSpanProcessor` passes the span through unpriced; the count goes under
the name the SDK's own spans give it (``anthropic.message.count_tokens.input_tokens``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from ... import _attributes as a
from .._genai import Invocation
from .._read import field, text
from .._stream import StreamHooks
from .._surface import Reading, Request, Setup

__all__ = ["COUNT_TOKENS"]

_OPERATION: Final = "count_tokens"


class CountTokens:
    """The token counting endpoint of the Messages API."""

    operation: ClassVar[str] = _OPERATION

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        return Request(text(kwargs.get("model")), {}, kwargs)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        counted = field(result, "input_tokens")
        if isinstance(counted, int) and not isinstance(counted, bool):
            return Reading({a.ANTHROPIC_MESSAGE_COUNT_TOKENS_INPUT_TOKENS: counted})
        return Reading(None)

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> StreamHooks:
        raise TypeError("messages.count_tokens does not stream")


COUNT_TOKENS: Final = CountTokens()
