"""The one table of what the Cohere instrumentor wraps: the v2 client's methods (``ClientV2`` inherits them).

``chat_stream`` is a generator function on both clients, so both are wrapped as synchronous calls: calling it
returns the stream (an async generator on the async client), which the framework proxies.
"""

from __future__ import annotations

from typing import Final

from .._patches import Patch, both
from .._retry import SEND_PATCHES
from .._surface import Setup
from .._wrap import Wrapper, sync_method
from ._chat import CHAT, CHAT_STREAM
from ._embed import EMBED, RERANK

__all__ = ["PATCHES"]


def _chat_stream(setup: Setup) -> Wrapper:
    return sync_method(setup, CHAT_STREAM)


def _client(module: str, sync: str, asynchronous: str) -> tuple[Patch, ...]:
    return (
        *both(module, f"{sync}.chat", f"{asynchronous}.chat", CHAT),
        Patch(module, f"{sync}.chat_stream", _chat_stream),
        Patch(module, f"{asynchronous}.chat_stream", _chat_stream),
        *both(module, f"{sync}.embed", f"{asynchronous}.embed", EMBED),
        *both(module, f"{sync}.rerank", f"{asynchronous}.rerank", RERANK),
    )


PATCHES: Final[tuple[Patch, ...]] = (
    *_client("cohere.v2.client", "V2Client", "AsyncV2Client"),
    # ``ClientV2`` inherits them, but another instrumentor may wrap them on ``ClientV2`` itself (OpenLLMetry does):
    # ours there too sees every call (the inner one steps aside, as in any nested call).
    *_client("cohere.client_v2", "ClientV2", "AsyncClientV2"),
    # Each attempt, where httpx sends it: the SDK's retries are counted, those it may have been billed for marked.
    *SEND_PATCHES,
)
"""Everything the Cohere instrumentor wraps."""
