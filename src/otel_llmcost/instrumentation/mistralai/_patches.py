"""The one table of what the Mistral instrumentor wraps, for mistralai 1.x (``mistralai.chat``) and 3.x
(``mistralai.client.chat``): what a version lacks is skipped. Sync and async are two methods of one class."""

from __future__ import annotations

from typing import Final

from .._patches import Patch, both
from .._retry import SEND_PATCHES
from ._chat import AGENTS, AGENTS_STREAM, CHAT, CHAT_STREAM, FIM, FIM_STREAM
from ._embeddings import EMBEDDINGS
from ._ocr import OCR

__all__ = ["PATCHES"]


def _resources(package: str) -> tuple[Patch, ...]:
    return (
        *both(f"{package}.chat", "Chat.complete", "Chat.complete_async", CHAT),
        *both(f"{package}.chat", "Chat.stream", "Chat.stream_async", CHAT_STREAM),
        *both(f"{package}.fim", "Fim.complete", "Fim.complete_async", FIM),
        *both(f"{package}.fim", "Fim.stream", "Fim.stream_async", FIM_STREAM),
        *both(f"{package}.agents", "Agents.complete", "Agents.complete_async", AGENTS),
        *both(f"{package}.agents", "Agents.stream", "Agents.stream_async", AGENTS_STREAM),
        *both(f"{package}.embeddings", "Embeddings.create", "Embeddings.create_async", EMBEDDINGS),
        *both(f"{package}.ocr", "Ocr.process", "Ocr.process_async", OCR),
    )


PATCHES: Final[tuple[Patch, ...]] = (
    *_resources("mistralai.client"),
    *_resources("mistralai"),
    # Each attempt, where httpx sends it: the SDK's retries are counted, those it may have been billed for marked.
    *SEND_PATCHES,
)
"""Everything the Mistral instrumentor wraps."""
