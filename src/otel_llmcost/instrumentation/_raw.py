"""Raw responses whose body comes later: ``with_streaming_response``, and ``with_raw_response`` of a stream.

The user gets the SDK's response object behind a proxy; the call ends when they ``parse()`` it (a stream then
carries the call on, behind its own proxy), when they read its body by hand, when they ``close()`` it, or when
the response is dropped.

A body read by hand (``read()``, ``text()``, ``json()``, ``iter_bytes()``, ``iter_text()``, ``iter_lines()``, and
the ``text`` and ``content`` properties of a synchronous ``with_raw_response`` stream) is seen as it passes
(`_body`) and never read again from the network; the user gets exactly what the SDK gives them:

- a JSON body, once whole, is decoded a second time here (a dict, which every surface reads like the SDK's
  object) and the call ends with the usage in it; a body cut short ends the call without one;
- a server-sent event stream goes, event by event as the user reads it, through a copy of the response whose
  body is the bytes the user has read: the SDK parses that copy into its own stream (the chunks ``parse()``
  would have given), which is traced like a parsed stream, so the usage comes from the last usage event and
  the call ends when the body is exhausted or the response closed;
- any other body (speech audio) ends the call with what the request alone determines.
"""

from __future__ import annotations

import inspect
import json
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import wrapt

from ._body import (
    AsyncEvents,
    Body,
    Collected,
    Events,
    as_bytes,
    async_drained,
    copy_with_body,
    drained,
    feed,
    is_event_stream,
    is_json,
    line_as_bytes,
    whole_body,
)
from ._guard import guarded, guarded_await

if TYPE_CHECKING:
    _Proxy = wrapt.BaseObjectProxy[Any]
else:
    _Proxy = getattr(wrapt, "BaseObjectProxy", wrapt.ObjectProxy)  # wrapt < 2 has no BaseObjectProxy

__all__ = ["LazyResponse"]


