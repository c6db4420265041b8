"""anthropic 2.x traces itself: with its tracing on, the instrumentor adds no span and fills what the SDK's span lacks.

A stream left before ``message_delta`` has no output count on the SDK's own span; the instrumentor counts what
was streamed (tiktoken's o200k_base, an approximation of Claude's tokenizer) and puts it on that span, marked
``estimated``, before the span ends. Prices: Claude Sonnet 4.5, input $3 and output $15 per million tokens.
"""

from __future__ import annotations

import asyncio
import gc
from typing import TYPE_CHECKING, Any

import pytest

from anthropic_support import (
    EARLY_COST,
    EARLY_OUTPUT,
    MESSAGES,
    SDK_TRACES,
    SONNET,
    assert_estimated,
    async_client,
    attributes_of,
    only_span,
    sync_client,
    two_deltas,
    two_deltas_async,
)

if TYPE_CHECKING:
    from conftest import Tracing

pytestmark = [
    pytest.mark.skipif(not SDK_TRACES, reason="the installed anthropic SDK does not trace itself (before 2.x)"),
    pytest.mark.filterwarnings("ignore:The model 'claude-sonnet-4-5:DeprecationWarning"),
    pytest.mark.usefixtures("instrumented"),
]

# sonnet_stream read to the end: 2,100 input and 287 output tokens.
#   2,100 x $3 / 1M + 287 x $15 / 1M = $0.0063 + $0.004305 = $0.010605
STREAM_COST = 0.010605
# sonnet_stream_cut: the server's stream ends after "Thanks for reaching out! I've checked your account" (9 tokens),
# with no message_delta.   2,100 x $3 / 1M + 9 x $15 / 1M = $0.0063 + $0.000135 = $0.006435
CUT_COST = 0.006435


def native(tracing: Tracing, *names: str) -> Any:
    return sync_client(*names, sdk_tracing={"tracer_provider": tracing.tracer_provider})  # type: ignore[arg-type]


def _sdk_span(tracing: Tracing) -> dict[str, Any]:
    span = only_span(tracing)
    assert span.name == "anthropic.messages.create"
    return attributes_of(span)


def test_plain_call_keeps_the_sdk_span_only(tracing: Tracing) -> None:
    with native(tracing, "sonnet_plain") as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    attributes = _sdk_span(tracing)
    assert attributes["gen_ai.usage.output_tokens"] == 310
    assert "llmcost.usage.status" not in attributes
    # 1,250 x $3 / 1M + 310 x $15 / 1M = $0.0084
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.0084, abs=1e-12)


def test_stream_read_to_the_end_is_left_as_the_sdk_reported_it(tracing: Tracing) -> None:
    with (
        native(tracing, "sonnet_stream") as client,
        client.messages.stream(model=SONNET, max_tokens=1024, messages=MESSAGES) as stream,
    ):
        stream.until_done()

    attributes = _sdk_span(tracing)
    assert attributes["gen_ai.usage.output_tokens"] == 287
    assert "llmcost.usage.status" not in attributes
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(STREAM_COST, abs=1e-12)


def test_stream_left_with_break_inside_its_block_gets_an_estimated_output(tracing: Tracing) -> None:
    with native(tracing, "sonnet_stream") as client:
        with client.messages.stream(model=SONNET, max_tokens=1024, messages=MESSAGES) as stream:
            two_deltas(stream)
        assert_estimated(_sdk_span(tracing), EARLY_OUTPUT, EARLY_COST)


def test_create_stream_closed_early_gets_an_estimated_output(tracing: Tracing) -> None:
    with native(tracing, "sonnet_stream") as client:
        stream = client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True)
        two_deltas(stream)
        stream.close()
        assert_estimated(_sdk_span(tracing), EARLY_OUTPUT, EARLY_COST)


