"""The one table of what the OpenAI instrumentor wraps; `apply` wraps it and `Applied.remove` undoes exactly that.

Each SDK method is wrapped on its own class. A module or method the installed SDK does not have is skipped
(and logged at debug level), never aborting the rest: the table spans openai 1.40 to 3.x.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, cast

import wrapt

from ._audio import SPEECH, TRANSCRIPTIONS, TRANSLATIONS
from ._chat import CHAT_COMPLETIONS
from ._completions import COMPLETIONS
from ._embeddings import EMBEDDINGS
from ._images import IMAGE_EDITS, IMAGE_GENERATIONS, IMAGE_VARIATIONS
from ._moderations import MODERATIONS
from ._responses import RESPONSES, RESPONSES_RETRIEVE
from ._wrap import (
    Setup,
    Surface,
    Wrapper,
    async_helper_stream_close,
    async_method,
    build_request,
    helper_stream_close,
    sync_method,
)

__all__ = ["PATCHES", "Applied", "Patch", "apply"]

_log = logging.getLogger("otel_llmcost")


class Patch(NamedTuple):
    """One method to wrap: ``module``'s ``name`` (``"Class.method"``), with the wrapper ``make(setup)`` returns."""

    module: str
    name: str
    make: Callable[[Setup], Wrapper]


def _sync(surface: Surface) -> Callable[[Setup], Wrapper]:
    return lambda setup: sync_method(setup, surface)


def _async(surface: Surface) -> Callable[[Setup], Wrapper]:
    return lambda setup: async_method(setup, surface)


def _as_is(wrapper: Wrapper) -> Callable[[Setup], Wrapper]:
    return lambda setup: wrapper


def _both(module: str, sync_name: str, async_name: str, surface: Surface) -> tuple[Patch, Patch]:
    return Patch(module, sync_name, _sync(surface)), Patch(module, async_name, _async(surface))


_CHAT = "openai.resources.chat.completions"
_BETA_CHAT = "openai.resources.beta.chat.completions"  # parse() before it left beta (openai < 1.92)
_RESPONSES = "openai.resources.responses"
_IMAGES = "openai.resources.images"
_CHAT_HELPER = "openai.lib.streaming.chat._completions"
_RESPONSES_HELPER = "openai.lib.streaming.responses._responses"

PATCHES: tuple[Patch, ...] = (
    *_both(_CHAT, "Completions.create", "AsyncCompletions.create", CHAT_COMPLETIONS),
    *_both(_CHAT, "Completions.parse", "AsyncCompletions.parse", CHAT_COMPLETIONS),
    *_both(_BETA_CHAT, "Completions.parse", "AsyncCompletions.parse", CHAT_COMPLETIONS),
    *_both("openai.resources.completions", "Completions.create", "AsyncCompletions.create", COMPLETIONS),
    *_both("openai.resources.embeddings", "Embeddings.create", "AsyncEmbeddings.create", EMBEDDINGS),
    *_both(_RESPONSES, "Responses.create", "AsyncResponses.create", RESPONSES),
    *_both(_RESPONSES, "Responses.parse", "AsyncResponses.parse", RESPONSES),
    *_both(_RESPONSES, "Responses.retrieve", "AsyncResponses.retrieve", RESPONSES_RETRIEVE),
    *_both(
        "openai.resources.audio.transcriptions", "Transcriptions.create", "AsyncTranscriptions.create", TRANSCRIPTIONS
    ),
    *_both("openai.resources.audio.translations", "Translations.create", "AsyncTranslations.create", TRANSLATIONS),
    *_both("openai.resources.audio.speech", "Speech.create", "AsyncSpeech.create", SPEECH),
    *_both(_IMAGES, "Images.generate", "AsyncImages.generate", IMAGE_GENERATIONS),
    *_both(_IMAGES, "Images.edit", "AsyncImages.edit", IMAGE_EDITS),
    *_both(_IMAGES, "Images.create_variation", "AsyncImages.create_variation", IMAGE_VARIATIONS),
    *_both("openai.resources.moderations", "Moderations.create", "AsyncModerations.create", MODERATIONS),
    # Every attempt of a request is built here: the call in flight counts its retries.
    Patch("openai._base_client", "BaseClient._build_request", _as_is(build_request)),
    # The stream() helpers close the HTTP response, not the stream they read: closing them ends that stream.
    Patch(_CHAT_HELPER, "ChatCompletionStream.close", _as_is(helper_stream_close)),
    Patch(_CHAT_HELPER, "AsyncChatCompletionStream.close", _as_is(async_helper_stream_close)),
    Patch(_RESPONSES_HELPER, "ResponseStream.close", _as_is(helper_stream_close)),
    Patch(_RESPONSES_HELPER, "AsyncResponseStream.close", _as_is(async_helper_stream_close)),
)
"""Everything the OpenAI instrumentor wraps."""


class _Wrapped(NamedTuple):
    owner: type
    attribute: str
    wrapper: object
    original: object
    own: bool  # whether ``owner`` itself defined the attribute (else it was inherited)


class Applied:
    """The patches `apply` made; `remove` restores each method it still holds."""

    def __init__(self, wrapped: list[_Wrapped]) -> None:
        self._wrapped = wrapped

    @property
    def names(self) -> tuple[str, ...]:
        """``module.Class.method`` of every wrapped method, in table order."""
        return tuple(f"{item.owner.__module__}.{item.owner.__qualname__}.{item.attribute}" for item in self._wrapped)

    def remove(self) -> None:
        """Put every original back, unless something else has wrapped it since (then ours stays, inactive)."""
        for item in reversed(self._wrapped):
            if not _is_ours(vars(item.owner).get(item.attribute), item.wrapper):
                _log.debug("otel-llmcost left %s.%s wrapped: it was wrapped again since", item.owner, item.attribute)
                continue
            if item.own:
                setattr(item.owner, item.attribute, item.original)
            else:
                delattr(item.owner, item.attribute)
        self._wrapped = []


def _is_ours(current: object, wrapper: object) -> bool:
    """Whether the class attribute ``current`` is our ``wrapper``, or our wrapper bound to the class.

    The second happens when another instrumentor wrapped on top of ours and its ``unwrap()`` put back what
    ``getattr`` on the class gave it (the official OpenTelemetry instrumentation's does): our wrapper, bound.
    """
    return current is wrapper or getattr(current, "_self_parent", None) is wrapper


def apply(patches: Iterable[Patch], setup: Setup) -> Applied:
    """Wrap every method of ``patches`` that the installed SDK has."""
    wrapped: list[_Wrapped] = []
    for patch in patches:
        try:
            module = importlib.import_module(patch.module)
            owner_name, attribute = patch.name.rsplit(".", 1)
            owner: Any = module
            for part in owner_name.split("."):
                owner = getattr(owner, part)
            if not hasattr(owner, attribute):
                raise AttributeError(f"{owner!r} has no attribute {attribute!r}")
        except (ImportError, AttributeError) as missing:
            _log.debug("otel-llmcost skips %s.%s: %s", patch.module, patch.name, missing)
            continue
        namespace = cast("dict[str, object]", vars(owner))
        own = attribute in namespace
        original = namespace.get(attribute)
        wrapt.wrap_function_wrapper(owner, attribute, patch.make(setup))
        wrapped.append(_Wrapped(owner, attribute, namespace[attribute], original, own))
    return Applied(wrapped)
