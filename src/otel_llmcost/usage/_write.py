"""`Usage` -> span attributes in the current GenAI conventions, for instrumentors."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from .. import _attributes as a
from ._model import Usage

__all__ = ["COST_BUCKETS", "usage_attributes"]

_ANY_SIZE = "image"
"""The image key of a model that prices an image whatever its size; what `read_call` reads when no size is given."""

COST_BUCKETS: Mapping[str, str] = {
    "input": a.LLMCOST_COST_INPUT,
    "cache_read": a.LLMCOST_COST_CACHE_READ,
    "cache_read_audio": a.LLMCOST_COST_CACHE_READ,
    "cache_write": a.LLMCOST_COST_CACHE_WRITE,
    "cache_write_1h": a.LLMCOST_COST_CACHE_WRITE,
    "output": a.LLMCOST_COST_OUTPUT,
    "reasoning": a.LLMCOST_COST_REASONING,
    "input_audio": a.LLMCOST_COST_AUDIO,
    "output_audio": a.LLMCOST_COST_AUDIO,
    "input_audio_seconds": a.LLMCOST_COST_AUDIO,
    "input_characters": a.LLMCOST_COST_AUDIO,
    "input_image": a.LLMCOST_COST_IMAGE,
    "output_image": a.LLMCOST_COST_IMAGE,
}
"""Units of a `Cost` breakdown -> the ``llmcost.cost.*`` bucket attribute their cost adds to. ``image:<key>`` units
add to ``llmcost.cost.image`` and ``request:<kind>`` units to ``llmcost.cost.fees``."""


def usage_attributes(usage: Usage) -> dict[str, int | float | str]:
    """The attributes that report ``usage`` on a span, in the current conventions' names.

    Totals include their parts, as the conventions say: ``gen_ai.usage.input_tokens`` counts cached, audio
    and image tokens; ``gen_ai.usage.output_tokens`` counts reasoning, audio and image tokens. Audio and image
    tokens go under the conventions' names by modality (``gen_ai.usage.audio.input_tokens``...), with the text
    tokens beside them when a call has such a breakdown, units the conventions do not name yet under
    ``llmcost.usage.*``. Zero counts of parts are left out, and so are the
    token totals of a call billed by other units only (seconds of audio, characters, images): its zeros
    would not be measurements.
    """
    (
        plain_input,
        cache_read,
        cache_write,
        cache_write_1h,
        input_audio,
        cache_read_audio,
        input_image,
        output,
        reasoning,
        output_audio,
        output_image,
        characters,
        seconds,
        images,
        requests,
        compute_seconds,
        videos,
        output_megapixels,
        input_megapixels,
    ) = usage  # one unpacking: the fields are read on every instrumented call
    cached = cache_read + cache_write + cache_write_1h
    input_tokens = plain_input + cached + input_audio + cache_read_audio + input_image
    output_tokens = output + reasoning + output_audio + output_image
    attributes: dict[str, int | float | str] = {}
    if (
        input_tokens
        or output_tokens
        or not (
            characters
            or seconds
            or images
            or compute_seconds
            or videos
            or output_megapixels
            or input_megapixels
            or _by_units(requests)
        )
    ):
        attributes[a.GEN_AI_USAGE_INPUT_TOKENS] = input_tokens
        attributes[a.GEN_AI_USAGE_OUTPUT_TOKENS] = output_tokens
    # The parts, in this order, each only when not zero.
    if cache_read or cache_read_audio:
        attributes[a.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = cache_read + cache_read_audio
    if cache_write or cache_write_1h:
        attributes[a.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = cache_write + cache_write_1h
        if cache_write_1h:
            attributes[a.ANTHROPIC_USAGE_CACHE_CREATION_EPHEMERAL_1H_INPUT_TOKENS] = cache_write_1h
    if reasoning:
        attributes[a.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = reasoning
    if input_audio or cache_read_audio or input_image or output_audio or output_image or characters or requests:
        _rare_parts(attributes, usage, input_tokens, output_tokens)
    if seconds:
        attributes[a.LLMCOST_USAGE_INPUT_AUDIO_SECONDS] = float(seconds)
    if compute_seconds:
        attributes[a.LLMCOST_USAGE_COMPUTE_SECONDS] = float(compute_seconds)
    if images:
        key = images[0][0]
        size, _, quality = key.partition("/")
        attributes[a.LLMCOST_USAGE_IMAGES] = sum(count for _, count in images)
        if size != _ANY_SIZE:  # an image priced whatever its size (Imagen) has none to report
            attributes[a.LLMCOST_REQUEST_IMAGE_SIZE] = size
        if quality:
            attributes[a.LLMCOST_REQUEST_IMAGE_QUALITY] = quality
    if videos:
        _video_parts(attributes, videos)
    if output_megapixels:
        attributes[a.LLMCOST_USAGE_OUTPUT_MEGAPIXELS] = float(output_megapixels)
    if input_megapixels:
        attributes[a.LLMCOST_USAGE_INPUT_MEGAPIXELS] = float(input_megapixels)
    return attributes


def _video_parts(attributes: dict[str, int | float | str], videos: tuple[tuple[str, Decimal], ...]) -> None:
    """Seconds of video, with the resolution and sound of their (first) key; ``video``: no resolution asked."""
    key = videos[0][0]
    resolution, _, sound = key.partition("/")
    attributes[a.LLMCOST_USAGE_VIDEO_SECONDS] = float(sum((seconds for _, seconds in videos), Decimal(0)))
    if resolution != "video":
        attributes[a.LLMCOST_REQUEST_VIDEO_RESOLUTION] = resolution
    if sound:
        attributes[a.LLMCOST_REQUEST_VIDEO_AUDIO] = sound == "audio"


_UNIT_KINDS = frozenset({"read_unit", "write_unit"})


def _by_units(requests: tuple[tuple[str, int], ...]) -> bool:
    """Whether a call is billed by a vector database's read or write units, which are no tokens."""
    return any(kind in _UNIT_KINDS for kind, _ in requests)


