"""The one table of what the Google Gen AI instrumentor wraps; `apply` wraps it and `Applied.remove` undoes it.

A method the installed SDK lacks is skipped (logged at debug level): the table spans google-genai 1.11 to 3.x.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from typing import NamedTuple

import wrapt

from ._embed import COUNT_TOKENS, EMBED_CONTENT
from ._generate import GENERATE_CONTENT, GENERATE_CONTENT_STREAM
from ._wrap import Setup, Surface, Wrapper, async_method, async_stream, sync_method, sync_stream

__all__ = ["PATCHES", "Applied", "Patch", "apply"]

_log = logging.getLogger("otel_llmcost")
_MODELS = "google.genai.models"


class Patch(NamedTuple):
    """``Models`` / ``AsyncModels`` method ``name`` of ``module``, wrapped by ``make(setup, surface)``."""

    owner: str
    name: str
    make: Callable[[Setup, Surface], Wrapper]
    surface: Surface


PATCHES: tuple[Patch, ...] = (
    Patch("Models", "_generate_content", sync_method, GENERATE_CONTENT),
    Patch("AsyncModels", "_generate_content", async_method, GENERATE_CONTENT),
    Patch("Models", "_generate_content_stream", sync_stream, GENERATE_CONTENT_STREAM),
    Patch("AsyncModels", "_generate_content_stream", async_stream, GENERATE_CONTENT_STREAM),
    Patch("Models", "embed_content", sync_method, EMBED_CONTENT),
    Patch("AsyncModels", "embed_content", async_method, EMBED_CONTENT),
    Patch("Models", "count_tokens", sync_method, COUNT_TOKENS),
    Patch("AsyncModels", "count_tokens", async_method, COUNT_TOKENS),
)
"""Everything the Google Gen AI instrumentor wraps, all in ``google.genai.models``."""


class Applied:
    """The methods `apply` wrapped, with what was there before; `remove` puts each back if it is still ours."""

    def __init__(self, wrapped: list[tuple[type, str, object, object]]) -> None:
        self._wrapped = wrapped

    @property
    def names(self) -> tuple[str, ...]:
        """``Class.method`` of every wrapped method, in table order."""
        return tuple(f"{owner.__qualname__}.{name}" for owner, name, _, _ in self._wrapped)

    def remove(self) -> None:
        for owner, name, wrapper, original in reversed(self._wrapped):
            current = vars(owner).get(name)
            # Someone wrapped on top of ours since, or unwrapped to our wrapper bound to the class: leave theirs.
            if current is wrapper or getattr(current, "_self_parent", None) is wrapper:
                setattr(owner, name, original)
            else:
                _log.debug("otel-llmcost left %s.%s wrapped: it was wrapped again since", owner, name)
        self._wrapped = []


def apply(patches: Iterable[Patch], setup: Setup) -> Applied:
    """Wrap every method of ``patches`` that the installed SDK has."""
    wrapped: list[tuple[type, str, object, object]] = []
    try:
        module = importlib.import_module(_MODELS)
    except ImportError as missing:
        _log.debug("otel-llmcost skips google-genai: %s", missing)
        return Applied(wrapped)
    for patch in patches:
        owner = getattr(module, patch.owner, None)
        original = vars(owner).get(patch.name) if isinstance(owner, type) else None
        if owner is None or original is None:
            _log.debug("otel-llmcost skips %s.%s: not in this google-genai", patch.owner, patch.name)
            continue
        wrapt.wrap_function_wrapper(owner, patch.name, patch.make(setup, patch.surface))
        wrapped.append((owner, patch.name, vars(owner)[patch.name], original))
    return Applied(wrapped)
