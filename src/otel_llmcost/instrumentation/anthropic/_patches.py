"""The one table of what the Anthropic instrumentor wraps, for anthropic 0.40 to 2.x (what one lacks is skipped)."""

from __future__ import annotations

from typing import Final

from .._patches import Patch, as_is, both
from .._retry import SEND_PATCHES
from .._wrap import async_helper_stream_close, helper_stream_close
from ._batches import async_batch_results, batch_results
from ._count_tokens import COUNT_TOKENS
from ._messages import MESSAGES, async_stream_helper, rebuilt_stream, stream_helper
from ._native import NATIVE_CALL, NATIVE_STREAM, record_messages_create, streamed_message_end, streamed_message_item

__all__ = ["PATCHES"]

_MESSAGES = "anthropic.resources.messages"
_BETA_MESSAGES = "anthropic.resources.beta.messages"
_BATCHES = "anthropic.resources.messages.batches"
_HELPER = "anthropic.lib.streaming._messages"
_CACHING_HELPER = "anthropic.lib.streaming._prompt_caching_beta_messages"
_BETA_BATCHES = "anthropic.resources.beta.messages.batches"

PATCHES: Final[tuple[Patch, ...]] = (
    *both(_MESSAGES, "Messages.create", "AsyncMessages.create", MESSAGES),
    *both(_MESSAGES, "Messages.parse", "AsyncMessages.parse", MESSAGES),
    Patch(_MESSAGES, "Messages.stream", stream_helper),
    Patch(_MESSAGES, "AsyncMessages.stream", async_stream_helper),
    *both(_MESSAGES, "Messages.count_tokens", "AsyncMessages.count_tokens", COUNT_TOKENS),
    *both(_BETA_MESSAGES, "Messages.create", "AsyncMessages.create", MESSAGES),
    *both(_BETA_MESSAGES, "Messages.count_tokens", "AsyncMessages.count_tokens", COUNT_TOKENS),
    *both(_BETA_MESSAGES, "Messages.parse", "AsyncMessages.parse", MESSAGES),
    Patch(_BETA_MESSAGES, "Messages.stream", stream_helper),
    Patch(_BETA_MESSAGES, "AsyncMessages.stream", async_stream_helper),
    # On older SDKs (0.40) a MessageStream makes its own stream over the response: it reads the traced one instead.
    Patch(_HELPER, "MessageStream.__init__", as_is(rebuilt_stream)),
    Patch(_HELPER, "AsyncMessageStream.__init__", as_is(rebuilt_stream)),
    Patch(_CACHING_HELPER, "PromptCachingBetaMessageStream.__init__", as_is(rebuilt_stream)),
    Patch(_CACHING_HELPER, "AsyncPromptCachingBetaMessageStream.__init__", as_is(rebuilt_stream)),
    # ...and its close() closes the HTTP response, not the stream it reads: closing it ends that stream's call.
    Patch(_HELPER, "MessageStream.close", as_is(helper_stream_close)),
    Patch(_HELPER, "AsyncMessageStream.close", as_is(async_helper_stream_close)),
    Patch(_CACHING_HELPER, "PromptCachingBetaMessageStream.close", as_is(helper_stream_close)),
    Patch(_CACHING_HELPER, "AsyncPromptCachingBetaMessageStream.close", as_is(async_helper_stream_close)),
    Patch(_BATCHES, "Batches.results", batch_results),
    Patch(_BATCHES, "AsyncBatches.results", async_batch_results),
    Patch(_BETA_BATCHES, "Batches.results", batch_results),
    Patch(_BETA_BATCHES, "AsyncBatches.results", async_batch_results),
    # Each attempt, where httpx sends it: the call in flight counts its resends and marks those it may be billed for.
    *SEND_PATCHES,
    # The SDK's own spans (1.17, 2.x): a stream left before message_delta gets its output counted (no span of ours).
    Patch(NATIVE_STREAM, "StreamedMessage.item", streamed_message_item),
    Patch(NATIVE_STREAM, "StreamedMessage.end", streamed_message_end),
    # ...and a plain call's web searches, which the SDK's spans leave out.
    Patch(NATIVE_CALL, "record_messages_create", record_messages_create),
)
"""Everything the Anthropic instrumentor wraps."""
