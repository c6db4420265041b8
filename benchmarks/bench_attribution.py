"""What the attribution processor adds per span, against the same cost pipeline without it, in one run.

Three cases: a plain span outside any scope (what most of an application's spans are), a priced GenAI span
outside any scope, and a priced GenAI span inside ``attribute(customer=..., tenant=...)`` and two nested
sections. The pipelines take turns, round by round; printed are the best round of each and the median of the
differences between rounds taken side by side. Run: ``python benchmarks/bench_attribution.py``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping
from typing import Any

from opentelemetry import context, trace
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.trace import SpanKind

from otel_llmcost import AttributionSpanProcessor, CostSpanProcessor, attribute
from otel_llmcost.attribution._context import with_section

GENAI = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 200,
}
PLAIN = {"http.request.method": "GET", "url.full": "https://example.com/", "http.response.status_code": 200}
SPANS = 5_000
ROUNDS = 12


class Sink(SpanProcessor):
    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        return None


def _pipeline(attribution: bool) -> trace.Tracer:
    meters = MeterProvider(metric_readers=[InMemoryMetricReader()])
    provider = TracerProvider()
    inner: SpanProcessor = AttributionSpanProcessor(Sink()) if attribution else Sink()
    provider.add_span_processor(CostSpanProcessor(inner, meter_provider=meters))
    return provider.get_tracer("bench")


def per_span_ns(attributes: Mapping[str, Any], scoped: bool) -> tuple[list[float], list[float]]:
    tracers = (_pipeline(False), _pipeline(True))
    rounds: tuple[list[float], list[float]] = ([], [])
    token = None
    if scoped:
        scope = attribute(customer="cus_42", tenant="acme")
        scope.__enter__()
        token = context.attach(with_section(("research_assistant", "synthesize"), context.get_current()))
    try:
        for round_ in range(ROUNDS):
            for side in (round_ % 2, 1 - round_ % 2):
                tracer = tracers[side]
                started = time.perf_counter_ns()
                for index in range(SPANS):
                    extra = {"gen_ai.response.id": f"r{side}-{round_}-{index}"}
                    tracer.start_span("span", kind=SpanKind.CLIENT, attributes={**attributes, **extra}).end()
                rounds[side].append((time.perf_counter_ns() - started) / SPANS)
    finally:
        if token is not None:
            context.detach(token)
            scope.__exit__(None, None, None)  # pyright: ignore[reportPossiblyUnboundVariable]
    return rounds


def main() -> None:
    print(f"{'case':<42} {'without':>10} {'with':>10} {'added (best)':>13} {'added (median)':>15}")
    for case, attributes, scoped in (
        ("plain span, no scope", PLAIN, False),
        ("priced GenAI span, no scope", GENAI, False),
        ("priced GenAI span, customer + 2 sections", GENAI, True),
    ):
        without, with_ = per_span_ns(attributes, scoped)
        median = statistics.median(b - a for a, b in zip(without, with_, strict=True))
        print(
            f"{case:<42} {min(without) / 1000:>8.2f}us {min(with_) / 1000:>8.2f}us "
            f"{(min(with_) - min(without)) / 1000:>11.2f}us {median / 1000:>13.2f}us"
        )


if __name__ == "__main__":
    main()
