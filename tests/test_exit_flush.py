"""Exit is bounded: a collector that accepts connections and never answers holds the process for the exit budget
(``OTEL_BSP_EXPORT_TIMEOUT``, else 3 s) at most, not for as long as the exporters retry."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from apps.scripts import Finished, run_script
from otel_llmcost.setup._delivery import EXIT_TIMEOUT_S, exit_timeout_s, shut_down
from test_setup_delivery import down_environment


class SilentCollector:
    """A loopback TCP server that accepts every connection and never sends a byte."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.server.close()
        for connection in self.accepted:
            connection.close()
        self._thread.join(5)


@pytest.fixture
def silent_collector() -> Iterator[SilentCollector]:
    collector = SilentCollector()
    yield collector
    collector.close()


def exit_seconds(run: Finished) -> float:
    """From the app's last line (``main`` returned) to the end of the process."""
    assert run.returncode == 0, run.stderr
    return run.ended_at - float(str(run.output["finished_at"]))


def test_a_collector_that_never_answers_delays_exit_by_the_budget_at_most(silent_collector: SilentCollector) -> None:
    # The same app with no exporter at all: what exiting costs on this machine without any flush.
    baseline = exit_seconds(
        run_script(
            "endpoint_down.py",
            "calls",
            "5",
            environment=down_environment(OTEL_TRACES_EXPORTER="none", OTEL_METRICS_EXPORTER="none"),
        )
    )
    environment = {
        **down_environment(OTEL_BSP_EXPORT_TIMEOUT="500"),
        "OTEL_EXPORTER_OTLP_ENDPOINT": silent_collector.url,
    }

    took = exit_seconds(run_script("endpoint_down.py", "calls", "5", environment=environment))

    assert silent_collector.accepted  # the exporters did reach it, and waited for an answer
    # Measured: 5.2 s more than the baseline before the bound (each signal's exporter waits out its own
    # timeout and retries), about 0.5 s more with it. The margin is for a busy machine.
    assert took < baseline + 0.5 + 2.0, (took, baseline)


def test_the_budget_is_otel_bsp_export_timeout_in_milliseconds_else_three_seconds(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("OTEL_BSP_EXPORT_TIMEOUT", raising=False)
    assert exit_timeout_s() == EXIT_TIMEOUT_S == 3.0
    monkeypatch.setenv("OTEL_BSP_EXPORT_TIMEOUT", "1500")
    assert exit_timeout_s() == 1.5
    monkeypatch.setenv("OTEL_BSP_EXPORT_TIMEOUT", "0")
    assert exit_timeout_s() == 0.0
    monkeypatch.setenv("OTEL_BSP_EXPORT_TIMEOUT", "soon")
    assert exit_timeout_s() == 3.0
    assert caplog.messages == [
        "otel-llmcost: OTEL_BSP_EXPORT_TIMEOUT='soon' is not a number of milliseconds; using 3.0 s"
    ]


class Hanging:
    """A provider whose shutdown blocks until released, like one exporting to a collector that never answers."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.shut = False

    def shutdown(self) -> None:
        self.release.wait(30)
        self.shut = True


class Quick:
    def __init__(self) -> None:
        self.shut = False

    def shutdown(self) -> None:
        self.shut = True


def test_shut_down_gives_up_at_the_budget_and_shuts_down_in_order() -> None:
    hanging, quick = Hanging(), Quick()
    started = time.monotonic()

    assert shut_down(hanging, quick, timeout_s=0.2) is False
    assert time.monotonic() - started < 10  # not the 30 s the provider would take
    assert (hanging.shut, quick.shut) == (False, False)
    hanging.release.set()

    first, second = Quick(), Quick()
    assert shut_down(first, second, timeout_s=5) is True
    assert (first.shut, second.shut) == (True, True)
