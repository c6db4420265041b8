"""The bodies of the LLM APIs the fallback knows: which request paths bill, the model a request names, and the
usage a JSON response or a server-sent event stream reports.

| path (end)                                      | format    | operation            | usage                          |
|-------------------------------------------------|-----------|----------------------|--------------------------------|
| ``/chat/completions``                           | OpenAI    | ``chat``             | ``usage.prompt_tokens``...     |
| ``/completions``                                | OpenAI    | ``text_completion``  | the same                       |
| ``/embeddings``                                 | OpenAI    | ``embeddings``       | ``usage.prompt_tokens``        |
| ``/responses``                                  | Responses | ``chat``             | ``usage`` (streamed: in        |
|                                                 |           |                      | ``response.completed``)        |
| ``/messages``                                   | Anthropic | ``chat``             | ``usage`` (streamed: in        |
|                                                 |           |                      | ``message_start``, ``_delta``) |
| ``:generateContent``, ``:streamGenerateContent``| Gemini    | ``generate_content`` | ``usageMetadata`` (the last)   |
| ``/v2/chat``                                    | Cohere    | ``chat``             | ``usage.billed_units``         |
| ``/model/{id}/converse``, ``/converse-stream``  | Converse  | ``chat``             | ``usage.inputTokens``...       |
|                                                 |           |                      | (streamed: ``metadata``)       |
| ``/model/{id}/invoke-with-response-stream``     | Invoke    | ``chat``             | the last chunk's               |
|                                                 |           |                      | ``amazon-bedrock-              |
|                                                 |           |                      | invocationMetrics``            |

OpenAI's ``prompt_tokens`` include the cached ones and ``completion_tokens`` the reasoning ones; Anthropic counts
cache reads and writes beside ``input_tokens`` (added here); Gemini counts thinking tokens beside the candidates
(`Usage.from_reported` folds them in from ``totalTokenCount``); Cohere bills ``billed_units``, not ``tokens``;
Bedrock counts cache reads and writes beside ``inputTokens`` and streams in AWS's event-stream framing
(``application/vnd.amazon.eventstream``), both read by the framework's `_bedrock`, as the Bedrock instrumentor
reads them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final, NamedTuple
from urllib.parse import unquote

from ... import _attributes as a
from ...usage import Usage
from .._bedrock import INVOCATION_METRICS, EventStreamReader, invocation_metrics_usage, token_usage

__all__ = ["EventStream", "Format", "Route", "Stream", "model_in", "read_body", "route_of"]

_OP = a.GenAiOperationNameValues


class Format:
    OPENAI: Final = 0
    RESPONSES: Final = 1
    ANTHROPIC: Final = 2
    GEMINI: Final = 3
    COHERE: Final = 4
    CONVERSE: Final = 5
    INVOKE: Final = 6  # InvokeModelWithResponseStream: the families' own bodies, in event-stream chunks


class Route(NamedTuple):
    """What a request path says: the API's body format, the operation, and the model when the path names it.

    ``usage`` is the call's usage when the request alone says it (the characters of a text to speech call, one
    generated image); ``late`` marks a call whose response says whether it is billed (a polled transcript);
    ``estimate`` is the usage the request implies, for a response that does not report it (a FLUX.2 image's
    megapixels from the size asked for).
    """

    format: int
    operation: str
    model: str | None = None
    usage: Usage | None = None
    late: bool = False
    estimate: Usage | None = None


_GEMINI_METHODS: Final = (":generateContent", ":streamGenerateContent")
# Bedrock Runtime's operations, the last part of ``/model/{model id}/<operation>``.
_BEDROCK: Final = {
    "converse": Format.CONVERSE,
    "converse-stream": Format.CONVERSE,
    "invoke-with-response-stream": Format.INVOKE,
}


def route_of(path: str) -> Route | None:
    """The `Route` of a request ``path`` (no query), or `None` if it is no billed call the fallback knows."""
    if path.endswith("/chat/completions"):
        return Route(Format.OPENAI, _OP.CHAT)
    if path.endswith("/completions"):
        return Route(Format.OPENAI, _OP.TEXT_COMPLETION)
    if path.endswith("/embeddings"):
        return Route(Format.OPENAI, _OP.EMBEDDINGS)
    if path.endswith("/responses"):
        return Route(Format.RESPONSES, _OP.CHAT)
    if path.endswith("/messages"):
        return Route(Format.ANTHROPIC, _OP.CHAT)
    if path.endswith(_GEMINI_METHODS):
        name = path.rpartition("/models/")[2].partition(":")[0]
        return Route(Format.GEMINI, _OP.GENERATE_CONTENT, name or None)
    if path.endswith("/v2/chat"):
        return Route(Format.COHERE, _OP.CHAT)
    if "/model/" in path:
        model, _, operation = path.rpartition("/model/")[2].rpartition("/")
        form = _BEDROCK.get(operation)
        if form is not None:
            return Route(form, _OP.CHAT, unquote(model) or None)
    return None


def model_in(body: object) -> tuple[str | None, bool]:
    """The model a JSON request ``body`` names, and whether it asks for a stream."""
    if not isinstance(body, dict):
        return None, False
    values: dict[str, Any] = body  # pyright: ignore[reportUnknownVariableType]
    model = values.get("model")
    return (model if isinstance(model, str) else None), values.get("stream") is True


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}  # pyright: ignore[reportUnknownVariableType]


def _int(values: Mapping[str, Any], key: str) -> int:
    value = values.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _usage(form: int, usage: Mapping[str, Any]) -> Usage | None:
    if not usage:
        return None
    if form == Format.OPENAI:
        return Usage.from_reported(
            input_tokens=_int(usage, "prompt_tokens"),
            output_tokens=_int(usage, "completion_tokens"),
            cache_read_tokens=_int(_dict(usage.get("prompt_tokens_details")), "cached_tokens"),
            reasoning_tokens=_int(_dict(usage.get("completion_tokens_details")), "reasoning_tokens"),
            total_tokens=_int(usage, "total_tokens"),
        )
    if form == Format.RESPONSES:
        return Usage.from_reported(
            input_tokens=_int(usage, "input_tokens"),
            output_tokens=_int(usage, "output_tokens"),
            cache_read_tokens=_int(_dict(usage.get("input_tokens_details")), "cached_tokens"),
            reasoning_tokens=_int(_dict(usage.get("output_tokens_details")), "reasoning_tokens"),
            total_tokens=_int(usage, "total_tokens"),
        )
    if form == Format.ANTHROPIC:
        read = _int(usage, "cache_read_input_tokens")
        written = _int(usage, "cache_creation_input_tokens")
        written_1h = _int(_dict(usage.get("cache_creation")), "ephemeral_1h_input_tokens")
        return Usage.from_reported(
            input_tokens=_int(usage, "input_tokens") + read + written,
            output_tokens=_int(usage, "output_tokens"),
            cache_read_tokens=read,
            cache_write_tokens=written - written_1h,
            cache_write_1h_tokens=written_1h,
        )
    if form == Format.GEMINI:
        return Usage.from_reported(
            input_tokens=_int(usage, "promptTokenCount"),
            output_tokens=_int(usage, "candidatesTokenCount"),
            cache_read_tokens=_int(usage, "cachedContentTokenCount"),
            reasoning_tokens=_int(usage, "thoughtsTokenCount"),
            total_tokens=_int(usage, "totalTokenCount"),
        )
    if form == Format.COHERE:
        billed = _dict(usage.get("billed_units"))
        if not billed:
            return None
        return Usage.from_reported(
            input_tokens=_int(billed, "input_tokens"), output_tokens=_int(billed, "output_tokens")
        )
    if form == Format.CONVERSE:
        return token_usage(usage, "cacheReadInputTokens", "cacheWriteInputTokens")
    return invocation_metrics_usage(usage)  # Invoke


_USAGE_KEYS: Final = {Format.GEMINI: "usageMetadata"}
_MODEL_KEYS: Final = {Format.GEMINI: "modelVersion"}
_ID_KEYS: Final = {Format.GEMINI: "responseId"}


class Reading(NamedTuple):
    attributes: Mapping[str, str | float]  # a number: a charge the provider reported (BFL's `cost`)
    usage: Usage | None


def _identity(form: int, values: Mapping[str, Any], into: dict[str, str]) -> None:
    model = values.get(_MODEL_KEYS.get(form, "model"))
    if isinstance(model, str) and model:
        into[a.GEN_AI_RESPONSE_MODEL] = model
    found = values.get(_ID_KEYS.get(form, "id"))
    if isinstance(found, str) and found:
        into[a.GEN_AI_RESPONSE_ID] = found


def read_body(form: int, content: bytes) -> Reading:
    """What a whole JSON response body of ``form`` says."""
    values = _dict(json.loads(content))
    attributes: dict[str, str] = {}
    _identity(form, values, attributes)
    return Reading(attributes, _usage(form, _dict(values.get(_USAGE_KEYS.get(form, "usage")))))


_DONE: Final = b"[DONE]"


class Stream:
    """A server-sent event stream of ``form`` read as it passes: whole events are decoded, the rest kept."""

    __slots__ = ("_attributes", "_buffer", "_form", "_usage")

    def __init__(self, form: int) -> None:
        self._form = form
        self._buffer = b""
        self._attributes: dict[str, str] = {}
        self._usage: dict[str, Any] = {}

    def piece(self, data: bytes) -> None:
        buffer = self._buffer + data
        if b"\n\n" not in buffer and b"\r\n\r\n" not in buffer:
            self._buffer = buffer
            return
        lines = buffer.replace(b"\r\n", b"\n").split(b"\n")
        self._buffer = b"\n".join(lines[-1:])  # an unfinished last line waits for the next piece
        for line in lines[:-1]:
            if line.startswith(b"data:"):
                payload = line[5:].strip()
                if payload and payload != _DONE:
                    self._event(_dict(json.loads(payload)))

    def _event(self, values: Mapping[str, Any]) -> None:
        form = self._form
        if form == Format.OPENAI or form == Format.GEMINI:
            _identity(form, values, self._attributes)
            usage = _dict(values.get(_USAGE_KEYS.get(form, "usage")))
            if usage:
                self._usage = dict(usage)
        elif form == Format.RESPONSES:
            response = _dict(values.get("response"))
            _identity(form, response, self._attributes)
            usage = _dict(response.get("usage"))
            if usage:
                self._usage = dict(usage)
        elif form == Format.ANTHROPIC:
            kind = values.get("type")
            if kind == "message_start":
                message = _dict(values.get("message"))
                _identity(form, message, self._attributes)
                self._usage = dict(_dict(message.get("usage")))
            elif kind == "message_delta":
                self._usage.update(_dict(values.get("usage")))  # counts so far: the last one holds
        elif form == Format.COHERE:
            found = values.get("id")
            if isinstance(found, str) and found:
                self._attributes[a.GEN_AI_RESPONSE_ID] = found
            if values.get("type") == "message-end":
                self._usage = dict(_dict(_dict(values.get("delta")).get("usage")))

    def reading(self) -> Reading:
        """What the events read so far say."""
        if self._buffer.strip():
            self.piece(b"\n\n")
        return Reading(self._attributes, _usage(self._form, self._usage))


class EventStream:
    """A Bedrock Runtime event stream of ``form`` (Converse or Invoke) read as it passes, as `Stream` reads SSE."""

    __slots__ = ("_form", "_reader", "_usage")

    def __init__(self, form: int) -> None:
        self._form = form
        self._reader = EventStreamReader()
        self._usage: Mapping[str, Any] = {}

    def piece(self, data: bytes) -> None:
        reader = self._reader
        reader.piece(data)
        for event in reader.events:
            if self._form == Format.CONVERSE:
                usage = _dict(_dict(event.get("metadata")).get("usage"))
            else:
                usage = _dict(_chunk(_dict(event.get("chunk")).get("bytes")).get(INVOCATION_METRICS))
            if usage:
                self._usage = usage
        reader.events.clear()

    def reading(self) -> Reading:
        return Reading({}, _usage(self._form, self._usage))


def _chunk(data: object) -> Mapping[str, Any]:
    if not isinstance(data, bytes):
        return {}
    try:
        return _dict(json.loads(data))
    except ValueError:
        return {}