class LazyResponse(_Proxy):
    """A raw response that ends its call when it is parsed, closed or dropped; otherwise the SDK's own."""

    def __init__(
        self,
        response: Any,
        unread: Callable[[], None],
        parsed: Callable[[object], object],
        closed: Callable[[object], None],
    ) -> None:
        """Proxy ``response``: ``unread()`` ends its call when it is closed or dropped unparsed; ``parsed(body)``
        is what parse() hands the user; ``closed(body)`` ends what is left of the call (a stream read from it)
        when it is closed after it was parsed."""
        super().__init__(response)
        self._self_unread = unread
        self._self_on_parsed = parsed
        self._self_on_closed = closed
        self._self_seen: tuple[object, object] | None = None
        self._self_body: Body | None = None
        self._self_finalizer = weakref.finalize(self, unread)

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        parsed = self.__wrapped__.parse(*args, **kwargs)
        if inspect.isawaitable(parsed):
            return self._self_parse_later(parsed)
        return self._self_handed(parsed)

    async def _self_parse_later(self, parsing: Awaitable[Any]) -> Any:
        return self._self_handed(await parsing)

    def _self_handed(self, parsed: object) -> object:
        seen = self._self_seen
        if seen is not None:
            # The SDK caches what parse() returns: the same object again gets the same proxy again.
            return seen[1] if seen[0] is parsed else parsed
        handed = guarded(self._self_on_parsed, parsed)
        self._self_finalizer.detach()
        if handed is None:
            guarded(self._self_unread)
            handed = parsed
        self._self_seen = (parsed, handed)
        return handed

    # A property, so that the proxy has ``close`` only where the response has it (LegacyAPIResponse has none).
    @property
    def close(self) -> Callable[[], Any]:
        close = self.__wrapped__.close

        def closing() -> Any:
            closed = close()
            if inspect.isawaitable(closed):
                return self._self_close_later(closed)
            self._self_closed()
            return closed

        return closing

    async def _self_close_later(self, closing: Awaitable[Any]) -> Any:
        closed = await closing
        self._self_closed()
        return closed

    def _self_closed(self) -> None:
        seen = self._self_seen
        if seen is None:
            self._self_finalizer.detach()
            guarded(self._self_unread)
        else:
            guarded(self._self_on_closed, seen[0])

    # The body read by hand. Properties, like ``close``: LegacyAPIResponse has none of these methods, and its
    # ``text`` is a property (a string) that passes through as it is.
    @property
    def read(self) -> Any:
        return self._self_whole(self.__wrapped__.read)

    @property
    def text(self) -> Any:
        return self._self_whole(self.__wrapped__.text)

    @property
    def json(self) -> Any:
        return self._self_whole(self.__wrapped__.json)

    @property
    def content(self) -> Any:
        return self._self_whole(self.__wrapped__.content)

    @property
    def iter_bytes(self) -> Any:
        return self._self_pieces(self.__wrapped__.iter_bytes, as_bytes)

    @property
    def iter_text(self) -> Any:
        return self._self_pieces(self.__wrapped__.iter_text, as_bytes)

    @property
    def iter_lines(self) -> Any:
        return self._self_pieces(self.__wrapped__.iter_lines, line_as_bytes)

    def _self_whole(self, method: Any) -> Any:
        """``method`` (``read``, ``text``, ``json``), after which the body the SDK cached is read for the call.

        LegacyAPIResponse's ``text`` and ``content`` are properties: ``method`` is then the body, read whole,
        and the call of a synchronous client reads it now. (An async client's has to await the events, which a
        property cannot: its call ends when the response is dropped, as before.)
        """
        if not callable(method):
            if isinstance(method, (str, bytes)) and not _asynchronous(self.__wrapped__):
                body = guarded(self._self_reader)
                if body is not None:
                    guarded(whole_body, body, self.__wrapped__)
            return method

        def reading(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            if inspect.isawaitable(result):
                return self._self_whole_later(result)
            body = guarded(self._self_reader)
            if body is not None:
                guarded(whole_body, body, self.__wrapped__)
            return result

        return reading

    async def _self_whole_later(self, reading: Awaitable[Any]) -> Any:
        result = await reading
        body = await self._self_async_reader()
        if body is not None:
            await guarded_await(whole_body, body, self.__wrapped__)
        return result

    def _self_pieces(self, method: Callable[..., Any], to_bytes: Callable[[Any], bytes]) -> Callable[..., Any]:
        """``method`` (``iter_bytes``, ``iter_text``, ``iter_lines``), whose pieces are read for the call as they go."""

        def iterating(*args: Any, **kwargs: Any) -> Any:
            pieces = method(*args, **kwargs)
            if hasattr(pieces, "__aiter__"):
                return self._self_async_pieces(pieces, to_bytes)
            return self._self_sync_pieces(pieces, to_bytes)

        return iterating

    def _self_sync_pieces(self, pieces: Iterator[Any], to_bytes: Callable[[Any], bytes]) -> Iterator[Any]:
        body = guarded(self._self_reader)
        for piece in pieces:
            if body is not None:
                guarded(feed, body, to_bytes, piece)
            yield piece
        if body is not None:
            guarded(body.end)

    async def _self_async_pieces(
        self, pieces: AsyncIterator[Any], to_bytes: Callable[[Any], bytes]
    ) -> AsyncIterator[Any]:
        body = await self._self_async_reader()
        async for piece in pieces:
            if body is not None:
                await guarded_await(feed, body, to_bytes, piece)
            yield piece
        if body is not None:
            await guarded_await(body.end)

    def _self_reader(self) -> Body | None:
        """What reads the body for the call, made on the first read; `None` once the call has its body."""
        if self._self_body is not None or self._self_seen is not None:
            return self._self_body
        raw = self.__wrapped__
        if is_event_stream(raw):
            chunks: deque[bytes] = deque()
            stream = copy_with_body(raw, drained(chunks)).parse()
            self._self_body = Events(self._self_handed(stream), chunks)
        elif is_json(raw):
            self._self_body = Collected(self._self_json_read)
        else:
            self._self_body = Collected(lambda _content: self._self_unparsed())
        return self._self_body

    async def _self_async_reader(self) -> Body | None:
        """`_self_reader` of an async response, whose stream the SDK makes in a coroutine."""
        if self._self_body is not None or self._self_seen is not None:
            return self._self_body
        if not guarded(is_event_stream, self.__wrapped__):
            return guarded(self._self_reader)
        chunks: deque[bytes] = deque()
        stream = await guarded_await(self._self_parsed_copy, chunks)
        if stream is None:
            return None
        self._self_body = AsyncEvents(self._self_handed(stream), chunks)
        return self._self_body

    def _self_parsed_copy(self, chunks: deque[bytes]) -> Awaitable[Any]:
        return copy_with_body(self.__wrapped__, async_drained(chunks)).parse()

    def _self_json_read(self, content: bytes) -> None:
        """A JSON body read whole: the call ends with its usage (a body that is not JSON ends it without)."""
        if self._self_seen is not None:
            return
        try:
            decoded = json.loads(content)
        except ValueError:  # not JSON, or not text (JSONDecodeError and UnicodeDecodeError are ValueErrors)
            decoded = None
        if decoded is None:
            self._self_unparsed()
        else:
            self._self_handed(decoded)

    def _self_unparsed(self) -> None:
        """The body was read, and says nothing of the call: it ends with what the request determined."""
        if self._self_seen is None:
            self._self_finalizer.detach()
            guarded(self._self_unread)
            self._self_seen = (None, None)


def _asynchronous(response: object) -> bool:
    """Whether ``response`` came from an async client (whose ``request`` is a coroutine function)."""
    return inspect.iscoroutinefunction(getattr(getattr(response, "_client", None), "request", None))
