"""A tiny OTLP/HTTP receiver on 127.0.0.1 for tests: it keeps the spans and metric points it is sent.

It accepts ``POST /v1/traces`` and ``POST /v1/metrics`` with protobuf bodies (gzip when ``Content-Encoding``
says so) and answers like a collector, so an application's real OTLP exporters can ship to it::

    with OTLPReceiver() as receiver:
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint}
        ...
        (span,) = receiver.spans_named("anthropic.messages.create")
"""

from __future__ import annotations

import gzip
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import pytest
from google.protobuf.message import Message
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

__all__ = ["OTLPReceiver", "ReceivedPoint", "ReceivedSpan", "otlp_receiver_fixture"]


@dataclass(frozen=True)
class ReceivedSpan:
    """A span as it arrived, attribute values decoded to Python values."""

    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, object]
    resource: dict[str, object]
    scope: str


@dataclass(frozen=True)
class ReceivedPoint:
    """One data point of a metric: a sum's or gauge's value, or a histogram's count and sum."""

    metric: str
    unit: str
    attributes: dict[str, object]
    value: float
    count: int | None
    resource: dict[str, object]


def _value(value: AnyValue) -> object:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    return getattr(value, kind) if kind is not None else None


def _attributes(pairs: Iterator[KeyValue] | list[KeyValue]) -> dict[str, object]:
    return {pair.key: _value(pair.value) for pair in pairs}


def _spans(request: ExportTraceServiceRequest) -> list[ReceivedSpan]:
    return [
        ReceivedSpan(
            name=span.name,
            kind=span.kind,
            trace_id=span.trace_id.hex(),
            span_id=span.span_id.hex(),
            parent_span_id=span.parent_span_id.hex(),
            attributes=_attributes(span.attributes),
            resource=_attributes(resource_spans.resource.attributes),
            scope=scope_spans.scope.name,
        )
        for resource_spans in request.resource_spans
        for scope_spans in resource_spans.scope_spans
        for span in scope_spans.spans
    ]


def _points(request: ExportMetricsServiceRequest) -> list[ReceivedPoint]:
    points: list[ReceivedPoint] = []
    for resource_metrics in request.resource_metrics:
        resource = _attributes(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                data = metric.WhichOneof("data")
                if data in ("sum", "gauge"):
                    number_points = metric.sum.data_points if data == "sum" else metric.gauge.data_points
                    for point in number_points:
                        number = point.as_double if point.WhichOneof("value") == "as_double" else point.as_int
                        attributes = _attributes(point.attributes)
                        points.append(ReceivedPoint(metric.name, metric.unit, attributes, number, None, resource))
                elif data == "histogram":
                    for point in metric.histogram.data_points:
                        attributes = _attributes(point.attributes)
                        point_sum, count = point.sum, point.count
                        points.append(ReceivedPoint(metric.name, metric.unit, attributes, point_sum, count, resource))
    return points


class OTLPReceiver:
    """An OTLP/HTTP receiver on an ephemeral port of 127.0.0.1, serving from a thread while open."""

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self.points: list[ReceivedPoint] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="otlp-receiver", daemon=True
        )

    @property
    def endpoint(self) -> str:
        """The base URL for ``OTEL_EXPORTER_OTLP_ENDPOINT``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> OTLPReceiver:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def spans_named(self, name: str) -> list[ReceivedSpan]:
        with self._changed:
            return [span for span in self.spans if span.name == name]

    def points_of(self, metric: str) -> list[ReceivedPoint]:
        with self._changed:
            return [point for point in self.points if point.metric == metric]

    def wait_for(self, condition: Callable[[OTLPReceiver], bool], timeout: float = 5.0) -> bool:
        """Waits until ``condition`` holds for what has arrived; False when ``timeout`` seconds pass first."""
        with self._changed:
            return self._changed.wait_for(lambda: condition(self), timeout)

    def _received(self, path: str, headers: dict[str, str], body: bytes) -> Message | None:
        encoding = headers.get("content-encoding", "").lower()
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        with self._changed:
            self.requests.append((path, headers))
            if path == "/v1/traces":
                self.spans.extend(_spans(ExportTraceServiceRequest.FromString(body)))
                response: Message = ExportTraceServiceResponse()
            elif path == "/v1/metrics":
                self.points.extend(_points(ExportMetricsServiceRequest.FromString(body)))
                response = ExportMetricsServiceResponse()
            else:
                return None
            self._changed.notify_all()
        return response

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {key.lower(): value for key, value in self.headers.items()}
                response = receiver._received(self.path, headers, body)
                if response is None:
                    self.send_error(HTTPStatus.NOT_FOUND)
                    return
                payload = response.SerializeToString()
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@pytest.fixture(name="otlp_receiver")
def otlp_receiver_fixture() -> Iterator[OTLPReceiver]:
    """``otlp_receiver``: a running `OTLPReceiver`, stopped after the test (import this where it is used)."""
    with OTLPReceiver() as receiver:
        yield receiver
