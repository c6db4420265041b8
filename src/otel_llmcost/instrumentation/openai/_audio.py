"""Audio: transcriptions and translations (speech to text) and speech (text to speech), sync and async.

What is billed differs by model, and each is recorded as the API reports it:

- ``whisper-1`` by the second: ``llmcost.usage.input_audio_seconds``, from the usage (``type: duration``) or the
  ``duration`` of a ``verbose_json`` response. A ``text``, ``srt`` or ``vtt`` response says neither: no usage.
- ``gpt-4o-transcribe`` and its kin by the token, text and audio (``type: tokens``), streamed or not.
- ``tts-1`` and ``tts-1-hd`` by the character of the input: ``llmcost.usage.input_characters`` from the
  request, known even when the audio is never read.
- ``gpt-4o-mini-tts`` by the token: the API reports no usage, so the input text is counted with tiktoken and
  the audio output is unknown: a ``partial`` usage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Final

from ... import _attributes as a
from ...tokens import estimate_text
from ...usage import Usage
from .._genai import Invocation
from .._read import count, field, number, text
from .._reading import StreamReading
from .._surface import Reading, Request, Setup
from ._read import token_usage

__all__ = ["SPEECH", "TRANSCRIPTIONS", "TRANSLATIONS", "UsageEvents", "audio_usage"]

_S = a.LlmcostUsageStatusValues
_TOKEN_BILLED_TTS: Final = "gpt-"


def audio_usage(result: object) -> Usage | None:
    """What a transcription or translation used: seconds of audio, or tokens."""
    usage = field(result, "usage")
    kind = field(usage, "type")
    if kind == "tokens":
        details = field(usage, "input_token_details")
        return token_usage(
            count(usage, "input_tokens"),
            count(usage, "output_tokens"),
            input_audio=count(details, "audio_tokens"),
            total=count(usage, "total_tokens"),
        )
    seconds = number(field(usage, "seconds")) if kind == "duration" else None
    if seconds is None:
        seconds = number(field(result, "duration"))  # verbose_json
    if seconds is None or seconds < 0:
        return None
    return Usage.from_totals(input_audio_seconds=Decimal(repr(seconds)))


class UsageEvents(StreamReading):
    """Reads a stream whose last event carries the usage (``transcript.text.done``, ``image_generation.completed``)."""

    __slots__ = ("_last", "_usage_of")

    def __init__(self, invocation: Invocation, read: Callable[[object], Usage | None]) -> None:
        super().__init__(invocation)
        self._usage_of = read
        self._last: object = None

    def _read(self, chunk: Any) -> None:
        if field(chunk, "usage") is not None:
            self._last = chunk

    def _reading(self) -> Reading:
        return Reading(None, None if self._last is None else self._usage_of(self._last))


class _SpeechToText:
    operation: ClassVar[str]

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        return Request(text(kwargs.get("model")), {}, kwargs, kwargs.get("stream") is True)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        return Reading({}, audio_usage(result))

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> UsageEvents:
        return UsageEvents(invocation, audio_usage)


class Transcriptions(_SpeechToText):
    """``audio.transcriptions``."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.TRANSCRIPTION


class Translations(_SpeechToText):
    """``audio.translations``."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.TRANSLATION


class Speech:
    """``audio.speech``: billed by the characters (or tokens) of the input, known from the request."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.SPEECH

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        model = text(kwargs.get("model"))
        spoken = kwargs.get("input")
        known: Reading | None = None
        if isinstance(spoken, str) and model is not None:
            if model.startswith(_TOKEN_BILLED_TTS):
                counted = estimate_text(model, [spoken])
                # The audio tokens out are billed too, and not reported: what is known is a lower bound.
                if counted is not None:
                    known = Reading({}, Usage.from_totals(input_tokens=counted), _S.PARTIAL)
            else:
                known = Reading({}, Usage.from_totals(input_characters=len(spoken)))
        return Request(model, {}, kwargs, known=known)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        return request.known or Reading({})

    def stream(self, invocation: Invocation, request: Request, setup: Setup) -> UsageEvents:
        raise TypeError("speech comes back as bytes, never as an SDK stream")


TRANSCRIPTIONS: Final = Transcriptions()
TRANSLATIONS: Final = Translations()
SPEECH: Final = Speech()
