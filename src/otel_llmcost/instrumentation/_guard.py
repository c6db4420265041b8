"""The one guarded place: our own failures are swallowed here, logged at debug level, never seen by the user.

`guarded` runs a function; `guarded_await` awaits what a function returns (a coroutine of ours that reads a
body or an event). The SDK's own call never runs inside either: the user's exceptions are theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

__all__ = ["guarded", "guarded_await"]

_log = logging.getLogger("otel_llmcost")

P = ParamSpec("P")
T = TypeVar("T")


def guarded(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
    """``function(*args, **kwargs)``, or `None` if it raised: our own failure, logged, never the user's."""
    try:
        return function(*args, **kwargs)
    except Exception:  # noqa: BLE001 - the one guarded place: instrumentation never raises into user code
        _failed(function)
        return None


async def guarded_await(function: Callable[P, Awaitable[T] | None], *args: P.args, **kwargs: P.kwargs) -> T | None:
    """`guarded` for a function whose result is awaited (`None`, when it returns none, is not)."""
    try:
        awaitable = function(*args, **kwargs)
        return None if awaitable is None else await awaitable
    except Exception:  # noqa: BLE001 - `guarded`, for what must be awaited (cancellation is not caught)
        _failed(function)
        return None


def _failed(function: object) -> None:
    _log.debug("otel-llmcost instrumentation failed in %s", getattr(function, "__qualname__", function), exc_info=True)
