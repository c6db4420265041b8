"""When the collector is down: short export timeouts, and one warning instead of the exporters' retry lines.

The OTLP exporters retry a failed batch until their timeout (``OTEL_EXPORTER_OTLP_TIMEOUT``, 10 s by default)
and log every attempt: with nothing listening, a short script prints eight lines and takes twenty seconds
to exit, spent retrying its last spans and its last metrics. The pipelines this package builds give the
OTLP exporters a timeout of `EXPORT_TIMEOUT_S` when no timeout variable is set, and `quiet_export_errors`
turns the exporters' and batch processor's failure lines into one warning of ours; the lines after it go to
the ``otel_llmcost`` logger at debug level, with another warning at most once an hour while the failures go on.

At exit, the pipelines this package builds flush within one budget, `exit_timeout_s` (``OTEL_BSP_EXPORT_TIMEOUT``
when set, else `EXIT_TIMEOUT_S`): a collector that accepts connections and never answers cannot hold the
process for longer, whatever the exporters' retries and the number of queued batches.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Literal, Protocol

from opentelemetry.sdk.environment_variables import (
    OTEL_BSP_EXPORT_TIMEOUT,
    OTEL_EXPORTER_OTLP_METRICS_TIMEOUT,
    OTEL_EXPORTER_OTLP_TIMEOUT,
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
)

from ._once import once

__all__ = [
    "EXIT_TIMEOUT_S",
    "EXPORT_TIMEOUT_S",
    "ExportErrors",
    "exit_timeout_s",
    "exporter_options",
    "quiet_export_errors",
    "shut_down",
    "shut_down_at_exit",
]

_log = logging.getLogger("otel_llmcost")

EXPORT_TIMEOUT_S = 2.0
"""Seconds an OTLP exporter of ours spends on one batch, retries included, when no timeout variable is set.

Loopback and LAN collectors answer in milliseconds and hosted backends well under a second; with the
endpoint refusing connections, the exporters' back-off (1 s, then 2 s) gives up after one retry, so exit
waits about a second per signal instead of seven.
"""

EXIT_TIMEOUT_S = 3.0
"""Seconds the pipelines this package builds may spend flushing at exit, spans and metrics together, when
``OTEL_BSP_EXPORT_TIMEOUT`` is not set: enough for a reachable collector, and a bound for one that never answers.
"""

OTLP_EXPORTERS = frozenset({"otlp_proto_http", "otlp_proto_grpc"})
_TIMEOUT_VARIABLE = {"traces": OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, "metrics": OTEL_EXPORTER_OTLP_METRICS_TIMEOUT}

# The loggers of the OTLP exporters (opentelemetry-exporter-otlp 1.30 to 1.45) and of the SDK's batch
# processor, whose "Queue full" line repeats for as long as the collector is down.
_LOGGERS = (
    "opentelemetry.exporter.otlp.proto.http.trace_exporter",
    "opentelemetry.exporter.otlp.proto.http.metric_exporter",
    "opentelemetry.exporter.otlp.proto.http._log_exporter",
    "opentelemetry.exporter.otlp.proto.http._common",
    "opentelemetry.exporter.otlp.proto.grpc.exporter",
    "opentelemetry.exporter.otlp.common.http",
    "opentelemetry.sdk._shared_internal",
    "opentelemetry.sdk.trace.export",
)
# How the failure lines begin (their format strings, before arguments).
_FAILURES = (
    "Transient error",
    "Failed to export",
    "Shutdown in progress, aborting retry",
    "Queue full, dropping",  # the batch processor of opentelemetry-sdk 1.45
    "Queue is full, likely spans will be dropped",  # and its wording in older versions
)
_REMIND_S = 3600.0


def exporter_options(signal: Literal["traces", "metrics"], name: str) -> dict[str, object]:
    """Keyword arguments for exporter ``name``: a short timeout for an OTLP one when no variable sets one."""
    if (
        name not in OTLP_EXPORTERS
        or os.environ.get(OTEL_EXPORTER_OTLP_TIMEOUT)
        or os.environ.get(_TIMEOUT_VARIABLE[signal])
    ):
        return {}
    return {"timeout": EXPORT_TIMEOUT_S}


class ExportErrors(logging.Filter):
    """Turns the export failure lines of OpenTelemetry's loggers into one warning of ours.

    The first failure becomes one ``otel_llmcost`` warning that quotes it; later ones are logged on
    ``otel_llmcost`` at debug level, and another warning, with the count, comes at most once an hour while they
    go on. Other lines of those loggers pass untouched.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._lock = threading.Lock()
        self._warned_at: float | None = None
        self._since = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str) or not record.msg.startswith(_FAILURES):
            return True
        now = self._clock()
        with self._lock:
            warn = self._warned_at is None or now - self._warned_at >= _REMIND_S
            first, since = self._warned_at is None, self._since
            if warn:
                self._warned_at, self._since = now, 0
            else:
                self._since += 1
        message = record.getMessage()
        if not warn:
            _log.debug("otel-llmcost: export failed again: %s", message)
        elif first:
            _log.warning(
                "otel-llmcost: telemetry export is failing, and what cannot be sent is dropped; the application is "
                "not affected, and later export errors are logged at debug level (logger otel_llmcost). %s",
                message,
            )
        else:
            _log.warning("otel-llmcost: telemetry export is still failing (%d more errors): %s", since, message)
        return False


_filter = ExportErrors()


@once
def quiet_export_errors() -> None:
    """Puts `ExportErrors` on the exporters' and batch processor's loggers, once per process."""
    for name in _LOGGERS:
        logging.getLogger(name).addFilter(_filter)


class _Provider(Protocol):
    def shutdown(self) -> object: ...


def exit_timeout_s() -> float:
    """The exit budget: ``OTEL_BSP_EXPORT_TIMEOUT`` (milliseconds) when it is a number >= 0, else `EXIT_TIMEOUT_S`."""
    value = os.environ.get(OTEL_BSP_EXPORT_TIMEOUT, "").strip()
    if value:
        try:
            millis = float(value)
        except ValueError:
            millis = -1.0
        if millis >= 0:
            return millis / 1000
        _log.warning(
            "otel-llmcost: %s=%r is not a number of milliseconds; using %s s",
            OTEL_BSP_EXPORT_TIMEOUT,
            value,
            EXIT_TIMEOUT_S,
        )
    return EXIT_TIMEOUT_S


def shut_down(*providers: _Provider, timeout_s: float | None = None) -> bool:
    """Shuts ``providers`` down in order (exporting what they hold), waiting at most ``timeout_s`` in all.

    The shutdown runs in a daemon thread; past the budget it is abandoned, and what it had not sent is lost.
    Returns whether it finished in time.
    """
    budget = exit_timeout_s() if timeout_s is None else timeout_s

    def run() -> None:
        for provider in providers:
            try:
                provider.shutdown()
            except Exception:  # noqa: BLE001 - the one guarded place for shutting down at exit
                _log.debug("otel-llmcost could not shut down %s", type(provider).__name__, exc_info=True)

    thread = threading.Thread(target=run, name="otel-llmcost-exit", daemon=True)
    thread.start()
    thread.join(budget)
    if thread.is_alive():
        _log.debug("otel-llmcost: exit flush abandoned after %s s", budget)
        return False
    return True


def shut_down_at_exit(*providers: _Provider) -> None:
    """Has ``providers`` (built with ``shutdown_on_exit=False``) shut down at exit within `exit_timeout_s`."""
    atexit.register(shut_down, *providers)
