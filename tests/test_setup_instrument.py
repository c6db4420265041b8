"""`otel_llmcost.instrument()`: the pipeline it builds or wraps, the SDKs it instruments, and undoing it.

What sets OpenTelemetry's globals runs in a subprocess (``apps/llm_calls.py --instrument``), shipping over
OTLP to `OTLPReceiver`; the rest runs here on tracer providers of each test's own. Costs are those of
``test_setup_zero_code``: $0.0084 for the anthropic recording, $0.00024 for the openai one.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points

import pytest
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import otel_llmcost
from apps.launch import app_environment, run_app
from otel_llmcost import CostSpanProcessor
from otel_llmcost.setup import _pipeline
from otel_llmcost.setup._pipeline import Pricing, Wrapping, tracer_provider_unset, wrap
from otlp_receiver import OTLPReceiver, otlp_receiver_fixture  # noqa: F401 - the fixture

needs_entry_points = pytest.mark.skipif(
    not [ep for ep in entry_points(group="opentelemetry_instrumentor") if ep.name == "llmcost_openai"],
    reason="otel-llmcost is not installed, so its entry points are missing: pip install -e .",
)

CHAT_ATTRIBUTES = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "anthropic",
    "gen_ai.request.model": "claude-sonnet-4-5",
    "gen_ai.response.model": "claude-sonnet-4-5-20250929",
    "gen_ai.usage.input_tokens": 1250,
    "gen_ai.usage.output_tokens": 310,
}


class Recording(SpanProcessor):
    """A processor that exports nothing and remembers the spans it saw end."""

    def __init__(self) -> None:
        self.ended: list[ReadableSpan] = []

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        pass

    def on_end(self, span: ReadableSpan) -> None:
        self.ended.append(span)


def processors_of(provider: TracerProvider) -> tuple[SpanProcessor, ...]:
    return provider._active_span_processor._span_processors  # pyright: ignore[reportPrivateUsage]


def one_chat_call(provider: TracerProvider) -> None:
    with provider.get_tracer("test").start_as_current_span("chat claude-sonnet-4-5", attributes=CHAT_ATTRIBUTES):
        pass


@pytest.fixture
def provider() -> Iterator[TracerProvider]:
    provider = TracerProvider()
    yield provider
    provider.shutdown()


def test_wrap_puts_one_cost_processor_in_front_of_the_exporting_processor_in_place(provider: TracerProvider) -> None:
    enricher, exporter = Recording(), InMemorySpanExporter()
    exporting = SimpleSpanProcessor(exporter)
    provider.add_span_processor(enricher)
    provider.add_span_processor(exporting)

    wrapping = wrap(provider, Pricing())
    one_chat_call(provider)

    assert isinstance(wrapping, Wrapping)
    first, cost = processors_of(provider)
    assert first is enricher
    assert isinstance(cost, CostSpanProcessor)
    (span,) = exporter.get_finished_spans()
    assert (span.attributes or {})["gen_ai.usage.cost.amount"] == 0.0084
    (seen,) = enricher.ended
    assert "gen_ai.usage.cost.amount" not in (seen.attributes or {})


def test_several_exporting_processors_share_one_cost_processor_so_each_call_is_counted_once(
    provider: TracerProvider,
) -> None:
    first, second = InMemorySpanExporter(), InMemorySpanExporter()
    batch = BatchSpanProcessor(first)
    enricher = Recording()
    simple = SimpleSpanProcessor(second)
    for processor in (batch, enricher, simple):
        provider.add_span_processor(processor)

    wrap(provider, Pricing())
    one_chat_call(provider)
    provider.force_flush()

    cost, after = processors_of(provider)
    assert isinstance(cost, CostSpanProcessor)
    assert after is enricher
    for exporter in (first, second):
        (span,) = exporter.get_finished_spans()
        assert (span.attributes or {})["gen_ai.usage.cost.amount"] == 0.0084


def test_unwrap_restores_the_processors_and_keeps_those_added_since(provider: TracerProvider) -> None:
    exporting = SimpleSpanProcessor(InMemorySpanExporter())
    provider.add_span_processor(exporting)
    wrapping = wrap(provider, Pricing())
    assert isinstance(wrapping, Wrapping)
    later = Recording()
    provider.add_span_processor(later)

    wrapping.unwrap()
    wrapping.unwrap()

    assert processors_of(provider) == (exporting, later)


def test_a_pipeline_with_a_cost_processor_already_is_left_alone(provider: TracerProvider) -> None:
    priced = CostSpanProcessor(SimpleSpanProcessor(InMemorySpanExporter()))
    console = SimpleSpanProcessor(InMemorySpanExporter())
    provider.add_span_processor(priced)
    provider.add_span_processor(console)

    assert wrap(provider, Pricing()) == "priced"
    assert processors_of(provider) == (priced, console)


def test_a_pipeline_without_an_exporting_processor_is_left_alone(provider: TracerProvider) -> None:
    own = Recording()
    provider.add_span_processor(own)

    assert wrap(provider, Pricing()) == "nothing to wrap"
    assert processors_of(provider) == (own,)


def test_a_provider_whose_internals_are_not_the_sdks_is_left_alone() -> None:
    own = Recording()
    provider = TracerProvider(active_span_processor=own, shutdown_on_exit=False)  # pyright: ignore[reportArgumentType]

    assert wrap(provider, Pricing()) == "unknown"
    assert provider._active_span_processor is own  # pyright: ignore[reportPrivateUsage]


def test_wrap_uses_the_pricing_options(provider: TracerProvider) -> None:
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    wrap(provider, Pricing(cost_aliases=("operation.cost",), model_map={"my-sonnet": "claude-sonnet-4-5"}))
    with provider.get_tracer("test").start_as_current_span(
        "chat my-sonnet", attributes={**CHAT_ATTRIBUTES, "gen_ai.request.model": "my-sonnet"}
    ):
        pass

    attributes = exporter.get_finished_spans()[0].attributes or {}
    assert attributes["operation.cost"] == 0.0084
    assert "gen_ai.usage.cost" not in attributes


@pytest.mark.parametrize(
    ("variables", "traces", "metrics"),
    [
        ({}, ["otlp_proto_http"], ["otlp_proto_http"]),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, ["otlp_proto_grpc"], ["otlp_proto_grpc"]),
        (
            {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"},
            ["otlp_proto_http"],
            ["otlp_proto_grpc"],
        ),
        ({"OTEL_TRACES_EXPORTER": "console,otlp", "OTEL_METRICS_EXPORTER": "none"}, ["console", "otlp_proto_http"], []),
    ],
)
def test_exporters_follow_the_standard_variables(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], traces: list[str], metrics: list[str]
) -> None:
    for name in ("TRACES_", "METRICS_", ""):
        monkeypatch.delenv(f"OTEL_EXPORTER_OTLP_{name}PROTOCOL", raising=False)
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    assert _pipeline._exporter_names("traces") == traces  # pyright: ignore[reportPrivateUsage]
    assert _pipeline._exporter_names("metrics") == metrics  # pyright: ignore[reportPrivateUsage]


def test_an_unknown_protocol_or_exporter_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
    with pytest.raises(ValueError, match=r"'http/json'.*one of http/protobuf, grpc"):
        _pipeline._exporter_names("traces")  # pyright: ignore[reportPrivateUsage]

    with pytest.raises(ValueError, match=r"OTEL_TRACES_EXPORTER names the exporter 'jaeger_thrift'"):
        _pipeline._exporter_class("traces", "jaeger_thrift")  # pyright: ignore[reportPrivateUsage]


def test_instrument_rejects_a_provider_it_has_no_instrumentor_for() -> None:
    with pytest.raises(ValueError, match=r"no instrumentor for 'antropic'"):
        otel_llmcost.instrument(providers=["antropic"], setup_sdk=False)


def test_with_otel_sdk_disabled_instrument_sets_up_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    if not tracer_provider_unset():
        pytest.skip("an earlier test in this process set the global tracer provider")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    try:
        otel_llmcost.instrument(providers=[])
    finally:
        otel_llmcost.uninstrument()

    assert tracer_provider_unset()


@needs_entry_points
def test_instrument_instruments_installed_sdks_and_uninstrument_undoes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import openai  # noqa: F401 - the SDK's import is what instruments it (now, as it is imported already)

    from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

    monkeypatch.delenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", raising=False)
    try:
        otel_llmcost.instrument(setup_sdk=False)
        otel_llmcost.instrument(setup_sdk=False)
        assert OpenAIInstrumentor().is_instrumented_by_opentelemetry
    finally:
        otel_llmcost.uninstrument()
    assert not OpenAIInstrumentor().is_instrumented_by_opentelemetry


@needs_entry_points
def test_instrument_honours_otel_python_disabled_instrumentations(monkeypatch: pytest.MonkeyPatch) -> None:
    from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

    monkeypatch.setenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "requests, llmcost_openai")
    try:
        otel_llmcost.instrument(providers=["openai"], setup_sdk=False)
        assert not OpenAIInstrumentor().is_instrumented_by_opentelemetry
    finally:
        otel_llmcost.uninstrument()


@needs_entry_points
def test_uninstrument_leaves_an_sdk_someone_else_instrumented(monkeypatch: pytest.MonkeyPatch) -> None:
    from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

    monkeypatch.delenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", raising=False)
    OpenAIInstrumentor().instrument()
    try:
        otel_llmcost.instrument(setup_sdk=False)
        otel_llmcost.uninstrument()
        assert OpenAIInstrumentor().is_instrumented_by_opentelemetry
    finally:
        OpenAIInstrumentor().uninstrument()


@needs_entry_points
def test_instrument_with_nothing_configured_builds_a_priced_pipeline_from_the_environment(
    otlp_receiver: OTLPReceiver,
) -> None:
    environment = app_environment(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.endpoint,
        OTEL_RESOURCE_ATTRIBUTES="service.name=billing-bot,deployment.environment.name=test",
        OTEL_TRACES_SAMPLER="always_on",
    )

    run = run_app("openai", "--instrument", environment=environment)

    assert run.output["processors"] == ["CostSpanProcessor(AttributionSpanProcessor(BatchSpanProcessor))"]
    (span,) = otlp_receiver.spans
    assert span.name == "chat gpt-4o-mini"
    assert span.resource["service.name"] == "billing-bot"
    assert span.resource["deployment.environment.name"] == "test"
    assert span.attributes["gen_ai.usage.cost.amount"] == 0.00024
    (cost,) = {point.value for point in otlp_receiver.points_of("llmcost.cost")}
    assert cost == 0.00024
    assert otlp_receiver.points_of("gen_ai.client.operation.duration")


def test_instrument_twice_on_an_application_provider_wraps_its_exporter_once(otlp_receiver: OTLPReceiver) -> None:
    environment = app_environment(OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.endpoint)

    run = run_app("anthropic", "--own-provider", "--instrument", "--twice", environment=environment)

    # The application's BatchSpanProcessor, now behind the cost processor; no second exporter.
    assert run.output["processors"] == ["CostSpanProcessor(AttributionSpanProcessor(BatchSpanProcessor))"]
    (span,) = otlp_receiver.spans
    assert span.name == "anthropic.messages.create"
    assert span.attributes["gen_ai.usage.cost.amount"] == 0.0084
    assert len([path for path, _ in otlp_receiver.requests if path == "/v1/traces"]) == 1
    assert run.stderr == ""
