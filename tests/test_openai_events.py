"""The content capture modes that ask for events emit the conventions' inference details event, one per call."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from openai_support import MESSAGES, client, openai_recording
from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

CONTENT = ("gen_ai.input.messages", "gen_ai.output.messages")


class Captured(NamedTuple):
    spans: InMemorySpanExporter
    logs: InMemoryLogRecordExporter


@pytest.fixture
def captured() -> Iterator[Captured]:
    spans, logs = InMemorySpanExporter(), InMemoryLogRecordExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(
        tracer_provider=tracer_provider, meter_provider=MeterProvider(), logger_provider=logger_provider
    )
    try:
        yield Captured(spans, logs)
    finally:
        instrumentor.uninstrument()
        tracer_provider.shutdown()
        logger_provider.shutdown()


def call_once() -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini"))
    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)


@pytest.fixture
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Sets the content capture variable before the instrumentor reads it."""
    value: str = request.param
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT", raising=False)
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", value)
    return value


def event_of(captured: Captured) -> tuple[Any, dict[str, Any]]:
    (record,) = captured.logs.get_finished_logs()
    return record.log_record, dict(record.log_record.attributes or {})


@pytest.mark.parametrize("mode", ["event_only"], indirect=True)
def test_event_only_puts_the_content_on_the_event_and_not_on_the_span(mode: str, captured: Captured) -> None:
    call_once()

    (span,) = captured.spans.get_finished_spans()
    record, attributes = event_of(captured)
    assert record.event_name == "gen_ai.client.inference.operation.details"
    assert record.span_id == span.context.span_id  # parented to the call's span
    assert not set(CONTENT) & set(span.attributes or {})
    assert json.loads(attributes["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "Why was I charged twice this month?"}]}
    ]
    assert "gen_ai.output.messages" in attributes
    # The event carries the span's attributes too: the call and its usage.
    span_attributes = dict(span.attributes or {})
    assert {key: attributes[key] for key in span_attributes} == span_attributes


@pytest.mark.parametrize("mode", ["span_and_event"], indirect=True)
def test_span_and_event_puts_the_content_on_both(mode: str, captured: Captured) -> None:
    call_once()

    (span,) = captured.spans.get_finished_spans()
    _, attributes = event_of(captured)
    for key in CONTENT:
        assert attributes[key] == (span.attributes or {})[key]


@pytest.mark.parametrize("mode", ["span_only", "true", "no_content", ""], indirect=True)
def test_modes_without_events_emit_none(mode: str, captured: Captured) -> None:
    call_once()

    assert captured.logs.get_finished_logs() == ()
    assert (set(CONTENT) <= set(captured.spans.get_finished_spans()[0].attributes or {})) is (
        mode in ("span_only", "true")
    )


@pytest.mark.parametrize("mode", ["no_content"], indirect=True)
def test_the_emit_event_variable_asks_for_the_event_without_content(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT", "true")
    logs = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(
        tracer_provider=TracerProvider(), meter_provider=MeterProvider(), logger_provider=logger_provider
    )
    try:
        call_once()
    finally:
        instrumentor.uninstrument()

    (record,) = logs.get_finished_logs()
    attributes = dict(record.log_record.attributes or {})
    assert attributes["gen_ai.usage.input_tokens"] == 1000
    assert not set(CONTENT) & set(attributes)
