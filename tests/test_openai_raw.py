"""``with_streaming_response`` read by hand: ``read()``, ``text()``, ``json()``, ``iter_bytes()``, ``iter_text()``,
``iter_lines()`` instead of ``parse()``, sync and async, a JSON body and an event stream; and a ``with_raw_response``
stream read by its ``text`` or ``content``.

The user gets exactly what they would without the instrumentor; the call ends with the usage the body reports,
as soon as the body is whole (a JSON body) or exhausted (a stream), else when the response is closed or dropped.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import httpx2
import openai
import pytest
from opentelemetry.trace import StatusCode

from openai_support import (
    CHAT_GPT_4O_MINI,
    CHAT_REQUEST,
    MESSAGES,
    Traced,
    assert_attributes,
    async_client,
    client,
    instrumented,
    openai_recording,
)

INCLUDE_USAGE = {"include_usage": True}
STREAM_RESPONSE = {
    **CHAT_REQUEST,
    "gen_ai.response.id": "chatcmpl-CYr5aK7nWq2xT9vL4mZ1bR8pJd3sH",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "openai.response.service_tier": "default",
    "openai.response.system_fingerprint": "fp_560af6e559",
}
# chat_gpt_4o_mini_stream: 71 chunks, the last one with the usage (1,000 in of which 400 cached, 200 out).
STREAM = {
    **STREAM_RESPONSE,
    "gen_ai.response.finish_reasons": ("stop",),
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 200,
    "gen_ai.usage.cache_read.input_tokens": 400,
}
# chat_stream_no_usage after its first four events ("", "Your", " plan", " changed"), counted with tiktoken.
NO_USAGE_AFTER_FOUR = {
    **STREAM_RESPONSE,
    "gen_ai.response.id": "chatcmpl-CYr7pQ3vLx8nT2mK5wZ9bR1dJh4sF",
    "gen_ai.usage.input_tokens": 15,
    "gen_ai.usage.output_tokens": 3,
    "llmcost.usage.status": "estimated",
}
READS = ["read", "text", "json"]
ITERATIONS = ["iter_bytes", "iter_text", "iter_lines"]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def _by_hand(response: Any, method: str) -> Any:
    """What reading ``response`` with ``method`` gives the user."""
    if method in READS:
        return getattr(response, method)()
    return list(getattr(response, method)())


async def _async_by_hand(response: Any, method: str) -> Any:
    if method in READS:
        return await getattr(response, method)()
    return [piece async for piece in getattr(response, method)()]


def _chat(sdk: Any, stream: bool) -> Any:
    if stream:
        return sdk.chat.completions.with_streaming_response.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options=INCLUDE_USAGE
        )
    return sdk.chat.completions.with_streaming_response.create(model="gpt-4o-mini", messages=MESSAGES)


def _read(recording: str, method: str, stream: bool, traced: Traced | None) -> Any:
    """Read ``recording`` by hand with ``method``; the call has ended before the response is closed."""
    sdk, _ = client(openai_recording(recording))
    with _chat(sdk, stream) as response:
        got = _by_hand(response, method)
        if traced is not None:
            assert len(traced.spans()) == 1
    return got


def _async_read(recording: str, method: str, stream: bool, traced: Traced | None) -> Any:
    sdk, _ = async_client(openai_recording(recording))

    async def read() -> Any:
        async with _chat(sdk, stream) as response:
            got = await _async_by_hand(response, method)
            if traced is not None:
                assert len(traced.spans()) == 1
        return got

    return run(read())


@pytest.mark.parametrize("method", READS + ITERATIONS)
def test_a_json_body_read_by_hand_ends_the_call_with_its_usage(method: str) -> None:
    untraced = _read("chat_gpt_4o_mini", method, stream=False, traced=None)
    with instrumented() as traced:
        assert _read("chat_gpt_4o_mini", method, stream=False, traced=traced) == untraced

        assert_attributes(traced.span(), CHAT_GPT_4O_MINI)


@pytest.mark.parametrize("method", READS + ITERATIONS)
def test_an_async_json_body_read_by_hand_ends_the_call_with_its_usage(method: str) -> None:
    untraced = _async_read("chat_gpt_4o_mini", method, stream=False, traced=None)
    with instrumented() as traced:
        assert _async_read("chat_gpt_4o_mini", method, stream=False, traced=traced) == untraced

        assert_attributes(traced.span(), CHAT_GPT_4O_MINI)


@pytest.mark.parametrize("method", ["read", "text", *ITERATIONS])
def test_an_event_stream_read_by_hand_ends_the_call_with_its_usage(method: str) -> None:
    untraced = _read("chat_gpt_4o_mini_stream", method, stream=True, traced=None)
    with instrumented() as traced:
        assert _read("chat_gpt_4o_mini_stream", method, stream=True, traced=traced) == untraced

        assert_attributes(traced.span(), STREAM)
        (first_chunk,) = traced.histograms()["gen_ai.client.operation.time_to_first_chunk"]
        assert first_chunk.count == 1


@pytest.mark.parametrize("method", ["read", "text", *ITERATIONS])
def test_an_async_event_stream_read_by_hand_ends_the_call_with_its_usage(method: str) -> None:
    untraced = _async_read("chat_gpt_4o_mini_stream", method, stream=True, traced=None)
    with instrumented() as traced:
        assert _async_read("chat_gpt_4o_mini_stream", method, stream=True, traced=traced) == untraced

        assert_attributes(traced.span(), STREAM)


def _reframed(recording: str, frame: Callable[[bytes], bytes]) -> httpx2.Response:
    """``recording`` with its body rewritten by ``frame``."""
    original = openai_recording(recording)
    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=frame(original.content))


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("chunk_size", [1, 7, 4096])
def test_events_split_anywhere_across_pieces_are_read_whole(traced: Traced, line_end: bytes, chunk_size: int) -> None:
    sdk, _ = client(_reframed("chat_gpt_4o_mini_stream", lambda body: body.replace(b"\n", line_end)))

    with _chat(sdk, stream=True) as response:
        pieces = list(response.iter_bytes(chunk_size))
        assert len(traced.spans()) == 1

    assert b"".join(pieces).count(b"data: ") == 72
    assert_attributes(traced.span(), STREAM)


def test_comments_and_event_names_are_not_events(traced: Traced) -> None:
    def annotated(body: bytes) -> bytes:
        return b": keep-alive\n\n" + body.replace(b"data: {", b"event: chunk\nid: 7\ndata: {").replace(
            b"data: [DONE]", b"retry: 3000\n: bye\ndata: [DONE]"
        )

    sdk, _ = client(_reframed("chat_gpt_4o_mini_stream", annotated))

    with _chat(sdk, stream=True) as response:
        lines = list(response.iter_lines())
        assert len(traced.spans()) == 1

    assert lines[:3] == [": keep-alive", "", "event: chunk"]
    assert_attributes(traced.span(), STREAM)


def test_an_event_stream_left_early_ends_at_close_with_what_it_read(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    with sdk.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    ) as response:
        for index, _line in enumerate(response.iter_lines()):
            if index == 7:  # the blank line after the fourth event
                break
        assert traced.spans() == []

    assert_attributes(traced.span(), NO_USAGE_AFTER_FOUR)


def test_an_async_event_stream_left_early_ends_at_close(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_stream_no_usage"))

    async def read() -> None:
        async with sdk.chat.completions.with_streaming_response.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        ) as response:
            index = 0
            async for _line in response.iter_lines():
                if index == 7:
                    break
                index += 1
            assert traced.spans() == []

    run(read())
    assert_attributes(traced.span(), NO_USAGE_AFTER_FOUR)


def test_an_event_stream_dropped_unfinished_ends_when_collected(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    context = sdk.chat.completions.with_streaming_response.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    response = context.__enter__()
    lines = response.iter_lines()
    for _ in range(8):
        next(lines)
    assert traced.spans() == []
    del response, lines, context
    gc.collect()

    assert_attributes(traced.span(), NO_USAGE_AFTER_FOUR)


def test_an_error_event_read_by_hand_ends_the_call_with_it(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_stream_server_error"))

    with sdk.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    ) as response:
        lines = list(response.iter_lines())  # the user reads the error event as text: no exception

    assert [line for line in lines if line][-1].startswith('data: {"error":')
    span = traced.span()
    assert span.status.status_code is StatusCode.ERROR
    assert_attributes(
        span,
        {
            **STREAM_RESPONSE,
            "gen_ai.response.id": "chatcmpl-CYrC9hT4nK7wQ2xV5mZ8bL1dR6sJ",
            "gen_ai.usage.input_tokens": 15,
            "gen_ai.usage.output_tokens": 3,
            "llmcost.usage.status": "estimated",
            "error.type": "APIError",
        },
    )


def test_a_json_body_left_early_ends_at_close_without_usage(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini"))

    with _chat(sdk, stream=False) as response:
        next(iter(response.iter_bytes(64)))
        assert traced.spans() == []

    assert_attributes(traced.span(), CHAT_REQUEST)


def test_a_body_that_is_not_json_ends_the_call_without_usage(traced: Traced) -> None:
    sdk, _ = client(httpx2.Response(200, headers={"content-type": "application/json"}, content=b"<html>busy</html>"))

    with _chat(sdk, stream=False) as response:
        assert response.text() == "<html>busy</html>"
        assert len(traced.spans()) == 1

    assert_attributes(traced.span(), CHAT_REQUEST)


def test_parse_after_a_read_by_hand_is_the_sdks_and_the_call_is_one(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini"))

    with _chat(sdk, stream=False) as response:
        response.read()
        completion = response.parse()
        assert completion is response.parse()

    assert completion.usage is not None
    assert completion.usage.prompt_tokens == 1000
    assert_attributes(traced.span(), CHAT_GPT_4O_MINI)


def test_a_read_after_parse_changes_nothing(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini"))

    with _chat(sdk, stream=False) as response:
        response.parse()
        assert response.json()["usage"]["prompt_tokens"] == 1000

    assert_attributes(traced.span(), CHAT_GPT_4O_MINI)


SPEECH_INPUT = "Your plan changed on November 14."


def test_speech_read_by_hand_ends_the_call_with_its_characters(traced: Traced) -> None:
    audio = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 8
    sdk, _ = client(httpx2.Response(200, headers={"content-type": "audio/mpeg"}, content=audio))

    with sdk.audio.speech.with_streaming_response.create(model="tts-1", voice="alloy", input=SPEECH_INPUT) as response:
        assert b"".join(response.iter_bytes(512)) == audio
        assert len(traced.spans()) == 1

    attributes = dict(traced.span().attributes or {})
    assert attributes["llmcost.usage.input_characters"] == len(SPEECH_INPUT)


def test_a_raw_response_keeps_what_legacy_responses_lack(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini_stream"))

    raw = sdk.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)

    assert not hasattr(raw, "iter_lines")
    assert not hasattr(raw, "read")
    assert isinstance(raw.parse(), openai.Stream)


def _raw_stream(sdk: Any) -> Any:
    return sdk.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options=INCLUDE_USAGE
    )


@pytest.mark.parametrize("body", ["text", "content"])
def test_a_raw_stream_read_whole_by_its_text_or_content_ends_the_call_with_its_usage(body: str) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini_stream"))
    untraced = getattr(_raw_stream(sdk), body)
    with instrumented() as traced:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini_stream"))
        raw = _raw_stream(sdk)
        assert traced.spans() == []

        assert getattr(raw, body) == untraced
        assert_attributes(traced.span(), STREAM)
        assert getattr(raw, body) == untraced  # read again: the same body, the same one call
        chunks = list(raw.parse())  # and parsed after: the SDK's own stream, whole
        assert len(chunks) == 71
        assert chunks[-1].usage.prompt_tokens == 1000
        assert len(traced.spans()) == 1


def test_an_async_raw_stream_read_by_its_text_ends_when_the_response_is_dropped(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_gpt_4o_mini_stream"))

    async def read() -> str:
        raw = await _raw_stream(sdk)
        text: str = raw.text  # a property: the events cannot be awaited here, so the call waits for the drop
        assert traced.spans() == []
        return text

    assert run(read()).count("data: ") == 72
    gc.collect()
    attributes = dict(traced.span().attributes or {})
    assert attributes["llmcost.usage.status"] == "estimated"
    assert attributes["gen_ai.usage.output_tokens"] == 0
