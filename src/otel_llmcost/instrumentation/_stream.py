"""Stream proxies: the user iterates the SDK's own stream; our hooks see every chunk and how it ended.

`traced_stream` wraps a provider SDK stream (``openai.Stream``, ``openai.AsyncStream``, a generator...) in a
`wrapt` proxy that hands the user the same chunks, attributes and methods, calls ``hooks.chunk`` for each item
and exactly one of ``hooks.end`` / ``hooks.error``, once, whichever way the stream is left:

| the user...                                         | hook                                        |
|-----------------------------------------------------|---------------------------------------------|
| iterates to the end                                 | ``end``                                     |
| calls ``close()`` / ``aclose()``, also twice        | ``end`` (``error`` if the close raises)     |
| leaves ``with`` / ``async with`` normally           | ``end``                                     |
| leaves ``with`` / ``async with`` with an exception  | ``error(that exception)``                   |
| gets an exception from the SDK while iterating      | ``error(it)``, then it propagates as is     |
| is cancelled while awaiting a chunk                 | ``error(CancelledError or GeneratorExit)``  |
| ``break``s, or never iterates, and drops the stream | ``end``, once the proxy and its iterator go |

An exception raised in the user's own loop body leaves the loop without passing through the stream, so the
proxy cannot see it: the stream ends (``end``) when the proxy, and the iterator the loop took from it, are
collected. Only a ``with`` block around the loop carries the user's exception to the proxy (``error``).
"""

from __future__ import annotations

import inspect
import logging
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, cast

import wrapt

if TYPE_CHECKING:
    from typing_extensions import Self

    _Proxy = wrapt.BaseObjectProxy[Any]
else:
    _Proxy = getattr(wrapt, "BaseObjectProxy", wrapt.ObjectProxy)  # wrapt < 2 has no BaseObjectProxy

__all__ = ["StreamHooks", "traced_stream"]

_log = logging.getLogger("otel_llmcost")

S = TypeVar("S")
T = TypeVar("T")


class StreamHooks(Protocol):
    """What a stream proxy reports to its instrumentor; a hook that raises is logged, never seen by the user."""

    def chunk(self, chunk: object) -> None:
        """Called with each item the SDK yields, hidden ones included, before the user gets it."""

    def end(self) -> None:
        """The stream finished: exhausted, closed, left a ``with`` block normally, or abandoned."""

    def error(self, error: BaseException) -> None:
        """Instead of `end`: the SDK raised, the ``with`` block exited with an exception, or the task was cancelled."""


def traced_stream(stream: S, hooks: StreamHooks, *, hide: Callable[[object], bool] | None = None) -> S:
    """``stream`` behind a proxy that reports its chunks and its end to ``hooks``.

    Args:
        stream: the SDK's stream, or another tracer's proxy of it; async when the stream has ``__aiter__``.
        hooks: called for every chunk, then exactly once `StreamHooks.end` or `StreamHooks.error`.
        hide: items for which it returns true go to ``hooks.chunk`` but not to the user (the usage-only chunk
            of a stream whose ``include_usage`` the instrumentor asked for).

    Returns:
        A proxy that is an instance of ``type(stream)`` for ``isinstance`` and behaves like it.
    """
    proxy_type = _AsyncStreamProxy if _is_async(stream) else _SyncStreamProxy
    return cast(S, proxy_type(stream, hooks, hide))


def _is_async(stream: object) -> bool:
    """Whether the innermost stream is async: another tracer's proxy may offer both kinds of iteration."""
    for _ in range(8):
        wrapped = getattr(stream, "__wrapped__", None)
        if wrapped is None:
            break
        stream = wrapped
    return hasattr(stream, "__aiter__")


class _Outcome:
    """Calls ``hooks.end`` or ``hooks.error`` exactly once."""

    __slots__ = ("_hooks", "done", "finalizer")

    def __init__(self, hooks: StreamHooks) -> None:
        self._hooks = hooks
        self.done = False
        self.finalizer: weakref.finalize[..., Any] | None = None

    def end(self) -> None:
        self._finish(None)

    def error(self, error: BaseException) -> None:
        self._finish(error)

    def _finish(self, error: BaseException | None) -> None:
        if self.done:
            return
        self.done = True
        try:
            if self.finalizer is not None:
                self.finalizer.detach()
            if error is None:
                self._hooks.end()
            else:
                self._hooks.error(error)
        except Exception:  # noqa: BLE001 - the one guarded place for the end of a stream
            _log.debug("otel-llmcost could not end a stream's telemetry", exc_info=True)


def _sync_tap(
    stream: Any, hooks: StreamHooks, hide: Callable[[object], bool] | None, outcome: _Outcome
) -> Generator[Any, None, None]:
    """The iterator a sync proxy hands out: a generator, the cheapest Python iterator per item."""
    next_item: Callable[[], Any] = iter(stream).__next__
    chunk = hooks.chunk
    while True:
        try:
            item = next_item()
        except StopIteration:
            outcome.end()
            return
        except BaseException as error:
            outcome.error(error)
            raise
        if not outcome.done:
            # Guarded here rather than through a helper: this runs once per chunk.
            try:
                chunk(item)
            except Exception:  # noqa: BLE001 - a chunk hook's failure never reaches the user
                _log.debug("otel-llmcost could not read a stream chunk", exc_info=True)
        if hide is not None:
            try:
                if hide(item):
                    continue
            except Exception:  # noqa: BLE001 - when in doubt the user gets the item
                _log.debug("otel-llmcost could not tell whether to hide a stream chunk", exc_info=True)
        yield item


