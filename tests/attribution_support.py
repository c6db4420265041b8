"""What the attribution and budget tests share: a pipeline with the cost and attribution processors.

No tests here. The pipeline is the one `instrument()` builds: `CostSpanProcessor` in front of
`AttributionSpanProcessor` in front of the exporting processor, with the customer on the cost counter.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from metrics_support import cost_points
from otel_llmcost import AttributionSpanProcessor, CostSpanProcessor

# A chat completion with gpt-4o-mini as a GenAI span carries it: 1,000 input tokens, 200 output tokens.
GPT_4O_MINI_CALL = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 200,
}
GPT_4O_MINI_COST = 1000 * 0.15 / 1e6 + 200 * 0.60 / 1e6  # $0.00027
GPT_4O_MINI_USD = Decimal("0.00027")  # the same, exact


class Attributed(NamedTuple):
    """A tracer provider whose spans are attributed and priced, and where they and the metrics end up."""

    tracer_provider: TracerProvider
    exporter: InMemorySpanExporter
    meter_provider: MeterProvider
    metric_reader: InMemoryMetricReader

    def spans(self) -> dict[str, ReadableSpan]:
        """The ended spans by name (each name once)."""
        spans = self.exporter.get_finished_spans()
        by_name = {span.name: span for span in spans}
        assert len(by_name) == len(spans), [span.name for span in spans]
        return by_name

    def call(self, name: str = "chat gpt-4o-mini", **extra: Any) -> None:
        """A GenAI call's span, as an instrumentor makes it."""
        tracer = self.tracer_provider.get_tracer("test")
        with tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes={**GPT_4O_MINI_CALL, **extra}):
            pass

    def cost_by(self, key: str) -> dict[object, Decimal]:
        """The cost counter's value by the ``key`` attribute (summed over models as the decimals the points show)."""
        found: dict[object, Decimal] = {}
        for point in cost_points(self.metric_reader):
            assert isinstance(point, NumberDataPoint)
            value = (point.attributes or {}).get(key)
            found[value] = found.get(value, Decimal(0)) + Decimal(repr(point.value))
        return found


@pytest.fixture
def attributed() -> Iterator[Attributed]:
    exporter = InMemorySpanExporter()
    metric_reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[metric_reader])
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(
        CostSpanProcessor(
            AttributionSpanProcessor(SimpleSpanProcessor(exporter)),
            meter_provider=meter_provider,
            metric_attributes=["llmcost.customer.id"],
        )
    )
    yield Attributed(tracer_provider, exporter, meter_provider, metric_reader)
    tracer_provider.shutdown()
    meter_provider.shutdown()
