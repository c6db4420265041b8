"""Reading OTLP JSON: the Collector's file exporter format (one export request per line) or one document.

Files may be gzip'd (by their ``.gz`` name or their first bytes); folders are read recursively, in name order.
Attribute values follow the OTLP JSON encoding (``{"intValue": "12"}``, ``{"doubleValue": 0.5}``...).
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from .. import _attributes as a

__all__ = [
    "InputError",
    "SpanRecord",
    "any_value",
    "attribute_dict",
    "export_requests",
    "files_of",
    "open_text",
    "spans_of",
]

_GZIP_MAGIC = b"\x1f\x8b"
_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")


class InputError(Exception):
    """An input cannot be read: the message names the file (and line) and what is wrong."""


@dataclass(frozen=True, slots=True)
class SpanRecord:
    """One exported span, as far as reports need it. Attribute values are plain Python values."""

    name: str
    trace_id: str
    span_id: str
    parent_id: str | None
    start_ns: int
    end_ns: int
    status_code: str
    attributes: Mapping[str, object]
    service: str | None


def files_of(sources: Iterable[str | Path]) -> list[Path]:
    """The files that ``sources`` name: files as given, folders searched for OTLP JSON files (in name order).

    Raises:
        InputError: a source does not exist, or a folder holds no OTLP JSON file.
    """
    found: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(_SUFFIXES))
            if not inside:
                raise InputError(f"{path}: no OTLP JSON files (*.json, *.jsonl, *.json.gz...) in this folder")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return found


def open_text(path: Path) -> IO[str]:
    """``path`` opened for reading text, through gzip when it is compressed."""
    raw = path.open("rb")
    if raw.read(2) == _GZIP_MAGIC:
        raw.seek(0)
        return io.TextIOWrapper(cast("IO[bytes]", gzip.GzipFile(fileobj=raw, mode="rb")), encoding="utf-8")
    raw.seek(0)
    return io.TextIOWrapper(raw, encoding="utf-8")


def export_requests(path: Path, progress: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
    """The export requests of one file, one at a time: a line each, or the whole file when it is one document.

    ``progress`` is called with the number of characters read after each line.

    Raises:
        InputError: the file is not OTLP JSON; names the file and the line.
    """
    try:
        with open_text(path) as stream:
            first = stream.readline()
            rest = stream.readline()
            if first.strip().startswith("{") and rest and not _is_complete(first):
                # One (pretty-printed) document.
                text = first + rest + stream.read()
                if progress is not None:
                    progress(len(text))
                yield _document(path, 1, text)
                return
            number = 0
            for number, line in enumerate(_chain(first, rest, stream), 1):
                if progress is not None:
                    progress(len(line))
                if line.strip():
                    yield _document(path, number, line)
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as error:
        raise InputError(f"{path}: cannot read it: {error}") from None


def _chain(first: str, rest: str, stream: IO[str]) -> Iterator[str]:
    yield first
    if rest:
        yield rest
        yield from stream


def _is_complete(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _document(path: Path, line: int, text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise InputError(f"{path}:{line}: not JSON ({error})") from None
    if not isinstance(document, dict) or "resourceSpans" not in document:
        raise InputError(f"{path}:{line}: not an OTLP export request (no resourceSpans)")
    return cast("dict[str, Any]", document)


def any_value(value: Mapping[str, Any]) -> object:
    """The Python value of an OTLP JSON ``AnyValue``: str, int, float, bool, list or dict."""
    for kind, item in value.items():
        if kind == "stringValue":
            return item
        if kind == "intValue":
            return int(item)
        if kind == "doubleValue":
            return float(item)
        if kind == "boolValue":
            return bool(item)
        if kind == "arrayValue":
            return [any_value(element) for element in item.get("values", ())]
        if kind == "kvlistValue":
            return attribute_dict(item.get("values", ()))
        if kind == "bytesValue":
            return item
    return None


def attribute_dict(attributes: Iterable[Mapping[str, Any]]) -> dict[str, object]:
    """OTLP JSON ``[{"key": ..., "value": {...}}]`` -> a dict of plain values."""
    return {item["key"]: any_value(item.get("value") or {}) for item in attributes}


_STATUS: dict[object, str] = {0: "unset", 1: "ok", 2: "error", "STATUS_CODE_UNSET": "unset", "STATUS_CODE_OK": "ok"}


def spans_of(request: Mapping[str, Any]) -> Iterator[SpanRecord]:
    """The spans of one export request."""
    for resource_spans in request.get("resourceSpans") or ():
        resource_info: dict[str, Any] = resource_spans.get("resource") or {}
        resource = attribute_dict(resource_info.get("attributes") or ())
        service = resource.get(a.SERVICE_NAME)
        service_name = service if isinstance(service, str) else None
        for scope_spans in resource_spans.get("scopeSpans") or ():
            for span in scope_spans.get("spans") or ():
                status_info: dict[str, Any] = span.get("status") or {}
                status: object = status_info.get("code", 0)
                yield SpanRecord(
                    name=span.get("name", ""),
                    trace_id=span.get("traceId", ""),
                    span_id=span.get("spanId", ""),
                    parent_id=span.get("parentSpanId") or None,
                    start_ns=int(span.get("startTimeUnixNano") or 0),
                    end_ns=int(span.get("endTimeUnixNano") or 0),
                    status_code=_STATUS.get(status, "error"),
                    attributes=attribute_dict(span.get("attributes") or ()),
                    service=service_name,
                )
