"""Audio through the real openai SDK: transcriptions, translations and speech, with what each is billed by."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx2
import pytest
from opentelemetry.trace import SpanKind, StatusCode

from openai_support import (
    OPENAI_SERVER,
    Traced,
    assert_attributes,
    async_client,
    client,
    openai_recording,
)

if TYPE_CHECKING:
    from conftest import Tracing

SPOKEN = "You were charged twice because your plan changed mid-cycle."  # 59 characters
# A few bytes of a WAV file: the SDK uploads what it is given; the replay answers regardless.
WAV = (
    b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80>\x00\x00"
    b"\x00}\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"
)
MP3 = b"ID3\x04\x00\x00\x00\x00\x00#TSSE\x00\x00\x00\x0f\x00\x00\x03Lavf61.7.100\x00\xff\xfb\x90d\x00"


def _audio() -> tuple[str, io.BytesIO, str]:
    return ("question.wav", io.BytesIO(WAV), "audio/wav")


def _speech() -> httpx2.Response:
    return httpx2.Response(
        200,
        headers={
            "content-type": "audio/mpeg",
            "openai-processing-ms": "611",
            "openai-version": "2020-10-01",
            "x-request-id": "req_3d7f1b5a9c2e46d8f0b4a8c2e6f9b1d5",
            "transfer-encoding": "chunked",
        },
        content=MP3,
    )


def _request(operation: str, model: str) -> dict[str, object]:
    return {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": model,
        **OPENAI_SERVER,
    }


WHISPER = {**_request("transcription", "whisper-1"), "llmcost.usage.input_audio_seconds": 13.0}
TOKENS = {
    **_request("transcription", "gpt-4o-transcribe"),
    "gen_ai.usage.input_tokens": 112,
    "gen_ai.usage.output_tokens": 28,
    "gen_ai.usage.audio.input_tokens": 112,
}


def test_whisper_is_billed_by_the_second(traced: Traced) -> None:
    sdk, _ = client(openai_recording("audio_transcription_whisper"))

    transcription = sdk.audio.transcriptions.create(model="whisper-1", file=_audio())

    assert transcription.text.startswith("Hi, I was charged twice")
    span = traced.span()
    assert span.name == "transcription whisper-1"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    assert_attributes(span, {**WHISPER})


def test_a_token_billed_transcription(traced: Traced) -> None:
    sdk, _ = client(openai_recording("audio_transcription_gpt_4o"))

    sdk.audio.transcriptions.create(model="gpt-4o-transcribe", file=_audio())

    assert_attributes(traced.span(), TOKENS)


def test_async_transcription(traced: Traced) -> None:
    sdk, _ = async_client(openai_recording("audio_transcription_gpt_4o"))

    asyncio.run(sdk.audio.transcriptions.create(model="gpt-4o-transcribe", file=_audio()))

    assert_attributes(traced.span(), TOKENS)


def test_a_streamed_transcription_reports_its_usage_when_done(traced: Traced) -> None:
    sdk, _ = client(openai_recording("audio_transcription_stream"))

    events = list(sdk.audio.transcriptions.create(model="gpt-4o-mini-transcribe", file=_audio(), stream=True))

    assert [event.type for event in events][-1] == "transcript.text.done"
    assert_attributes(
        traced.span(),
        {
            **_request("transcription", "gpt-4o-mini-transcribe"),
            "gen_ai.usage.input_tokens": 109,
            "gen_ai.usage.output_tokens": 27,
            "gen_ai.usage.audio.input_tokens": 109,
        },
    )


def test_a_streamed_transcription_left_early_has_no_usage(traced: Traced) -> None:
    sdk, _ = client(openai_recording("audio_transcription_stream"))

    with sdk.audio.transcriptions.create(model="gpt-4o-mini-transcribe", file=_audio(), stream=True) as stream:
        next(iter(stream))

    assert_attributes(traced.span(), _request("transcription", "gpt-4o-mini-transcribe"))


def test_a_verbose_translation_is_billed_by_its_duration(traced: Traced) -> None:
    sdk, _ = client(openai_recording("audio_translation_whisper_verbose"))

    with pytest.deprecated_call():  # openai 3.x deprecates translations
        sdk.audio.translations.create(model="whisper-1", file=_audio(), response_format="verbose_json")

    assert_attributes(
        traced.span(),
        {
            **_request("translation", "whisper-1"),
            "llmcost.usage.input_audio_seconds": 8.72,
        },
    )


def test_a_plain_text_transcription_says_nothing_of_its_length(traced: Traced) -> None:
    response = httpx2.Response(
        200, headers={"content-type": "text/plain; charset=utf-8"}, text="Hi, I was charged twice."
    )
    sdk, _ = client(response)

    assert sdk.audio.transcriptions.create(model="whisper-1", file=_audio(), response_format="text") == (
        "Hi, I was charged twice."
    )
    assert_attributes(traced.span(), _request("transcription", "whisper-1"))


SPEECH = {
    **_request("speech", "tts-1"),
    "llmcost.usage.input_characters": 59,
}


def test_speech_is_billed_by_the_characters_of_its_input(traced: Traced) -> None:
    sdk, _ = client(_speech())

    audio = sdk.audio.speech.create(model="tts-1", voice="alloy", input=SPOKEN)

    assert audio.content == MP3
    span = traced.span()
    assert span.name == "speech tts-1"
    assert_attributes(span, SPEECH)


def test_async_speech(traced: Traced) -> None:
    sdk, _ = async_client(_speech())

    async def call() -> bytes:
        return (await sdk.audio.speech.create(model="tts-1", voice="alloy", input=SPOKEN)).content

    assert asyncio.run(call()) == MP3
    assert_attributes(traced.span(), SPEECH)


def test_streamed_speech_read_to_a_file_still_has_its_usage(traced: Traced, tmp_path: Any) -> None:
    sdk, _ = client(_speech())

    with sdk.audio.speech.with_streaming_response.create(model="tts-1", voice="alloy", input=SPOKEN) as response:
        response.stream_to_file(tmp_path / "answer.mp3")

    assert (tmp_path / "answer.mp3").read_bytes() == MP3
    assert_attributes(traced.span(), SPEECH)


def test_token_billed_speech_is_partial(traced: Traced) -> None:
    sdk, _ = client(_speech())

    sdk.audio.speech.create(model="gpt-4o-mini-tts", voice="coral", input=SPOKEN)

    # tiktoken counts 11 input tokens; the audio tokens out are billed but not reported.
    assert_attributes(
        traced.span(),
        {
            **_request("speech", "gpt-4o-mini-tts"),
            "gen_ai.usage.input_tokens": 11,
            "gen_ai.usage.output_tokens": 0,
            "llmcost.usage.status": "partial",
        },
    )


@pytest.mark.parametrize(
    ("recording", "model", "expected"),
    [
        # 13 s x $0.006 / 60 s = $0.0013
        ("audio_transcription_whisper", "whisper-1", Decimal("0.0013")),
        # 112 audio tokens x $6 / 1M + 28 output tokens x $10 / 1M = $0.000672 + $0.00028 = $0.000952
        ("audio_transcription_gpt_4o", "gpt-4o-transcribe", Decimal("0.000952")),
    ],
)
def test_the_cost_processor_prices_transcriptions(
    priced: Tracing, recording: str, model: str, expected: Decimal
) -> None:
    sdk, _ = client(openai_recording(recording))
    sdk.audio.transcriptions.create(model=model, file=_audio())

    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes["llmcost.status"] == "priced"
    assert Decimal(repr(attributes["gen_ai.usage.cost.amount"])) == expected


def test_the_cost_processor_prices_speech(priced: Tracing) -> None:
    sdk, _ = client(_speech())
    sdk.audio.speech.create(model="tts-1", voice="alloy", input=SPOKEN)

    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    # 59 characters x $15 / 1M = $0.000885
    assert Decimal(repr(attributes["gen_ai.usage.cost.amount"])) == Decimal("0.000885")
