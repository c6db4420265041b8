"""The real backends the end-to-end tests ship to: Arize Phoenix (traces) and VictoriaMetrics (metrics).

`scripts/e2e/setup.sh` installs them under ``.e2e/`` of the repository; each runs here as a subprocess on
127.0.0.1, on free ports, with its data in a temporary folder, and is stopped after. Every wait is a bounded
poll that fails with what it last saw and the tail of the server's log.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[2]
E2E = REPO / ".e2e"
PHOENIX = Path(os.environ.get("OTEL_LLMCOST_E2E_PHOENIX") or E2E / "phoenix-venv" / "bin" / "phoenix")
VICTORIA_METRICS = Path(
    os.environ.get("OTEL_LLMCOST_E2E_VICTORIA_METRICS") or E2E / "victoria-metrics" / "bin" / "victoria-metrics"
)

# Bounds of every wait, in seconds: generous for a loaded 2-core CI machine, short enough to fail clearly.
SERVER_START_TIMEOUT = 180.0
ARRIVAL_TIMEOUT = 60.0
HTTP_TIMEOUT = 10.0
STOP_TIMEOUT = 20.0

T = TypeVar("T")


class BackendError(AssertionError):
    """A backend did not start, answer, or show what was sent to it in time."""


class ServerExited(BackendError):
    """A backend's process ended while it was starting (a port taken meanwhile, a bad flag...)."""


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now (the server is started on it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def poll(
    attempt: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    interval: float = 0.25,
    context: Callable[[], str] | None = None,
) -> T:
    """Calls ``attempt`` until it returns something other than None; raises `BackendError` after ``timeout`` s.

    An I/O or decoding error ``attempt`` raises counts as no answer yet; the last one is named in the error,
    followed by what ``context`` returns then (a server's log).
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            result = attempt()
        except (OSError, ValueError, KeyError, urllib.error.URLError) as error:
            result, last = None, error
        if result is not None:
            return result
        if time.monotonic() >= deadline:
            message = f"timed out after {timeout:.0f} s waiting for {what}; last error: {last!r}"
            raise BackendError(f"{message}\n{context()}" if context is not None else message)
        time.sleep(interval)


def http_json(url: str, body: Mapping[str, Any] | None = None) -> Any:
    """GET ``url`` (POST ``body`` as JSON when given) and the decoded JSON answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        return json.load(response)


def http_ok(url: str) -> bool | None:
    """True when ``url`` answers 200; None (not yet) otherwise."""
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as response:
            return True if response.status == 200 else None
    except (OSError, urllib.error.URLError):
        return None


def server_environment(**variables: str) -> dict[str, str]:
    """This process's environment without ``OTEL_*`` and ``PHOENIX_*`` variables (a server must not trace
    itself to wherever the test run's variables point), plus ``variables``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "PHOENIX_"))}
    environment.update(variables)
    return environment


@dataclass
class Server:
    """A backend in a subprocess, its output in ``log``: started, polled until healthy, stopped."""

    name: str
    command: list[str]
    environment: dict[str, str]
    health_url: str
    log: Path
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        with self.log.open("wb") as log:
            # Same process group as the test run: a `timeout` (scripts/e2e/run.sh) or a Ctrl-C reaches it too.
            self.process = subprocess.Popen(
                self.command, env=self.environment, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

        def healthy() -> bool | None:
            assert self.process is not None
            if self.process.poll() is not None:
                raise ServerExited(f"{self.name} exited with code {self.process.returncode}\n{self.log_tail()}")
            return http_ok(self.health_url)

        try:
            poll(healthy, timeout=timeout, what=f"{self.name} to answer {self.health_url}", context=self.log_tail)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return f"({self.name} wrote no log)"
        return f"--- last lines of {self.log} ---\n" + "\n".join(text.splitlines()[-lines:])


def start_with_free_ports(make: Callable[[], Server], attempts: int = 3) -> Server:
    """Starts the server ``make`` builds on fresh free ports; again, on new ports, if it exits while starting
    (another process may have taken a port between the probe and the start)."""
    for attempt in range(1, attempts + 1):
        server = make()
        try:
            server.start()
        except ServerExited:
            if attempt == attempts:
                raise
            continue
        return server
    raise AssertionError("unreachable")


# Phoenix ------------------------------------------------------------------------------------------------------


SPAN_COST_QUERY = """
query SpanCost($id: ID!) {
  node(id: $id) {
    ... on Span {
      costSummary { total { tokens cost } }
      costDetailSummaryEntries { tokenType isPrompt value { tokens cost } }
    }
  }
}
"""


@dataclass(frozen=True)
class PhoenixSpan:
    """A span as Phoenix's REST API gives it back: its Phoenix id (for GraphQL), name, and flat attributes."""

    id: str
    name: str
    span_id: str
    parent_id: str | None
    attributes: dict[str, Any]


@dataclass(frozen=True)
class PhoenixCost:
    """Phoenix's own cost of a span: the total and the cost by token type (``input``, ``cache_read``...)."""

    total: float | None
    by_token_type: dict[str, float | None]


class Phoenix:
    """A running ``phoenix serve``: OTLP over HTTP at ``http_endpoint`` (``/v1/traces``), over gRPC at
    ``grpc_endpoint``; spans read back with the REST API and Phoenix's costs with GraphQL."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.server: Server | None = None

    def _server(self) -> Server:
        self.port, self.grpc_port = free_port(), free_port()
        environment = server_environment(
            PHOENIX_WORKING_DIR=str(self.work_dir),
            PHOENIX_HOST="127.0.0.1",
            PHOENIX_PORT=str(self.port),
            PHOENIX_GRPC_PORT=str(self.grpc_port),
            PHOENIX_TELEMETRY_ENABLED="false",  # no FullStory or Scarf pixels
            PHOENIX_ALLOW_EXTERNAL_RESOURCES="false",  # no web fonts, no sandbox download: nothing leaves
            PHOENIX_AGENTS_DISABLE_BASH="true",
        )
        return Server(
            "Phoenix",
            [str(PHOENIX), "serve"],
            environment,
            health_url=f"http://127.0.0.1:{self.port}/healthz",
            log=self.work_dir / "phoenix.log",
        )

    def start(self) -> Phoenix:
        self.server = start_with_free_ports(self._server)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    @property
    def http_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def grpc_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.grpc_port}"

    def log_tail(self) -> str:
        return self.server.log_tail() if self.server is not None else ""

    def spans(self, project: str, trace_id: str) -> list[PhoenixSpan]:
        """The spans of ``trace_id`` in ``project`` (``GET /v1/projects/{project}/spans?trace_id=``)."""
        query = urllib.parse.urlencode({"trace_id": trace_id, "limit": 1000})
        answer = http_json(f"{self.http_endpoint}/v1/projects/{urllib.parse.quote(project)}/spans?{query}")
        return [
            PhoenixSpan(
                id=span["id"],
                name=span["name"],
                span_id=span["context"]["span_id"],
                parent_id=span["parent_id"],
                attributes=span["attributes"],
            )
            for span in answer["data"]
        ]

    def wait_for_spans(self, project: str, trace_id: str, count: int) -> list[PhoenixSpan]:
        """The spans of ``trace_id`` once ``count`` of them have arrived (bounded poll)."""

        def arrived() -> list[PhoenixSpan] | None:
            spans = self.spans(project, trace_id)
            return spans if len(spans) >= count else None

        return poll(
            arrived,
            timeout=ARRIVAL_TIMEOUT,
            what=f"{count} spans of trace {trace_id} in Phoenix project {project!r}",
            context=self.log_tail,
        )

    def cost(self, span: PhoenixSpan) -> PhoenixCost | None:
        """Phoenix's own cost of ``span`` (GraphQL ``costSummary``), None when Phoenix did not price it."""
        answer = http_json(f"{self.http_endpoint}/graphql", {"query": SPAN_COST_QUERY, "variables": {"id": span.id}})
        if answer.get("errors"):
            raise BackendError(f"Phoenix GraphQL errors: {answer['errors']}")
        node = answer["data"]["node"]
        summary = node["costSummary"]
        if summary is None:
            return None
        entries = {entry["tokenType"]: entry["value"]["cost"] for entry in node["costDetailSummaryEntries"]}
        return PhoenixCost(total=summary["total"]["cost"], by_token_type=entries)


# VictoriaMetrics ----------------------------------------------------------------------------------------------


class VictoriaMetrics:
    """A running single-node VictoriaMetrics: OTLP over HTTP at ``otlp_metrics_endpoint``, PromQL at
    ``/api/v1/query``. ``prometheus_naming`` starts it with ``-opentelemetry.usePrometheusNaming``."""

    def __init__(self, data_dir: Path, *, prometheus_naming: bool = False) -> None:
        self.data_dir = data_dir
        self.prometheus_naming = prometheus_naming
        self.server: Server | None = None

    def _server(self) -> Server:
        self.port = free_port()
        command = [
            str(VICTORIA_METRICS),
            f"-storageDataPath={self.data_dir / 'storage'}",
            f"-httpListenAddr=127.0.0.1:{self.port}",
            "-search.latencyOffset=0s",  # a point is searchable as soon as it is stored
            "-search.disableCache",  # every poll reads the storage, never a cached answer
        ]
        if self.prometheus_naming:
            command.append("-opentelemetry.usePrometheusNaming")
        return Server(
            "VictoriaMetrics",
            command,
            server_environment(),
            health_url=f"http://127.0.0.1:{self.port}/health",
            log=self.data_dir / "victoria-metrics.log",
        )

    def start(self) -> VictoriaMetrics:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.server = start_with_free_ports(self._server)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    @property
    def otlp_metrics_endpoint(self) -> str:
        """The full URL for ``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`` (used as it is, path included)."""
        return f"http://127.0.0.1:{self.port}/opentelemetry/v1/metrics"

    def flush(self) -> None:
        """Makes what was ingested searchable now, not in the seconds its buffers take (``/internal/force_flush``,
        which VictoriaMetrics offers for tests)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/internal/force_flush", timeout=HTTP_TIMEOUT):
            pass

    def query(self, promql: str) -> list[tuple[dict[str, str], float]]:
        """The instant vector ``promql`` returns now: each series' labels and value."""
        answer = http_json(f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
        if answer.get("status") != "success":
            raise BackendError(f"VictoriaMetrics answered {answer} to {promql}")
        return [(series["metric"], float(series["value"][1])) for series in answer["data"]["result"]]

    def wait_for(
        self, promql: str, condition: Callable[[list[tuple[dict[str, str], float]]], bool], what: str
    ) -> list[tuple[dict[str, str], float]]:
        """The answer to ``promql`` once ``condition`` holds for it (bounded poll)."""
        seen: list[object] = []

        def attempt() -> list[tuple[dict[str, str], float]] | None:
            self.flush()
            result = self.query(promql)
            seen[:] = [result]
            return result if condition(result) else None

        try:
            return poll(attempt, timeout=ARRIVAL_TIMEOUT, what=what, interval=0.5)
        except BackendError as error:
            log = self.server.log_tail() if self.server is not None else ""
            raise BackendError(f"{error}\nquery: {promql}\nlast answer: {seen}\n{log}") from None


# The application ----------------------------------------------------------------------------------------------

APP = Path(__file__).with_name("e2e_app.py")
APP_TIMEOUT = 120.0


@dataclass(frozen=True)
class AppRun:
    """What `e2e_app.py` printed: the trace id of its root span and the response ids of its five calls."""

    trace_id: str
    ids: list[str]
    stderr: str


def run_app(**variables: str) -> AppRun:
    """Runs `e2e_app.py` under the real ``opentelemetry-instrument`` of this interpreter's environment, with
    this process's environment less its ``OTEL_*`` variables, plus ``variables``.

    The installed instrumentations that are not this package's (httpx, the official and third-party GenAI
    ones) are turned off, so that the app's spans are the SDKs' own and ``llmcost_openai``'s.
    """
    from apps.launch import app_environment, opentelemetry_instrument, other_instrumentations

    environment = app_environment(OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(other_instrumentations()))
    environment.update(variables)
    command = [*opentelemetry_instrument(), sys.executable, str(APP)]
    try:
        done = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=APP_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise BackendError(f"{APP.name} did not end within {APP_TIMEOUT:.0f} s; stderr: {error.stderr!r}") from None
    if done.returncode != 0:
        raise BackendError(f"{APP.name} exited with code {done.returncode}:\n{done.stderr}")
    output = json.loads(done.stdout.strip().splitlines()[-1])
    return AppRun(trace_id=output["trace_id"], ids=output["ids"], stderr=done.stderr)
