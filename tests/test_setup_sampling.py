"""Calls in traces the sampler drops are still priced and counted, and still not exported.

`CostRecordingSampler` turns a dropped paid GenAI call into ``RECORD_ONLY``; `instrument()` and the
``opentelemetry-instrument`` hook wrap the sampler of the provider they build. The openai call is the
recording ``chat_gpt_4o_mini``: $0.00024 (tests/test_openai_chat.py works it out).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, Decision, ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind

from apps.launch import app_environment, other_instrumentations, run_app
from metrics_support import cost_points
from otel_llmcost import CostRecordingSampler, CostSpanProcessor
from otel_llmcost.instrumentation.openai import OpenAIInstrumentor
from otlp_receiver import OTLPReceiver, otlp_receiver_fixture  # noqa: F401 - the fixture
from replay import Replay, recorded

CHAT = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini"}
TRACE_ID = 0x5B8AA5A2D2C872E8321CF37308D69DF2


def test_a_paid_call_the_sampler_drops_is_recorded_with_its_start_attributes() -> None:
    result = CostRecordingSampler(ALWAYS_OFF).should_sample(None, TRACE_ID, "chat gpt-4o-mini", SpanKind.CLIENT, CHAT)

    assert result.decision is Decision.RECORD_ONLY
    assert dict(result.attributes) == CHAT


@pytest.mark.parametrize(
    "attributes",
    [
        pytest.param({"gen_ai.operation.name": "invoke_agent"}, id="an agent span"),
        pytest.param({"http.request.method": "POST"}, id="an HTTP span"),
        pytest.param(None, id="no attributes"),
    ],
)
def test_every_other_span_the_sampler_drops_stays_dropped(attributes: dict[str, str] | None) -> None:
    result = CostRecordingSampler(ALWAYS_OFF).should_sample(None, TRACE_ID, "span", SpanKind.CLIENT, attributes)

    assert result.decision is Decision.DROP


def test_what_the_sampler_samples_is_its_own_decision() -> None:
    inner = ParentBased(TraceIdRatioBased(1.0))
    sampler = CostRecordingSampler(inner)

    result = sampler.should_sample(None, TRACE_ID, "chat gpt-4o-mini", SpanKind.CLIENT, CHAT)

    assert result.decision is Decision.RECORD_AND_SAMPLE
    assert sampler.sampler is inner
    assert sampler.get_description() == "CostRecordingSampler{" + inner.get_description() + "}"
    assert CostRecordingSampler(ALWAYS_ON).should_sample(None, TRACE_ID, "x").decision is Decision.RECORD_AND_SAMPLE


@pytest.fixture
def instrumented_off() -> Iterator[tuple[InMemorySpanExporter, InMemoryMetricReader]]:
    """The openai SDK traced into a provider whose sampler drops everything, wrapped in ours."""
    exporter, reader = InMemorySpanExporter(), InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    provider = TracerProvider(sampler=CostRecordingSampler(ALWAYS_OFF))
    provider.add_span_processor(CostSpanProcessor(SimpleSpanProcessor(exporter), meter_provider=meters))
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=provider, meter_provider=meters)
    yield exporter, reader
    instrumentor.uninstrument()
    provider.shutdown()
    meters.shutdown()


def test_a_dropped_call_is_counted_in_the_cost_metric_and_not_exported(
    instrumented_off: tuple[InMemorySpanExporter, InMemoryMetricReader],
) -> None:
    import httpx2
    import openai

    exporter, reader = instrumented_off
    replay = Replay(recorded("openai", "chat_gpt_4o_mini"))
    client = openai.OpenAI(api_key="test-no-key", http_client=httpx2.Client(transport=httpx2.MockTransport(replay)))

    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])

    assert exporter.get_finished_spans() == ()
    assert [point.value for point in cost_points(reader)] == [0.00024]


@pytest.mark.parametrize("zero_code", [False, True], ids=["instrument()", "opentelemetry-instrument"])
def test_with_a_sampler_that_samples_nothing_the_cost_counter_still_counts_every_call(
    otlp_receiver: OTLPReceiver, zero_code: bool
) -> None:
    environment = app_environment(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_TRACES_SAMPLER="always_off",
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(other_instrumentations()),
    )

    arguments = ("openai",) if zero_code else ("openai", "--instrument")
    run_app(*arguments, environment=environment, zero_code=zero_code)

    assert otlp_receiver.spans == []
    (point,) = otlp_receiver.points_of("llmcost.cost")
    assert (point.value, point.attributes["llmcost.status"]) == (0.00024, "priced")
