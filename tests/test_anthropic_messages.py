"""The Anthropic instrumentor on ``messages.create`` and ``messages.stream()``, with the SDK's own tracing off.

Recorded Messages API responses (``recordings/anthropic``) replayed through the real SDK client. Costs are worked
out by hand from Anthropic's prices for Claude Sonnet 4.5 (``pricing/providers/anthropic.json``), in US dollars
per million tokens: input 3, cache read 0.30, 5-minute cache write 3.75, 1-hour cache write 6, output 15.
"""

from __future__ import annotations

import asyncio
import gc
import json
from typing import TYPE_CHECKING

import anthropic
import pytest
import wrapt
from opentelemetry.trace import SpanKind, StatusCode

from anthropic_support import (
    EARLY_COST,
    EARLY_OUTPUT,
    MESSAGES,
    SONNET,
    SONNET_SNAPSHOT,
    assert_estimated,
    async_client,
    attributes_of,
    only_span,
    sync_client,
    two_deltas,
    two_deltas_async,
)
from metrics_support import metric_points

if TYPE_CHECKING:
    from conftest import Tracing
    from otel_llmcost.instrumentation.anthropic import AnthropicInstrumentor

pytestmark = [
    pytest.mark.filterwarnings("ignore:The model 'claude-sonnet-4-5:DeprecationWarning"),
    pytest.mark.usefixtures("instrumented"),
]

REQUEST = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "anthropic",
    "gen_ai.request.model": SONNET,
    "gen_ai.request.max_tokens": 1024,
    "server.address": "api.anthropic.com",
    "server.port": 443,
}

# sonnet_plain: 1,250 input and 310 output tokens.
#   1,250 x $3 / 1M + 310 x $15 / 1M = $0.00375 + $0.00465 = $0.0084
PLAIN_COST = 0.0084
# sonnet_cache: 412 uncached input, 10,240 cache reads, 2,048 5-minute and 1,152 1-hour cache writes, 523 output.
#   412 x 3 + 10,240 x 0.30 + 2,048 x 3.75 + 1,152 x 6 + 523 x 15 = 1,236 + 3,072 + 7,680 + 6,912 + 7,845
#   = 26,745 / 1M = $0.026745
CACHE_COST = 0.026745
# sonnet_stream: 2,100 input and 287 output tokens.
#   2,100 x $3 / 1M + 287 x $15 / 1M = $0.0063 + $0.004305 = $0.010605
STREAM_COST = 0.010605
STREAM_RESPONSE = {
    "gen_ai.response.id": "msg_01TzR4kPq9cYwB7nVx5mJhGa",
    "gen_ai.response.model": SONNET_SNAPSHOT,
    "anthropic.response.service_tier": "standard",
}


def test_create_gets_one_client_span_with_usage_and_cost(tracing: Tracing) -> None:
    with sync_client("sonnet_plain") as client:
        message = client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    assert message.id == "msg_01HCDu5LRGeP2o7s2xGmxyFE"
    span = only_span(tracing)
    assert span.name == f"chat {SONNET}"
    assert span.kind is SpanKind.CLIENT
    attributes = attributes_of(span)
    expected = {
        **REQUEST,
        "gen_ai.response.id": "msg_01HCDu5LRGeP2o7s2xGmxyFE",
        "gen_ai.response.model": SONNET_SNAPSHOT,
        "gen_ai.response.finish_reasons": ("end_turn",),
        "anthropic.response.service_tier": "standard",
        "gen_ai.usage.input_tokens": 1250,
        "gen_ai.usage.output_tokens": 310,
    }
    assert {key: attributes[key] for key in expected} == expected
    assert attributes["llmcost.status"] == "priced"
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(PLAIN_COST, abs=1e-12)


def test_cache_reads_and_5_minute_and_1_hour_writes_follow_the_sdk_spans_conventions(tracing: Tracing) -> None:
    with sync_client("sonnet_cache") as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    attributes = attributes_of(only_span(tracing))
    # Input includes cache reads and writes, as on the SDK's own spans: 412 + 10,240 + 3,200.
    assert attributes["gen_ai.usage.input_tokens"] == 13_852
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 10_240
    assert attributes["gen_ai.usage.cache_creation.input_tokens"] == 3_200
    assert attributes["anthropic.usage.cache_creation.ephemeral_5m_input_tokens"] == 2_048
    assert attributes["anthropic.usage.cache_creation.ephemeral_1h_input_tokens"] == 1_152
    assert attributes["llmcost.cost.cache_write"] == pytest.approx((2_048 * 3.75 + 1_152 * 6) / 1e6, abs=1e-12)
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(CACHE_COST, abs=1e-12)