def _rare_parts(attributes: dict[str, int | float | str], usage: Usage, input_tokens: int, output_tokens: int) -> None:
    """The parts of audio, image, speech and tool-use calls, each only when not zero; where the input or output
    has audio or image tokens, its text tokens too (the rest of it: reasoning is text)."""
    audio_in = usage.input_audio + usage.cache_read_audio
    media_in, media_out = audio_in + usage.input_image, usage.output_audio + usage.output_image
    parts: dict[str, int] = {
        a.GEN_AI_USAGE_TEXT_INPUT_TOKENS: input_tokens - audio_in - usage.input_image if media_in else 0,
        a.GEN_AI_USAGE_TEXT_OUTPUT_TOKENS: output_tokens - media_out if media_out else 0,
        a.GEN_AI_USAGE_AUDIO_INPUT_TOKENS: audio_in,
        a.GEN_AI_USAGE_AUDIO_CACHE_READ_INPUT_TOKENS: usage.cache_read_audio,
        a.GEN_AI_USAGE_IMAGE_INPUT_TOKENS: usage.input_image,
        a.GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS: usage.output_audio,
        a.GEN_AI_USAGE_IMAGE_OUTPUT_TOKENS: usage.output_image,
        a.LLMCOST_USAGE_INPUT_CHARACTERS: usage.input_characters,
        a.LLMCOST_USAGE_WEB_SEARCH_CALLS: dict(usage.requests).get("web_search", 0),
        a.LLMCOST_USAGE_SEARCH_UNITS: dict(usage.requests).get("request", 0),
        a.LLMCOST_USAGE_PAGES: dict(usage.requests).get("page", 0),
        a.LLMCOST_USAGE_GROUNDED_PROMPTS: dict(usage.requests).get("grounded_prompt", 0),
        a.LLMCOST_USAGE_READ_UNITS: dict(usage.requests).get("read_unit", 0),
        a.LLMCOST_USAGE_WRITE_UNITS: dict(usage.requests).get("write_unit", 0),
    }
    attributes.update((key, count) for key, count in parts.items() if count)
