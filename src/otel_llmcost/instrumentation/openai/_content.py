"""Prompts and completions in the GenAI conventions' message format, for ``gen_ai.*.messages`` (opt-in).

A message is ``{"role", "parts": [...]}``; a part is ``{"type": "text", "content"}``, ``{"type": "tool_call",
"id", "name", "arguments"}``, ``{"type": "tool_call_response", "id", "response"}``, or ``{"type": <kind>}`` for
content we do not copy (images, audio, files). Output messages add ``finish_reason``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from typing import Any, Final, cast

from .._read import field

__all__ = ["chat_input", "chat_output", "responses_input", "responses_output", "text_part", "tool_call_part"]

_TEXT: Final = "text"
_TYPE: Final = "type"
_CONTENT: Final = "content"
_ROLE: Final = "role"
_PARTS: Final = "parts"
_ASSISTANT: Final = "assistant"
_TEXT_KINDS: Final = frozenset({"text", "input_text", "output_text"})

Message = dict[str, Any]


def _items(value: object) -> list[object]:
    """The elements of a list or tuple; nothing for anything else (an iterator is the SDK's to consume)."""
    return list(cast("Iterable[object]", value)) if isinstance(value, (list, tuple)) else []


def text_part(content: str) -> dict[str, Any]:
    return {_TYPE: _TEXT, _CONTENT: content}


def tool_call_part(call_id: object, name: object, arguments: object) -> dict[str, Any]:
    """A tool call part; its ``arguments`` as the JSON object the model wrote (the message schema's type), or as
    the text it sent when that is not JSON (a stream cut mid-call)."""
    if isinstance(arguments, str):
        with contextlib.suppress(ValueError):
            arguments = json.loads(arguments)
    return {_TYPE: "tool_call", "id": call_id, "name": name, "arguments": arguments}


def _parts(content: object) -> list[dict[str, Any]]:
    """A message's ``content``, a string or a list of typed parts, as message parts."""
    if isinstance(content, str):
        return [text_part(content)]
    parts: list[dict[str, Any]] = []
    for part in _items(content):
        kind = field(part, _TYPE)
        words = field(part, _TEXT)
        if isinstance(words, str) and (kind is None or kind in _TEXT_KINDS):
            parts.append(text_part(words))
        elif isinstance(kind, str):
            parts.append({_TYPE: kind})
    return parts


def _tool_calls(calls: object) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for call in _items(calls):
        function = field(call, "function")
        parts.append(tool_call_part(field(call, "id"), field(function, "name"), field(function, "arguments")))
    return parts


def chat_input(messages: Sequence[object]) -> list[Message]:
    """Chat Completions ``messages`` as input messages."""
    result: list[Message] = []
    for message in messages:
        role = field(message, _ROLE)
        content = field(message, _CONTENT)
        if role == "tool":
            parts = [{_TYPE: "tool_call_response", "id": field(message, "tool_call_id"), "response": content}]
        else:
            parts = _parts(content) + _tool_calls(field(message, "tool_calls"))
        result.append({_ROLE: role, _PARTS: parts})
    return result


def chat_output(choices: Iterable[object]) -> list[Message]:
    """A ``ChatCompletion``'s choices as output messages."""
    result: list[Message] = []
    for choice in choices:
        message = field(choice, "message")
        parts = _parts(field(message, _CONTENT)) + _tool_calls(field(message, "tool_calls"))
        result.append(
            {_ROLE: field(message, _ROLE) or _ASSISTANT, _PARTS: parts, "finish_reason": field(choice, "finish_reason")}
        )
    return result


def responses_input(value: object) -> list[Message]:
    """The Responses API ``input`` (a string or a list of items) as input messages."""
    if isinstance(value, str):
        return [{_ROLE: "user", _PARTS: [text_part(value)]}]
    result: list[Message] = []
    for item in _items(value):
        kind = field(item, _TYPE)
        if kind == "function_call":
            call = tool_call_part(field(item, "call_id"), field(item, "name"), field(item, "arguments"))
            result.append({_ROLE: _ASSISTANT, _PARTS: [call]})
        elif kind == "function_call_output":
            part = {_TYPE: "tool_call_response", "id": field(item, "call_id"), "response": field(item, "output")}
            result.append({_ROLE: "tool", _PARTS: [part]})
        elif field(item, _ROLE) is not None:
            result.append({_ROLE: field(item, _ROLE), _PARTS: _parts(field(item, _CONTENT))})
        elif isinstance(kind, str):
            result.append({_ROLE: "user", _PARTS: [{_TYPE: kind}]})
    return result


def responses_output(output: object, finish_reason: str | None) -> list[Message]:
    """A ``Response``'s output items as one output message."""
    parts: list[dict[str, Any]] = []
    for item in _items(output):
        kind = field(item, _TYPE)
        if kind == "message":
            parts.extend(_parts(field(item, _CONTENT)))
        elif kind == "function_call":
            parts.append(tool_call_part(field(item, "call_id"), field(item, "name"), field(item, "arguments")))
        elif isinstance(kind, str):
            parts.append({_TYPE: kind})
    return [{_ROLE: _ASSISTANT, _PARTS: parts, "finish_reason": finish_reason}]