def test_async_create_is_traced_like_sync(tracing: Tracing) -> None:
    async def call() -> None:
        async with async_client("sonnet_plain") as client:
            await client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    asyncio.run(call())
    attributes = attributes_of(only_span(tracing))
    assert attributes["gen_ai.usage.output_tokens"] == 310
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(PLAIN_COST, abs=1e-12)


def test_create_stream_read_to_the_end_reports_the_message_delta_usage(tracing: Tracing) -> None:
    with sync_client("sonnet_stream") as client:
        stream = client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True)
        assert tracing.exporter.get_finished_spans() == ()
        events = [event.type for event in stream]

    assert events[-2:] == ["message_delta", "message_stop"]
    span = only_span(tracing)
    attributes = attributes_of(span)
    expected = {
        **REQUEST,
        "gen_ai.request.stream": True,
        **STREAM_RESPONSE,
        "gen_ai.response.finish_reasons": ("end_turn",),
        "gen_ai.usage.input_tokens": 2100,
        "gen_ai.usage.output_tokens": 287,
    }
    assert {key: attributes[key] for key in expected} == expected
    assert "llmcost.usage.status" not in attributes
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(STREAM_COST, abs=1e-12)


def _assert_estimated(tracing: Tracing) -> None:
    assert_estimated(attributes_of(only_span(tracing)), EARLY_OUTPUT, EARLY_COST)


def test_create_stream_left_with_break_and_dropped_is_estimated(tracing: Tracing) -> None:
    with sync_client("sonnet_stream") as client:
        stream = client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True)
        two_deltas(stream)
        assert tracing.exporter.get_finished_spans() == ()
        del stream
        gc.collect()
        _assert_estimated(tracing)


def test_create_stream_closed_early_is_estimated(tracing: Tracing) -> None:
    with sync_client("sonnet_stream") as client:
        stream = client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True)
        two_deltas(stream)
        stream.close()
        stream.close()
    _assert_estimated(tracing)


def test_stream_helper_get_final_text_reports_the_usage(tracing: Tracing) -> None:
    with (
        sync_client("sonnet_stream") as client,
        client.messages.stream(model=SONNET, max_tokens=1024, messages=MESSAGES) as stream,
    ):
        assert tracing.exporter.get_finished_spans() == ()
        text = stream.get_final_text()

    assert text.startswith("Thanks for reaching out!")
    attributes = attributes_of(only_span(tracing))
    assert attributes["gen_ai.request.stream"] is True
    assert attributes["gen_ai.usage.output_tokens"] == 287
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(STREAM_COST, abs=1e-12)


def test_stream_helper_text_stream_left_early_in_its_block_is_estimated(tracing: Tracing) -> None:
    with sync_client("sonnet_stream") as client:
        with client.messages.stream(model=SONNET, max_tokens=1024, messages=MESSAGES) as stream:
            pieces = []
            for piece in stream.text_stream:
                pieces.append(piece)
                if len(pieces) == 2:
                    break
            assert tracing.exporter.get_finished_spans() == ()
        _assert_estimated(tracing)


def test_async_stream_helper_until_done_reports_the_usage(tracing: Tracing) -> None:
    async def call() -> None:
        async with async_client("sonnet_stream") as client:
            async with client.messages.stream(model=SONNET, max_tokens=1024, messages=MESSAGES) as stream:
                await stream.until_done()

    asyncio.run(call())
    attributes = attributes_of(only_span(tracing))
    assert attributes["gen_ai.usage.output_tokens"] == 287
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(STREAM_COST, abs=1e-12)


def test_server_error_ends_the_span_with_the_api_error_type(tracing: Tracing) -> None:
    with sync_client("server_error") as client, pytest.raises(anthropic.InternalServerError):
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    span = only_span(tracing)
    assert span.status.status_code is StatusCode.ERROR
    attributes = attributes_of(span)
    assert attributes["error.type"] == "api_error"
    assert attributes["llmcost.reason"] == "failed_call"


