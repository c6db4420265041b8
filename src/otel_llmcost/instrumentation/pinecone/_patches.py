"""The one table of what the Pinecone instrumentor wraps: the index clients' reads."""

from __future__ import annotations

from typing import Final

from .._patches import Patch
from .._surface import Setup
from .._wrap import Wrapper, async_method, sync_method
from ._read import READ

__all__ = ["PATCHES"]

_READS: Final = ("query", "fetch", "fetch_by_metadata", "search", "list_paginated")


def _sync(setup: Setup) -> Wrapper:
    return sync_method(setup, READ)


def _async(setup: Setup) -> Wrapper:
    return async_method(setup, READ)


PATCHES: Final[tuple[Patch, ...]] = (
    *(Patch("pinecone.index", f"Index.{name}", _sync) for name in _READS),
    *(Patch("pinecone.async_client.async_index", f"AsyncIndex.{name}", _async) for name in _READS),
)
"""Everything the Pinecone instrumentor wraps."""
