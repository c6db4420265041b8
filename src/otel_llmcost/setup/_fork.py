"""Forked workers: their telemetry is flushed when they exit, even where ``atexit`` does not run.

After ``os.fork()`` the OpenTelemetry SDK (1.45) restarts its batch span processor's and metric reader's
threads in the child and gives it a new ``service.instance.id``; the cost processor starts the child's
totals from zero (`CostSpanProcessor` registers that itself). What is left is the child's exit:

- a child that exits normally (the end of the script, ``sys.exit``: gunicorn's workers) runs the ``atexit``
  handlers it inherited, among them the SDK's ``TracerProvider.shutdown``, which exports what is queued;
- a child of ``multiprocessing`` (``fork`` start method: ``Process``, ``Pool`` and its ``maxtasksperchild``
  replacements) ends with ``os._exit``, which runs no ``atexit`` handler, after running the exit finalizers of
  ``multiprocessing.util``: `flush_at_worker_exit` registers one there that calls `flush`;
- billiard's pool processes (Celery's prefork pool, ``max_tasks_per_child`` included) call ``os._exit`` from
  their own exit hook, before those finalizers: Celery sends ``worker_process_shutdown`` there, and a receiver
  that calls `flush` exports what the child holds (``docs/setup.md``);
- ``os._exit`` called directly, or a worker killed with SIGKILL, loses what was queued: nothing runs.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol, cast

from opentelemetry import metrics, trace

__all__ = ["flush", "flush_at_worker_exit"]

_log = logging.getLogger("otel_llmcost")

# multiprocessing runs the exit finalizers with a priority >= 0 first, highest first, then the others.
_EXIT_PRIORITY = 10


class _Flushing(Protocol):
    def force_flush(self, timeout_millis: int = ...) -> bool: ...


class _Token:
    """What the after-fork registries hold: they keep a function only as long as its object lives."""


_token = _Token()
_registered = False
_lock = threading.Lock()


def flush(timeout_millis: int = 10_000) -> None:
    """Exports the spans and metrics the global tracer and meter providers hold, now; never raises.

    Call it where a process ends without running ``atexit`` handlers, from which OpenTelemetry exports
    what is left: a Celery ``worker_process_shutdown`` receiver, the end of a serverless function's handler.
    Processes forked by ``multiprocessing`` need no call: `instrument` has them flush as they exit.

    Args:
        timeout_millis: how long each provider may take (the batch span processor exports all it holds).
    """
    for provider in (trace.get_tracer_provider(), metrics.get_meter_provider()):
        if getattr(provider, "force_flush", None) is None:
            continue
        try:
            cast("_Flushing", provider).force_flush(timeout_millis)
        except Exception:  # noqa: BLE001 - a worker's exit must not fail on our account
            _log.debug("otel-llmcost could not flush %s", type(provider).__name__, exc_info=True)


def _in_child(token: _Token) -> None:
    # Runs in the child after multiprocessing has cleared the finalizers it inherited from the parent.
    import multiprocessing.util

    multiprocessing.util.Finalize(None, flush, exitpriority=_EXIT_PRIORITY)


def flush_at_worker_exit() -> None:
    """Flushes telemetry at the exit of every ``multiprocessing`` and billiard child forked from now on."""
    global _registered
    with _lock:
        if _registered:
            return
        _registered = True
    import multiprocessing.util  # here, not at the top: start-up need not pay for it

    multiprocessing.util.register_after_fork(_token, _in_child)
