"""What the Bedrock instrumentor's tests share: an instrumented pipeline and boto3 clients that replay recordings.

No tests here. The clients are real ``bedrock-runtime`` clients: botocore builds and signs each request, then
its ``before-send`` event (botocore's hook for answering a request without the network) hands back a recorded
response as a urllib3 response over the recorded bytes, which botocore parses as it parses the wire: the JSON
body, or an AWS event stream whose every message's CRCs botocore checks.

``recordings/bedrock/<name>.json`` holds a response's status, headers and JSON ``body``; a stream's holds
``events`` instead, and ``<name>.eventstream`` beside it is the body as AWS sends it, encoded from those events
by `event_stream` (``python tests/bedrock_support.py`` writes them again).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from urllib3 import HTTPResponse

from otel_llmcost.instrumentation.bedrock import BedrockInstrumentor

RECORDINGS = Path(__file__).parent / "recordings" / "bedrock"
# Whether this botocore knows Bedrock's service tiers (Converse's serviceTier, InvokeModel's tier header).
SERVICE_TIERS = (
    "serviceTier"
    in botocore.session.get_session().get_service_model("bedrock-runtime").shape_for("ConverseRequest").members
)
needs_service_tiers = pytest.mark.skipif(not SERVICE_TIERS, reason="this botocore predates Bedrock's service tiers")
# Whether this botocore parses Converse's cache counts (older ones drop them from the response they parse).
PROMPT_CACHE = (
    "cacheReadInputTokens"
    in botocore.session.get_session().get_service_model("bedrock-runtime").shape_for("TokenUsage").members
)
needs_prompt_cache = pytest.mark.skipif(not PROMPT_CACHE, reason="this botocore drops Converse's cache counts")
REGION = "us-east-1"
SERVER = {"server.address": "bedrock-runtime.us-east-1.amazonaws.com", "server.port": 443}


def _header(name: str, value: str) -> bytes:
    key = name.encode()
    data = value.encode()
    return len(key).to_bytes(1, "big") + key + b"\x07" + len(data).to_bytes(2, "big") + data  # 7: a string


def message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One event-stream message: prelude (total and headers length), its CRC32, headers, payload, message CRC32."""
    encoded = b"".join(_header(name, value) for name, value in headers.items())
    prelude = (12 + len(encoded) + len(payload) + 4).to_bytes(4, "big") + len(encoded).to_bytes(4, "big")
    head = prelude + binascii.crc32(prelude).to_bytes(4, "big")
    body = head + encoded + payload
    return body + binascii.crc32(body).to_bytes(4, "big")


def event_stream(events: Sequence[Mapping[str, Any]]) -> bytes:
    """The event-stream body of recorded ``events``: ``{"event": type, "payload": {...}}``, ``{"event": "chunk",
    "bytes": {...}}`` (InvokeModelWithResponseStream's chunk, its JSON base64-encoded as AWS sends it) or
    ``{"exception": type, "payload": {...}}``."""
    out = bytearray()
    for event in events:
        if "exception" in event:
            headers = {":exception-type": event["exception"], ":content-type": "application/json"}
            out += message({**headers, ":message-type": "exception"}, json.dumps(event["payload"]).encode())
            continue
        if "bytes" in event:
            inner = json.dumps(event["bytes"], separators=(",", ":")).encode()
            payload: Mapping[str, Any] = {"bytes": base64.b64encode(inner).decode(), "p": "abcdefghij"}
        else:
            payload = event["payload"]
        headers = {":event-type": event["event"], ":content-type": "application/json", ":message-type": "event"}
        out += message(headers, json.dumps(payload, separators=(",", ":")).encode())
    return bytes(out)


def recording(name: str) -> Mapping[str, Any]:
    found: Mapping[str, Any] = json.loads((RECORDINGS / f"{name}.json").read_text(encoding="utf-8"))
    return found


def recorded_body(name: str) -> bytes:
    stream = RECORDINGS / f"{name}.eventstream"
    if stream.exists():
        return stream.read_bytes()
    found = recording(name)
    return found["text"].encode() if "text" in found else json.dumps(found["body"]).encode()


class Replay:
    """A ``before-send`` handler that answers each request with the next recording, and keeps the requests."""

    def __init__(self, *names: str) -> None:
        self.names = list(names)
        self.requests: list[AWSPreparedRequest] = []

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        self.requests.append(request)
        name = self.names.pop(0)
        found = recording(name)
        data = recorded_body(name)
        headers = {**found["headers"], "content-length": str(len(data))}
        raw = HTTPResponse(body=_Body(data), headers=headers, status=found["status"], preload_content=False)
        return AWSResponse(request.url, found["status"], headers, raw)

    def body(self, index: int = 0) -> Mapping[str, Any]:
        """The JSON body botocore sent."""
        sent = self.requests[index].body
        found: Mapping[str, Any] = json.loads(sent if isinstance(sent, (bytes, str)) else b"{}")
        return found


class _Body:
    """A socket-like file over recorded bytes, read in small pieces as a network read would be."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0
        self.closed = False

    def read(self, amount: int | None = None) -> bytes:
        end = len(self._data) if amount is None or amount < 0 else min(self._at + amount, len(self._data))
        found = self._data[self._at : end]
        self._at = end
        return found

    def close(self) -> None:
        self.closed = True


def client(*names: str, service: str = "bedrock-runtime") -> tuple[Any, Replay]:
    """A real ``service`` client whose requests are answered with the recordings ``names``, in order."""
    replay = Replay(*names)
    sdk: Any = boto3.client(  # pyright: ignore[reportUnknownMemberType]
        service,
        region_name=REGION,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        config=boto3.session.Config(retries={"total_max_attempts": 1}),  # pyright: ignore[reportAttributeAccessIssue]
    )
    sdk.meta.events.register(f"before-send.{sdk.meta.service_model.service_id.hyphenize()}", replay)
    return sdk, replay


class Traced(NamedTuple):
    exporter: InMemorySpanExporter
    tracer_provider: TracerProvider

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def span(self) -> ReadableSpan:
        spans = self.spans()
        assert len(spans) == 1, [span.name for span in spans]
        return spans[0]


@contextmanager
def instrumented(tracer_provider: TracerProvider | None = None, **options: Any) -> Iterator[Traced]:
    """The Bedrock instrumentor on, writing to ``tracer_provider`` or a fresh one (spans not priced)."""
    exporter = InMemorySpanExporter()
    provider = tracer_provider
    if provider is None:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = BedrockInstrumentor()
    instrumentor.instrument(tracer_provider=provider, **options)
    try:
        yield Traced(exporter, provider)
    finally:
        instrumentor.uninstrument()
        if tracer_provider is None:
            provider.shutdown()


def write_streams() -> None:
    """Encode every recording with ``events`` into its ``.eventstream`` body."""
    for path in sorted(RECORDINGS.glob("*.json")):
        found = json.loads(path.read_text(encoding="utf-8"))
        if "events" in found:
            path.with_suffix(".eventstream").write_bytes(event_stream(found["events"]))


if __name__ == "__main__":
    write_streams()
