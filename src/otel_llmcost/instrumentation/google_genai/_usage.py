"""Gemini's ``usageMetadata`` into a `Usage`: every token in exactly one bucket, priced once.

How Gemini counts (the API reference's ``UsageMetadata``), and where each count goes:

- ``promptTokenCount``: the prompt, cached content included -> input;
- ``cachedContentTokenCount`` (by modality in ``cacheTokensDetails``): its cached part -> ``cache_read``
  (``cache_read_audio`` for audio);
- ``toolUsePromptTokenCount``: tool results read back (search, code execution) -> input, beside the prompt;
- ``candidatesTokenCount``: the answer, thinking not included -> output;
- ``thoughtsTokenCount``: thinking, billed as output -> output, as ``reasoning``;
- ``promptTokensDetails`` / ``candidatesTokensDetails`` by modality: AUDIO and IMAGE, priced apart ->
  ``input_audio``, ``input_image``, ``output_audio``, ``output_image``.

Video and document tokens are priced as text on every Gemini model, so they stay in the plain buckets. The
input total (prompt plus tool use) is what the price table's long-context tiers (over 200k) compare.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ...usage import Usage
from .._read import field, fields, tokens
from ._content import listed

__all__ = ["embedding_usage", "usage_of"]

_AUDIO: Final = "AUDIO"
_IMAGE: Final = "IMAGE"


def _by_modality(details: object) -> dict[str, int]:
    """``[{modality, tokenCount}]`` as ``{"AUDIO": n, ...}``; an SDK enum or a plain string alike."""
    counts: dict[str, int] = {}
    for item in listed(details):
        modality: Any = field(item, "modality")
        name = getattr(modality, "value", modality)
        count = field(item, "token_count")
        if isinstance(name, str) and isinstance(count, int) and not isinstance(count, bool) and count > 0:
            counts[name] = counts.get(name, 0) + count
    return counts


def usage_of(metadata: object) -> Usage | None:
    """The `Usage` of a ``GenerateContentResponseUsageMetadata`` (or an embedding's ``UsageMetadata``)."""
    if metadata is None:
        return None
    values = fields(metadata)
    return _usage(values, tokens(values, "candidates_token_count") or tokens(values, "response_token_count"))


def _usage(values: Mapping[str, Any], candidates: int) -> Usage:
    prompt = tokens(values, "prompt_token_count")
    cached = min(tokens(values, "cached_content_token_count"), prompt)
    thoughts = tokens(values, "thoughts_token_count")
    prompt_parts = _by_modality(values.get("prompt_tokens_details"))
    cache_parts = _by_modality(values.get("cache_tokens_details"))
    output_parts = _by_modality(values.get("candidates_tokens_details") or values.get("response_tokens_details"))
    # Counts clamped to their totals: a part a response over-reports must not cost the call its usage.
    cache_read_audio = min(cache_parts.get(_AUDIO, 0), cached)
    input_audio = min(prompt_parts.get(_AUDIO, 0), cache_read_audio + prompt - cached)
    uncached_image = max(prompt_parts.get(_IMAGE, 0) - cache_parts.get(_IMAGE, 0), 0)
    input_image = min(uncached_image, prompt - cached - (input_audio - cache_read_audio))
    output_audio = min(output_parts.get(_AUDIO, 0), candidates)
    return Usage.from_reported(
        input_tokens=prompt + tokens(values, "tool_use_prompt_token_count"),
        cache_read_tokens=cached,
        cache_read_audio_tokens=cache_read_audio,
        input_audio_tokens=input_audio,
        input_image_tokens=input_image,
        output_tokens=candidates + thoughts,  # thinking is counted beside the candidates, and billed as output
        reasoning_tokens=thoughts,
        output_audio_tokens=output_audio,
        output_image_tokens=min(output_parts.get(_IMAGE, 0), candidates - output_audio),
    )


def embedding_usage(result: object) -> Usage | None:
    """What an ``embed_content`` response reports: its usage metadata, else Vertex AI's per-embedding counts."""
    metadata = field(result, "usage_metadata")
    if metadata is not None:
        return usage_of(metadata)
    total = 0
    counted = False
    for embedding in listed(field(result, "embeddings")):
        count = field(field(embedding, "statistics"), "token_count")
        if isinstance(count, (int, float)) and not isinstance(count, bool):
            total += int(count)  # Vertex AI sends whole counts as floats (``"token_count": 8.0``)
            counted = True
    return Usage.from_reported(input_tokens=total) if counted else None
