"""`FileSpanExporter`: spans as OTLP JSON lines in a local folder, for costs without a backend.

Each line is one ``ExportTraceServiceRequest`` in the OTLP JSON encoding, as the Collector's file exporter
writes it, so ``otel-llmcost report FOLDER`` (or any OTLP JSON reader) reads the folder.

Safe across forked workers: each process writes its own files (``spans-<pid>-<n>.jsonl``), opened again when
the exporter finds itself in a new process, and each batch is one ``write`` to a file opened for appending.
A file that reaches the size limit is closed and the next one begins.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.util.types import AttributeValue

__all__ = ["FILE_MAX_BYTES_ENV", "FILE_PATH_ENV", "FileSpanExporter", "encode_spans"]

_log = logging.getLogger("otel_llmcost")

FILE_PATH_ENV = "OTEL_LLMCOST_FILE_PATH"
"""The folder to write to (default ``./llmcost-spans``)."""
FILE_MAX_BYTES_ENV = "OTEL_LLMCOST_FILE_MAX_BYTES"
"""The size at which a file is closed and the next begins (default 100 MB)."""
_DEFAULT_PATH = "llmcost-spans"
_DEFAULT_MAX_BYTES = 100 * 1024 * 1024


def _value(value: AttributeValue) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    items = cast("Sequence[object]", value)
    return {"arrayValue": {"values": [_value(cast("AttributeValue", item)) for item in items]}}


def _attributes(attributes: Mapping[str, AttributeValue] | None) -> list[dict[str, Any]]:
    return [{"key": key, "value": _value(value)} for key, value in (attributes or {}).items()]


def _span(span: ReadableSpan) -> dict[str, Any]:
    context = span.context
    encoded: dict[str, Any] = {
        "traceId": format(context.trace_id, "032x") if context else "",
        "spanId": format(context.span_id, "016x") if context else "",
        "name": span.name,
        "kind": int(span.kind.value) + 1,  # the SDK's INTERNAL is 0; OTLP's SPAN_KIND_INTERNAL is 1
        "startTimeUnixNano": str(span.start_time or 0),
        "endTimeUnixNano": str(span.end_time or 0),
        "attributes": _attributes(span.attributes),
        "status": {"code": span.status.status_code.value},
    }
    if span.parent is not None:
        encoded["parentSpanId"] = format(span.parent.span_id, "016x")
    if span.status.description:
        encoded["status"]["message"] = span.status.description
    if span.events:
        encoded["events"] = [
            {"timeUnixNano": str(event.timestamp), "name": event.name, "attributes": _attributes(event.attributes)}
            for event in span.events
        ]
    if span.links:
        encoded["links"] = [
            {
                "traceId": format(link.context.trace_id, "032x"),
                "spanId": format(link.context.span_id, "016x"),
                "attributes": _attributes(link.attributes),
            }
            for link in span.links
        ]
    return encoded


def encode_spans(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """One OTLP JSON ``ExportTraceServiceRequest`` holding ``spans``, grouped by resource and scope."""
    resources: dict[int, tuple[Any, dict[tuple[str, str | None], list[dict[str, Any]]]]] = {}
    for span in spans:
        resource = span.resource
        _, scopes = resources.setdefault(id(resource), (resource, {}))
        instrumentation = span.instrumentation_scope
        key = (instrumentation.name, instrumentation.version) if instrumentation is not None else ("", None)
        scopes.setdefault(key, []).append(_span(span))
    resource_spans: list[dict[str, Any]] = []
    for resource, scopes in resources.values():
        scope_spans: list[dict[str, Any]] = []
        for (name, version), encoded in scopes.items():
            scope: dict[str, Any] = {"name": name}
            if version:
                scope["version"] = version
            scope_spans.append({"scope": scope, "spans": encoded})
        resource_spans.append({"resource": {"attributes": _attributes(resource.attributes)}, "scopeSpans": scope_spans})
    return {"resourceSpans": resource_spans}


class FileSpanExporter(SpanExporter):
    """Appends each batch of spans to a local file as one line of OTLP JSON.

    ``OTEL_TRACES_EXPORTER=llmcost_file`` selects it (with ``opentelemetry-instrument`` or
    `otel_llmcost.instrument`); put the cost processor in front of it as for any exporter.

    Args:
        path: the folder to write to; ``OTEL_LLMCOST_FILE_PATH`` or ``./llmcost-spans`` by default.
        max_bytes: the size at which a file is closed and the next one begins; ``OTEL_LLMCOST_FILE_MAX_BYTES``
            or 100 MB by default.

    Raises:
        ValueError: ``max_bytes`` (or its variable) is not a positive whole number.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, max_bytes: int | None = None) -> None:
        self._folder = Path(path if path is not None else os.environ.get(FILE_PATH_ENV) or _DEFAULT_PATH)
        if max_bytes is None:
            text = os.environ.get(FILE_MAX_BYTES_ENV, "").strip()
            try:
                max_bytes = int(text) if text else _DEFAULT_MAX_BYTES
            except ValueError:
                raise ValueError(f"{FILE_MAX_BYTES_ENV}={text!r} is not a whole number of bytes") from None
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, not {max_bytes}")
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._pid: int = -1
        self._number = 0
        self._file: int | None = None
        self._size = 0
        self._closed = False

    @property
    def folder(self) -> Path:
        """The folder the files are in."""
        return self._folder

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._closed:
            return SpanExportResult.FAILURE
        if not spans:
            return SpanExportResult.SUCCESS
        line = (json.dumps(encode_spans(spans), separators=(",", ":")) + "\n").encode("utf-8")
        try:
            with self._lock:
                descriptor = self._descriptor(len(line))
                os.write(descriptor, line)
                self._size += len(line)
        except OSError as error:
            _log.warning("otel_llmcost: cannot write spans to %s: %s", self._folder, error)
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def _descriptor(self, incoming: int) -> int:
        """The file to append ``incoming`` bytes to: this process's current one, or the next."""
        pid = os.getpid()
        if pid != self._pid:
            # A new process (a forked worker) never writes to its parent's file.
            self._pid, self._number, self._file, self._size = pid, 0, None, 0
        if self._file is not None and self._size and self._size + incoming > self._max_bytes:
            os.close(self._file)
            self._file = None
        while self._file is None:
            self._number += 1
            self._folder.mkdir(parents=True, exist_ok=True)
            name = self._folder / f"spans-{pid}-{self._number}.jsonl"
            descriptor = os.open(name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            size = os.fstat(descriptor).st_size
            if size and size + incoming > self._max_bytes:
                os.close(descriptor)  # left by an earlier process with this pid: take the next number
                continue
            self._file, self._size = descriptor, size
        return self._file

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            if self._file is not None and self._pid == os.getpid():
                os.close(self._file)
            self._file = None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
