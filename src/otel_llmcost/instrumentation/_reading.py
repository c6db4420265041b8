"""Reading a stream into its call: `StreamReading`, and the one way a stream's usage is settled.

A stream's usage is what the provider reported (usually in its last event); else, when the stream ended
without it (cut short, or never asked for), the tokens counted with the model's encoding (``estimated``);
else, with no encoding for the model, a lower bound: one output token per piece of text received
(``partial``, with ``llmcost.reason`` saying why no count was possible). A missing number is never a zero:
with nothing received, the usage stays unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from .. import _attributes as a
from ..tokens import ESTIMATE_UNAVAILABLE, why_no_estimate
from ..usage import Usage
from ._genai import Attributes, Invocation
from ._guard import guarded
from ._surface import Reading

__all__ = ["PiecesReading", "StreamReading", "settled"]

_S = a.LlmcostUsageStatusValues
_NOTHING = Reading(None)
_UNCOUNTED: Final = object()
_UNCOUNTED_REASON: Final = {
    a.LLMCOST_REASON: ESTIMATE_UNAVAILABLE,
    a.LLMCOST_REASON_DETAIL: "the stream ended before its usage, and this provider's tokens are not counted",
}


def settled(
    attributes: Attributes,
    reported: Usage | None,
    counted: Callable[[], tuple[int, int] | None],
    pieces: int,
    *,
    model: object = _UNCOUNTED,
) -> Reading:
    """The `Reading` a stream ends with: the ``reported`` usage, else ``counted()`` (input and output tokens,
    `None` without an encoding) as ``estimated``, else ``pieces`` output tokens as ``partial``, with the reason
    no count was possible for ``model`` (the model the stream was counted for; not given where ``counted``
    never counts)."""
    if reported is not None:
        return Reading(attributes, reported)
    counts = counted()
    if counts is not None:
        return Reading(attributes, Usage.from_totals(input_tokens=counts[0], output_tokens=counts[1]), _S.ESTIMATED)
    attributes.update(_UNCOUNTED_REASON if model is _UNCOUNTED else why_no_estimate(model))
    return Reading(attributes, Usage.from_totals(output_tokens=pieces) if pieces else None, _S.PARTIAL)


class StreamReading:
    """Stream hooks for one invocation, whose ``end`` and ``error`` both finish the call, once.

    A ``stream()`` helper's close may have ended the invocation first; then they do nothing. Subclasses read
    each chunk in ``_read`` and say in ``_reading`` what the stream said (most through `settled`); the first
    chunk is kept (``_first``) and times ``gen_ai.client.operation.time_to_first_chunk``.
    """

    __slots__ = ("_first", "_invocation")

    def __init__(self, invocation: Invocation) -> None:
        self._invocation = invocation
        self._first: Any = None

    def chunk(self, chunk: object) -> None:
        if self._first is None:
            self._first = chunk
            self._invocation.chunk()
        self._read(chunk)

    def _read(self, chunk: Any) -> None:
        raise NotImplementedError

    def end(self) -> None:
        self._end(None)

    def error(self, error: BaseException) -> None:
        self._end(error)

    def _end(self, error: BaseException | None) -> None:
        invocation = self._invocation
        if not invocation.ended:
            # Our failure to read what the stream said still ends its span.
            invocation.end(*(guarded(self._reading) or _NOTHING), error=error)

    def _reading(self) -> Reading:
        raise NotImplementedError


def _never() -> None:
    return None


class PiecesReading(StreamReading):
    """A stream of a provider whose tokens cannot be counted here (no public tokenizer): subclasses add one to
    ``_pieces`` per piece of output they read, and end with `_settled`, which is the reported usage or those
    pieces as ``partial``, with the reason no count was possible for the requested ``model``."""

    __slots__ = ("_model", "_pieces")

    def __init__(self, invocation: Invocation, model: str | None) -> None:
        super().__init__(invocation)
        self._model = model
        self._pieces = 0

    def _settled(self, attributes: Attributes, reported: Usage | None) -> Reading:
        return settled(attributes, reported, _never, self._pieces, model=self._model)
