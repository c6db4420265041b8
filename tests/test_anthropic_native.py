"""The Anthropic SDK's own spans, priced by `CostSpanProcessor`.

anthropic 2.x traces itself: every call gets a CLIENT span ``anthropic.messages.create`` with ``gen_ai.*``
usage, cache reads and writes included in ``gen_ai.usage.input_tokens``. These tests run the real SDK with its
native tracing against a fake transport that replays recorded Messages API responses (``recordings/anthropic``:
``<name>.json`` holds the status, headers and JSON body; a stream's body is ``<name>.sse``).

Expected costs are worked out by hand from Anthropic's published prices for Claude Sonnet 4.5, in US dollars
per million tokens: input 3, cache read 0.30, 5-minute cache write 3.75, 1-hour cache write 6, output 15.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

import anthropic
import httpx2
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

import metrics_support
from otel_llmcost.pricing import default_table
from replay import Replay, recorded

if TYPE_CHECKING:
    from conftest import Tracing

# The SDK warns that claude-sonnet-4-5 reaches end of life on 2026-11-30; the prices under test are its own.
pytestmark = pytest.mark.filterwarnings("ignore:The model 'claude-sonnet-4-5:DeprecationWarning")

SONNET = "claude-sonnet-4-5"
SONNET_SNAPSHOT = "claude-sonnet-4-5-20250929"
SONNET_ENTRY = "anthropic/claude-sonnet-4-5"
MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]

# sonnet_plain: 1,250 input and 310 output tokens.
#   input  1,250 x $3  / 1M = $0.00375
#   output   310 x $15 / 1M = $0.00465
#   total                     $0.0084
PLAIN_INPUT = Decimal("0.00375")
PLAIN_OUTPUT = Decimal("0.00465")
PLAIN_TOTAL = Decimal("0.0084")

# sonnet_cache: input_tokens 412 (uncached), cache_read_input_tokens 10,240, cache_creation_input_tokens 3,200
# of which ephemeral_5m 2,048 and ephemeral_1h 1,152; 523 output tokens.
#   input          412 x $3    / 1M = $0.001236
#   cache read  10,240 x $0.30 / 1M = $0.003072
#   5m write     2,048 x $3.75 / 1M = $0.00768
#   1h write     1,152 x $6    / 1M = $0.006912  -> cache writes $0.014592
#   output         523 x $15   / 1M = $0.007845
#   total                             $0.026745
CACHE_INPUT = Decimal("0.001236")
CACHE_READ = Decimal("0.003072")
CACHE_WRITE = Decimal("0.014592")
CACHE_OUTPUT = Decimal("0.007845")
CACHE_TOTAL = Decimal("0.026745")

# sonnet_stream: 2,100 input and 287 output tokens.
#   input  2,100 x $3  / 1M = $0.0063
#   output   287 x $15 / 1M = $0.004305
#   total                     $0.010605
STREAM_INPUT = Decimal("0.0063")
STREAM_OUTPUT = Decimal("0.004305")
STREAM_TOTAL = Decimal("0.010605")

# sonnet_batch: 1,830 input and 412 output tokens, usage.service_tier "batch": half price.
#   input  1,830 x $1.50 / 1M = $0.002745
#   output   412 x $7.50 / 1M = $0.00309
#   total                       $0.005835
BATCH_INPUT = Decimal("0.002745")
BATCH_OUTPUT = Decimal("0.00309")
BATCH_TOTAL = Decimal("0.005835")


def anthropic_replay(*names: str) -> Replay:
    """Replays the recordings ``names`` of ``recordings/anthropic``, in order."""
    return Replay(*(recorded("anthropic", name) for name in names))


def sync_client(tracing: Tracing, replay: Replay) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key="test-no-key",
        http_client=httpx2.Client(transport=httpx2.MockTransport(replay)),
        open_telemetry={"tracer_provider": tracing.tracer_provider},
        max_retries=0,
    )


def async_client(tracing: Tracing, replay: Replay) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(
        api_key="test-no-key",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(replay)),
        open_telemetry={"tracer_provider": tracing.tracer_provider},
        max_retries=0,
    )


def cost_attributes(span: ReadableSpan) -> dict[str, object]:
    """The attributes the cost processor owns: ``llmcost.*`` and the ``gen_ai.usage.cost*`` family."""
    return {
        key: value
        for key, value in (span.attributes or {}).items()
        if key.startswith(("llmcost.", "gen_ai.usage.cost"))
    }


def assert_exactly(actual: Mapping[str, object], expected: Mapping[str, object]) -> None:
    """Same keys, equal values, and the same type for every value (a list is not a tuple, an int not a float)."""
    assert dict(actual) == dict(expected)
    assert {key: type(value) for key, value in actual.items()} == {key: type(value) for key, value in expected.items()}


def priced(total: Decimal, breakdown: Mapping[str, Decimal]) -> dict[str, object]:
    """The cost attributes of a Sonnet 4.5 call priced from the bundled table."""
    return {
        "gen_ai.usage.cost.amount": float(total),
        "gen_ai.usage.cost.currency": "USD",
        "gen_ai.usage.cost.source": "local",
        "gen_ai.usage.cost": float(total),
        "llmcost.status": "priced",
        **{f"llmcost.cost.{bucket}": float(amount) for bucket, amount in breakdown.items()},
        "llmcost.price.effective_date": "2025-09-29",  # the bundled entry is priced from its launch day
        "llmcost.price.entry": SONNET_ENTRY,
        "llmcost.price.model": SONNET_SNAPSHOT,
        "llmcost.price.table_version": default_table().version,
    }


def metric_points(tracing: Tracing, name: str) -> list[tuple[dict[str, object], float]]:
    """The data points of the metric ``name``: attributes and value."""
    return [
        (dict(point.attributes or {}), point.value)
        for point in metrics_support.metric_points(tracing.metric_reader).get(name, [])
    ]


def only_call(tracing: Tracing) -> ReadableSpan:
    (span,) = tracing.exporter.get_finished_spans()
    assert span.name == "anthropic.messages.create"
    assert span.kind is SpanKind.CLIENT
    return span


def test_plain_call_is_priced_from_the_bundled_table(tracing: Tracing) -> None:
    with sync_client(tracing, anthropic_replay("sonnet_plain")) as client:
        message = client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    assert message.id == "msg_01HCDu5LRGeP2o7s2xGmxyFE"
    span = only_call(tracing)
    assert span.status.status_code is StatusCode.OK
    attributes = span.attributes or {}
    assert attributes["gen_ai.usage.input_tokens"] == 1250
    assert attributes["gen_ai.usage.output_tokens"] == 310
    assert attributes["anthropic.request.id"] == "req_011CVPK3N8gBTY3JkT8wHzJq"
    assert_exactly(cost_attributes(span), priced(PLAIN_TOTAL, {"input": PLAIN_INPUT, "output": PLAIN_OUTPUT}))
    assert isinstance(attributes["llmcost.price.table_version"], str)
    assert attributes["llmcost.price.table_version"]
    assert metric_points(tracing, "llmcost.cost") == [
        (
            {
                "llmcost.status": "priced",
                "gen_ai.provider.name": "anthropic",
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": SONNET,
                "gen_ai.response.model": SONNET_SNAPSHOT,
            },
            float(PLAIN_TOTAL),
        )
    ]
    assert metric_points(tracing, "llmcost.unpriced.calls") == []


def test_cache_reads_and_5_minute_and_1_hour_writes_are_priced_apart(tracing: Tracing) -> None:
    with sync_client(tracing, anthropic_replay("sonnet_cache")) as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    span = only_call(tracing)
    attributes = span.attributes or {}
    assert attributes["gen_ai.usage.input_tokens"] == 412 + 10_240 + 3_200
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 10_240
    assert attributes["gen_ai.usage.cache_write.input_tokens"] == 3_200
    assert attributes["anthropic.usage.cache_creation.ephemeral_5m_input_tokens"] == 2_048
    assert attributes["anthropic.usage.cache_creation.ephemeral_1h_input_tokens"] == 1_152
    breakdown = {"input": CACHE_INPUT, "cache_read": CACHE_READ, "cache_write": CACHE_WRITE, "output": CACHE_OUTPUT}
    assert sum(breakdown.values()) == CACHE_TOTAL
    assert_exactly(cost_attributes(span), priced(CACHE_TOTAL, breakdown))


def test_sync_stream_is_priced_when_it_is_read_to_the_end(tracing: Tracing) -> None:
    replay = anthropic_replay("sonnet_stream")
    with (
        sync_client(tracing, replay) as client,
        client.messages.stream(model=SONNET, max_tokens=1024, messages=MESSAGES) as stream,
    ):
        assert tracing.exporter.get_finished_spans() == ()
        text = stream.get_final_text()

    assert text.startswith("Thanks for reaching out!")
    assert json.loads(replay.requests[0].content)["stream"] is True
    span = only_call(tracing)
    attributes = span.attributes or {}
    assert attributes["gen_ai.request.stream"] is True
    assert attributes["gen_ai.usage.input_tokens"] == 2100
    assert attributes["gen_ai.usage.output_tokens"] == 287
    assert_exactly(cost_attributes(span), priced(STREAM_TOTAL, {"input": STREAM_INPUT, "output": STREAM_OUTPUT}))


def test_async_stream_is_priced_when_it_is_read_to_the_end(tracing: Tracing) -> None:
    async def read_stream() -> list[str]:
        async with async_client(tracing, anthropic_replay("sonnet_stream")) as client:
            stream = await client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True)
            return [event.type async for event in stream]

    events = asyncio.run(read_stream())

    assert events[0] == "message_start"
    assert events[-2:] == ["message_delta", "message_stop"]
    span = only_call(tracing)
    assert span.status.status_code is StatusCode.OK
    assert_exactly(cost_attributes(span), priced(STREAM_TOTAL, {"input": STREAM_INPUT, "output": STREAM_OUTPUT}))


def test_batch_service_tier_is_priced_at_the_batch_variant(tracing: Tracing) -> None:
    with sync_client(tracing, anthropic_replay("sonnet_batch")) as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    span = only_call(tracing)
    attributes = cost_attributes(span)
    assert (span.attributes or {})["anthropic.response.service_tier"] == "batch"
    variants = attributes.pop("llmcost.price.variants")
    assert_exactly(attributes, priced(BATCH_TOTAL, {"input": BATCH_INPUT, "output": BATCH_OUTPUT}))
    assert variants == ("batch",)
    assert type(variants) is tuple


def test_unknown_model_is_unpriced_with_no_amount(tracing: Tracing) -> None:
    with sync_client(tracing, anthropic_replay("unknown_model")) as client:
        client.messages.create(model="claude-experimental-preview", max_tokens=256, messages=MESSAGES)

    span = only_call(tracing)
    assert (span.attributes or {})["gen_ai.response.model"] == "claude-experimental-preview-20261120"
    assert_exactly(
        cost_attributes(span),
        {
            "llmcost.status": "unpriced",
            "llmcost.reason": "unknown_model",
            "llmcost.reason.detail": "no anthropic price entry matches 'claude-experimental-preview-20261120'",
            "llmcost.price.table_version": default_table().version,
        },
    )
    assert metric_points(tracing, "llmcost.cost") == []
    assert metric_points(tracing, "llmcost.unpriced.calls") == [
        (
            {
                "llmcost.reason": "unknown_model",
                "gen_ai.provider.name": "anthropic",
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "claude-experimental-preview",
                "gen_ai.response.model": "claude-experimental-preview-20261120",
            },
            1,
        )
    ]


def test_server_error_gets_no_cost_and_the_sdk_error_reaches_the_caller(tracing: Tracing) -> None:
    with sync_client(tracing, anthropic_replay("server_error")) as client, pytest.raises(anthropic.InternalServerError):
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    span = only_call(tracing)
    attributes = span.attributes or {}
    assert span.status.status_code is StatusCode.ERROR
    assert attributes["http.response.status_code"] == 500
    assert attributes["error.type"] == "api_error"
    assert_exactly(
        cost_attributes(span),
        {
            "llmcost.status": "unpriced",
            "llmcost.reason": "failed_call",
            "llmcost.reason.detail": "the call failed (api_error) and reported no usage",
        },
    )
    assert metric_points(tracing, "llmcost.cost") == []
    assert metric_points(tracing, "llmcost.unpriced.calls") == []


def test_outer_span_gets_the_subtree_total_and_the_calls_keep_their_own_cost(tracing: Tracing) -> None:
    tracer = tracing.tracer_provider.get_tracer("support-agent")
    with (
        sync_client(tracing, anthropic_replay("sonnet_plain", "sonnet_cache")) as client,
        tracer.start_as_current_span("agent"),
    ):
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    first, second, agent = tracing.exporter.get_finished_spans()
    assert agent.name == "agent"
    assert_exactly(
        agent.attributes or {},
        {"llmcost.subtree.cost": float(PLAIN_TOTAL + CACHE_TOTAL), "llmcost.subtree.calls": 2},
    )
    for call, total in ((first, PLAIN_TOTAL), (second, CACHE_TOTAL)):
        assert call.parent is not None
        assert call.parent.span_id == agent.context.span_id
        attributes = call.attributes or {}
        assert attributes["gen_ai.usage.cost.amount"] == float(total)
        assert "llmcost.subtree.cost" not in attributes
        assert "llmcost.subtree.calls" not in attributes


def test_wrapping_instrumentor_span_is_a_duplicate_of_the_sdk_span_inside_it(tracing: Tracing) -> None:
    tracer = tracing.tracer_provider.get_tracer("wrapping-instrumentor")
    start = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic", "gen_ai.request.model": SONNET}
    with (
        sync_client(tracing, anthropic_replay("sonnet_cache")) as client,
        tracer.start_as_current_span(f"chat {SONNET}", kind=SpanKind.CLIENT, attributes=start) as outer,
    ):
        message = client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)
        usage = message.usage
        cache_read = usage.cache_read_input_tokens or 0
        cache_write = usage.cache_creation_input_tokens or 0
        outer.set_attributes(
            {
                "gen_ai.response.id": message.id,
                "gen_ai.response.model": message.model,
                "gen_ai.usage.input_tokens": usage.input_tokens + cache_read + cache_write,
                "gen_ai.usage.output_tokens": usage.output_tokens,
                "gen_ai.usage.cache_read.input_tokens": cache_read,
                "gen_ai.usage.cache_creation.input_tokens": cache_write,
            }
        )

    inner, wrapper = tracing.exporter.get_finished_spans()
    assert inner.name == "anthropic.messages.create"
    assert wrapper.name == f"chat {SONNET}"
    breakdown = {"input": CACHE_INPUT, "cache_read": CACHE_READ, "cache_write": CACHE_WRITE, "output": CACHE_OUTPUT}
    assert_exactly(cost_attributes(inner), priced(CACHE_TOTAL, breakdown))
    assert_exactly(
        cost_attributes(wrapper),
        {
            "llmcost.status": "duplicate",
            "llmcost.reason": "duplicate_nested",
            "llmcost.reason.detail": "a span inside this one already priced a call with the same usage",
        },
    )
    assert [value for _, value in metric_points(tracing, "llmcost.cost")] == [float(CACHE_TOTAL)]
