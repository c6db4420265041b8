"""Fixtures shared by the test modules: a tracing pipeline with the cost processor, and no globals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_llmcost import CostSpanProcessor

# The OpenAI and Anthropic instrumentors' fixtures (`traced`, `priced`, ...), for their test modules; the
# attribution pipeline (`attributed`) for the attribution and budget tests.
pytest_plugins = ["openai_support", "anthropic_support", "attribution_support"]


class Tracing(NamedTuple):
    """A tracer provider whose spans go through `CostSpanProcessor` to ``exporter``; metrics to ``metric_reader``."""

    tracer_provider: TracerProvider
    exporter: InMemorySpanExporter
    meter_provider: MeterProvider
    metric_reader: InMemoryMetricReader


@pytest.fixture
def tracing() -> Iterator[Tracing]:
    exporter = InMemorySpanExporter()
    metric_reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[metric_reader])
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(CostSpanProcessor(SimpleSpanProcessor(exporter), meter_provider=meter_provider))
    yield Tracing(tracer_provider, exporter, meter_provider, metric_reader)
    tracer_provider.shutdown()
    meter_provider.shutdown()
