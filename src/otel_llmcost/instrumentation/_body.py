"""The body of a raw response that the user reads by hand, seen as it passes (`LazyResponse` in `_raw`).

A JSON body is collected whole and decoded once more; a server-sent event stream is cut into whole events, each
fed, as the user reads it, to a copy of the response that the SDK parses into its own stream (`Events`,
`AsyncEvents`); any other body is collected and says nothing of the call.
"""

from __future__ import annotations

import copy
import re
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, ClassVar, Final, Protocol

__all__ = [
    "AsyncEvents",
    "Body",
    "Collected",
    "Events",
    "as_bytes",
    "async_drained",
    "copy_with_body",
    "drained",
    "feed",
    "is_event_stream",
    "is_json",
    "line_as_bytes",
    "whole_body",
]

_EVENT_STREAM: Final = "text/event-stream"
_LINE_END: Final = re.compile(rb"[\r\n]")
_CR: Final = 13
_LF: Final = 10


class Body(Protocol):
    """What reads a body the user reads by hand; an async stream's reader returns coroutines to await."""

    def piece(self, data: bytes) -> Awaitable[None] | None: ...

    def end(self) -> Awaitable[None] | None: ...

    def whole(self, content: bytes) -> Awaitable[None] | None: ...


def as_bytes(piece: bytes | str) -> bytes:
    return piece.encode() if isinstance(piece, str) else piece


def line_as_bytes(line: str) -> bytes:
    return f"{line}\n".encode()


def feed(body: Body, to_bytes: Callable[[Any], bytes], piece: object) -> Awaitable[None] | None:
    return body.piece(to_bytes(piece))


def whole_body(body: Body, raw: Any) -> Awaitable[None] | None:
    """The body of ``raw``, which the SDK has read whole and cached, to ``body``."""
    return body.whole(raw.http_response.content)


def is_event_stream(raw: Any) -> bool:
    """Whether the SDK parses ``raw`` as a stream: the request asked for one (else the response says so)."""
    found = getattr(raw, "_is_sse_stream", None)
    if isinstance(found, bool):
        return found
    return str(raw.headers.get("content-type", "")).startswith(_EVENT_STREAM)


def is_json(raw: Any) -> bool:
    kind = raw.headers.get("content-type")
    return kind is None or "json" in str(kind)


def copy_with_body(raw: Any, content: Any) -> Any:
    """A copy of the SDK response ``raw`` whose body is ``content``: the SDK parses it as it would parse ``raw``."""
    http = raw.http_response
    headers = {"content-type": http.headers.get("content-type", _EVENT_STREAM)}
    shadow = copy.copy(raw)
    shadow.http_response = type(http)(http.status_code, headers=headers, content=content, request=http.request)
    shadow._parsed_by_type = {}  # what parse() returned, cached by the SDK: the copy's own, not the user's
    return shadow


def drained(chunks: deque[bytes]) -> Iterator[bytes]:
    """The copy's body: the bytes read so far. It ends when they run out, so it is only read up to a whole event."""
    while chunks:
        yield chunks.popleft()


async def async_drained(chunks: deque[bytes]) -> AsyncIterator[bytes]:
    while chunks:
        yield chunks.popleft()


class Collected:
    """A body that is decoded once whole: its pieces are kept until then."""

    __slots__ = ("_done", "_pieces")

    def __init__(self, done: Callable[[bytes], None]) -> None:
        self._done = done
        self._pieces: list[bytes] = []

    def piece(self, data: bytes) -> None:
        self._pieces.append(data)

    def end(self) -> None:
        self._done(b"".join(self._pieces))

    def whole(self, content: bytes) -> None:
        self._done(content)


class EventCounter:
    """Counts the server-sent events that bytes complete, splitting lines and dispatching events as the SDK does.

    An event is whole at the blank line that follows it. The SDK's stream is asked for one item per whole event
    and must never run out of bytes before it: so this never counts an event the SDK would not dispatch.
    """

    __slots__ = ("_data", "_event", "_id", "_line", "_retry", "_skip_lf")

    def __init__(self) -> None:
        self._line = b""
        self._skip_lf = False
        self._data = self._event = self._id = self._retry = False

    def feed(self, data: bytes) -> int:
        """How many events ``data``, the next bytes of the body, completes."""
        count = 0
        start = 0
        for match in _LINE_END.finditer(data):
            end = match.start()
            if self._skip_lf and end == start and data[end] == _LF:  # the LF of a CRLF split across pieces
                self._skip_lf = False
                start = end + 1
                continue
            self._skip_lf = data[end] == _CR
            line = self._line + data[start:end]
            self._line = b""
            start = end + 1
            count += self._dispatches(line)
        if start < len(data):
            self._skip_lf = False
            self._line += data[start:]
        return count

    def _dispatches(self, line: bytes) -> int:
        if not line:
            if self._data or self._event or self._id or self._retry:
                self._data = self._event = self._retry = False  # the last event id stays, as the SSE spec says
                return 1
            return 0
        if line.startswith(b":"):
            return 0
        name, _, value = line.partition(b":")
        value = value.removeprefix(b" ")
        if name == b"data":
            self._data = True
        elif name == b"event":
            self._event = bool(value)
        elif name == b"id" and b"\0" not in value:
            self._id = bool(value)
        elif name == b"retry" and value.strip().isdigit():
            self._retry = True
        return 0


class _EventReader:
    """What `Events` and `AsyncEvents` share: the traced copy's stream (iterated by the class's ``_iterate``), the
    chunks it reads, and the counter of whole events."""

    __slots__ = ("_chunks", "_counter", "_over", "_stream")

    _iterate: ClassVar[Callable[[Any], Any]]

    def __init__(self, stream: Any, chunks: deque[bytes]) -> None:
        self._stream = type(self)._iterate(stream)
        self._chunks = chunks
        self._counter = EventCounter()
        self._over = False


class Events(_EventReader):
    """A server-sent event stream read by hand: each whole event is pulled through the traced copy's stream."""

    __slots__ = ()

    _stream: Iterator[Any]
    _iterate = staticmethod(iter)

    def piece(self, data: bytes) -> None:
        self._chunks.append(data)
        for _ in range(self._counter.feed(data)):
            self._next()

    def end(self) -> None:
        while not self._over:
            self._next()

    def whole(self, content: bytes) -> None:
        if not self._over:
            self._chunks.append(content)
            self.end()

    def _next(self) -> None:
        if self._over:
            return
        try:
            next(self._stream)
        except StopIteration:
            self._over = True
        except Exception:  # noqa: BLE001 - the SDK's own error (an error event): the stream's proxy ended the call with it
            self._over = True


class AsyncEvents(_EventReader):
    """`Events` of an async response: the same, awaited."""

    __slots__ = ()

    _stream: AsyncIterator[Any]
    _iterate = staticmethod(aiter)

    async def piece(self, data: bytes) -> None:
        self._chunks.append(data)
        for _ in range(self._counter.feed(data)):
            await self._next()

    async def end(self) -> None:
        while not self._over:
            await self._next()

    async def whole(self, content: bytes) -> None:
        if not self._over:
            self._chunks.append(content)
            await self.end()

    async def _next(self) -> None:
        if self._over:
            return
        try:
            await anext(self._stream)
        except StopAsyncIteration:
            self._over = True
        except Exception:  # noqa: BLE001 - the SDK's own error (an error event): the stream's proxy ended the call with it
            self._over = True
