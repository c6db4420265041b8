"""The one table of what the Pinecone instrumentor wraps: the index clients' reads and writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from .._patches import Patch
from .._surface import Setup, Surface
from .._wrap import Wrapper, async_method, sync_method
from ._read import READ
from ._write import DELETE, UPDATE, UPSERT

__all__ = ["PATCHES"]

_SURFACES: Final[tuple[tuple[str, Surface], ...]] = (
    *((name, READ) for name in ("query", "fetch", "fetch_by_metadata", "search", "list_paginated")),
    ("upsert", UPSERT),
    ("update", UPDATE),
    ("delete", DELETE),
)


def _sync(surface: Surface) -> Callable[[Setup], Wrapper]:
    return lambda setup: sync_method(setup, surface)


def _async(surface: Surface) -> Callable[[Setup], Wrapper]:
    return lambda setup: async_method(setup, surface)


PATCHES: Final[tuple[Patch, ...]] = (
    *(Patch("pinecone.index", f"Index.{name}", _sync(surface)) for name, surface in _SURFACES),
    *(Patch("pinecone.async_client.async_index", f"AsyncIndex.{name}", _async(surface)) for name, surface in _SURFACES),
)
"""Everything the Pinecone instrumentor wraps."""
