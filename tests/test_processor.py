"""CostSpanProcessor: copies and pass-through, spans from any source, duplicates, roll-ups, metrics, isolation."""

from __future__ import annotations

import decimal
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Tracer

from otel_llmcost import CostSpanProcessor
from otel_llmcost.pricing import PriceTable, RequestContext, Usage, default_table
from otel_llmcost.processor import _pricer, _quote
from otel_llmcost.processor._tracking import Tracker
from otel_llmcost.setup._pipeline import Pricing, Wrapping, wrap
from otel_llmcost.usage import GenAICall

GPT_4O_MINI = {"input": Decimal("0.15"), "cache_read": Decimal("0.075"), "output": Decimal("0.6")}  # USD per 1M


class Recorder(SpanProcessor):
    """Keeps what the cost processor forwards, and counts the calls it delegates."""

    def __init__(self) -> None:
        self.ended: list[ReadableSpan] = []
        self.started: list[Span] = []
        self.flushes = 0
        self.shutdowns = 0

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.started.append(span)

    def on_end(self, span: ReadableSpan) -> None:
        self.ended.append(span)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        self.flushes += 1
        return True

    def shutdown(self) -> None:
        self.shutdowns += 1


@dataclass
class Pipeline:
    tracer: Tracer
    recorder: Recorder
    processor: CostSpanProcessor
    metrics: InMemoryMetricReader

    def by_name(self, name: str) -> ReadableSpan:
        self.processor.force_flush()  # in batches, spans are handed on once priced
        (span,) = [span for span in self.recorder.ended if span.name == name]
        return span

    def attributes(self, name: str) -> Mapping[str, Any]:
        return dict(self.by_name(name).attributes or {})

    def metric_points(self, metric: str) -> list[tuple[dict[str, Any], float]]:
        data = self.metrics.get_metrics_data()
        points: list[tuple[dict[str, Any], float]] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for found in scope.metrics:
                    if found.name == metric:
                        points.extend((dict(point.attributes or {}), point.value) for point in found.data.data_points)  # type: ignore[union-attr]
        return sorted(points, key=repr)


@pytest.fixture(params=[False, True], ids=["in-place", "batched"])
def pipeline(request: pytest.FixtureRequest) -> Iterator[Pipeline]:
    """The processor pricing each span as it ends, then the same pricing in batches: every test that
    takes it holds for both."""
    recorder = Recorder()
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    processor = CostSpanProcessor(recorder, meter_provider=meters, max_open_spans=50, batched=request.param)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    yield Pipeline(provider.get_tracer("test"), recorder, processor, reader)
    provider.shutdown()
    meters.shutdown()


def call(tracer: Tracer, name: str, attributes: Mapping[str, Any]) -> None:
    with tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes=dict(attributes)):
        pass


OFFICIAL = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.id": "chatcmpl-official-1",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.cache_read.input_tokens": 400,
    "gen_ai.usage.output_tokens": 200,
}
# 600 uncached x 0.15 + 400 cached x 0.075 + 200 out x 0.6, per million.
OFFICIAL_COST = (600 * GPT_4O_MINI["input"] + 400 * GPT_4O_MINI["cache_read"] + 200 * GPT_4O_MINI["output"]) / 10**6


def test_a_priced_span_is_forwarded_as_a_copy_with_the_cost(pipeline: Pipeline) -> None:
    call(pipeline.tracer, "chat gpt-4o-mini", OFFICIAL)
    attributes = pipeline.attributes("chat gpt-4o-mini")
    assert Decimal("0.00024") == OFFICIAL_COST
    assert attributes["gen_ai.usage.cost.amount"] == 0.00024
    assert attributes["gen_ai.usage.cost.currency"] == "USD"
    assert attributes["gen_ai.usage.cost.source"] == "local"
    assert attributes["gen_ai.usage.cost"] == 0.00024
    assert "operation.cost" not in attributes
    assert attributes["llmcost.status"] == "priced"
    assert attributes["llmcost.cost.input"] == 0.00009
    assert attributes["llmcost.cost.cache_read"] == 0.00003
    assert attributes["llmcost.cost.output"] == 0.00012
    assert attributes["llmcost.price.entry"] == "openai/gpt-4o-mini"
    assert attributes["llmcost.price.model"] == "gpt-4o-mini-2024-07-18"
    assert isinstance(attributes["llmcost.price.table_version"], str)
    assert attributes["gen_ai.usage.input_tokens"] == 1000  # the original attributes are all still there
    span = pipeline.by_name("chat gpt-4o-mini")
    assert span.kind is SpanKind.CLIENT
    assert span.end_time is not None


