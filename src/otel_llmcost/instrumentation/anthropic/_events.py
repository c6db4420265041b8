"""How a Messages stream's events add up: the message, its usage, and the text streamed so far.

``message_start`` carries the message's id, model and input usage (with placeholders for the output);
``message_delta`` carries the final output count, the stop reason and, on newer APIs, updated input and server
tool counts. A stream left before ``message_delta`` (the user broke out of it, closed it, or the server cut it)
has no output count: the text, thinking and tool input it delivered are then counted with tiktoken, an
approximation of Claude's tokenizer, and the usage is marked ``estimated`` (``partial`` when no encoding is at
hand). Both our own stream reading and the patch on the SDK's own tracing add up events here.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...usage import Usage
from .._estimate import estimate_text
from .._genai import Attributes
from .._read import field, fields, text
from ._usage import message_attributes, message_usage

__all__ = ["Tally"]

_S = a.LlmcostUsageStatusValues
_DELTA_TEXTS = (("text_delta", "text"), ("thinking_delta", "thinking"), ("input_json_delta", "partial_json"))


def _usage_fields(usage: object) -> dict[str, Any]:
    """The fields of a usage object or mapping, extras an older SDK does not know included, nulls left out."""
    return {key: value for key, value in fields(usage).items() if value is not None}


class Tally:
    """The events of one Messages stream, added up as they come."""

    __slots__ = ("_stop_reason", "_texts", "complete", "message", "model", "started", "usage")

    def __init__(self, model: str | None = None) -> None:
        self.message: object = None
        self.model = model
        self.usage: dict[str, Any] = {}
        self._texts: list[str] = []
        self.started = False
        self.complete = False
        self._stop_reason: str | None = None

    def add(self, event: object) -> None:
        """One event of the stream (a raw event, or a helper's event that wraps none)."""
        kind = field(event, "type")
        if kind == "content_block_delta":
            delta = field(event, "delta")
            delta_kind = field(delta, "type")
            for name, key in _DELTA_TEXTS:
                if delta_kind == name:
                    piece = field(delta, key)
                    if isinstance(piece, str):
                        self._texts.append(piece)
                    return
        elif kind == "message_start":
            self.started = True
            self.message = field(event, "message")
            self.model = text(field(self.message, "model")) or self.model
            self.usage = _usage_fields(field(self.message, "usage"))
        elif kind == "message_delta":
            self.complete = True
            self.usage.update(_usage_fields(field(event, "usage")))
            reason = field(field(event, "delta"), "stop_reason")
            if isinstance(reason, str):
                self._stop_reason = reason

    def estimated_output(self) -> int | None:
        """The tokens of what was streamed, counted with tiktoken; None when no encoding is at hand."""
        return estimate_text(self.model or "", ("".join(self._texts),))

    def outcome(self) -> tuple[Attributes, Usage | None, str]:
        """The response attributes, the usage and its status (``reported``, ``estimated`` or ``partial``)."""
        attributes: Attributes = {}
        if not self.started:
            return attributes, None, _S.REPORTED
        message_attributes(self.message, self.usage, attributes)
        attributes.pop(gen_ai.GEN_AI_RESPONSE_FINISH_REASONS, None)  # message_start's stop_reason is a placeholder
        if self._stop_reason is not None:
            attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = [self._stop_reason]
        usage = message_usage(self.usage)
        if self.complete or usage is None:
            return attributes, usage, _S.REPORTED
        estimate = self.estimated_output()
        if estimate is None:
            return attributes, usage._replace(output=0, reasoning=0), _S.PARTIAL
        return attributes, usage._replace(output=estimate, reasoning=0), _S.ESTIMATED