def test_uninstrument_restores_the_sdk(tracing: Tracing, instrumented: AnthropicInstrumentor) -> None:
    instrumented.uninstrument()
    try:
        for name in ("create", "stream"):
            assert not isinstance(vars(anthropic.resources.messages.Messages)[name], wrapt.FunctionWrapper)
        with sync_client("sonnet_plain") as client:
            client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)
        assert tracing.exporter.get_finished_spans() == ()
    finally:
        instrumented.instrument(tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider)


def test_raw_response_parsed_by_the_caller_ends_the_span_with_the_usage(tracing: Tracing) -> None:
    with sync_client("sonnet_plain") as client:
        raw = client.messages.with_raw_response.create(model=SONNET, max_tokens=1024, messages=MESSAGES)
        assert raw.headers["request-id"] == "req_011CVPK3N8gBTY3JkT8wHzJq"
        message = raw.parse()

    assert message.usage.output_tokens == 310
    attributes = attributes_of(only_span(tracing))
    assert attributes["gen_ai.usage.output_tokens"] == 310
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(PLAIN_COST, abs=1e-12)


def test_streaming_response_of_a_stream_is_read_through_its_events(tracing: Tracing) -> None:
    with (
        sync_client("sonnet_stream") as client,
        client.messages.with_streaming_response.create(
            model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True
        ) as raw,
    ):
        events = [event.type for event in raw.parse()]

    assert events[-1] == "message_stop"
    attributes = attributes_of(only_span(tracing))
    assert attributes["gen_ai.usage.output_tokens"] == 287
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(STREAM_COST, abs=1e-12)


def test_content_is_captured_only_when_asked(tracing: Tracing, instrumented: AnthropicInstrumentor) -> None:
    with sync_client("sonnet_plain") as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, system="Be brief.")
    assert not [key for key in attributes_of(only_span(tracing)) if key.endswith("_messages")]
    tracing.exporter.clear()

    instrumented.uninstrument()
    instrumented.instrument(tracer_provider=tracing.tracer_provider, capture_content=True)
    with sync_client("sonnet_plain") as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, system="Be brief.")

    attributes = attributes_of(only_span(tracing))
    assert json.loads(attributes["gen_ai.input.messages"]) == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
        {"role": "user", "parts": [{"type": "text", "content": "Why was I charged twice this month?"}]},
    ]
    (output,) = json.loads(attributes["gen_ai.output.messages"])
    assert output["role"] == "assistant"
    assert output["finish_reason"] == "end_turn"
    (part,) = output["parts"]
    assert part["type"] == "text"
    assert part["content"].startswith("The invoice shows two charges")


def test_async_create_stream_left_with_break_in_its_block_is_estimated(tracing: Tracing) -> None:
    async def call() -> None:
        async with async_client("sonnet_stream") as client:
            stream = await client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True)
            async with stream:
                await two_deltas_async(stream)

    asyncio.run(call())
    _assert_estimated(tracing)


def test_stream_helper_block_left_by_the_callers_exception_ends_the_span_once_estimated(tracing: Tracing) -> None:
    class Stop(Exception):
        pass

    def read_then_fail(client: anthropic.Anthropic) -> None:
        with client.messages.stream(model=SONNET, max_tokens=1024, messages=MESSAGES) as stream:
            two_deltas(stream)
            raise Stop

    with sync_client("sonnet_stream") as client, pytest.raises(Stop):
        read_then_fail(client)

    spans = tracing.exporter.get_finished_spans()
    assert len(spans) == 1
    attributes = attributes_of(spans[0])
    assert attributes["gen_ai.usage.output_tokens"] == EARLY_OUTPUT
    assert attributes["llmcost.usage.status"] == "estimated"


def test_token_usage_and_duration_metrics_are_recorded(tracing: Tracing) -> None:
    with sync_client("sonnet_cache") as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    points = {
        name: [(dict(point.attributes or {}), getattr(point, "sum", 0)) for point in found]
        for name, found in metric_points(tracing.metric_reader).items()
    }
    tokens = {attributes["gen_ai.token.type"]: value for attributes, value in points["gen_ai.client.token.usage"]}
    # Input includes the cache reads and writes: 412 + 10,240 + 3,200.
    assert tokens == {"input": 13_852, "output": 523}
    ((attributes, _),) = points["gen_ai.client.operation.duration"]
    assert attributes["gen_ai.provider.name"] == "anthropic"
    assert attributes["gen_ai.response.model"] == SONNET_SNAPSHOT