def test_spans_that_are_not_calls_pass_through_untouched(pipeline: Pipeline) -> None:
    with pipeline.tracer.start_as_current_span("http GET", attributes={"http.method": "GET"}):
        pass
    call(
        pipeline.tracer, "execute_tool search", {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"}
    )
    plain = pipeline.by_name("http GET")
    assert type(plain) is ReadableSpan
    assert dict(plain.attributes or {}) == {"http.method": "GET"}
    assert dict(pipeline.by_name("execute_tool search").attributes or {}) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "search",
    }


@pytest.mark.parametrize(
    "attributes",
    [
        pytest.param(OFFICIAL, id="official-conventions"),
        pytest.param(
            {
                "gen_ai.system": "OpenAI",
                "llm.request.type": "chat",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
                "gen_ai.usage.prompt_tokens": 1000,
                "gen_ai.usage.cache_read_input_tokens": 400,
                "gen_ai.usage.completion_tokens": 200,
                "llm.usage.total_tokens": 1200,
            },
            id="openllmetry",
        ),
        pytest.param(
            {
                "openinference.span.kind": "LLM",
                "llm.provider": "openai",
                "llm.system": "openai",
                "llm.model_name": "gpt-4o-mini-2024-07-18",
                "llm.token_count.prompt": 1000,
                "llm.token_count.prompt_details.cache_read": 400,
                "llm.token_count.completion": 200,
                "llm.token_count.total": 1200,
            },
            id="openinference",
        ),
    ],
)
def test_spans_from_any_source_that_follows_the_conventions_are_priced(
    pipeline: Pipeline, attributes: Mapping[str, Any]
) -> None:
    call(pipeline.tracer, "llm", attributes)
    priced = pipeline.attributes("llm")
    assert priced["llmcost.status"] == "priced"
    assert priced["gen_ai.usage.cost.amount"] == float(OFFICIAL_COST)


def test_anthropic_native_attributes_price_both_cache_lifetimes(pipeline: Pipeline) -> None:
    call(
        pipeline.tracer,
        "anthropic.messages.create",
        {
            "gen_ai.provider.name": "anthropic",
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "claude-sonnet-4-5",
            "gen_ai.response.model": "claude-sonnet-4-5-20250929",
            "gen_ai.response.id": "msg_01",
            # 100 uncached + 2,000 cache reads + 3,000 cache writes (1,000 of them for one hour).
            "gen_ai.usage.input_tokens": 5100,
            "gen_ai.usage.cache_read.input_tokens": 2000,
            "gen_ai.usage.cache_write.input_tokens": 3000,
            "anthropic.usage.cache_creation.ephemeral_5m_input_tokens": 2000,
            "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": 1000,
            "gen_ai.usage.output_tokens": 500,
            "anthropic.response.service_tier": "standard",
        },
    )
    attributes = pipeline.attributes("anthropic.messages.create")
    # $3 input, $0.30 cache read, $3.75 5-minute write, $6 1-hour write, $15 output per million tokens.
    expected = (
        100 * Decimal(3) + 2000 * Decimal("0.3") + 2000 * Decimal("3.75") + 1000 * Decimal(6) + 500 * Decimal(15)
    ) / 10**6
    assert expected == Decimal("0.0219")
    assert attributes["gen_ai.usage.cost.amount"] == 0.0219
    assert attributes["llmcost.cost.cache_write"] == 0.0135
    assert attributes["llmcost.cost.cache_read"] == 0.0006
    assert attributes["llmcost.price.entry"] == "anthropic/claude-sonnet-4-5"


def test_the_sdk_name_for_cache_writes_is_also_forwarded_under_the_conventions_name(pipeline: Pipeline) -> None:
    call(
        pipeline.tracer,
        "anthropic.messages.create",
        {
            "gen_ai.provider.name": "anthropic",
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "claude-sonnet-4-5",
            "gen_ai.usage.input_tokens": 3100,
            "gen_ai.usage.cache_write.input_tokens": 3000,
            "gen_ai.usage.output_tokens": 10,
        },
    )
    attributes = pipeline.attributes("anthropic.messages.create")
    assert attributes["gen_ai.usage.cache_creation.input_tokens"] == 3000
    assert attributes["gen_ai.usage.cache_write.input_tokens"] == 3000


