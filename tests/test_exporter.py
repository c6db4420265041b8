"""CostSpanExporter: pricing in batches, for pipelines where only the exporter is the user's."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from otel_llmcost import CostSpanExporter
from otel_llmcost.processor import _pricer

CALL = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 200,
}
# gpt-4o-mini: $0.15 input, $0.60 output per million tokens.
CALL_COST = float((1000 * Decimal("0.15") + 200 * Decimal("0.6")) / 10**6)


class Sink(SpanExporter):
    def __init__(self) -> None:
        self.batches: list[list[ReadableSpan]] = []
        self.shutdowns = 0
        self.flushes = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.batches.append(list(spans))
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.shutdowns += 1

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        self.flushes += 1
        return True


@pytest.fixture
def recorded() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    """A provider whose ended spans are kept, to be handed to the exporter as one batch."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    yield provider, memory
    provider.shutdown()


def attributes_of(spans: Sequence[ReadableSpan], name: str) -> dict[str, object]:
    (span,) = [span for span in spans if span.name == name]
    return dict(span.attributes or {})


def test_a_batch_is_priced_rolled_up_and_passed_on(recorded: tuple[TracerProvider, InMemorySpanExporter]) -> None:
    provider, memory = recorded
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("agent"):
        with tracer.start_as_current_span("one", kind=SpanKind.CLIENT, attributes={**CALL, "gen_ai.response.id": "a"}):
            pass
        with tracer.start_as_current_span("two", kind=SpanKind.CLIENT, attributes={**CALL, "gen_ai.response.id": "b"}):
            pass
    with tracer.start_as_current_span("unrelated"):
        pass
    sink = Sink()
    exporter = CostSpanExporter(sink, meter_provider=MeterProvider())
    assert exporter.export(memory.get_finished_spans()) is SpanExportResult.SUCCESS
    (batch,) = sink.batches
    assert [span.name for span in batch] == ["one", "two", "agent", "unrelated"]
    for name in ("one", "two"):
        priced = attributes_of(batch, name)
        assert priced["llmcost.status"] == "priced"
        assert priced["gen_ai.usage.cost.amount"] == CALL_COST
    assert attributes_of(batch, "agent") == {"llmcost.subtree.cost": 2 * CALL_COST, "llmcost.subtree.calls": 2}
    assert batch[3] is memory.get_finished_spans()[3]


def test_duplicates_are_found_by_response_id_across_batches_and_by_nesting_within_one(
    recorded: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, memory = recorded
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("first", attributes={**CALL, "gen_ai.response.id": "same"}):
        pass
    with tracer.start_as_current_span("outer", kind=SpanKind.CLIENT, attributes=CALL):
        with tracer.start_as_current_span("inner", kind=SpanKind.CLIENT, attributes=CALL):
            pass
    with tracer.start_as_current_span("again", attributes={**CALL, "gen_ai.response.id": "same"}):
        pass
    first, inner, outer, again = memory.get_finished_spans()
    sink = Sink()
    exporter = CostSpanExporter(sink, meter_provider=MeterProvider())
    exporter.export([first])
    exporter.export([inner, outer, again])
    assert attributes_of(sink.batches[0], "first")["llmcost.status"] == "priced"
    second = sink.batches[1]
    assert attributes_of(second, "inner")["llmcost.status"] == "priced"
    assert (attributes_of(second, "outer")["llmcost.status"], attributes_of(second, "outer")["llmcost.reason"]) == (
        "duplicate",
        "duplicate_nested",
    )
    assert attributes_of(second, "again")["llmcost.reason"] == "duplicate_response_id"


def test_our_failure_exports_the_batch_unpriced(
    recorded: tuple[TracerProvider, InMemorySpanExporter], monkeypatch: pytest.MonkeyPatch
) -> None:
    provider, memory = recorded
    with provider.get_tracer("t").start_as_current_span("c", attributes=CALL):
        pass

    def explode(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(_pricer.Pricer, "price", explode)
    sink = Sink()
    CostSpanExporter(sink, meter_provider=MeterProvider()).export(memory.get_finished_spans())
    assert sink.batches == [list(memory.get_finished_spans())]


def test_flush_and_shutdown_are_delegated() -> None:
    sink = Sink()
    exporter = CostSpanExporter(sink, meter_provider=MeterProvider())
    assert exporter.force_flush()
    exporter.shutdown()
    assert (sink.flushes, sink.shutdowns) == (1, 1)
