"""generate_content_stream, sync and aio: the span ends once on every way out of the stream, with the exact cost.

flash_stream sends three chunks: the first two carry the prompt's count (1,200 tokens; the second also the 500
thinking tokens so far), the last one, with ``finishReason``, the whole usage: 1,200 in, 300 answer and 500
thinking tokens out. A stream left before its last chunk has the answer seen so far counted with tiktoken
(``estimated``). Prices: gemini-2.5-flash, input $0.30 and output (thinking included) $2.50 per million tokens.
"""

from __future__ import annotations

import asyncio
import gc
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
import tiktoken
from opentelemetry.trace import StatusCode

from google_genai_support import (
    HAS_RESPONSE_ID,
    MILLION,
    RECORDINGS,
    client,
    cut_after,
    hanging_after,
    instrumented,
    only_span,
    recorded,
    usage_of,
    usd,
)

if TYPE_CHECKING:
    from conftest import Tracing

MODEL = "gemini-2.5-flash"
PROMPT = "Why was I charged twice this month?"
THINKING_COST = 1200 * Decimal("0.30") / MILLION + (300 + 500) * Decimal("2.50") / MILLION  # $0.00236
REPORTED = {
    "gen_ai.usage.input_tokens": 1200,
    "gen_ai.usage.output_tokens": 800,
    "gen_ai.usage.reasoning.output_tokens": 500,
}


def _texts(events: int) -> list[str]:
    """The answer's text in the first ``events`` chunks of the recording."""
    raw = (RECORDINGS / "flash_stream.sse").read_bytes().decode().split("\r\n\r\n")[:events]
    return [json.loads(event.removeprefix("data: "))["candidates"][0]["content"]["parts"][0]["text"] for event in raw]


def _counted(events: int) -> int:
    """tiktoken's o200k_base count of the answer text seen in ``events`` chunks, piece by piece."""
    encoding = tiktoken.get_encoding("o200k_base")
    return sum(len(encoding.encode_ordinary(text)) for text in _texts(events))


def _assert_reported(tracing: Tracing) -> None:
    span = only_span(tracing)
    attributes = dict(span.attributes or {})
    assert span.name == "generate_content gemini-2.5-flash"
    assert attributes["gen_ai.provider.name"] == "gcp.gemini"
    assert attributes.get("gen_ai.response.id") == ("s2VkaLS4D8-Kz7IPr5ah2QM" if HAS_RESPONSE_ID else None)
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert usage_of(span) == REPORTED
    assert usd(attributes["gen_ai.usage.cost.amount"]) == THINKING_COST


def _assert_estimated(tracing: Tracing, events: int, reasoning: int, error: str | None = None) -> None:
    span = only_span(tracing)
    attributes = dict(span.attributes or {})
    answer = _counted(events)
    expected = {"gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": answer + reasoning}
    if reasoning:
        expected["gen_ai.usage.reasoning.output_tokens"] = reasoning
    assert usage_of(span) == {**expected, "llmcost.usage.status": "estimated"}
    cost = 1200 * Decimal("0.30") / MILLION + (answer + reasoning) * Decimal("2.50") / MILLION
    assert usd(attributes["gen_ai.usage.cost.amount"]) == cost
    assert "gen_ai.response.finish_reasons" not in attributes
    if error is None:
        assert "error.type" not in attributes
    else:
        assert attributes["error.type"] == error
        assert span.status.status_code is StatusCode.ERROR


