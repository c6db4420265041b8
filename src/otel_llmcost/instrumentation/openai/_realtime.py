"""OpenAI Realtime sessions: ``client.realtime.connect(model=...)``, and ``client.beta.realtime.connect`` where an SDK
has only that (openai 1.5x to 1.10x); sync and async. The framework's `_realtime` makes the spans.

What the server's events mean (the Realtime API reference, server events):

- ``session.created`` / ``session.updated``: ``session.id`` is the ``gen_ai.conversation.id``, ``session.model``
  the model when ``connect()`` did not name it;
- ``response.created``: a model response starts (``response.id``): its ``chat`` span opens;
- ``response.done``: it is done, whatever its ``status`` (``completed``, ``cancelled``, ``incomplete``: billed all
  the same; ``failed``: an ``error.type`` from ``status_details.error``), with ``response.usage``:
  ``input_tokens`` (cached, audio and image tokens included), ``input_token_details`` {``text_tokens``,
  ``audio_tokens``, ``image_tokens``, ``cached_tokens``, ``cached_tokens_details`` {``text_tokens``,
  ``audio_tokens``, ``image_tokens``}}, ``output_tokens`` (audio included), ``output_token_details``
  {``text_tokens``, ``audio_tokens``}. Cached image tokens have no price of their own: they are priced as cache
  reads (text);
- text deltas (``response.output_text.delta``, ``response.output_audio_transcript.delta`` and their beta names):
  counted, for the lower bound of a response cut short.

Every message is read where the SDK receives it (``recv_bytes``, which ``recv()``, iteration and
``dispatch_events`` call), before the SDK parses it: its type is found in its first bytes, and only the few
events above are parsed (audio deltas, most of the traffic, are not). The socket dropping ends the session,
unless the connection was made with ``on_reconnecting`` (openai 3.x): then the responses in flight are cut and
the session goes on, on the new socket.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any, Final

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from ...usage import Usage
from .._genai import Attributes
from .._read import fields, text, tokens
from .._realtime import Loss, Opening, Session
from .._surface import Reading, Setup

__all__ = ["READER", "opening"]

_log = logging.getLogger("otel_llmcost")

_TYPE: Final = re.compile(rb'"type"\s*:\s*"([^"]*)"')
_HEAD: Final = 512  # a message's top-level ``type`` comes before its payload, in its first bytes
_SESSION: Final = frozenset({b"session.created", b"session.updated"})
_CREATED: Final = b"response.created"
_DONE: Final = b"response.done"
_READ: Final = _SESSION | {_CREATED, _DONE}
_TEXT: Final = frozenset(
    {
        b"response.output_text.delta",
        b"response.output_audio_transcript.delta",
        b"response.text.delta",  # the beta API's names
        b"response.audio_transcript.delta",
    }
)
_FAILED: Final = "failed"


class ResponseFailed(Exception):
    """A realtime response whose ``response.done`` says ``failed``."""


def _type(message: bytes) -> bytes | None:
    """The message's top-level ``type``: found in its head when no object opens before it, else parsed."""
    found = _TYPE.search(message, 0, _HEAD)
    if found is not None and message.find(b"{", 1, found.start()) == -1:
        return found.group(1)
    event: object = json.loads(message)
    kind = text(fields(event).get("type"))
    return kind.encode() if kind is not None else None


class _Reader:
    """The `Reader` of OpenAI Realtime server events."""

    def read(self, session: Session, message: Any) -> None:
        raw: bytes = message.encode() if isinstance(message, str) else message
        kind = _type(raw)
        if kind in _TEXT:
            session.piece()
            return
        if kind not in _READ:
            return
        event = json.loads(raw)
        if kind in _SESSION:
            named = fields(event.get("session"))
            session.named(text(named.get("id")), text(named.get("model")))
            return
        response = fields(event.get("response"))
        key = text(response.get("id")) or ""
        if kind == _CREATED:
            session.started(key)
        else:
            _done(session, key, response)

    def lost(self, connection: Any, error: BaseException) -> Loss | None:
        from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

        if not isinstance(error, ConnectionClosed):
            return None
        if getattr(connection, "_on_reconnecting", None) is not None and getattr(connection, "_make_ws", None):
            return Loss.RECONNECTING  # openai 3.x, asked to reconnect
        return Loss.CLOSED if isinstance(error, ConnectionClosedOK) else Loss.BROKEN


READER: Final = _Reader()


def _done(session: Session, key: str, response: Mapping[str, Any]) -> None:
    attributes: Attributes = {}
    if key:
        attributes[a.GEN_AI_RESPONSE_ID] = key
    status = text(response.get("status"))
    if status is not None:
        attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = (status,)
    usage = _usage(response.get("usage"))
    if status != _FAILED:
        session.done(key, Reading(attributes, usage))
        return
    error = fields(fields(response.get("status_details")).get("error"))
    kind = text(error.get("code")) or text(error.get("type")) or _FAILED
    session.done(key, Reading(attributes, usage), ResponseFailed(text(error.get("message")) or kind), kind)


def _usage(usage: object) -> Usage | None:
    if usage is None:
        return None
    values = fields(usage)
    given = fields(values.get("input_token_details"))
    cached = fields(given.get("cached_tokens_details"))
    output = fields(values.get("output_token_details"))
    input_tokens = tokens(values, "input_tokens")
    output_tokens = tokens(values, "output_tokens")
    try:
        return Usage.from_reported(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=tokens(given, "cached_tokens"),
            input_audio_tokens=tokens(given, "audio_tokens"),
            cache_read_audio_tokens=tokens(cached, "audio_tokens"),
            input_image_tokens=max(tokens(given, "image_tokens") - tokens(cached, "image_tokens"), 0),
            output_audio_tokens=tokens(output, "audio_tokens"),
            total_tokens=tokens(values, "total_tokens"),
        )
    except ValueError:
        _log.debug("otel-llmcost: a realtime usage whose parts exceed its totals; its totals kept", exc_info=True)
    return Usage.from_reported(input_tokens=input_tokens, output_tokens=output_tokens)


def opening(setup: Setup, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Opening:
    """The session ``Realtime.connect`` (GA or beta) will open: its model, and where its socket goes."""
    client = instance._client
    socket_url = getattr(client, "websocket_base_url", None)
    adapter: Any = setup.adapter
    endpoint = adapter.endpoint_of(socket_url) if socket_url is not None else adapter.endpoint(instance)
    server = (endpoint.address, endpoint.port) if endpoint.address is not None and endpoint.port is not None else None
    return Opening(setup, a.GenAiOperationNameValues.CHAT, endpoint.provider, text(kwargs.get("model")), server, READER)
