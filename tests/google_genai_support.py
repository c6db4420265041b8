"""What the Google Gen AI instrumentor's tests share: SDK clients that replay recordings, an instrumented pipeline.

google-genai talks HTTP through httpx on every release it supports (1.11 to 3.x); the tests hand its client an
``httpx.MockTransport`` through ``HttpOptions(client_args=..., async_client_args=...)``, which every one of
those releases passes on to the httpx clients it builds. No network.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from google import genai
from google.genai import types
from google.oauth2.credentials import Credentials
from opentelemetry.sdk.trace import ReadableSpan

import replay
from instrumentor_support import instrumenting
from instrumentor_support import only_span as only_span
from otel_llmcost.instrumentation.google_genai import GoogleGenAIInstrumentor
from replay import Replay

if TYPE_CHECKING:
    from conftest import Tracing

RECORDINGS = Path(__file__).parent / "recordings" / "google_genai"
# Whether older releases read these fields from a response (1.11 reads no responseId, nor an embedding's usage).
HAS_EMBEDDING_USAGE = "usage_metadata" in types.EmbedContentResponse.model_fields
RETRIES = hasattr(types, "HttpRetryOptions")  # 2.x and later
MILLION = Decimal(1_000_000)


def recorded(name: str) -> httpx.Response:
    """The recorded response ``name``: its JSON body, or the SSE body beside it, as the API sent it."""
    return replay.recorded("google_genai", name, http=httpx)


def cut_after(name: str, events: int) -> httpx.Response:
    """The SSE recording ``name``, whose connection drops after ``events`` events."""
    recording = json.loads((RECORDINGS / f"{name}.json").read_text(encoding="utf-8"))
    sent = (RECORDINGS / f"{name}.sse").read_bytes().split(b"\r\n\r\n")[:events]

    class Dropped(httpx.SyncByteStream, httpx.AsyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for event in sent:
                yield event + b"\r\n\r\n"
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for event in sent:
                yield event + b"\r\n\r\n"
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    return httpx.Response(recording["status"], headers=recording["headers"], stream=Dropped())


def client(
    *responses: httpx.Response,
    vertex: bool = False,
    location: str = "us-central1",
    retries: int = 0,
    base_url: str | None = None,
) -> tuple[Any, Replay]:
    """A google-genai client (``.models`` and ``.aio.models``) that answers with ``responses``, and its replay;
    with ``retries``, it retries a retryable status that many times, at once."""
    replay = Replay(*responses)
    transport = httpx.MockTransport(replay)
    options = types.HttpOptions(
        client_args={"transport": transport}, async_client_args={"transport": transport}, base_url=base_url
    )
    if retries:
        options.retry_options = types.HttpRetryOptions(attempts=retries + 1, initial_delay=0, max_delay=0, jitter=0)
    if vertex:
        sdk = genai.Client(
            vertexai=True,
            project="acme-support",
            location=location,
            credentials=Credentials(token="test"),
            http_options=options,
        )
    else:
        sdk = genai.Client(api_key="test", http_options=options)
    return sdk, replay


@contextmanager
def instrumented(tracing: Tracing, **options: Any) -> Iterator[Tracing]:
    """The Google Gen AI instrumentor on ``tracing``'s providers (spans priced by the cost processor)."""
    with instrumenting(GoogleGenAIInstrumentor(), tracing, **options):
        yield tracing


def usd(value: object) -> Decimal:
    """A cost attribute (a float) as the decimal it was written from."""
    assert isinstance(value, float), value
    return Decimal(repr(value))


def usage_of(span: ReadableSpan) -> dict[str, Any]:
    """The span's usage attributes."""
    attributes = dict(span.attributes or {})
    return {
        key: value
        for key, value in attributes.items()
        if key.startswith(("gen_ai.usage.", "llmcost.usage.")) and not key.startswith("gen_ai.usage.cost")
    }


Call = Callable[..., Any]


def hanging_after(name: str, events: int) -> httpx.Response:
    """The SSE recording ``name``, whose server goes silent after ``events`` events (async clients only)."""
    import asyncio

    recording = json.loads((RECORDINGS / f"{name}.json").read_text(encoding="utf-8"))
    sent = (RECORDINGS / f"{name}.sse").read_bytes().split(b"\r\n\r\n")[:events]

    class Silent(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            for event in sent:
                yield event + b"\r\n\r\n"
            await asyncio.Event().wait()

    return httpx.Response(recording["status"], headers=recording["headers"], stream=Silent())


def _reads_response_id() -> bool:
    sdk, _ = client(recorded("flash_thinking"))
    return sdk.models.generate_content(model="gemini-2.5-flash", contents="?").response_id is not None


HAS_RESPONSE_ID = _reads_response_id()