def _watched(tap: T, outcome: _Outcome) -> T:
    """``tap``, whose collection ends ``outcome``: a loop holds the tap, never the proxy, and the proxy holds it.

    The finalizer holds the outcome, not the tap, so an abandoned stream is still collected. It runs at
    interpreter exit at the latest, before modules are torn down, and the outcome's guard keeps it quiet.
    """
    outcome.finalizer = weakref.finalize(tap, outcome.end)
    return tap


class _AsyncTap:
    """The iterator an async proxy hands out, in plain slots: every attribute read on a wrapt proxy costs ~100 ns."""

    __slots__ = ("__weakref__", "_chunk", "_hide", "_next", "_outcome")

    def __init__(self, stream: Any, hooks: StreamHooks, hide: Callable[[object], bool] | None, outcome: _Outcome):
        self._next: Callable[[], Awaitable[Any]] = aiter(stream).__anext__
        self._chunk = hooks.chunk
        self._hide = hide
        self._outcome = outcome

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Any:
        outcome = self._outcome
        while True:
            try:
                item = await self._next()
            except StopAsyncIteration:
                outcome.end()
                raise
            except BaseException as error:  # CancelledError and GeneratorExit included
                outcome.error(error)
                raise
            if not outcome.done:
                # Guarded here rather than through a helper: this runs once per chunk.
                try:
                    self._chunk(item)
                except Exception:  # noqa: BLE001 - a chunk hook's failure never reaches the user
                    _log.debug("otel-llmcost could not read a stream chunk", exc_info=True)
            hide = self._hide
            if hide is None:
                return item
            try:
                if not hide(item):
                    return item
            except Exception:  # noqa: BLE001 - when in doubt the user gets the item
                _log.debug("otel-llmcost could not tell whether to hide a stream chunk", exc_info=True)
                return item


class _StreamProxy(_Proxy):
    """What the sync and async proxies share: the outcome, and the tap their class's ``_tap`` makes."""

    _tap: ClassVar[Callable[[Any, StreamHooks, Callable[[object], bool] | None, _Outcome], Any]]

    def __init__(self, stream: Any, hooks: StreamHooks, hide: Callable[[object], bool] | None) -> None:
        super().__init__(stream)
        self._self_outcome = outcome = _Outcome(hooks)
        self._self_tap = _watched(type(self)._tap(stream, hooks, hide, outcome), outcome)


class _SyncStreamProxy(_StreamProxy):
    """A synchronous stream that reports to its hooks; see `traced_stream`."""

    _tap = staticmethod(_sync_tap)

    def __iter__(self) -> Generator[Any, None, None]:
        return self._self_tap

    def __next__(self) -> Any:
        return self._self_tap.__next__()

    def close(self) -> None:
        outcome = self._self_outcome
        close = getattr(self.__wrapped__, "close", None)
        if close is not None:
            try:
                close()
            except BaseException as error:
                outcome.error(error)
                raise
        outcome.end()

    def __enter__(self) -> Self:
        self.__wrapped__.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> bool | None:
        outcome = self._self_outcome
        try:
            suppress = self.__wrapped__.__exit__(exc_type, exc, traceback)
        except BaseException as error:
            outcome.error(exc if exc is not None else error)
            raise
        _left(outcome, exc, suppress)
        return suppress


class _AsyncStreamProxy(_StreamProxy):
    """An asynchronous stream that reports to its hooks; see `traced_stream`."""

    _tap = _AsyncTap

    def __aiter__(self) -> _AsyncTap:
        return self._self_tap

    def __anext__(self) -> Coroutine[Any, Any, Any]:
        return self._self_tap.__anext__()

    # Properties, not methods, so that the proxy has ``close`` / ``aclose`` only where the stream has it: async
    # streams are told apart by which of the two they spell (openai's AsyncStream: close; generators: aclose).
    @property
    def close(self) -> Callable[[], Coroutine[Any, Any, None]]:
        return _closing(self.__wrapped__.close, self._self_outcome)

    @property
    def aclose(self) -> Callable[[], Coroutine[Any, Any, None]]:
        return _closing(self.__wrapped__.aclose, self._self_outcome)

    async def __aenter__(self) -> Self:
        await self.__wrapped__.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> bool | None:
        outcome = self._self_outcome
        try:
            suppress = await self.__wrapped__.__aexit__(exc_type, exc, traceback)
        except BaseException as error:
            outcome.error(exc if exc is not None else error)
            raise
        _left(outcome, exc, suppress)
        return suppress


def _closing(close: Callable[[], object], outcome: _Outcome) -> Callable[[], Coroutine[Any, Any, None]]:
    """An async stream's ``close`` / ``aclose`` that also ends the outcome."""

    async def closing() -> None:
        try:
            closed = close()
            if inspect.isawaitable(closed):
                await closed
        except BaseException as error:
            outcome.error(error)
            raise
        outcome.end()

    return closing


def _left(outcome: _Outcome, exc: BaseException | None, suppressed: bool | None) -> None:
    """A ``with`` block was left: normally, or with an exception that the stream suppressed or let through."""
    if exc is None or suppressed:
        outcome.end()
    else:
        outcome.error(exc)
