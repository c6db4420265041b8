"""Patch tables: a provider's one table of what it wraps; `apply` wraps it and `Applied.remove` undoes exactly that.

Each SDK method is wrapped on its own class (a ``from module import function`` alias would escape a patch on the
module). A module or method the installed SDK does not have is skipped (and logged at debug level), never
aborting the rest, so that one table spans every SDK version the provider supports.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any, NamedTuple, cast

import wrapt

from ._surface import Setup, Surface
from ._wrap import Wrapper, async_method, sync_method

__all__ = ["Applied", "Patch", "apply", "as_is", "both"]

_log = logging.getLogger("otel_llmcost")


class Patch(NamedTuple):
    """One method to wrap: ``module``'s ``name`` (``"Class.method"``, or ``"function"`` for a module's own function,
    looked up at call time by the SDK's other modules), with the wrapper ``make(setup)`` returns."""

    module: str
    name: str
    make: Callable[[Setup], Wrapper]


def _sync(surface: Surface) -> Callable[[Setup], Wrapper]:
    return lambda setup: sync_method(setup, surface)


def _async(surface: Surface) -> Callable[[Setup], Wrapper]:
    return lambda setup: async_method(setup, surface)


def as_is(wrapper: Wrapper) -> Callable[[Setup], Wrapper]:
    """A `Patch` ``make`` for a wrapper that needs no setup (a retry hook, a helper's ``close``)."""
    return lambda setup: wrapper


def both(module: str, sync_name: str, async_name: str, surface: Surface) -> tuple[Patch, Patch]:
    """The patches of a method of ``surface`` and of its async twin, on ``module``'s two classes."""
    return Patch(module, sync_name, _sync(surface)), Patch(module, async_name, _async(surface))


class _Wrapped(NamedTuple):
    owner: type
    attribute: str
    wrapper: object
    original: object
    own: bool  # whether ``owner`` itself defined the attribute (else it was inherited)
    key: tuple[object, str, object]  # the owner, the attribute and the wrapper function: the row's `_SHARED` key


# Rows that several instrumentors' tables share (the same wrapper function on the same method: the retry hooks
# on httpx's ``send``) are wrapped once, by the first table applied, and unwrapped when the last is removed, in
# whatever order the instrumentors are: the row's key, how many applied tables hold it, and the wrapping.
_SHARED: dict[tuple[object, str, object], tuple[int, _Wrapped]] = {}


class Applied:
    """The patches `apply` made; `remove` restores each method it still holds."""

    def __init__(self, wrapped: list[_Wrapped]) -> None:
        self._wrapped = wrapped

    @property
    def names(self) -> tuple[str, ...]:
        """``module.Class.method`` of every wrapped method, in table order."""
        return tuple(_dotted(item.owner, item.attribute) for item in self._wrapped)

    def remove(self) -> None:
        """Put every original back, unless something else has wrapped it since (then ours stays, inactive)."""
        for item in reversed(self._wrapped):
            shared = _SHARED.pop(item.key, None)
            if shared is not None and shared[0] > 1:
                _SHARED[item.key] = (shared[0] - 1, shared[1])  # another table still holds the row
                continue
            if not _is_ours(vars(item.owner).get(item.attribute), item.wrapper):
                _log.debug("otel-llmcost left %s.%s wrapped: it was wrapped again since", item.owner, item.attribute)
                continue
            if item.own:
                setattr(item.owner, item.attribute, item.original)
            else:
                delattr(item.owner, item.attribute)
        self._wrapped = []


def _dotted(owner: Any, attribute: str) -> str:
    if isinstance(owner, ModuleType):
        return f"{owner.__name__}.{attribute}"
    return f"{owner.__module__}.{owner.__qualname__}.{attribute}"


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
            owner_name, _, attribute = patch.name.rpartition(".")
            owner: Any = module
            for part in owner_name.split(".") if owner_name else ():
                owner = getattr(owner, part)
            if not hasattr(owner, attribute):
                raise AttributeError(f"{owner!r} has no attribute {attribute!r}")
        except (ImportError, AttributeError) as missing:
            _log.debug("otel-llmcost skips %s.%s: %s", patch.module, patch.name, missing)
            continue
        namespace = cast("dict[str, object]", vars(owner))
        own = attribute in namespace
        original = namespace.get(attribute)
        wrapper = patch.make(setup)
        key = (owner, attribute, wrapper)
        shared = _SHARED.get(key)
        if shared is not None:
            _SHARED[key] = (shared[0] + 1, shared[1])
            wrapped.append(shared[1])
            continue
        wrapt.wrap_function_wrapper(owner, attribute, wrapper)
        item = _Wrapped(owner, attribute, namespace[attribute], original, own, key)
        _SHARED[key] = (1, item)
        wrapped.append(item)
    return Applied(wrapped)
