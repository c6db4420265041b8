"""The one table of what the Cohere instrumentor wraps: the v2 client's methods (``ClientV2`` inherits them).

``chat_stream`` is a generator function on both clients, so both are wrapped as synchronous calls: calling it
returns the stream (an async generator on the async client), which the framework proxies.
"""

from __future__ import annotations

from typing import Final

from .._patches import Patch, both
from .._surface import Setup
from .._wrap import Wrapper, sync_method
from ._chat import CHAT, CHAT_STREAM
from ._embed import EMBED, RERANK

__all__ = ["PATCHES"]

_V2: Final = "cohere.v2.client"


def _chat_stream(setup: Setup) -> Wrapper:
    return sync_method(setup, CHAT_STREAM)


PATCHES: Final[tuple[Patch, ...]] = (
    *both(_V2, "V2Client.chat", "AsyncV2Client.chat", CHAT),
    Patch(_V2, "V2Client.chat_stream", _chat_stream),
    Patch(_V2, "AsyncV2Client.chat_stream", _chat_stream),
    *both(_V2, "V2Client.embed", "AsyncV2Client.embed", EMBED),
    *both(_V2, "V2Client.rerank", "AsyncV2Client.rerank", RERANK),
)
"""Everything the Cohere instrumentor wraps."""