def test_raw_anthropic_counts_with_cache_outside_the_input_are_folded_in(pipeline: Pipeline) -> None:
    call(
        pipeline.tracer,
        "raw",
        {
            "gen_ai.system": "anthropic",
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "claude-sonnet-4-5",
            "gen_ai.usage.input_tokens": 100,  # as the API reports it: cache reads are not inside
            "gen_ai.usage.cache_read_input_tokens": 2000,
            "gen_ai.usage.output_tokens": 0,
        },
    )
    assert pipeline.attributes("raw")["gen_ai.usage.cost.amount"] == float(
        (100 * Decimal(3) + 2000 * Decimal("0.3")) / 10**6
    )


def test_a_call_with_two_spans_and_one_response_id_is_priced_once(pipeline: Pipeline) -> None:
    call(pipeline.tracer, "first", OFFICIAL)
    call(pipeline.tracer, "second", OFFICIAL)
    assert pipeline.attributes("first")["llmcost.status"] == "priced"
    second = pipeline.attributes("second")
    assert second["llmcost.status"] == "duplicate"
    assert second["llmcost.reason"] == "duplicate_response_id"
    assert "gen_ai.usage.cost.amount" not in second
    assert "gen_ai.usage.cost" not in second


def test_an_instrumentor_span_around_a_self_tracing_sdk_span_is_a_duplicate(pipeline: Pipeline) -> None:
    usage = {key: value for key, value in OFFICIAL.items() if key != "gen_ai.response.id"}
    with pipeline.tracer.start_as_current_span(
        "outer", kind=SpanKind.CLIENT, attributes={"gen_ai.operation.name": "chat"}
    ) as outer:
        call(pipeline.tracer, "inner", usage)
        outer.set_attributes(usage)
    assert pipeline.attributes("inner")["llmcost.status"] == "priced"
    outer_attributes = pipeline.attributes("outer")
    assert outer_attributes["llmcost.status"] == "duplicate"
    assert outer_attributes["llmcost.reason"] == "duplicate_nested"
    assert "llmcost.subtree.cost" not in outer_attributes
    assert "gen_ai.usage.cost.amount" not in outer_attributes


def test_open_ancestors_get_the_subtree_totals_and_calls_do_not(pipeline: Pipeline) -> None:
    with pipeline.tracer.start_as_current_span("workflow"):
        with pipeline.tracer.start_as_current_span("agent"):
            call(pipeline.tracer, "one", {**OFFICIAL, "gen_ai.response.id": "r1"})
            call(pipeline.tracer, "two", {**OFFICIAL, "gen_ai.response.id": "r2"})
        call(pipeline.tracer, "three", {**OFFICIAL, "gen_ai.response.id": "r3"})
    agent = pipeline.attributes("agent")
    workflow = pipeline.attributes("workflow")
    assert (agent["llmcost.subtree.cost"], agent["llmcost.subtree.calls"]) == (float(2 * OFFICIAL_COST), 2)
    assert (workflow["llmcost.subtree.cost"], workflow["llmcost.subtree.calls"]) == (float(3 * OFFICIAL_COST), 3)
    assert "gen_ai.usage.cost.amount" not in agent
    for name in ("one", "two", "three"):
        assert "llmcost.subtree.cost" not in pipeline.attributes(name)


def test_memory_stays_bounded_when_ancestors_never_end(pipeline: Pipeline) -> None:
    for index in range(200):
        span = pipeline.tracer.start_span(f"never-ends-{index}")
        assert span.is_recording()
    assert len(pipeline.processor._tracker) == 50


def test_a_response_id_is_claimed_once_and_the_oldest_are_forgotten_past_the_bound() -> None:
    tracker = Tracker(max_response_ids=2)
    assert tracker.claim_response("openai", "r1", 1) is None
    assert tracker.claim_response("openai", "r2", 2) is None
    assert tracker.claim_response("openai", "r2", 3) == 2  # claimed already: the claim stays the earlier span's
    assert tracker.claim_response("openai", "r3", 4) is None
    assert [tracker.priced_response("openai", response) for response in ("r1", "r2", "r3")] == [None, 2, 4]
    assert tracker.priced_response("anthropic", "r3") is None


