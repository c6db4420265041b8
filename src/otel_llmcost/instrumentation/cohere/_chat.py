"""Chat: ``chat`` and ``chat_stream`` of the v2 client, sync and async.

A response has an ``id``, a ``finish_reason`` and a ``usage`` (no model: the requested one is the span's). A
stream sends its id in ``message-start`` and its ``finish_reason`` and ``usage`` in ``message-end``; one left
before that ends with the pieces of text received as a ``partial`` output.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar, Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...usage import Usage
from .._genai import Attributes, Invocation
from .._read import Sampling, field, fields, sampled, text
from .._reading import PiecesReading
from .._surface import Reading, Request, Setup
from ._read import billed, units

__all__ = ["CHAT", "CHAT_STREAM", "chat_usage"]

_log = logging.getLogger("otel_llmcost")

_NAMES: Final = Sampling(
    (
        (gen_ai.GEN_AI_REQUEST_TEMPERATURE, "temperature"),
        (gen_ai.GEN_AI_REQUEST_TOP_P, "p"),
        (gen_ai.GEN_AI_REQUEST_TOP_K, "k"),
        (gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY, "frequency_penalty"),
        (gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY, "presence_penalty"),
    ),
    choices=None,
    stop="stop_sequences",
)


def chat_usage(usage: object) -> Usage | None:
    """The `Usage` of a chat's ``usage``: its ``billed_units``; `None` when it has none."""
    values = billed(usage)
    if values is None:
        return None
    try:
        return Usage.from_reported(
            input_tokens=units(values, "input_tokens"), output_tokens=units(values, "output_tokens")
        )
    except ValueError:
        _log.debug("otel-llmcost: a Cohere usage that cannot be billed as reported", exc_info=True)
        return None


def _identity(response_id: object, reason: object, attributes: Attributes) -> None:
    found = text(response_id)
    if found is not None:
        attributes[a.GEN_AI_RESPONSE_ID] = found
    finish = text(reason)
    if finish is not None:
        attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = [finish]


class Chat:
    """The v2 Chat API, streamed (``chat_stream``) or not (``chat``)."""

    __slots__ = ("_stream",)

    operation: ClassVar[str] = a.GenAiOperationNameValues.CHAT

    def __init__(self, *, stream: bool) -> None:
        self._stream = stream

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        return Request(text(kwargs.get("model")), sampled(kwargs, _NAMES), kwargs, self._stream)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        values = fields(result)
        attributes: Attributes = {}
        _identity(values.get("id"), values.get("finish_reason"), attributes)
        return Reading(attributes, chat_usage(values.get("usage")))

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> ChatStream:
        return ChatStream(invocation, request.model)


class ChatStream(PiecesReading):
    """Reads a v2 chat stream's events into its invocation: the id of ``message-start``, the end of
    ``message-end``."""

    __slots__ = ("_id", "_reason", "_usage")

    def __init__(self, invocation: Invocation, model: str | None) -> None:
        super().__init__(invocation, model)
        self._id: object = None
        self._reason: object = None
        self._usage: object = None

    def _read(self, chunk: Any) -> None:
        kind = getattr(chunk, "type", None)
        if kind == "content-delta" or kind == "tool-call-delta":
            self._pieces += 1
        elif kind == "message-start":
            self._id = getattr(chunk, "id", None)
        elif kind == "message-end":
            delta = getattr(chunk, "delta", None)
            self._reason = field(delta, "finish_reason")
            self._usage = field(delta, "usage")

    def _reading(self) -> Reading:
        attributes: Attributes = {}
        _identity(self._id, self._reason, attributes)
        return self._settled(attributes, chat_usage(self._usage))


CHAT: Final = Chat(stream=False)
CHAT_STREAM: Final = Chat(stream=True)
