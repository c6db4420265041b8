"""Content capture on streamed Claude answers: the text, thinking and tool calls the stream delivered.

Recorded Messages API streams (``recordings/anthropic``) replayed through the real SDK client, with the
instrumentor's ``capture_content`` on (the ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` default is off).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from anthropic_support import MESSAGES, SONNET, async_client, attributes_of, only_span, sync_client
from otel_llmcost.instrumentation.anthropic import AnthropicInstrumentor

if TYPE_CHECKING:
    from conftest import Tracing

ANSWER = (
    "Thanks for reaching out! I've checked your account and the duplicate charge was a pending authorisation:"
    " it will drop off within 3-5 business days."
)


@pytest.fixture
def capturing(tracing: Tracing) -> Iterator[None]:
    instrumentor = AnthropicInstrumentor()
    instrumentor.instrument(
        tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider, capture_content=True
    )
    yield
    instrumentor.uninstrument()


def _output(tracing: Tracing) -> list[dict[str, Any]]:
    output: list[dict[str, Any]] = json.loads(attributes_of(only_span(tracing))["gen_ai.output.messages"])
    return output


@pytest.mark.usefixtures("capturing")
def test_a_stream_read_to_the_end_records_its_answer(tracing: Tracing) -> None:
    with sync_client("sonnet_stream") as client:
        for _ in client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True):
            pass
    assert _output(tracing) == [
        {"role": "assistant", "parts": [{"type": "text", "content": ANSWER}], "finish_reason": "end_turn"}
    ]


@pytest.mark.usefixtures("capturing")
def test_the_stream_helper_records_its_answer(tracing: Tracing) -> None:
    async def call() -> None:
        async with (
            async_client("sonnet_stream") as client,
            client.messages.stream(model=SONNET, max_tokens=1024, messages=MESSAGES) as stream,
        ):
            await stream.until_done()

    asyncio.run(call())
    assert _output(tracing)[0]["parts"] == [{"type": "text", "content": ANSWER}]


@pytest.mark.usefixtures("capturing")
def test_a_stream_left_early_records_what_it_delivered(tracing: Tracing) -> None:
    with sync_client("sonnet_stream") as client:
        stream = client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True)
        deltas = 0
        for event in stream:
            deltas += event.type == "content_block_delta"
            if deltas == 2:
                break
        stream.close()
    # No message_delta came: no finish reason.
    assert _output(tracing) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "Thanks for reaching out!"}]}
    ]


@pytest.mark.usefixtures("capturing")
def test_a_streamed_server_tool_call_records_its_arguments(tracing: Tracing) -> None:
    with sync_client("sonnet_web_search_stream") as client:
        for _ in client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True):
            pass
    (message,) = _output(tracing)
    assert message["parts"] == [
        {
            "type": "tool_call",
            "id": "srvtoolu_01WYG3ziw53XMcoyKL4XcZmE",
            "name": "web_search",
            "arguments": {"query": "card authorisation hold duration"},
        },
        {"type": "web_search_tool_result"},
        {"type": "text", "content": "Authorisation holds usually drop off within 3-5 business days."},
    ]
    assert message["finish_reason"] == "end_turn"


@pytest.mark.usefixtures("instrumented")
def test_a_stream_records_no_content_unless_asked(tracing: Tracing) -> None:
    with sync_client("sonnet_stream") as client:
        for _ in client.messages.create(model=SONNET, max_tokens=1024, messages=MESSAGES, stream=True):
            pass
    assert "gen_ai.output.messages" not in attributes_of(only_span(tracing))
