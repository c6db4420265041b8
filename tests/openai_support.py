"""What the OpenAI instrumentor's tests share: an instrumented pipeline and SDK clients that replay recordings.

No tests here. Each test gets its own TracerProvider (plain: no cost processor, so that spans carry exactly
what the instrumentor wrote) and MeterProvider; the instrumentor is uninstrumented when the test ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

import httpx2
import openai
import pydantic
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from instrumentor_support import instrumenting
from metrics_support import metric_points
from otel_llmcost.instrumentation.openai import OpenAIInstrumentor
from replay import Replay, recorded

if TYPE_CHECKING:
    from conftest import Tracing

MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]
OPENAI_SERVER = {"server.address": "api.openai.com", "server.port": 443}
# The request attributes of a chat completion with gpt-4o-mini.
CHAT_REQUEST = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    **OPENAI_SERVER,
    "openai.api.type": "chat_completions",
}
# The recording chat_gpt_4o_mini: 1,000 prompt tokens of which 400 cached, 200 completion tokens.
CHAT_GPT_4O_MINI = {
    **CHAT_REQUEST,
    "gen_ai.response.id": "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ("stop",),
    "openai.response.service_tier": "default",
    "openai.response.system_fingerprint": "fp_560af6e559",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 200,
    "gen_ai.usage.cache_read.input_tokens": 400,
}


class Billing(pydantic.BaseModel):
    """The structured answer the parse tests ask for (their recordings answer with it)."""

    charged_twice: bool
    explanation: str
    refund_due_usd: float


class Traced(NamedTuple):
    """The spans and metrics of one test."""

    exporter: InMemorySpanExporter
    metric_reader: InMemoryMetricReader
    tracer_provider: TracerProvider

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def span(self) -> ReadableSpan:
        """The one span the test made."""
        spans = self.spans()
        assert len(spans) == 1, [span.name for span in spans]
        return spans[0]

    def histograms(self) -> dict[str, list[HistogramDataPoint]]:
        """Histogram points by metric name."""
        return {
            name: [point for point in points if isinstance(point, HistogramDataPoint)]
            for name, points in metric_points(self.metric_reader).items()
        }


@contextmanager
def instrumented(**options: Any) -> Iterator[Traced]:
    """The OpenAI instrumentor on, with ``options``, writing to a fresh tracer and meter provider."""
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    metric_reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[metric_reader])
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider, **options)
    try:
        yield Traced(exporter, metric_reader, tracer_provider)
    finally:
        instrumentor.uninstrument()
        tracer_provider.shutdown()
        meter_provider.shutdown()


def client(
    *responses: httpx2.Response, base_url: str | None = None, max_retries: int = 0
) -> tuple[openai.OpenAI, Replay]:
    """A synchronous SDK client that answers with ``responses``, and the replay that records its requests."""
    replay = Replay(*responses)
    sdk = openai.OpenAI(
        api_key="test",
        base_url=base_url,
        max_retries=max_retries,
        http_client=httpx2.Client(transport=httpx2.MockTransport(replay)),
    )
    return sdk, replay


def priced_chat(priced: Tracing, recording: str, base_url: str, model: str) -> dict[str, object]:
    """The attributes of the one span a chat completion with ``model`` makes, through a client at ``base_url`` that
    answers with ``recording``; the request is checked to have gone to that API."""
    sdk, replay = client(openai_recording(recording), base_url=base_url)
    sdk.chat.completions.create(model=model, messages=MESSAGES)
    assert str(replay.requests[0].url) == f"{base_url.rstrip('/')}/chat/completions"
    (span,) = priced.exporter.get_finished_spans()
    return dict(span.attributes or {})


def async_client(
    *responses: httpx2.Response, base_url: str | None = None, max_retries: int = 0
) -> tuple[openai.AsyncOpenAI, Replay]:
    """An asynchronous SDK client that answers with ``responses``, and the replay that records its requests."""
    replay = Replay(*responses)
    sdk = openai.AsyncOpenAI(
        api_key="test",
        base_url=base_url,
        max_retries=max_retries,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(replay)),
    )
    return sdk, replay


def openai_recording(name: str) -> httpx2.Response:
    return recorded("openai", name)


def body(request: httpx2.Request) -> Mapping[str, Any]:
    """The JSON body the SDK sent."""
    found: Mapping[str, Any] = json.loads(request.content)
    return found


def assert_attributes(span: ReadableSpan, expected: Mapping[str, object]) -> None:
    """``span`` has exactly the ``expected`` attributes, each of the same type (443, not 443.0; a tuple)."""
    actual = dict(span.attributes or {})
    assert actual == expected
    assert {key: type(value) for key, value in actual.items()} == {key: type(value) for key, value in expected.items()}


@contextmanager
def instrumented_on(tracing: Any, **options: Any) -> Iterator[None]:
    """The OpenAI instrumentor on the ``tracing`` fixture's providers (spans priced by CostSpanProcessor), with
    ``options``."""
    with instrumenting(OpenAIInstrumentor(), tracing, **options):
        yield


@pytest.fixture
def traced() -> Iterator[Traced]:
    """The OpenAI instrumentor on a fresh tracer and meter provider (spans not priced)."""
    with instrumented() as found:
        yield found


@pytest.fixture
def priced(tracing: Tracing) -> Iterator[Tracing]:
    """``tracing`` (spans priced by CostSpanProcessor) with the OpenAI instrumentor on it."""
    with instrumented_on(tracing):
        yield tracing
