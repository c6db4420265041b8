"""`remember`: the one way a cache of ours stays bounded."""

from __future__ import annotations

from typing import TypeVar

__all__ = ["remember"]

K = TypeVar("K")
V = TypeVar("V")


def remember(cache: dict[K, V], key: K, value: V, limit: int) -> V:
    """Stores ``value`` under ``key`` and returns it. A cache holding ``limit`` entries starts over first: the keys
    a process sees (models, providers, base URLs) are few, and when they are not, memory must not grow with them."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value