def test_unknown_models_are_unpriced_with_a_reason_and_counted(pipeline: Pipeline) -> None:
    call(
        pipeline.tracer,
        "unknown",
        {**OFFICIAL, "gen_ai.response.model": "gpt-99-turbo", "gen_ai.request.model": "gpt-99-turbo"},
    )
    attributes = pipeline.attributes("unknown")
    assert attributes["llmcost.status"] == "unpriced"
    assert attributes["llmcost.reason"] == "unknown_model"
    assert attributes["llmcost.reason.detail"] == "no openai price entry matches 'gpt-99-turbo'"
    assert "gen_ai.usage.cost.amount" not in attributes
    assert pipeline.metric_points("llmcost.unpriced.calls") == [
        (
            {
                "llmcost.reason": "unknown_model",
                "gen_ai.provider.name": "openai",
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-99-turbo",
                "gen_ai.response.model": "gpt-99-turbo",
            },
            1,
        )
    ]


def test_the_cost_counter_sums_priced_calls_by_bounded_attributes(pipeline: Pipeline) -> None:
    for index in range(3):
        call(pipeline.tracer, f"c{index}", {**OFFICIAL, "gen_ai.response.id": f"r{index}"})
    ((attributes, value),) = pipeline.metric_points("llmcost.cost")
    assert attributes == {
        "llmcost.status": "priced",
        "gen_ai.provider.name": "openai",
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    }
    assert value == pytest.approx(float(3 * OFFICIAL_COST), rel=1e-12)


def test_a_response_model_the_table_does_not_know_falls_back_to_the_request_model(pipeline: Pipeline) -> None:
    call(pipeline.tracer, "azure", {**OFFICIAL, "gen_ai.response.model": "my-deployment-7"})
    attributes = pipeline.attributes("azure")
    assert attributes["llmcost.status"] == "priced"
    assert attributes["llmcost.price.model"] == "gpt-4o-mini"


@pytest.mark.parametrize(
    ("usage_status", "status"), [("estimated", "estimated"), ("partial", "partial"), ("reported", "priced")]
)
def test_estimated_and_partial_usage_keep_their_status(pipeline: Pipeline, usage_status: str, status: str) -> None:
    call(pipeline.tracer, "s", {**OFFICIAL, "llmcost.usage.status": usage_status})
    attributes = pipeline.attributes("s")
    assert attributes["llmcost.status"] == status
    assert attributes["gen_ai.usage.cost.amount"] == float(OFFICIAL_COST)


def test_a_provider_reported_charge_passes_through(pipeline: Pipeline) -> None:
    call(
        pipeline.tracer,
        "router",
        {**OFFICIAL, "gen_ai.provider.name": "openrouter", "llmcost.provider_reported.cost": 0.0123},
    )
    attributes = pipeline.attributes("router")
    assert attributes["llmcost.status"] == "provider_reported"
    assert attributes["gen_ai.usage.cost.amount"] == 0.0123
    assert attributes["gen_ai.usage.cost.source"] == "provider"


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        (
            {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o"},
            "no_usage",
        ),
        ({**OFFICIAL, "gen_ai.usage.input_tokens": "lots"}, "invalid_usage"),
        ({**OFFICIAL, "gen_ai.usage.output_tokens": -3}, "invalid_usage"),
        ({**OFFICIAL, "gen_ai.provider.name": "nobody"}, "unknown_provider"),
    ],
)
def test_bad_or_missing_usage_is_unpriced_never_zero(
    pipeline: Pipeline, attributes: Mapping[str, Any], reason: str
) -> None:
    call(pipeline.tracer, "bad", attributes)
    priced = pipeline.attributes("bad")
    assert (priced["llmcost.status"], priced["llmcost.reason"]) == ("unpriced", reason)
    assert "gen_ai.usage.cost.amount" not in priced


def test_a_failed_call_without_usage_is_not_an_unpriced_call_to_alert_on(pipeline: Pipeline) -> None:
    attributes = {key: value for key, value in OFFICIAL.items() if not key.startswith("gen_ai.usage")}
    call(pipeline.tracer, "failed", {**attributes, "error.type": "rate_limit_exceeded"})
    priced = pipeline.attributes("failed")
    assert (priced["llmcost.status"], priced["llmcost.reason"]) == ("unpriced", "failed_call")
    assert priced["llmcost.reason.detail"] == "the call failed (rate_limit_exceeded) and reported no usage"
    assert pipeline.metric_points("llmcost.unpriced.calls") == []


