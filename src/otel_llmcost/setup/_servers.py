"""Servers whose workers end without running ``atexit``: their shutdown exports what the worker holds first.

uvicorn (0.29 and later) shuts a worker down gracefully on SIGTERM or SIGINT and then raises the signal again
with the handlers it found when it started: each worker, ``--workers`` or not, dies by the signal, and neither
``atexit`` nor ``multiprocessing``'s exit finalizers run. Its workers load the application after installing
their own handlers, so the SIGTERM handler of `_fork` is not in place there either. Once ``uvicorn.server`` is
imported, `flush_after_server_shutdown` wraps ``Server.shutdown`` so that, when a worker's server has shut
down (its connections closed, the application's lifespan ended), `flush` exports the worker's spans and
metrics, before the signal is raised again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

from .._import_hooks import when_imported
from ._flush import flush
from ._once import once

__all__ = ["flush_after_server_shutdown"]


async def _flush_after(
    wrapped: Callable[..., Awaitable[Any]], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    try:
        return await wrapped(*args, **kwargs)
    finally:
        flush()  # blocks the worker's event loop for the export: it is shutting down, nothing else waits


def _wrap_uvicorn(module: ModuleType) -> None:
    import wrapt  # with uvicorn, not at start-up: importing wrapt imports asyncio

    wrapt.wrap_function_wrapper(module, "Server.shutdown", _flush_after)


@once
def flush_after_server_shutdown() -> None:
    """Wraps uvicorn's ``Server.shutdown`` (now, or when ``uvicorn.server`` is imported), once per process."""
    when_imported("uvicorn.server", _wrap_uvicorn)
