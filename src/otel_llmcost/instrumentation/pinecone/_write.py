"""Index writes, sync and async: upsert, update and delete, billed in write units their responses do not report.

Pinecone's "Understanding cost" page defines them: an upsert uses 1 WU for each 1 KB of the request, an update 1 WU
for each 1 KB of the new and the existing record, a delete 1 WU for each 1 KB of the records deleted, each at least
5 WUs per request (deleting every record of a namespace: 5 WUs). The usage is counted here from the request, and
marked ``estimated``:

- a record's size is Pinecone's own formula for it: the bytes of its id, of its metadata (as compact JSON), 4 bytes
  per dense dimension and 8 per sparse value; a KB is 1,000 bytes, and a request's KBs are rounded up;
- an upsert with ``batch_size`` sends one request per batch, each with its own minimum; batches that failed are
  not counted;
- what the request cannot say is left out, so the count is a lower bound: the existing record an upsert overwrites
  or an update changes, and the records a delete removes (their sizes are Pinecone's to know): a delete is its
  minimum, 5 WUs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Final

from ... import _attributes as a
from ...usage import Usage
from .._surface import Reading, Request, Setup, Unstreamed

__all__ = ["DELETE", "UPDATE", "UPSERT", "record_bytes", "write_units"]

_SERVERLESS: Final = "serverless"
_WRITE_UNIT: Final = "write_unit"  # the price table's unit: usd_per_request.write_unit
_MINIMUM: Final = 5  # WUs per write request, since 1 July 2025
_KB: Final = 1000
_ESTIMATED: Final = a.LlmcostUsageStatusValues.ESTIMATED
_UPSERT_DETAIL: Final = (
    "Pinecone reports no write units: counted from the request as its cost page defines them (1 WU per KB of each"
    " request's records, at least 5); records it overwrites would add their own size"
)
_UPDATE_DETAIL: Final = (
    "Pinecone reports no write units: counted from the request (1 WU per KB of the new record, at least 5); the"
    " existing record's size, which an update also bills, is not known here"
)
_DELETE_DETAIL: Final = (
    "Pinecone reports no write units: a delete bills 1 WU per KB of the records it removes, at least 5; their sizes"
    " are not known here, so it is counted at its minimum"
)


def _metadata_bytes(metadata: object) -> int:
    if not metadata:
        return 0
    return len(json.dumps(metadata, separators=(",", ":"), ensure_ascii=False, default=str).encode())


def _length(values: object) -> int:
    if isinstance(values, Sequence) and not isinstance(values, (str, bytes)):
        found: Sequence[object] = values  # pyright: ignore[reportUnknownVariableType]
        return len(found)
    return 0


def _sparse_count(sparse: object) -> int:
    if isinstance(sparse, Mapping):
        fields: Mapping[str, object] = sparse  # pyright: ignore[reportUnknownVariableType]
        return _length(fields.get("indices"))
    return _length(getattr(sparse, "indices", None))


def record_bytes(record: object) -> int | None:
    """A record's size as Pinecone's cost page counts it; `None` for a record of no form the SDK takes."""
    if isinstance(record, tuple):
        parts: tuple[Any, ...] = record  # pyright: ignore[reportUnknownVariableType]
        if len(parts) not in (2, 3) or not isinstance(parts[0], str):
            return None
        metadata = parts[2] if len(parts) == 3 else None
        return len(parts[0].encode()) + 4 * _length(parts[1]) + _metadata_bytes(metadata)
    if isinstance(record, Mapping):
        fields: Mapping[str, Any] = record  # pyright: ignore[reportUnknownVariableType]
        found, values, metadata = fields.get("id"), fields.get("values"), fields.get("metadata")
        sparse = fields.get("sparse_values", fields.get("sparseValues"))
    else:
        found, values = getattr(record, "id", None), getattr(record, "values", None)
        metadata, sparse = getattr(record, "metadata", None), getattr(record, "sparse_values", None)
    if not isinstance(found, str):
        return None
    return len(found.encode()) + 4 * _length(values) + 8 * _sparse_count(sparse) + _metadata_bytes(metadata)


def write_units(size: int) -> int:
    """The write units of one request of ``size`` bytes: 1 per KB begun, at least the minimum."""
    return max(_MINIMUM, math.ceil(size / _KB))


def _estimated(units: int, detail: str) -> Reading:
    return Reading({a.LLMCOST_REASON_DETAIL: detail}, Usage(requests=((_WRITE_UNIT, units),)), _ESTIMATED)


class _Write(Unstreamed):
    operation: ClassVar[str] = a.GenAiOperationNameValues.VECTOR_WRITE

    def request(self, args: tuple[Any, ...], kwargs: Mapping[str, Any], provider: str, setup: Setup) -> Request:
        return Request(_SERVERLESS, {}, kwargs, state=self.state(kwargs))

    def state(self, kwargs: Mapping[str, Any]) -> object:
        """What the response is read with, taken from the arguments before the call."""
        return None


class Upsert(_Write):
    """``upsert``: each request's records, batch by batch; the state is the size of each batch's records."""

    def state(self, kwargs: Mapping[str, Any]) -> object:
        vectors: object = kwargs.get("vectors")
        if not isinstance(vectors, Sequence) or isinstance(vectors, (str, bytes)):
            return None  # an iterator is the SDK's to consume, not ours
        records: Sequence[object] = vectors  # pyright: ignore[reportUnknownVariableType]
        sizes: list[int] = []
        for record in records:
            size = record_bytes(record)
            if size is None:
                return None
            sizes.append(size)
        if not sizes:
            return None
        batch = kwargs.get("batch_size")
        step = batch if isinstance(batch, int) and not isinstance(batch, bool) and batch > 0 else len(sizes)
        return [sum(sizes[start : start + step]) for start in range(0, len(sizes), step)]

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        batches: object = request.state
        if not isinstance(batches, list):
            return Reading({})
        sizes: list[int] = batches  # pyright: ignore[reportUnknownVariableType] - `state` made it
        errors: Any = getattr(result, "errors", None) or ()
        failed = {getattr(error, "batch_index", None) for error in errors}
        units = sum(write_units(size) for index, size in enumerate(sizes) if index not in failed)
        return _estimated(units, _UPSERT_DETAIL) if units else Reading({})


class Update(_Write):
    """``update``: the new record the request sends (an update by ``filter`` is counted at its minimum)."""

    def state(self, kwargs: Mapping[str, Any]) -> object:
        if kwargs.get("dry_run"):
            return None  # counts the matches and writes nothing
        found = kwargs.get("id")
        size = len(found.encode()) if isinstance(found, str) else 0
        return (
            size
            + 4 * _length(kwargs.get("values"))
            + 8 * _sparse_count(kwargs.get("sparse_values"))
            + _metadata_bytes(kwargs.get("set_metadata"))
        )

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        size = request.state
        return _estimated(write_units(size), _UPDATE_DETAIL) if isinstance(size, int) else Reading({})


class Delete(_Write):
    """``delete``: by ids, by filter or every record of a namespace, each counted at the minimum per request."""

    def response(self, result: Any, request: Request, setup: Setup) -> Reading:
        return _estimated(_MINIMUM, _DELETE_DETAIL)


UPSERT: Final = Upsert()
UPDATE: Final = Update()
DELETE: Final = Delete()
