"""Index reads, sync and async: billed in the read units the response reports (``usage.read_units``).

Pinecone has no model: the span's model is the product its price table entry names, ``serverless`` (the
Standard plan's price; another plan or a region that costs more is an override file's entry). A search with
integrated embedding or reranking also bills embedding tokens and rerank units, which are not priced here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from ... import _attributes as a
from ...usage import Usage
from .._surface import Reading, Request, Setup, Unstreamed

__all__ = ["READ"]

_SERVERLESS: Final = "serverless"
_READ_UNIT: Final = "read_unit"  # the price table's unit: usd_per_request.read_unit


class Read(Unstreamed):
    """A read of an index: query, fetch, search, a page of ids."""

    operation: ClassVar[str] = a.GenAiOperationNameValues.VECTOR_READ

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        return Request(_SERVERLESS, {}, kwargs)

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        reads = getattr(getattr(result, "usage", None), "read_units", None)
        if isinstance(reads, int) and not isinstance(reads, bool) and reads > 0:
            return Reading({}, Usage(requests=((_READ_UNIT, reads),)))
        return Reading({})


READ: Final = Read()
