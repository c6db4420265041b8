"""`Usage` -> span attributes in the current GenAI conventions, for instrumentors."""

from __future__ import annotations

from .. import _attributes as a
from ..pricing import Usage

__all__ = ["usage_attributes"]


def usage_attributes(usage: Usage) -> dict[str, int | float | str]:
    """The attributes that report ``usage`` on a span, in the current conventions' names.

    Totals include their parts, as the conventions say: ``gen_ai.usage.input_tokens`` counts cached, audio
    and image tokens; ``gen_ai.usage.output_tokens`` counts reasoning, audio and image tokens. Units the
    conventions do not name yet go under ``llmcost.usage.*``. Zero counts of parts are left out, and so are
    the token totals of a call billed by other units only (seconds of audio, characters, images): its
    zeros would not be measurements.
    """
    attributes: dict[str, int | float | str] = {}
    tokens_only_zero = usage.input_tokens == 0 and usage.output_tokens == 0
    if not tokens_only_zero or not (usage.input_characters or usage.input_audio_seconds or usage.images):
        attributes[a.GEN_AI_USAGE_INPUT_TOKENS] = usage.input_tokens
        attributes[a.GEN_AI_USAGE_OUTPUT_TOKENS] = usage.output_tokens
    parts: dict[str, int] = {
        a.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: usage.cache_read + usage.cache_read_audio,
        a.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: usage.cache_write + usage.cache_write_1h,
        a.ANTHROPIC_USAGE_CACHE_CREATION_EPHEMERAL_1H_INPUT_TOKENS: usage.cache_write_1h,
        a.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: usage.reasoning,
        a.LLMCOST_USAGE_INPUT_AUDIO_TOKENS: usage.input_audio + usage.cache_read_audio,
        a.LLMCOST_USAGE_CACHE_READ_AUDIO_TOKENS: usage.cache_read_audio,
        a.LLMCOST_USAGE_INPUT_IMAGE_TOKENS: usage.input_image,
        a.LLMCOST_USAGE_OUTPUT_AUDIO_TOKENS: usage.output_audio,
        a.LLMCOST_USAGE_OUTPUT_IMAGE_TOKENS: usage.output_image,
        a.LLMCOST_USAGE_INPUT_CHARACTERS: usage.input_characters,
        a.LLMCOST_USAGE_WEB_SEARCH_CALLS: dict(usage.requests).get("web_search", 0),
    }
    attributes.update((key, count) for key, count in parts.items() if count)
    if usage.input_audio_seconds:
        attributes[a.LLMCOST_USAGE_INPUT_AUDIO_SECONDS] = float(usage.input_audio_seconds)
    if usage.images:
        key = usage.images[0][0]
        size, _, quality = key.partition("/")
        attributes[a.LLMCOST_USAGE_IMAGES] = sum(count for _, count in usage.images)
        attributes[a.LLMCOST_REQUEST_IMAGE_SIZE] = size
        if quality:
            attributes[a.LLMCOST_REQUEST_IMAGE_QUALITY] = quality
    return attributes
