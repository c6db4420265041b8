"""Failed calls: the user gets the SDK's own exception, unchanged; the span says what failed and ends once.

``error.type`` is the API's error code when it gives one (``rate_limit_exceeded``), else the exception's class
name. A call the SDK retried is one span with ``http.request.resend_count``.
"""

from __future__ import annotations

import asyncio

import httpx2
import openai
import pytest
from opentelemetry.trace import StatusCode

from openai_support import (
    CHAT_GPT_4O_MINI,
    CHAT_REQUEST,
    MESSAGES,
    OPENAI_SERVER,
    Traced,
    assert_attributes,
    async_client,
    client,
    instrumented,
    openai_recording,
)

REQUEST = CHAT_REQUEST
CHAT = CHAT_GPT_4O_MINI


@pytest.mark.parametrize(
    ("recording", "exception", "error_type"),
    [
        ("chat_error_400", openai.BadRequestError, "empty_array"),
        ("chat_error_401", openai.AuthenticationError, "invalid_api_key"),
        ("chat_error_404", openai.NotFoundError, "model_not_found"),
        ("chat_error_429", openai.RateLimitError, "rate_limit_exceeded"),
        ("chat_error_500", openai.InternalServerError, "InternalServerError"),  # no code in the body
    ],
)
def test_an_api_error_is_raised_as_is_and_recorded(
    traced: Traced, recording: str, exception: type[openai.APIStatusError], error_type: str
) -> None:
    sdk, _ = client(openai_recording(recording))

    with pytest.raises(exception) as raised:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    span = traced.span()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == str(raised.value)
    # A 500 came after the request reached the provider, which may have billed it (llmcost.retry.maybe_billed).
    maybe_billed = {"llmcost.retry.maybe_billed": 1} if recording == "chat_error_500" else {}
    assert_attributes(span, {**REQUEST, "error.type": error_type, **maybe_billed})
    (duration,) = traced.histograms()["gen_ai.client.operation.duration"]
    assert dict(duration.attributes or {}) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        **OPENAI_SERVER,
        "error.type": error_type,
    }
    assert "gen_ai.client.token.usage" not in traced.histograms()


def _raised(sdk: openai.OpenAI) -> openai.APIStatusError:
    try:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    except openai.APIStatusError as error:
        return error
    raise AssertionError("the call did not fail")


def _shape(error: BaseException) -> tuple[object, ...]:
    return (type(error), str(error), getattr(error, "code", None), error.__cause__, type(error.__context__))


def test_the_user_gets_the_same_exception_as_without_instrumentation() -> None:
    bare, _ = client(openai_recording("chat_error_429"))
    expected = _shape(_raised(bare))

    with instrumented():
        sdk, _ = client(openai_recording("chat_error_429"))
        assert _shape(_raised(sdk)) == expected


def test_async_api_error(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_error_401"))

    with pytest.raises(openai.AuthenticationError):
        asyncio.run(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES))

    assert_attributes(traced.span(), {**REQUEST, "error.type": "invalid_api_key"})


def test_a_retried_call_is_one_span_with_its_resend_count(traced: Traced) -> None:
    sdk, replay = client(openai_recording("chat_error_429"), openai_recording("chat_gpt_4o_mini"), max_retries=1)

    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert len(replay.requests) == 2
    span = traced.span()
    assert span.status.status_code is StatusCode.UNSET
    assert_attributes(span, {**CHAT, "http.request.resend_count": 1})


def test_an_async_retried_call(traced: Traced) -> None:
    sdk, replay = async_client(openai_recording("chat_error_429"), openai_recording("chat_gpt_4o_mini"), max_retries=1)

    asyncio.run(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES))

    assert len(replay.requests) == 2
    assert_attributes(traced.span(), {**CHAT, "http.request.resend_count": 1})


