"""Raw responses whose body comes later: ``with_streaming_response``, and ``with_raw_response`` of a stream.

The user gets the SDK's response object behind a proxy; the call ends when they ``parse()`` it (a stream
then carries the call on, behind its own proxy), when they ``close()`` it unparsed, or when the response is
dropped unparsed. A body read another way (``iter_lines()``, ``json()``) is not read again here: such a
call ends without usage.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import wrapt

from .._genai import guarded

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
