"""Chat Completions through the real openai SDK: create (sync, async, streamed), parse, stream(), raw responses.

Recorded responses (``recordings/openai/chat_*``) replay through the SDK's own HTTP client. Every stream exit
path ends the span once: exhausted, ``break`` then dropped, ``close()``, ``with``, never iterated, an error.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx2
import openai
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from openai_support import (
    CHAT_GPT_4O_MINI,
    CHAT_REQUEST,
    MESSAGES,
    Billing,
    Traced,
    assert_attributes,
    async_client,
    body,
    client,
    instrumented,
    openai_recording,
)
from otel_llmcost.instrumentation.openai import _chat

if TYPE_CHECKING:
    from conftest import Tracing


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


REQUEST = CHAT_REQUEST
CHAT = CHAT_GPT_4O_MINI
STREAM_RESPONSE = {
    "gen_ai.response.id": "chatcmpl-CYr5aK7nWq2xT9vL4mZ1bR8pJd3sH",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "openai.response.service_tier": "default",
    "openai.response.system_fingerprint": "fp_560af6e559",
}
# chat_gpt_4o_mini_stream: 71 chunks, the last one with no choices and the usage (asked with include_usage).
STREAM = {
    **REQUEST,
    **STREAM_RESPONSE,
    "gen_ai.response.finish_reasons": ("stop",),
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 200,
    "gen_ai.usage.cache_read.input_tokens": 400,
}
STREAM_CHUNKS = 71
INCLUDE_USAGE = {"include_usage": True}

# chat_stream_no_usage: no usage chunk. tiktoken (o200k_base) counts, the OpenAI cookbook's way:
#   input  = 3 (reply primer) + 3 (per message) + 1 ("user") + 8 (the question) = 15
#   output = 22 tokens of "Your plan changed on November 14, so this month shows ... Team charge."
NO_USAGE = {
    **REQUEST,
    "gen_ai.response.id": "chatcmpl-CYr7pQ3vLx8nT2mK5wZ9bR1dJh4sF",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "openai.response.service_tier": "default",
    "openai.response.system_fingerprint": "fp_560af6e559",
    "gen_ai.response.finish_reasons": ("stop",),
    "gen_ai.usage.input_tokens": 15,
    "gen_ai.usage.output_tokens": 22,
    "llmcost.usage.status": "estimated",
}
# The same stream left after its first four chunks: "" then "Your plan changed" (3 tokens).
NO_USAGE_AFTER_BREAK = {
    **REQUEST,
    "gen_ai.response.id": "chatcmpl-CYr7pQ3vLx8nT2mK5wZ9bR1dJh4sF",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "openai.response.service_tier": "default",
    "openai.response.system_fingerprint": "fp_560af6e559",
    "gen_ai.usage.input_tokens": 15,
    "gen_ai.usage.output_tokens": 3,
    "llmcost.usage.status": "estimated",
}
# A stream never iterated: the request was sent and its prompt billed; nothing was received.
NEVER_READ = {
    **REQUEST,
    "gen_ai.usage.input_tokens": 15,
    "gen_ai.usage.output_tokens": 0,
    "llmcost.usage.status": "estimated",
}


def check_call(span: ReadableSpan, expected: dict[str, object]) -> None:
    assert span.name == "chat gpt-4o-mini"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    assert_attributes(span, expected)


def test_create_records_the_call_its_response_and_usage(traced: Traced) -> None:
    sdk, replay = client(openai_recording("chat_gpt_4o_mini"))

    completion = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert completion.id == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    assert len(replay.requests) == 1
    check_call(traced.span(), CHAT)


def test_create_records_the_sampling_parameters_at_start(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini"))

    sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        temperature=1,
        top_p=0.9,
        max_completion_tokens=300,
        frequency_penalty=0.5,
        presence_penalty=0,
        stop="END",
        seed=42,
        n=2,
        service_tier="flex",
        response_format={"type": "json_object"},
    )

    check_call(
        traced.span(),
        {
            **CHAT,
            "gen_ai.request.temperature": 1.0,
            "gen_ai.request.top_p": 0.9,
            "gen_ai.request.max_tokens": 300,
            "gen_ai.request.frequency_penalty": 0.5,
            "gen_ai.request.presence_penalty": 0.0,
            "gen_ai.request.stop_sequences": ("END",),
            "gen_ai.request.seed": 42,
            "gen_ai.request.choice.count": 2,
            "openai.request.service_tier": "flex",
            "gen_ai.output.type": "json",
        },
    )


def test_service_tier_auto_is_not_a_requested_tier(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini"))

    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, service_tier="auto", max_tokens=50)

    check_call(traced.span(), {**CHAT, "gen_ai.request.max_tokens": 50})


def test_async_create_records_the_call(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_gpt_4o_mini"))

    completion = run(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES))

    assert completion.id == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    check_call(traced.span(), CHAT)


def test_the_span_is_current_while_the_sdk_sends(traced: Traced) -> None:
    seen: list[tuple[int, int | None]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        from opentelemetry import trace

        current = trace.get_current_span()
        parent = getattr(current, "parent", None)
        seen.append((current.get_span_context().span_id, parent.span_id if parent is not None else None))
        return openai_recording("chat_gpt_4o_mini")

    sdk = openai.OpenAI(
        api_key="test", max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(handler))
    )
    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    # Our span, or a span under it (an HTTP client instrumentation's) when one is on.
    ours = traced.span().context.span_id
    ((current, parent),) = seen
    assert ours in (current, parent)


@pytest.mark.parametrize(
    ("recording", "model", "usage"),
    [
        pytest.param(
            "chat_o4_mini_reasoning",
            "o4-mini-2025-04-16",
            {
                "gen_ai.usage.input_tokens": 812,
                "gen_ai.usage.output_tokens": 1456,
                "gen_ai.usage.cache_read.input_tokens": 0,  # reported as 0, so recorded as 0
                "gen_ai.usage.reasoning.output_tokens": 1280,
            },
            id="reasoning",
        ),
        pytest.param(
            "chat_gpt_4o_audio",
            "gpt-4o-audio-preview-2025-06-03",
            {
                "gen_ai.usage.input_tokens": 58,
                "gen_ai.usage.output_tokens": 312,
                "gen_ai.usage.cache_read.input_tokens": 0,
                "gen_ai.usage.audio.input_tokens": 40,
                "gen_ai.usage.audio.output_tokens": 254,
                "gen_ai.usage.text.input_tokens": 18,  # 58 - 40 audio
                "gen_ai.usage.text.output_tokens": 58,  # 312 - 254 audio
            },
            id="audio",
        ),
    ],
)
def test_usage_details_are_recorded(traced: Traced, recording: str, model: str, usage: dict[str, int]) -> None:
    sdk, _ = client(openai_recording(recording))

    completion = sdk.chat.completions.create(model=model, messages=MESSAGES)

    attributes = dict(traced.span().attributes or {})
    assert {
        key: value for key, value in attributes.items() if key.startswith(("gen_ai.usage.", "llmcost.usage."))
    } == usage
    assert attributes["gen_ai.response.id"] == completion.id


def test_stream_with_its_usage_chunk(traced: Traced) -> None:
    sdk, replay = client(openai_recording("chat_gpt_4o_mini_stream"))

    stream = sdk.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options=INCLUDE_USAGE
    )
    assert isinstance(stream, openai.Stream)
    assert traced.spans() == []
    chunks = list(stream)

    assert len(chunks) == STREAM_CHUNKS
    assert chunks[-1].usage is not None
    assert chunks[-1].choices == []
    assert body(replay.requests[0])["stream_options"] == INCLUDE_USAGE
    check_call(traced.span(), STREAM)


def test_async_stream_with_its_usage_chunk(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_gpt_4o_mini_stream"))

    async def read() -> list[Any]:
        stream = await sdk.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options=INCLUDE_USAGE
        )
        assert isinstance(stream, openai.AsyncStream)
        return [chunk async for chunk in stream]

    assert len(run(read())) == STREAM_CHUNKS
    check_call(traced.span(), STREAM)


def test_stream_time_to_first_chunk_is_measured(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini_stream"))

    list(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options=INCLUDE_USAGE))

    (point,) = traced.histograms()["gen_ai.client.operation.time_to_first_chunk"]
    assert point.count == 1
    assert dict(point.attributes or {}) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "server.address": "api.openai.com",
        "server.port": 443,
    }


def test_stream_without_usage_is_estimated_with_tiktoken(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    chunks = list(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))

    assert len(chunks) == 22
    check_call(traced.span(), NO_USAGE)


def test_stream_without_usage_and_without_an_encoding_is_partial(
    traced: Traced, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_chat, "estimate_chat", lambda *args, **kwargs: None)
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    list(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))

    # 20 chunks carried text: at least 20 output tokens; nothing is known of the input.
    check_call(
        traced.span(),
        {
            **{key: value for key, value in NO_USAGE.items() if not key.startswith("gen_ai.usage.")},
            "gen_ai.usage.input_tokens": 0,
            "gen_ai.usage.output_tokens": 20,
            "llmcost.usage.status": "partial",
            "llmcost.reason": "estimate_unavailable",
            "llmcost.reason.detail": "the request's input could not be read, so its tokens could not be counted",
        },
    )


def test_stream_left_with_break_ends_when_dropped(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    stream = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    for index, _chunk in enumerate(stream):
        if index == 3:
            break
    assert traced.spans() == []
    del stream
    gc.collect()

    check_call(traced.span(), NO_USAGE_AFTER_BREAK)


def test_stream_closed_early_ends_at_close(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    stream = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    for index, _chunk in enumerate(stream):
        if index == 3:
            break
    stream.close()
    stream.close()

    check_call(traced.span(), NO_USAGE_AFTER_BREAK)


def test_stream_in_a_with_block_ends_on_exit(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    with sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True) as stream:
        for index, _chunk in enumerate(stream):
            if index == 3:
                break
    check_call(traced.span(), NO_USAGE_AFTER_BREAK)


def test_an_error_in_the_with_block_is_the_streams_error(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    def read() -> None:
        with sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True) as stream:
            for index, _chunk in enumerate(stream):
                if index == 3:
                    raise KeyError("the user's own bug")

    with pytest.raises(KeyError):
        read()

    span = traced.span()
    assert span.status.status_code is StatusCode.ERROR
    assert_attributes(span, {**NO_USAGE_AFTER_BREAK, "error.type": "KeyError"})


def test_async_stream_left_with_break_and_closed(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_stream_no_usage"))

    async def read() -> None:
        stream = await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        index = 0
        async for _chunk in stream:
            if index == 3:
                break
            index += 1
        await stream.close()

    run(read())
    check_call(traced.span(), NO_USAGE_AFTER_BREAK)


def test_async_stream_in_an_async_with_block(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_stream_no_usage"))

    async def read() -> int:
        async with await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True) as stream:
            return len([chunk async for chunk in stream])

    assert run(read()) == 22
    check_call(traced.span(), NO_USAGE)


def test_stream_never_iterated_still_ends(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    stream = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    del stream
    gc.collect()

    check_call(traced.span(), NEVER_READ)


async def _slow_sse(first: bytes, release: asyncio.Event) -> AsyncIterator[bytes]:
    yield first
    await release.wait()


def test_cancelled_async_stream_ends_with_the_cancellation(traced: Traced) -> None:
    sse = openai_recording("chat_stream_no_usage").content
    head = sse[: sse.index(b"\n\n", sse.index(b"Your")) + 2]  # the role chunk and "Your"

    async def scenario() -> None:
        release = asyncio.Event()

        def handler(request: httpx2.Request) -> httpx2.Response:
            return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=_slow_sse(head, release))

        sdk = openai.AsyncOpenAI(
            api_key="test", max_retries=0, http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
        )
        stream = await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)

        async def consume() -> None:
            async for _chunk in stream:
                pass

        task = asyncio.create_task(consume())
        for _ in range(20):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.set()
        await stream.close()

    run(scenario())
    span = traced.span()
    assert span.status.status_code is StatusCode.ERROR
    assert_attributes(
        span,
        {
            **NEVER_READ,
            "gen_ai.response.id": "chatcmpl-CYr7pQ3vLx8nT2mK5wZ9bR1dJh4sF",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "openai.response.service_tier": "default",
            "openai.response.system_fingerprint": "fp_560af6e559",
            "gen_ai.usage.output_tokens": 1,
            "error.type": "CancelledError",
        },
    )


def test_request_stream_usage_asks_for_it_and_hides_the_extra_chunk() -> None:
    with instrumented(request_stream_usage=True) as traced:
        sdk, replay = client(openai_recording("chat_gpt_4o_mini_stream"))

        chunks = list(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))

        assert body(replay.requests[0])["stream_options"] == INCLUDE_USAGE
        assert len(chunks) == STREAM_CHUNKS - 1
        assert all(chunk.choices for chunk in chunks)
        check_call(traced.span(), STREAM)


def test_request_stream_usage_leaves_a_callers_choice_alone() -> None:
    with instrumented(request_stream_usage=True) as traced:
        sdk, replay = client(openai_recording("chat_gpt_4o_mini_stream"))

        chunks = list(
            sdk.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options=INCLUDE_USAGE
            )
        )

        assert body(replay.requests[0])["stream_options"] == INCLUDE_USAGE
        assert len(chunks) == STREAM_CHUNKS
        check_call(traced.span(), STREAM)


def test_request_stream_usage_asks_only_providers_known_to_accept_it() -> None:
    with instrumented(request_stream_usage=True) as traced:
        sdk, replay = client(openai_recording("chat_groq_stream"), base_url="https://api.groq.com/openai/v1")

        chunks = list(sdk.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES, stream=True))

        assert "stream_options" not in body(replay.requests[0])
        assert len(chunks) == 12
        attributes = dict(traced.span().attributes or {})
        assert attributes["gen_ai.provider.name"] == "groq"
        # Groq's usage, from x_groq in the last chunk.
        assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (48, 11)
        assert "llmcost.usage.status" not in attributes


def test_with_raw_response_records_the_call_once(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini"))

    raw = sdk.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)

    check_call(traced.span(), CHAT)
    assert raw.headers["x-request-id"] == "req_5c1f0e7a9b3d4c62a8e1f07b2d9c4a13"
    completion = raw.parse()
    assert completion is raw.parse()
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 1000
    assert len(traced.spans()) == 1


def test_async_with_raw_response(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_gpt_4o_mini"))

    async def call() -> Any:
        raw = await sdk.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
        return raw.parse()

    assert run(call()).id == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    check_call(traced.span(), CHAT)


def test_with_raw_response_of_a_stream_ends_with_the_stream(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini_stream"))

    raw = sdk.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options=INCLUDE_USAGE
    )
    stream = raw.parse()
    assert raw.parse() is stream
    assert isinstance(stream, openai.Stream)
    del raw
    gc.collect()
    assert traced.spans() == []
    assert len(list(stream)) == STREAM_CHUNKS

    check_call(traced.span(), STREAM)


def test_with_streaming_response_ends_when_parsed(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini"))

    with sdk.chat.completions.with_streaming_response.create(model="gpt-4o-mini", messages=MESSAGES) as response:
        assert traced.spans() == []
        completion = response.parse()

    assert completion.id == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    check_call(traced.span(), CHAT)


def test_async_with_streaming_response_ends_when_parsed(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_gpt_4o_mini"))

    async def call() -> Any:
        async with sdk.chat.completions.with_streaming_response.create(
            model="gpt-4o-mini", messages=MESSAGES
        ) as response:
            return await response.parse()

    assert run(call()).id == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    check_call(traced.span(), CHAT)


def test_with_streaming_response_read_another_way_ends_with_the_usage_of_the_body_read(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini"))

    with sdk.chat.completions.with_streaming_response.create(model="gpt-4o-mini", messages=MESSAGES) as response:
        assert b"chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE" in response.read()

    check_call(traced.span(), CHAT)


def test_with_streaming_response_of_a_stream(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini_stream"))

    with sdk.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options=INCLUDE_USAGE
    ) as response:
        assert len(list(response.parse())) == STREAM_CHUNKS

    check_call(traced.span(), STREAM)


def test_with_streaming_response_of_a_stream_left_early_ends_at_close(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    with sdk.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    ) as response:
        for index, _chunk in enumerate(response.parse()):
            if index == 3:
                break
        assert traced.spans() == []

    check_call(traced.span(), NO_USAGE_AFTER_BREAK)


PARSED = {
    **REQUEST,
    "gen_ai.output.type": "json",
    "gen_ai.response.id": "chatcmpl-CYr8kM2nV6xQ1wT9zL4bP7dR3sJ",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ("stop",),
    "openai.response.service_tier": "default",
    "openai.response.system_fingerprint": "fp_560af6e559",
    "gen_ai.usage.input_tokens": 142,
    "gen_ai.usage.output_tokens": 38,
    "gen_ai.usage.cache_read.input_tokens": 0,  # the API reported cached_tokens 0
}


def test_parse_is_one_span(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_parse_billing"))

    completion = sdk.chat.completions.parse(model="gpt-4o-mini", messages=MESSAGES, response_format=Billing)

    parsed = completion.choices[0].message.parsed
    assert parsed is not None
    assert parsed.charged_twice is False
    check_call(traced.span(), PARSED)


def test_async_parse_is_one_span(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_parse_billing"))

    completion = run(sdk.chat.completions.parse(model="gpt-4o-mini", messages=MESSAGES, response_format=Billing))

    assert completion.choices[0].message.parsed is not None
    check_call(traced.span(), PARSED)


def test_parse_with_raw_response_is_one_span(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_parse_billing"))

    raw = sdk.chat.completions.with_raw_response.parse(model="gpt-4o-mini", messages=MESSAGES, response_format=Billing)

    assert raw.parse().choices[0].message.parsed is not None
    check_call(traced.span(), PARSED)


def test_stream_helper_is_one_span_ended_when_the_with_block_ends(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    with sdk.chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES) as stream:
        for index, _event in enumerate(stream):
            if index == 3:
                break
        assert traced.spans() == []
    check_call(traced.span(), {**NO_USAGE_AFTER_BREAK, "gen_ai.usage.output_tokens": 1})
    assert stream is not None


def test_stream_helper_read_to_the_end(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini_stream"))

    with sdk.chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES, stream_options=INCLUDE_USAGE) as stream:
        completion = stream.get_final_completion()

    assert completion.usage is not None
    check_call(traced.span(), STREAM)


def test_async_stream_helper(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_stream_no_usage"))

    async def read() -> None:
        async with sdk.chat.completions.stream(model="gpt-4o-mini", messages=MESSAGES) as stream:
            index = 0
            async for _event in stream:
                if index == 3:
                    break
                index += 1

    run(read())
    check_call(traced.span(), {**NO_USAGE_AFTER_BREAK, "gen_ai.usage.output_tokens": 1})


# chat_gpt_4o_mini priced by CostSpanProcessor from the instrumentor's attributes:
#   input         600 x $0.15  / 1M = $0.00009
#   cached input  400 x $0.075 / 1M = $0.00003
#   output        200 x $0.60  / 1M = $0.00012
#   total                             $0.00024
CHAT_COST = 0.00024


@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
def test_the_cost_processor_prices_the_call(priced: Tracing, stream: bool) -> None:
    if stream:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini_stream"))
        list(
            sdk.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options=INCLUDE_USAGE
            )
        )
    else:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini"))
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.usage.cost.amount"] == CHAT_COST
    assert Decimal(repr(attributes["gen_ai.usage.cost.amount"])) == Decimal("0.00024")
    assert attributes["gen_ai.usage.cost.currency"] == "USD"
    assert attributes["gen_ai.usage.cost.source"] == "local"
    assert attributes["llmcost.status"] == "priced"
    assert attributes["llmcost.price.entry"] == "openai/gpt-4o-mini"
    assert attributes["llmcost.cost.input"] == 0.00009
    assert attributes["llmcost.cost.cache_read"] == 0.00003
    assert attributes["llmcost.cost.output"] == 0.00012


def test_the_cost_processor_marks_an_estimated_stream(priced: Tracing) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))
    list(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))

    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    # 15 x $0.15 / 1M + 22 x $0.60 / 1M = $0.00000225 + $0.0000132 = $0.00001545
    assert attributes["llmcost.status"] == "estimated"
    assert Decimal(repr(attributes["gen_ai.usage.cost.amount"])) == Decimal("0.00001545")


def test_async_with_streaming_response_read_another_way_ends_at_close(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_gpt_4o_mini"))

    async def call() -> bytes:
        async with sdk.chat.completions.with_streaming_response.create(
            model="gpt-4o-mini", messages=MESSAGES
        ) as response:
            return await response.read()

    assert b"chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE" in run(call())
    check_call(traced.span(), CHAT)


def test_a_raw_response_never_parsed_nor_closed_ends_when_dropped(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini_stream"))

    raw = sdk.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    assert raw.headers["x-request-id"] == "req_a04d92c7e5f1483b9c6e2d8f1b7a5c30"
    del raw
    gc.collect()

    check_call(traced.span(), NEVER_READ)
