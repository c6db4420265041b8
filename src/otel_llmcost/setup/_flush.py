"""`flush`: export what the global tracer and meter providers hold, now; for processes that end without
``atexit`` (`_fork` and `_servers` call it as workers exit)."""

from __future__ import annotations

import logging
from typing import Protocol, cast

from opentelemetry import metrics, trace

__all__ = ["flush"]

_log = logging.getLogger("otel_llmcost")


class _Flushing(Protocol):
    def force_flush(self, timeout_millis: int = ...) -> bool: ...


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
