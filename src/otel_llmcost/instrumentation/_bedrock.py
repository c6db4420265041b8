"""Bedrock Runtime's counts and its event-stream body, read alike by the Bedrock instrumentor and the HTTP fallback.

- `token_usage`: Converse's ``TokenUsage`` (and Nova's body usage): ``inputTokens`` is the input read at the full
  price, the cache reads and writes are counted beside it (added here, as the conventions count the input).
- `invocation_metrics_usage`: the ``amazon-bedrock-invocationMetrics`` that InvokeModelWithResponseStream's last
  chunk carries, whatever the model family.
- `EventStreamReader`: the ``application/vnd.amazon.eventstream`` body of ConverseStream and
  InvokeModelWithResponseStream, decoded as it passes into the events botocore would hand back
  (``{"metadata": {...}}``, ``{"chunk": {"bytes": b"..."}}``). botocore decodes the body for its own clients; a
  call made with plain HTTP (a signed ``requests`` call, a Bedrock API key) is read here, without botocore.

An event-stream message is a prelude (its total length, its headers' length, a CRC32 of the two), the headers
(``:event-type``, ``:message-type``...), the payload (JSON here) and a CRC32 of it all.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any, Final, cast

from ..usage import Usage
from ._read import tokens

__all__ = ["INVOCATION_METRICS", "EventStreamReader", "invocation_metrics_usage", "token_usage"]

INVOCATION_METRICS: Final = "amazon-bedrock-invocationMetrics"
_EMPTY: Final[Mapping[str, Any]] = {}
_PRELUDE: Final = 12
_MAX_MESSAGE: Final = 16 * 1024 * 1024  # AWS's limit; a longer prelude says the bytes are no event stream
# The length of a header value of each type (event-stream header types 0 to 9), -1 for those that carry theirs.
_VALUE_LENGTHS: Final = (0, 0, 1, 2, 4, 8, -1, -1, 8, 16)
_EVENT_TYPE: Final = ":event-type"
_MESSAGE_TYPE: Final = ":message-type"
_CHUNK: Final = "chunk"


def token_usage(values: Mapping[str, Any], read: str, write: str) -> Usage:
    """A usage whose input (``inputTokens``) leaves out the cache reads and writes named ``read`` and ``write``."""
    cache_read = tokens(values, read)
    cache_write = tokens(values, write)
    return Usage.from_reported(
        input_tokens=tokens(values, "inputTokens") + cache_read + cache_write,
        output_tokens=tokens(values, "outputTokens"),
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
    )


def invocation_metrics_usage(metrics: Mapping[str, Any]) -> Usage:
    """The usage of a stream chunk's ``amazon-bedrock-invocationMetrics`` (cache counts beside the input)."""
    read = tokens(metrics, "cacheReadInputTokenCount")
    write = tokens(metrics, "cacheWriteInputTokenCount")
    return Usage.from_reported(
        input_tokens=tokens(metrics, "inputTokenCount") + read + write,
        output_tokens=tokens(metrics, "outputTokenCount"),
        cache_read_tokens=read,
        cache_write_tokens=write,
    )


def _headers(data: bytes) -> dict[str, object]:
    found: dict[str, object] = {}
    at = 0
    while at < len(data):
        size = data[at]
        name = data[at + 1 : at + 1 + size].decode()
        kind = data[at + 1 + size]
        at += 2 + size
        length = _VALUE_LENGTHS[kind]
        if length < 0:
            length = int.from_bytes(data[at : at + 2], "big")
            at += 2
            found[name] = data[at : at + length].decode() if kind == 7 else data[at : at + length]
        else:
            found[name] = kind == 0 if kind < 2 else data[at : at + length]
        at += length
    return found


class EventStreamReader:
    """An event-stream body read in the pieces it arrives in: each whole message becomes an event; the rest waits.

    `events` are the events so far, as botocore hands them back: ``{event type: payload}``, an
    InvokeModelWithResponseStream ``chunk``'s ``bytes`` base64-decoded. Exceptions (``:message-type``
    ``exception``) are left out. Bytes that are no event stream (a bad prelude CRC) stop the reading.
    """

    __slots__ = ("_buffer", "broken", "events")

    def __init__(self) -> None:
        self._buffer = b""
        self.events: list[dict[str, Any]] = []
        self.broken = False

    def piece(self, data: bytes) -> None:
        if self.broken:
            return
        buffer = self._buffer + data
        while len(buffer) >= _PRELUDE:
            total = int.from_bytes(buffer[:4], "big")
            if binascii.crc32(buffer[:8]) != int.from_bytes(buffer[8:12], "big") or total < _PRELUDE + 4:
                self.broken = True
                self._buffer = b""
                return
            if total > _MAX_MESSAGE or len(buffer) < total:
                break
            size = int.from_bytes(buffer[4:8], "big")
            self._message(_headers(buffer[_PRELUDE : _PRELUDE + size]), buffer[_PRELUDE + size : total - 4])
            buffer = buffer[total:]
        self._buffer = buffer

    def _message(self, headers: Mapping[str, object], payload: bytes) -> None:
        kind = headers.get(_EVENT_TYPE)
        if headers.get(_MESSAGE_TYPE, "event") != "event" or not isinstance(kind, str):
            return
        try:
            found: object = json.loads(payload) if payload else None
        except ValueError:
            return
        body: dict[str, Any] = cast("dict[str, Any]", found) if isinstance(found, dict) else {}
        if kind == _CHUNK and isinstance(body.get("bytes"), str):
            body = {**body, "bytes": base64.b64decode(body["bytes"])}
        self.events.append({kind: body})