def test_a_stream_read_to_the_end_reports_the_last_chunks_usage(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_stream"))
    with instrumented(tracing):
        texts = [chunk.text for chunk in sdk.models.generate_content_stream(model=MODEL, contents=PROMPT)]
    assert texts == _texts(3)
    _assert_reported(tracing)


def test_an_async_stream_read_to_the_end_reports_the_last_chunks_usage(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_stream"))

    async def read() -> list[str]:
        stream = await sdk.aio.models.generate_content_stream(model=MODEL, contents=PROMPT)
        return [chunk.text async for chunk in stream]

    with instrumented(tracing):
        assert asyncio.run(read()) == _texts(3)
    _assert_reported(tracing)


def test_a_stream_left_with_break_and_dropped_is_estimated(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_stream"))
    with instrumented(tracing):
        stream = sdk.models.generate_content_stream(model=MODEL, contents=PROMPT)
        for _ in stream:
            break
        assert tracing.exporter.get_finished_spans() == ()  # the user may still read on
        del stream
        gc.collect()
    _assert_estimated(tracing, events=1, reasoning=0)


def test_a_closed_stream_is_estimated_with_the_thinking_reported_so_far(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_stream"))
    with instrumented(tracing):
        stream = sdk.models.generate_content_stream(model=MODEL, contents=PROMPT)
        next(stream)
        next(stream)
        stream.close()
        stream.close()
        gc.collect()
    _assert_estimated(tracing, events=2, reasoning=500)


def test_a_connection_dropped_mid_stream_ends_the_span_with_the_error(tracing: Tracing) -> None:
    sdk, _ = client(cut_after("flash_stream", 1))
    with instrumented(tracing), pytest.raises(Exception, match="peer closed connection") as raised:
        for _ in sdk.models.generate_content_stream(model=MODEL, contents=PROMPT):
            pass
    assert type(raised.value).__name__ == "RemoteProtocolError"
    _assert_estimated(tracing, events=1, reasoning=0, error="RemoteProtocolError")


def test_an_async_stream_left_with_break_and_closed_is_estimated(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_stream"))

    async def read() -> None:
        stream = await sdk.aio.models.generate_content_stream(model=MODEL, contents=PROMPT)
        async for _ in stream:
            break
        await stream.aclose()

    with instrumented(tracing):
        asyncio.run(read())
        gc.collect()
    _assert_estimated(tracing, events=1, reasoning=0)


def test_an_async_stream_dropped_unfinished_is_estimated(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_stream"))

    async def read() -> None:
        stream = await sdk.aio.models.generate_content_stream(model=MODEL, contents=PROMPT)
        await anext(aiter(stream))
        await anext(aiter(stream))

    with instrumented(tracing):
        asyncio.run(read())  # asyncio.run closes the abandoned generators at the end
        gc.collect()
    _assert_estimated(tracing, events=2, reasoning=500)


def test_a_cancelled_async_stream_ends_the_span_with_the_cancellation(tracing: Tracing) -> None:
    sdk, _ = client(hanging_after("flash_stream", 1))

    async def read() -> None:
        first = asyncio.Event()

        async def consume() -> None:
            stream = await sdk.aio.models.generate_content_stream(model=MODEL, contents=PROMPT)
            async for _ in stream:
                first.set()

        task = asyncio.create_task(consume())
        await first.wait()
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with instrumented(tracing):
        asyncio.run(read())
        gc.collect()
    _assert_estimated(tracing, events=1, reasoning=0, error="CancelledError")


def test_an_async_stream_with_an_api_error_ends_the_span_with_its_status(tracing: Tracing) -> None:
    sdk, _ = client(recorded("error_429"))

    async def read() -> Any:
        stream = await sdk.aio.models.generate_content_stream(model=MODEL, contents=PROMPT)
        return [chunk async for chunk in stream]

    with instrumented(tracing), pytest.raises(Exception, match="RESOURCE_EXHAUSTED"):
        asyncio.run(read())
    span = only_span(tracing)
    assert dict(span.attributes or {})["error.type"] == "RESOURCE_EXHAUSTED"
    assert usage_of(span) == {}


def test_a_stream_never_read_sends_nothing_and_makes_no_span(tracing: Tracing) -> None:
    sdk, replay = client(recorded("flash_stream"))
    with instrumented(tracing):
        stream = sdk.models.generate_content_stream(model=MODEL, contents=PROMPT)
        del stream
        gc.collect()
    assert replay.requests == []
    assert tracing.exporter.get_finished_spans() == ()


def test_a_chat_streamed_message_is_one_span(tracing: Tracing) -> None:
    sdk, _ = client(recorded("flash_stream"))
    with instrumented(tracing):
        chat = sdk.chats.create(model=MODEL)
        for _ in chat.send_message_stream(PROMPT):
            pass
    _assert_reported(tracing)
