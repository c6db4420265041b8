"""The one table of what the OpenAI instrumentor wraps, for openai 1.40 to 3.x (what a version lacks is skipped)."""

from __future__ import annotations

from typing import Final

from .._patches import Patch, as_is, both
from .._realtime import async_close, async_receive, close, connect, receive
from .._retry import SEND_PATCHES
from .._wrap import async_helper_stream_close, helper_stream_close
from ._audio import SPEECH, TRANSCRIPTIONS, TRANSLATIONS
from ._chat import CHAT_COMPLETIONS
from ._completions import COMPLETIONS
from ._embeddings import EMBEDDINGS
from ._images import IMAGE_EDITS, IMAGE_GENERATIONS, IMAGE_VARIATIONS
from ._moderations import MODERATIONS
from ._realtime import opening
from ._responses import RESPONSES, RESPONSES_RETRIEVE

__all__ = ["PATCHES"]

_CHAT = "openai.resources.chat.completions"
_BETA_CHAT = "openai.resources.beta.chat.completions"  # parse() before it left beta (openai < 1.92)
_RESPONSES = "openai.resources.responses"
_IMAGES = "openai.resources.images"
_CHAT_HELPER = "openai.lib.streaming.chat._completions"
_RESPONSES_HELPER = "openai.lib.streaming.responses._responses"


def _realtime(module: str) -> tuple[Patch, ...]:
    """A Realtime API's connect methods and its connections' receive and close (`_realtime`)."""
    return (
        Patch(module, "Realtime.connect", connect(opening)),
        Patch(module, "AsyncRealtime.connect", connect(opening)),
        Patch(module, "RealtimeConnection.recv_bytes", as_is(receive)),
        Patch(module, "AsyncRealtimeConnection.recv_bytes", as_is(async_receive)),
        Patch(module, "RealtimeConnection.close", as_is(close)),
        Patch(module, "AsyncRealtimeConnection.close", as_is(async_close)),
    )


PATCHES: Final[tuple[Patch, ...]] = (
    *both(_CHAT, "Completions.create", "AsyncCompletions.create", CHAT_COMPLETIONS),
    *both(_CHAT, "Completions.parse", "AsyncCompletions.parse", CHAT_COMPLETIONS),
    *both(_BETA_CHAT, "Completions.parse", "AsyncCompletions.parse", CHAT_COMPLETIONS),
    *both("openai.resources.completions", "Completions.create", "AsyncCompletions.create", COMPLETIONS),
    *both("openai.resources.embeddings", "Embeddings.create", "AsyncEmbeddings.create", EMBEDDINGS),
    *both(_RESPONSES, "Responses.create", "AsyncResponses.create", RESPONSES),
    *both(_RESPONSES, "Responses.parse", "AsyncResponses.parse", RESPONSES),
    *both(_RESPONSES, "Responses.retrieve", "AsyncResponses.retrieve", RESPONSES_RETRIEVE),
    *both(
        "openai.resources.audio.transcriptions", "Transcriptions.create", "AsyncTranscriptions.create", TRANSCRIPTIONS
    ),
    *both("openai.resources.audio.translations", "Translations.create", "AsyncTranslations.create", TRANSLATIONS),
    *both("openai.resources.audio.speech", "Speech.create", "AsyncSpeech.create", SPEECH),
    *both(_IMAGES, "Images.generate", "AsyncImages.generate", IMAGE_GENERATIONS),
    *both(_IMAGES, "Images.edit", "AsyncImages.edit", IMAGE_EDITS),
    *both(_IMAGES, "Images.create_variation", "AsyncImages.create_variation", IMAGE_VARIATIONS),
    *both("openai.resources.moderations", "Moderations.create", "AsyncModerations.create", MODERATIONS),
    # Each attempt, where httpx sends it: the call in flight counts its resends and marks those it may be billed for.
    *SEND_PATCHES,
    # The stream() helpers close the HTTP response, not the stream they read: closing them ends that stream.
    Patch(_CHAT_HELPER, "ChatCompletionStream.close", as_is(helper_stream_close)),
    Patch(_CHAT_HELPER, "AsyncChatCompletionStream.close", as_is(async_helper_stream_close)),
    Patch(_RESPONSES_HELPER, "ResponseStream.close", as_is(helper_stream_close)),
    Patch(_RESPONSES_HELPER, "AsyncResponseStream.close", as_is(async_helper_stream_close)),
    # Realtime sessions over a WebSocket (openai 1.5x+ in beta, GA since 1.10x): one span per response.
    *_realtime("openai.resources.realtime.realtime"),
    *_realtime("openai.resources.beta.realtime.realtime"),
)
"""Everything the OpenAI instrumentor wraps."""
