"""Real multi-worker servers: gunicorn (``--preload``, workers recycled by ``--max-requests``) and uvicorn
(``--workers``). Every request's call arrives priced from the worker that made it, and each worker's cost
counter arrives too, including from the workers that exit while the server runs on (nothing lost at exit).

The app is ``apps/served.py``: ``otel_llmcost.instrument()`` at import, one openai call per request ($0.00024),
telemetry over OTLP/HTTP to `OTLPReceiver`.
"""

from __future__ import annotations

import importlib.util
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from decimal import Decimal

import pytest

from apps.launch import APPS, app_environment, other_instrumentations
from otlp_receiver import OTLPReceiver, otlp_receiver_fixture  # noqa: F401 - the fixture

CALL = Decimal("0.00024")
REQUESTS = 8
INSTANCE = "service.instance.id"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, server: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """Until something accepts connections on ``port`` (no request is sent: each request is a paid call)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[1]
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listened on port {port} within {timeout} s")


def serve(command: list[str], port: int, receiver: OTLPReceiver) -> list[int]:
    """Starts ``command``, sends `REQUESTS` requests one by one, stops the server with SIGTERM as a deployment
    does; the pid each request was served by."""
    environment = app_environment(
        OTEL_SERVICE_NAME="served",
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(other_instrumentations()),
    )
    server = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_listening(port, server)
        pids = []
        for _ in range(REQUESTS):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
                pids.append(int(response.read()))
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=60)
    assert server.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    return pids


def assert_every_call_arrived(receiver: OTLPReceiver) -> None:
    spans = receiver.spans_named("chat gpt-4o-mini")
    assert len(spans) == REQUESTS
    assert {span.attributes["gen_ai.usage.cost.amount"] for span in spans} == {float(CALL)}
    calls = Counter(str(span.resource[INSTANCE]) for span in spans)
    # The last value of each process's cost counter: its own calls, all of them.
    last: dict[str, float] = {}
    for point in receiver.points_of("llmcost.cost"):
        last[str(point.resource[INSTANCE])] = point.value
    assert last == {instance: float(CALL * count) for instance, count in calls.items()}


@pytest.mark.skipif(importlib.util.find_spec("gunicorn") is None, reason="gunicorn is not installed")
def test_gunicorn_preload_workers_recycled_by_max_requests_lose_nothing(otlp_receiver: OTLPReceiver) -> None:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--preload", "--workers", "2", "--max-requests", "3"]
    command += ["--bind", f"127.0.0.1:{port}", "--pythonpath", str(APPS), "served:application"]

    pids = serve(command, port, otlp_receiver)

    # 8 requests, 3 per worker at most: at least three workers served, and the recycled ones have exited.
    assert len(set(pids)) >= 3
    assert otlp_receiver.wait_for(lambda receiver: len(receiver.spans_named("chat gpt-4o-mini")) >= REQUESTS)
    assert_every_call_arrived(otlp_receiver)
    instances = {str(span.resource[INSTANCE]) for span in otlp_receiver.spans_named("chat gpt-4o-mini")}
    assert len(instances) == len(set(pids))


@pytest.mark.skipif(importlib.util.find_spec("uvicorn") is None, reason="uvicorn is not installed")
def test_uvicorn_workers_each_ship_their_calls(otlp_receiver: OTLPReceiver) -> None:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--workers", "2", "--lifespan", "off", "--no-access-log"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--app-dir", str(APPS), "served:asgi"]

    pids = serve(command, port, otlp_receiver)

    assert otlp_receiver.wait_for(lambda receiver: len(receiver.spans_named("chat gpt-4o-mini")) >= REQUESTS)
    assert_every_call_arrived(otlp_receiver)
    instances = {str(span.resource[INSTANCE]) for span in otlp_receiver.spans_named("chat gpt-4o-mini")}
    assert len(instances) == len(set(pids))


def test_a_process_killed_by_sigterm_ships_what_it_held_and_still_dies_by_the_signal(
    otlp_receiver: OTLPReceiver,
) -> None:
    # A container's `docker stop`: SIGTERM, with no handler of the application's. The batch processor still
    # holds the span (it exports every 5 s) and the cost counter has not been exported yet (every 60 s).
    script = "import served, time; served.call_openai(served.CLIENT); print('ready', flush=True); time.sleep(60)"
    environment = app_environment(
        OTEL_SERVICE_NAME="served",
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(other_instrumentations()),
    )
    app = subprocess.Popen(
        [sys.executable, "-c", script], cwd=APPS, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert app.stdout is not None
    assert app.stdout.readline() == b"ready\n"
    assert otlp_receiver.spans == []

    app.send_signal(signal.SIGTERM)
    _, stderr = app.communicate(timeout=30)

    assert app.returncode == -signal.SIGTERM, stderr
    (span,) = otlp_receiver.spans_named("chat gpt-4o-mini")
    assert span.attributes["gen_ai.usage.cost.amount"] == float(CALL)
    (point,) = otlp_receiver.points_of("llmcost.cost")
    assert point.value == float(CALL)