def test_our_own_failure_forwards_the_span_unpriced_and_never_raises(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(_pricer.Pricer, "price", explode)
    monkeypatch.setattr(_pricer.Pricer, "write", explode)  # the usual call's pricing
    call(pipeline.tracer, "c", OFFICIAL)
    assert dict(pipeline.by_name("c").attributes or {}) == OFFICIAL


def test_start_flush_and_shutdown_are_delegated() -> None:
    recorder = Recorder()
    processor = CostSpanProcessor(recorder, meter_provider=MeterProvider())
    provider = TracerProvider()
    provider.add_span_processor(processor)
    provider.get_tracer("t").start_span("s").end()
    assert provider.force_flush()
    provider.shutdown()
    assert (len(recorder.started), len(recorder.ended), recorder.flushes, recorder.shutdowns) == (1, 1, 1, 1)


def test_a_model_map_keeps_the_override_files_of_the_environment(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    negotiated = tmp_path / "negotiated.json"
    negotiated.write_text(
        '{"provider": "openai", "models": [{"id": "gpt-4o-mini", "prices": [{"usd_per_million_tokens":'
        ' {"input": "0.1", "cache_read": "0.05", "output": "0.4"}}]}]}',
        encoding="utf-8",
    )
    monkeypatch.setenv("OTEL_LLMCOST_PRICING_FILE", str(negotiated))
    recorder = Recorder()
    provider = TracerProvider()
    processor = CostSpanProcessor(recorder, model_map={"my-deployment": "gpt-4o-mini"}, meter_provider=MeterProvider())
    provider.add_span_processor(processor)
    mapped = {**OFFICIAL, "gen_ai.request.model": "my-deployment", "gen_ai.response.model": "my-deployment"}
    call(provider.get_tracer("t"), "c", mapped)
    attributes = dict(recorder.ended[0].attributes or {})
    # 600 x 0.1 + 400 x 0.05 + 200 x 0.4 per million, at the negotiated prices
    assert attributes["gen_ai.usage.cost.amount"] == float(Decimal("0.00016"))
    assert "+negotiated.json:" in str(attributes["llmcost.price.table_version"])


def test_aliases_are_switchable() -> None:
    recorder = Recorder()
    provider = TracerProvider()
    provider.add_span_processor(
        CostSpanProcessor(recorder, cost_aliases=("operation.cost",), meter_provider=MeterProvider())
    )
    call(provider.get_tracer("t"), "c", OFFICIAL)
    attributes = dict(recorder.ended[0].attributes or {})
    assert attributes["operation.cost"] == float(OFFICIAL_COST)
    assert "gen_ai.usage.cost" not in attributes
    with pytest.raises(ValueError, match="unknown cost alias 'cost'"):
        CostSpanProcessor(recorder, cost_aliases=("cost",))


@pytest.mark.parametrize("route", ["environment", "processor", "instrument"])
def test_a_broken_override_file_leaves_every_span_unpriced_with_its_own_reason_on_every_route(
    route: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing raises, nothing is mispriced (not even bundled models), the usage stays on the span."""
    broken = tmp_path / "mine.json"
    broken.write_text('{"provider": "openai", "models": [{"id": "gpt-4o"}]}', encoding="utf-8")
    monkeypatch.setattr("otel_llmcost.pricing._table._default", None)
    recorder, exporter = Recorder(), InMemorySpanExporter()
    provider = TracerProvider()
    with caplog.at_level(logging.ERROR, logger="otel_llmcost"):
        if route == "environment":
            monkeypatch.setenv("OTEL_LLMCOST_PRICING_FILE", str(broken))
            provider.add_span_processor(CostSpanProcessor(recorder, meter_provider=MeterProvider()))
        elif route == "processor":
            provider.add_span_processor(
                CostSpanProcessor(recorder, pricing_file=str(broken), meter_provider=MeterProvider())
            )
        else:  # what instrument(pricing_file=...) does to an application's tracer provider
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            assert isinstance(wrap(provider, Pricing(pricing_file=str(broken))), Wrapping)
        call(provider.get_tracer("t"), "a", OFFICIAL)
        call(provider.get_tracer("t"), "b", {**OFFICIAL, "gen_ai.response.id": "other"})
    assert [record.getMessage().split(":")[0] for record in caplog.records] == [
        "otel-llmcost cannot load its price table, so no span is priced until it is fixed"
    ]
    assert str(broken) in caplog.records[0].getMessage()
    ended = [*recorder.ended, *exporter.get_finished_spans()]
    assert len(ended) == 2
    for span in ended:
        attributes = dict(span.attributes or {})
        assert (attributes["llmcost.status"], attributes["llmcost.reason"]) == ("unpriced", "price_file_error")
        assert attributes["llmcost.reason.detail"] == (
            f"the price table could not load: {broken}: models[0] (gpt-4o): give exactly one of prices, alias,"
            " inherit, not_priced; found none"
        )
        assert attributes["gen_ai.usage.input_tokens"] == 1000
        assert "gen_ai.usage.cost.amount" not in attributes
    monkeypatch.setattr("otel_llmcost.pricing._table._default", None)


def test_the_variable_can_name_one_file_whose_path_holds_the_separator(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "prices:2026"
    folder.mkdir()
    negotiated = folder / "negotiated.json"
    negotiated.write_text(
        '{"provider": "openai", "models": [{"id": "gpt-4o-mini", "prices": [{"usd_per_million_tokens":'
        ' {"input": "0.1", "cache_read": "0.05", "output": "0.4"}}]}]}',
        encoding="utf-8",
    )
    monkeypatch.setenv("OTEL_LLMCOST_PRICING_FILE", str(negotiated))
    monkeypatch.setattr("otel_llmcost.pricing._table._default", None)
    recorder = Recorder()
    provider = TracerProvider()
    provider.add_span_processor(CostSpanProcessor(recorder, meter_provider=MeterProvider()))
    call(provider.get_tracer("t"), "c", OFFICIAL)
    attributes = dict(recorder.ended[0].attributes or {})
    # 600 x 0.1 + 400 x 0.05 + 200 x 0.4 per million, at the negotiated prices
    assert attributes["gen_ai.usage.cost.amount"] == float(Decimal("0.00016"))
    monkeypatch.setattr("otel_llmcost.pricing._table._default", None)


# The quick route (a quote per plan) must give what the route through a `Cost` gives, to the last bit.

QUOTED_USAGES = [
    Usage(input=600, cache_read=400, output=200),
    Usage(input=1, output=1),
    Usage(input=250_001, cache_write=3000, cache_write_1h=1000, output=7, reasoning=5),
    Usage(input=10, input_audio=20, cache_read_audio=3, output_audio=4, output=2),
    Usage(input=5, input_image=70, output_image=4000, output=1),
    Usage(input=123_456_789, cache_read=987_654_321, output=98_765_432, reasoning=1),
    Usage(),
]
QUOTED_CONTEXTS = [
    RequestContext(),
    RequestContext(batch=True),
    RequestContext(service_tier="flex"),
    RequestContext(service_tier="priority", region="eu"),
]
QUOTED_STARTS = [
    int(datetime(2024, 6, 1, tzinfo=timezone.utc).timestamp()) * 10**9,
    int(datetime(2026, 11, 15, 12, tzinfo=timezone.utc).timestamp()) * 10**9,
]


def outcome(priced: _pricer.PricedCall) -> tuple[object, ...]:
    """All a priced call hands on: its attributes in order, with their types, and its amount with its exponent."""
    amount = None if priced.amount_usd is None else priced.amount_usd.as_tuple()
    attributes = [(key, type(value), value) for key, value in priced.attributes.items()]
    return priced.status, attributes, amount, priced.reason, priced.provider, priced.model


@pytest.fixture
def quotes_used(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often a quote priced a call, and how often it left the call to a `Cost`."""
    counts = {"priced": 0, "declined": 0}
    price = _quote.Quote.price

    def counted(self: _quote.Quote, usage: Usage, status: str, provider: str, model: str) -> object:
        found = price(self, usage, status, provider, model)
        counts["priced" if found is not None else "declined"] += 1
        return found

    monkeypatch.setattr(_quote.Quote, "price", counted)
    return counts


def price_with_cost(pricer: _pricer.Pricer, call: GenAICall, start: int) -> _pricer.PricedCall:
    """What ``pricer`` makes of ``call`` through a `Cost`, which prices every call: a quote must give the same."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_quote.Quote, "price", lambda *_: None)
        return pricer.price(call, start)


def test_a_quote_prices_every_bundled_entry_as_a_cost_does(quotes_used: dict[str, int]) -> None:
    table = default_table()
    pricer = _pricer.Pricer(table, cost_aliases=("gen_ai.usage.cost", "operation.cost"))
    cases = [(usage, context) for usage in QUOTED_USAGES for context in QUOTED_CONTEXTS]
    for provider in table.providers:
        for entry in table.entries(provider):
            for index, (usage, context) in enumerate(cases):
                status = ("reported", "estimated", "partial")[index % 3]
                call = GenAICall("chat", provider, entry.id, None, None, usage, status, context)
                for start in QUOTED_STARTS:
                    before = quotes_used["priced"]
                    assert outcome(pricer.price(call, start)) == outcome(price_with_cost(pricer, call, start))
                    at = datetime.fromtimestamp(start / 10**9, timezone.utc)
                    cost = table.price(usage, provider=provider, model=entry.id, at=at, context=context)
                    # Every call a Cost prices takes the quick route (a period with peak hours too: its plan has
                    # an off-peak quote), but for a fee per call, which a Cost adds, and input billed by characters
                    # estimated from tokens (Vertex AI's text embeddings), which a Cost estimates.
                    quotable = (
                        cost.status == "priced" and "request:request" not in cost.breakdown_usd and not cost.estimated
                    )
                    assert (quotes_used["priced"] > before) == quotable
    assert quotes_used["priced"] > 10_000
    assert quotes_used["declined"] > 0


def acme_pricer(tmp_path: Path, prices: dict[str, str]) -> _pricer.Pricer:
    document = {
        "provider": "acme",
        "sources": {"vendor": {"url": "https://example.com/pricing", "checked": "2026-11-22"}},
        "models": [{"id": "m", "prices": [{"usd_per_million_tokens": prices}]}],
    }
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return _pricer.Pricer(PriceTable.load([path], bundled=False))


def acme_call(usage: Usage) -> GenAICall:
    return GenAICall("chat", "acme", "m", None, "r1", usage, "reported", RequestContext())


def test_a_quote_adds_units_of_one_bucket_exactly_and_leaves_out_free_units(
    tmp_path: Path, quotes_used: dict[str, int]
) -> None:
    pricer = acme_pricer(
        tmp_path,
        {
            "input": "3",
            "cache_read": "0",
            "cache_write": "3.75",
            "cache_write_1h": "6",
            "input_audio": "40",
            "output_audio": "80",
            "output": "15",
        },
    )
    usage = Usage(
        input=100, cache_read=2000, cache_write=2000, cache_write_1h=1000, input_audio=10, output_audio=20, output=500
    )
    priced = pricer.price(acme_call(usage), QUOTED_STARTS[1])
    assert quotes_used == {"priced": 1, "declined": 0}
    assert outcome(priced) == outcome(price_with_cost(pricer, acme_call(usage), QUOTED_STARTS[1]))
    # 100 x 3 + 2,000 x 3.75 + 1,000 x 6 + 10 x 40 + 20 x 80 + 500 x 15 per million; cache reads are free.
    assert priced.amount_usd == Decimal("0.0233")
    assert priced.attributes["gen_ai.usage.cost.amount"] == 0.0233
    assert priced.attributes["llmcost.cost.input"] == 0.0003
    assert priced.attributes["llmcost.cost.cache_write"] == 0.0135
    assert priced.attributes["llmcost.cost.audio"] == 0.002
    assert priced.attributes["llmcost.cost.output"] == 0.0075
    assert "llmcost.cost.cache_read" not in priced.attributes


def test_a_call_a_quote_cannot_price_exactly_goes_through_a_cost(tmp_path: Path, quotes_used: dict[str, int]) -> None:
    # 28 significant digits per million tokens: a thousand tokens overflow the 28 digits Decimal keeps, so the
    # Cost rounds, and the quote, which cannot round the same way, leaves the call to it.
    pricer = acme_pricer(tmp_path, {"input": "1.234567890123456789012345678", "output": "2"})
    many = acme_call(Usage(input=1000, output=1))
    assert outcome(pricer.price(many, QUOTED_STARTS[1])) == outcome(price_with_cost(pricer, many, QUOTED_STARTS[1]))
    assert quotes_used == {"priced": 0, "declined": 1}
    few = acme_call(Usage(input=1, output=1))
    assert pricer.price(few, QUOTED_STARTS[1]).amount_usd == Decimal("0.000003234567890123456789012345678")
    assert quotes_used == {"priced": 1, "declined": 1}
    # A context with less precision rounds what fits the default one: that too is the Cost's to do.
    with decimal.localcontext() as context:
        context.prec = 6
        rounded = pricer.price(few, QUOTED_STARTS[1])
        assert outcome(rounded) == outcome(price_with_cost(pricer, few, QUOTED_STARTS[1]))
    assert rounded.amount_usd == Decimal("0.00000323457")
    assert quotes_used == {"priced": 1, "declined": 2}


def test_a_readable_span_built_by_hand_is_priced_and_one_with_no_attributes_passes(pipeline: Pipeline) -> None:
    # Not the SDK's own span: plain dict attributes, and no context (so no id to track it by).
    by_hand = ReadableSpan(name="chat by hand", context=None, attributes=dict(OFFICIAL), kind=SpanKind.CLIENT)
    bare = ReadableSpan(name="no attributes", context=None, attributes=None)
    pipeline.processor.on_start(by_hand)  # pyright: ignore[reportArgumentType]
    pipeline.processor.on_end(by_hand)
    pipeline.processor.on_end(bare)
    priced = pipeline.attributes("chat by hand")
    assert (priced["llmcost.status"], priced["gen_ai.usage.cost.amount"]) == ("priced", 0.00024)
    assert pipeline.by_name("no attributes") is bare
    assert len(pipeline.processor._tracker) == 0  # pyright: ignore[reportPrivateUsage]


def test_a_forked_child_forgets_the_parents_open_spans_and_tracks_its_own(pipeline: Pipeline) -> None:
    tracker = pipeline.processor._tracker  # pyright: ignore[reportPrivateUsage]
    with pipeline.tracer.start_as_current_span("the parent's request"):
        assert len(tracker) == 1
        tracker._reset()  # pyright: ignore[reportPrivateUsage] - what os.register_at_fork runs in the child
        assert len(tracker) == 0
        with pipeline.tracer.start_as_current_span("agent"):
            call(pipeline.tracer, "chat gpt-4o-mini", OFFICIAL)
            pipeline.processor.force_flush()  # in batches, an ended span is tracked until it is priced
            assert len(tracker) == 1  # the child's agent span, in the map the processor reads
        assert pipeline.attributes("agent")["llmcost.subtree.cost"] == 0.00024
    assert len(tracker) == 0


def test_spans_are_tracked_by_the_context_property_if_the_span_id_moves_in_the_tuple(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("otel_llmcost.processor._processor._SPAN_ID", "span_id")
    with pipeline.tracer.start_as_current_span("agent") as agent:
        assert list(pipeline.processor._tracker.open_spans) == [agent.get_span_context().span_id]  # pyright: ignore[reportPrivateUsage]
        call(pipeline.tracer, "chat gpt-4o-mini", OFFICIAL)
    assert pipeline.attributes("agent")["llmcost.subtree.cost"] == 0.00024
    assert len(pipeline.processor._tracker) == 0  # pyright: ignore[reportPrivateUsage]


def test_the_sdk_internals_the_processor_reads_are_still_there() -> None:
    # The processor reads an SDK span's attributes from BoundedAttributes._dict (`plain_attributes`) and its id
    # from SpanContext by index (`_SPAN_ID`), without a Python call per key or per span. Both fall back to the
    # public API when the SDK changes; this test fails loudly then, so that the trick is looked at again.
    from otel_llmcost._spans import plain_attributes
    from otel_llmcost.processor import _processor

    provider = TracerProvider()
    span = provider.get_tracer("t").start_span("s", attributes={"gen_ai.operation.name": "chat"})
    span.end()
    readable = span._readable_span()  # pyright: ignore[reportPrivateUsage]
    assert type(readable._attributes._dict) is dict  # pyright: ignore[reportPrivateUsage, reportAttributeAccessIssue, reportOptionalMemberAccess, reportUnknownMemberType]
    assert plain_attributes(readable) is readable._attributes._dict  # pyright: ignore[reportPrivateUsage, reportAttributeAccessIssue, reportOptionalMemberAccess, reportUnknownMemberType]
    assert _processor._SPAN_ID == 1  # pyright: ignore[reportPrivateUsage]
    assert readable.context is not None
    assert readable._context[_processor._SPAN_ID] == readable.context.span_id  # pyright: ignore[reportPrivateUsage, reportOptionalSubscript]
