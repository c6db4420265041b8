"""Gemini Live sessions: ``client.aio.live.connect(model=..., config=...)``. The framework's `_realtime` makes the
spans; this module says what the server's messages mean (the Live API reference,
``BidiGenerateContentServerMessage``).

- ``setupComplete`` (``session_id`` where the API gives one): the ``gen_ai.conversation.id``.
- A model turn starts with the first ``serverContent`` or ``toolCall`` after the previous one ended: its
  ``generate_content`` span opens. Its text parts and output transcriptions are counted, for the lower bound of
  a turn cut short.
- ``usageMetadata`` can come with any message. It is the turn's usage so far (``promptTokenCount``,
  ``responseTokenCount``, ``promptTokensDetails`` / ``responseTokensDetails`` by modality,
  ``cachedContentTokenCount``, ``thoughtsTokenCount``, ``toolUsePromptTokenCount``), read as a generate call's
  (`usage_of`): the last one of a turn is kept, never summed with the others.
- ``serverContent.turnComplete`` ends the turn, with the usage so far. The server sends the turn's usage on the
  message that completes it; should it come on its own right after, the turn waits for that one message.

``AsyncSession._receive`` is where the SDK takes every message (``receive()`` and ``start_stream()`` call it).
The socket dropping reaches it as an ``APIError`` raised from the ``websockets`` ``ConnectionClosed`` (as that
``ConnectionClosed`` itself in older releases, 1.11 among them): the session ends (a normal close, code 1000,
ends it without an error).
"""

from __future__ import annotations

from typing import Any, Final

from ... import _attributes as a
from ...usage import Usage
from .._read import field, text
from .._realtime import Loss, Opening, Session
from .._surface import Reading, Setup
from ._content import listed
from ._usage import usage_of

__all__ = ["READER", "opening"]


class _Turn:
    __slots__ = ("complete", "key", "usage")

    def __init__(self, key: int) -> None:
        self.key = key
        self.usage: Usage | None = None
        self.complete = False


class _Turns:
    """A session's model turns: the one in progress, and how many there were."""

    __slots__ = ("count", "current")

    def __init__(self) -> None:
        self.count = 0
        self.current: _Turn | None = None


def _end(session: Session, turns: _Turns) -> None:
    turn = turns.current
    if turn is not None:
        turns.current = None
        session.done(turn.key, Reading({}, turn.usage))


class _Reader:
    """The `Reader` of Gemini Live server messages (``LiveServerMessage``)."""

    def read(self, session: Session, message: Any) -> None:
        turns: _Turns = session.state or _Turns()
        session.state = turns
        setup = field(message, "setup_complete")
        if setup is not None:
            session.named(text(field(setup, "session_id")))
            return
        content = field(message, "server_content")
        metadata = field(message, "usage_metadata")
        turn = turns.current
        if turn is not None and turn.complete:
            if metadata is not None and content is None and field(message, "tool_call") is None:
                turn.usage = usage_of(metadata)  # the completed turn's usage, on a message of its own
                _end(session, turns)
                return
            _end(session, turns)
            turn = None
        if turn is None:
            if content is None and field(message, "tool_call") is None:
                return  # ``goAway``, ``sessionResumptionUpdate``, usage between turns
            turns.count += 1
            turns.current = turn = _Turn(turns.count)
            session.started(turn.key)
        if metadata is not None:
            turn.usage = usage_of(metadata)
        if content is None:
            return
        for part in listed(field(field(content, "model_turn"), "parts")):
            if text(field(part, "text")) is not None:
                session.piece()
        if text(field(field(content, "output_transcription"), "text")) is not None:
            session.piece()
        if field(content, "turn_complete") is True:
            turn.complete = True
            if turn.usage is not None:
                _end(session, turns)

    def lost(self, connection: Any, error: BaseException) -> Loss | None:
        from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

        closed = error if isinstance(error, ConnectionClosed) else error.__context__
        if not isinstance(closed, ConnectionClosed):
            return None
        return Loss.CLOSED if isinstance(closed, ConnectionClosedOK) else Loss.BROKEN


READER: Final = _Reader()


def opening(setup: Setup, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Opening:
    """The session ``AsyncLive.connect`` will open: its model, and the client's endpoint."""
    endpoint = setup.adapter.endpoint(instance)
    server = (endpoint.address, endpoint.port) if endpoint.address is not None and endpoint.port is not None else None
    return Opening(
        setup,
        a.GenAiOperationNameValues.GENERATE_CONTENT,
        endpoint.provider,
        text(kwargs.get("model")),
        server,
        READER,
    )
