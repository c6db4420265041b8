"""Realtime sessions over a WebSocket: one session span from connect to close, one priced span per model response.

A realtime API (OpenAI Realtime, Gemini Live) keeps one WebSocket open for a conversation, and the model answers
many times on it. The framework gives both providers the same shape:

- the **session span**, INTERNAL, ``realtime {model}``, with ``gen_ai.provider.name``, ``gen_ai.request.model``,
  ``server.*`` and ``gen_ai.conversation.id`` once the server names the session. It is no call, so it has no
  ``gen_ai.operation.name`` and no cost of its own: the cost processor puts the total of the responses below it
  on it (``llmcost.subtree.cost`` and ``.calls``), as on a section. It opens when the connection opens
  (the context manager's enter, or ``enter()``) and ends once, on the first of: the context manager's exit (an
  exception leaving it is its ``error.type``), the connection's ``close()``, the socket dropping with no
  reconnection to come, and the garbage collection of the connection;
- one **call span** per model response, a child of the session span, a CLIENT span ``{operation} {model}`` made
  by the framework's `Telemetry` like any call's (metrics included). The provider's reader opens it when the
  response starts and ends it with the response's usage when the server says it is done. A response still in
  flight when the session ends, or when the socket drops, ends ``partial`` with an ``error.type`` (the
  connection's error, else ``session_closed``) and a lower bound of its output: one token per piece of text
  received.

A provider says what its messages mean (`Reader`) and wraps its SDK with the helpers here: `connect` (the method
that returns the connection's context manager), `receive` / `async_receive` (the method that receives one
message, whatever path the user reads by), and `close` / `async_close`.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Awaitable, Callable
from enum import IntEnum
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol

import wrapt
from opentelemetry import context, trace
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # pyright: ignore[reportMissingTypeStubs]
from opentelemetry.semconv.attributes import server_attributes
from opentelemetry.trace import SpanKind, Status, StatusCode

from .. import _attributes as a
from ._genai import Attributes, Invocation
from ._guard import guarded
from ._reading import settled
from ._surface import Reading, Setup
from ._wrap import Wrapper

if TYPE_CHECKING:
    _Proxy = wrapt.BaseObjectProxy[Any]
else:
    _Proxy = getattr(wrapt, "BaseObjectProxy", wrapt.ObjectProxy)  # wrapt < 2 has no BaseObjectProxy

__all__ = [
    "SESSION_CLOSED",
    "Loss",
    "Opening",
    "Opens",
    "Reader",
    "Session",
    "async_close",
    "async_receive",
    "close",
    "connect",
    "receive",
    "session_of",
]

SESSION_CLOSED: Final = "session_closed"
"""The ``error.type`` of a response cut short by its session closing (no error of the connection's own)."""


class SessionClosed(Exception):
    """The session closed before a response in flight was done."""


class Loss(IntEnum):
    """What an error of the receive method did to the connection (`Reader.lost`)."""

    BROKEN = 1
    """The socket dropped for good: the responses in flight are cut, the session ends with the error."""
    CLOSED = 2
    """The server closed the connection normally: the responses in flight are cut, the session ends cleanly."""
    RECONNECTING = 3
    """The socket dropped and the SDK will reconnect: the responses in flight are cut, the session goes on."""


class Opening(NamedTuple):
    """What a connect call says about the session it will open."""

    setup: Setup
    operation: str
    """The ``gen_ai.operation.name`` of each response's span."""
    provider: str
    model: str | None
    server: tuple[str, int] | None
    reader: Reader


class Reader(Protocol):
    """A provider's reading of its realtime messages."""

    def read(self, session: Session, message: Any) -> None:
        """One message the server sent (as the wrapped method returned it): open, end or feed responses."""
        ...

    def lost(self, connection: Any, error: BaseException) -> Loss | None:
        """What ``error``, raised by the receive method, did to the connection (`None`: nothing, it is open)."""
        ...


class _Response:
    __slots__ = ("invocation", "pieces")

    def __init__(self, invocation: Invocation) -> None:
        self.invocation = invocation
        self.pieces = 0


class Session:
    """One realtime session: its span, and the spans of the responses in flight, by the provider's key."""

    __slots__ = ("_latest", "_opening", "_responses", "conversation", "ended", "model", "served", "span", "state")

    def __init__(self, opening: Opening) -> None:
        self._opening = opening
        self.model = opening.model
        self.served: str | None = None  # the model the server says it runs: each response's response model
        self.conversation: str | None = None
        attributes: Attributes = {a.GEN_AI_PROVIDER_NAME: opening.provider}
        if opening.model is not None:
            attributes[a.GEN_AI_REQUEST_MODEL] = opening.model
        if opening.server is not None:
            attributes[a.SERVER_ADDRESS] = opening.server[0]
            attributes[server_attributes.SERVER_PORT] = opening.server[1]
        name = f"realtime {opening.model}" if opening.model else "realtime"
        self.span = opening.setup.telemetry.tracer.start_span(name, kind=SpanKind.INTERNAL, attributes=attributes)
        self._responses: dict[object, _Response] = {}
        self._latest: _Response | None = None
        self.ended = False
        self.state: Any = None  # the provider reader's own (the turn in progress, for Gemini Live)

    @property
    def reader(self) -> Reader:
        return self._opening.reader

    def named(self, conversation_id: str | None, model: str | None = None) -> None:
        """The server named the session (``gen_ai.conversation.id``) and the model it runs."""
        if self.ended:
            return
        if conversation_id:
            self.conversation = conversation_id
            self.span.set_attribute(gen_ai.GEN_AI_CONVERSATION_ID, conversation_id)
        if model:
            self.served = model
        if model and self.model is None:
            self.model = model
            self.span.update_name(f"realtime {model}")
            self.span.set_attribute(a.GEN_AI_REQUEST_MODEL, model)

    def started(self, key: object, attributes: Attributes | None = None) -> Invocation | None:
        """The span of response ``key``, opened now unless it is open already (`None` once the session ended)."""
        response = self._responses.get(key)
        if response is not None:
            return response.invocation
        if self.ended:
            return None
        opening = self._opening
        start: Attributes = dict(attributes) if attributes else {}
        if self.conversation is not None:
            start[gen_ai.GEN_AI_CONVERSATION_ID] = self.conversation
        token = context.attach(trace.set_span_in_context(self.span))
        try:
            invocation = opening.setup.telemetry.start(
                opening.operation, opening.provider, self.model, start, opening.server
            )
        finally:
            context.detach(token)
        self._responses[key] = self._latest = _Response(invocation)
        return invocation

    def piece(self) -> None:
        """A piece of text of the latest response arrived (counted for a response that is cut short)."""
        latest = self._latest
        if latest is not None:
            latest.pieces += 1

    def done(
        self, key: object, reading: Reading, error: BaseException | None = None, error_type: str | None = None
    ) -> None:
        """Response ``key`` is done: its span ends with ``reading`` (and ``error``, when the response failed); it is
        opened now if its start was not seen."""
        if self.started(key) is None:
            return
        response = self._responses.pop(key)
        if self._latest is response:
            self._latest = None
        attributes = reading.attributes
        if self.served is not None and attributes is not None:
            attributes.setdefault(a.GEN_AI_RESPONSE_MODEL, self.served)
        response.invocation.end(*reading, error=error, error_type=error_type)

    def cut(self, error: BaseException | None = None) -> None:
        """Every response in flight ends ``partial``, with ``error`` (by default: the session closed)."""
        responses = list(self._responses.values())
        self._responses.clear()
        self._latest = None
        for response in responses:
            reading = settled({}, None, _uncounted, response.pieces)
            if error is None:
                guarded(response.invocation.end, *reading, error=SessionClosed(), error_type=SESSION_CLOSED)
            else:
                guarded(response.invocation.end, *reading, error=error)

    def end(self, error: BaseException | None = None, *, cut_by: BaseException | None = None) -> None:
        """The session is over: the responses in flight are cut (by ``cut_by``, else ``error``), then its span ends
        with ``error``, once."""
        if self.ended:
            return
        self.ended = True
        span = self.span
        try:
            self.cut(cut_by or error)
            if error is not None:
                kind = self._opening.setup.telemetry.error_type(error)
                span.set_attribute(a.ERROR_TYPE, kind)
                span.set_status(Status(StatusCode.ERROR, str(error) or kind))
        finally:
            span.end()


def _uncounted() -> tuple[int, int] | None:
    return None


# The session of each live connection object (and of the context manager that opened it), held weakly: a
# connection that is garbage collected ends its session (`_collected`).
_SESSIONS: weakref.WeakKeyDictionary[object, Session] = weakref.WeakKeyDictionary()


def session_of(connection: object) -> Session | None:
    """The session open on ``connection``, if any."""
    try:
        return _SESSIONS.get(connection)
    except TypeError:  # not weakly referenceable: never one of ours
        return None


def _collected(session: Session) -> None:
    guarded(session.end)


def _opened(opening: Opening, connection: object) -> None:
    if session_of(connection) is not None:
        return  # ``enter()`` that calls ``__enter__``: one session
    session = Session(opening)
    _SESSIONS[connection] = session
    weakref.finalize(connection, _collected, session)


class _Connecting(_Proxy):
    """The context manager a connect call returned: its enter opens the session, its exit ends it."""

    def __init__(self, manager: Any, opening: Opening) -> None:
        super().__init__(manager)
        self._self_opening = opening
        self._self_connection: Any = None

    def _self_open(self, connection: Any) -> Any:
        self._self_connection = connection
        guarded(_opened, self._self_opening, connection)
        return connection

    def _self_close(self, error: BaseException | None) -> None:
        session = session_of(self._self_connection)
        if session is not None:
            guarded(session.end, error)

    def __enter__(self) -> Any:
        return self._self_open(self.__wrapped__.__enter__())

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> Any:
        self._self_close(error)
        return self.__wrapped__.__exit__(kind, error, traceback)

    async def __aenter__(self) -> Any:
        return self._self_open(await self.__wrapped__.__aenter__())

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> Any:
        self._self_close(error)
        return await self.__wrapped__.__aexit__(kind, error, traceback)

    def enter(self) -> Any:
        """The SDK's ``enter()``: the connection, or (async) an awaitable of it."""
        entered = self.__wrapped__.enter()
        if inspect.isawaitable(entered):
            return self._self_entered(entered)
        return self._self_open(entered)

    async def _self_entered(self, entered: Awaitable[Any]) -> Any:
        return self._self_open(await entered)


Opens = Callable[[Setup, Any, tuple[Any, ...], dict[str, Any]], "Opening | None"]
"""What a connect call's arguments say about its session: ``opens(setup, instance, args, kwargs)``."""


def connect(opening: Opens) -> Callable[[Setup], Wrapper]:
    """The `Patch` ``make`` of a connect method that returns the connection's context manager.

    ``opening(setup, instance, args, kwargs)`` says what the session will be (`None`: untraced).
    """

    def make(setup: Setup) -> Wrapper:
        def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            manager = wrapped(*args, **kwargs)
            if not setup.telemetry.active or not is_instrumentation_enabled():
                return manager
            opened = guarded(opening, setup, instance, args, kwargs)
            return manager if opened is None else _Connecting(manager, opened)

        return wrapper

    return make


def _received(connection: Any, message: Any) -> None:
    session = session_of(connection)
    if session is not None and not session.ended:
        session.reader.read(session, message)


def _failed(connection: Any, error: BaseException) -> None:
    session = session_of(connection)
    if session is None or session.ended:
        return
    lost = session.reader.lost(connection, error)
    if lost is Loss.BROKEN:
        session.end(error)
    elif lost is Loss.CLOSED:
        session.end(cut_by=error)
    elif lost is Loss.RECONNECTING:
        session.cut(error)


def receive(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Wraps the method that receives one message of a connection: each message goes to the session's reader."""
    try:
        message = wrapped(*args, **kwargs)
    except BaseException as error:
        guarded(_failed, instance, error)
        raise
    guarded(_received, instance, message)
    return message


async def async_receive(
    wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """`receive`, for an asynchronous connection (a cancelled receive loses nothing: no message was taken)."""
    try:
        message = await wrapped(*args, **kwargs)
    except BaseException as error:
        guarded(_failed, instance, error)
        raise
    guarded(_received, instance, message)
    return message


def _closed(connection: Any) -> None:
    session = session_of(connection)
    if session is not None:
        session.end()


def close(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Wraps a connection's ``close()``: its session ends (closing is the user's choice, not an error)."""
    try:
        return wrapped(*args, **kwargs)
    finally:
        guarded(_closed, instance)


async def async_close(
    wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """`close`, for an asynchronous connection."""
    try:
        return await wrapped(*args, **kwargs)
    finally:
        guarded(_closed, instance)
