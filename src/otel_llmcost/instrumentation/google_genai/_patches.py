"""The one table of what the Google Gen AI instrumentor wraps, in ``google.genai.models`` and, for Live sessions,
``google.genai.live`` (1.11 to 3.x).

``generate_content`` is wrapped at ``_generate_content`` / ``_generate_content_stream``, the methods that send one
request each: automatic function calling, automatic continuation and chats (``chats.create(...).send_message``)
go through them, so every model call gets its own span and its own cost. ``embed_content`` and
``count_tokens`` send one request each already, as do ``_generate_images`` (Imagen) and ``_generate_videos``
(Veo's submission); the client's ``_request_once`` counts retries.
"""

from __future__ import annotations

from typing import Final

from .._patches import Patch, as_is, both
from .._realtime import async_close, async_receive, connect
from .._retry import SEND_PATCHES
from ._embed import COUNT_TOKENS, EMBED_CONTENT
from ._generate import GENERATE_CONTENT, GENERATE_CONTENT_STREAM
from ._images import GENERATE_IMAGES
from ._live import opening
from ._retry import async_request_once, request_once
from ._videos import GENERATE_VIDEOS

__all__ = ["PATCHES"]

_MODELS: Final = "google.genai.models"
_LIVE: Final = "google.genai.live"

PATCHES: tuple[Patch, ...] = (
    *both(_MODELS, "Models._generate_content", "AsyncModels._generate_content", GENERATE_CONTENT),
    *both(_MODELS, "Models._generate_content_stream", "AsyncModels._generate_content_stream", GENERATE_CONTENT_STREAM),
    *both(_MODELS, "Models.embed_content", "AsyncModels.embed_content", EMBED_CONTENT),
    *both(_MODELS, "Models.count_tokens", "AsyncModels.count_tokens", COUNT_TOKENS),
    *both(_MODELS, "Models._generate_images", "AsyncModels._generate_images", GENERATE_IMAGES),
    *both(_MODELS, "Models._generate_videos", "AsyncModels._generate_videos", GENERATE_VIDEOS),
    # Each attempt of a request (2.x and later retry): the call in flight counts its retries.
    Patch("google.genai._api_client", "BaseApiClient._request_once", as_is(request_once)),
    Patch("google.genai._api_client", "BaseApiClient._async_request_once", as_is(async_request_once)),
    # Each attempt's outcome, where httpx sends it: retries the provider may have billed are marked.
    *SEND_PATCHES,
    # Live sessions over a WebSocket (`_live`): a session span, one span per model turn.
    Patch(_LIVE, "AsyncLive.connect", connect(opening)),
    Patch(_LIVE, "AsyncSession._receive", as_is(async_receive)),
    Patch(_LIVE, "AsyncSession.close", as_is(async_close)),
)
"""Everything the Google Gen AI instrumentor wraps."""