def test_create_stream_dropped_early_gets_an_estimated_output(tracing: Tracing) -> None:
    with native(tracing, "sonnet_stream") as client:
        stream = client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True)
        two_deltas(stream)
        del stream
        gc.collect()
        assert_estimated(_sdk_span(tracing), EARLY_OUTPUT, EARLY_COST)


def test_stream_the_server_cut_before_message_delta_gets_an_estimated_output(tracing: Tracing) -> None:
    with native(tracing, "sonnet_stream_cut") as client:
        events = [
            event.type
            for event in client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True)
        ]

    assert "message_delta" not in events
    assert_estimated(_sdk_span(tracing), 9, CUT_COST)


def test_async_stream_left_early_gets_an_estimated_output(tracing: Tracing) -> None:
    async def call() -> None:
        client = async_client("sonnet_stream", sdk_tracing={"tracer_provider": tracing.tracer_provider})
        async with client:
            async with client.messages.stream(model=SONNET, max_tokens=1024, messages=MESSAGES) as stream:
                await two_deltas_async(stream)

    asyncio.run(call())
    assert_estimated(_sdk_span(tracing), EARLY_OUTPUT, EARLY_COST)


def test_stream_left_early_with_no_encoding_at_hand_is_partial(
    tracing: Tracing, monkeypatch: pytest.MonkeyPatch
) -> None:
    from otel_llmcost.instrumentation.anthropic import _events

    monkeypatch.setattr(_events, "estimate_text", lambda model, texts: None)
    with native(tracing, "sonnet_stream") as client:
        stream = client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True)
        two_deltas(stream)
        stream.close()

    attributes = _sdk_span(tracing)
    assert "gen_ai.usage.output_tokens" not in attributes
    assert attributes["llmcost.usage.status"] == "partial"
    assert attributes["llmcost.status"] == "partial"
    # The input alone, a lower bound: 2,100 x $3 / 1M = $0.0063
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.0063, abs=1e-12)


@pytest.mark.parametrize("recording", ["sonnet_cache", "sonnet_thinking_tool", "sonnet_web_search", "sonnet_batch"])
def test_our_span_and_the_sdks_read_as_the_same_usage(tracing: Tracing, instrumented: Any, recording: str) -> None:
    from otel_llmcost.usage import read_call

    with native(tracing, recording) as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)
    with sync_client(recording) as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    sdk, ours = tracing.exporter.get_finished_spans()
    assert sdk.name == "anthropic.messages.create"
    assert ours.name == f"chat {SONNET}"
    sdk_call, our_call = read_call(attributes_of(sdk)), read_call(attributes_of(ours))
    assert our_call.usage == sdk_call.usage
    assert our_call.context == sdk_call.context


def test_web_searches_are_put_on_the_sdks_span_and_priced(tracing: Tracing) -> None:
    with native(tracing, "sonnet_web_search") as client:
        client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES)

    attributes = _sdk_span(tracing)
    assert attributes["llmcost.usage.web_search_calls"] == 2
    # 6,520 x $3 / 1M + 720 x $15 / 1M + 2 searches x $10 / 1,000 = $0.01956 + $0.0108 + $0.02 = $0.05036
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.05036, abs=1e-12)


@pytest.mark.parametrize("sdk_tracing", [True, False], ids=["sdk-span", "our-span"])
def test_a_streamed_calls_web_searches_are_priced(tracing: Tracing, sdk_tracing: bool) -> None:
    options: Any = {"tracer_provider": tracing.tracer_provider} if sdk_tracing else False
    with sync_client("sonnet_web_search_stream", sdk_tracing=options) as client:
        with client.messages.stream(model=SONNET, max_tokens=1024, messages=MESSAGES) as stream:
            stream.until_done()

    attributes = attributes_of(only_span(tracing))
    assert attributes["llmcost.usage.web_search_calls"] == 2
    assert attributes["gen_ai.usage.output_tokens"] == 720
    # 6,520 x $3 / 1M + 720 x $15 / 1M + 2 searches x $10 / 1,000 = $0.05036
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(0.05036, abs=1e-12)