def test_retries_that_all_fail(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_error_429"), openai_recording("chat_error_429"), max_retries=1)

    with pytest.raises(openai.RateLimitError):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert_attributes(traced.span(), {**REQUEST, "error.type": "rate_limit_exceeded", "http.request.resend_count": 1})


def _timeout(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ReadTimeout("timed out", request=request)


def test_a_timeout(traced: Traced) -> None:
    sdk = openai.OpenAI(
        api_key="test", max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(_timeout))
    )

    with pytest.raises(openai.APITimeoutError):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    span = traced.span()
    assert span.status.status_code is StatusCode.ERROR
    assert_attributes(span, {**REQUEST, "error.type": "APITimeoutError", "llmcost.retry.maybe_billed": 1})


def test_a_timeout_then_a_success(traced: Traced, monkeypatch: pytest.MonkeyPatch) -> None:
    # No header paces a retry after a timeout: the SDK backs off from INITIAL_RETRY_DELAY seconds.
    monkeypatch.setattr(openai._base_client, "INITIAL_RETRY_DELAY", 0.001)
    answers = [_timeout, lambda request: openai_recording("chat_gpt_4o_mini")]

    def handler(request: httpx2.Request) -> httpx2.Response:
        return answers.pop(0)(request)

    sdk = openai.OpenAI(
        api_key="test",
        max_retries=1,
        timeout=httpx2.Timeout(1.0),
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )
    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert_attributes(traced.span(), {**CHAT, "http.request.resend_count": 1, "llmcost.retry.maybe_billed": 1})


def test_a_malformed_body(traced: Traced) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        truncated = openai_recording("chat_gpt_4o_mini").content[:120]
        return httpx2.Response(200, headers={"content-type": "application/json"}, content=truncated)

    sdk = openai.OpenAI(
        api_key="test", max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(handler))
    )

    with pytest.raises(ValueError, match="Unterminated string"):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert_attributes(traced.span(), {**REQUEST, "error.type": "JSONDecodeError"})


def test_an_error_inside_a_stream(traced: Traced) -> None:
    sdk, _ = client(openai_recording("chat_stream_server_error"))
    received: list[object] = []

    stream = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    with pytest.raises(openai.APIError, match="The server had an error"):
        received.extend(stream)

    assert len(received) == 4
    span = traced.span()
    assert span.status.status_code is StatusCode.ERROR
    # What arrived before the error is billed: counted with tiktoken (15 in, "Your plan changed" 3 out).
    assert_attributes(
        span,
        {
            **REQUEST,
            "gen_ai.response.id": "chatcmpl-CYrC9hT4nK7wQ2xV5mZ8bL1dR6sJ",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "openai.response.service_tier": "default",
            "openai.response.system_fingerprint": "fp_560af6e559",
            "gen_ai.usage.input_tokens": 15,
            "gen_ai.usage.output_tokens": 3,
            "llmcost.usage.status": "estimated",
            "error.type": "APIError",
        },
    )


def test_a_bad_argument_fails_in_the_sdk_and_is_recorded(traced: Traced) -> None:
    sdk, replay = client(openai_recording("chat_gpt_4o_mini"))

    with pytest.raises(TypeError):
        sdk.chat.completions.create(model="gpt-4o-mini")  # type: ignore[call-overload]  # no messages

    assert replay.requests == []
    assert_attributes(traced.span(), {**REQUEST, "error.type": "TypeError"})


def _wav() -> tuple[str, bytes, str]:
    return ("question.wav", b"RIFF$\x00\x00\x00WAVE", "audio/wav")


SURFACE_CALLS = {
    "embeddings": lambda sdk: sdk.embeddings.create(model="text-embedding-3-small", input="Why?"),
    "responses": lambda sdk: sdk.responses.create(model="gpt-4o-mini", input="Why?"),
    "transcription": lambda sdk: sdk.audio.transcriptions.create(model="whisper-1", file=_wav()),
    "speech": lambda sdk: sdk.audio.speech.create(model="tts-1", voice="alloy", input="Why?"),
    "image_generation": lambda sdk: sdk.images.generate(model="dall-e-3", prompt="Why?"),
    "moderation": lambda sdk: sdk.moderations.create(model="omni-moderation-latest", input="Why?"),
}


@pytest.mark.parametrize("surface", sorted(SURFACE_CALLS))
def test_every_surface_records_its_errors(traced: Traced, surface: str) -> None:
    sdk, _ = client(openai_recording("chat_error_401"))

    with pytest.raises(openai.AuthenticationError):
        SURFACE_CALLS[surface](sdk)

    span = traced.span()
    assert span.status.status_code is StatusCode.ERROR
    attributes = dict(span.attributes or {})
    operation = "chat" if surface == "responses" else surface
    assert (attributes["gen_ai.operation.name"], attributes["error.type"]) == (operation, "invalid_api_key")
    assert not any(key.startswith("gen_ai.usage.") for key in attributes)


def test_an_async_stream_error_response(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("chat_error_429"))

    async def call() -> None:
        await sdk.responses.create(model="gpt-4o-mini", input="Why?", stream=True)

    with pytest.raises(openai.RateLimitError):
        asyncio.run(call())

    assert dict(traced.span().attributes or {})["error.type"] == "rate_limit_exceeded"
