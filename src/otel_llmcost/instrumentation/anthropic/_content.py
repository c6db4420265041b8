"""Messages API prompts and completions in the GenAI conventions' message format (opt-in content capture).

A message is ``{"role", "parts": [...]}``; Anthropic's content blocks become parts: ``text`` ->
``{"type": "text", "content"}``, ``tool_use`` and ``server_tool_use`` -> ``tool_call``, ``tool_result`` ->
``tool_call_response``, ``thinking`` -> ``reasoning``; other blocks (images, documents, search results) keep
only their type. The ``system`` prompt is a message of its own; output messages add ``finish_reason``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final, cast

from .._read import field

__all__ = ["input_messages", "output_messages"]

_TYPE: Final = "type"
_CONTENT: Final = "content"
_TOOL_CALLS: Final = frozenset({"tool_use", "server_tool_use"})

Message = dict[str, Any]


def _items(value: object) -> list[object]:
    return list(cast("Iterable[object]", value)) if isinstance(value, (list, tuple)) else []


def _part(block: object, kind: str) -> dict[str, Any]:
    if kind == "text":
        return {_TYPE: "text", _CONTENT: field(block, "text")}
    if kind in _TOOL_CALLS:
        return {
            _TYPE: "tool_call",
            "id": field(block, "id"),
            "name": field(block, "name"),
            "arguments": field(block, "input"),
        }
    if kind == "tool_result":
        return {_TYPE: "tool_call_response", "id": field(block, "tool_use_id"), "response": field(block, _CONTENT)}
    if kind == "thinking":
        return {_TYPE: "reasoning", _CONTENT: field(block, "thinking")}
    return {_TYPE: kind}


def _parts(content: object) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{_TYPE: "text", _CONTENT: content}]
    blocks = ((block, field(block, _TYPE)) for block in _items(content))
    return [_part(block, kind) for block, kind in blocks if isinstance(kind, str)]


def input_messages(system: object, messages: object) -> list[Message]:
    """The request's ``system`` prompt and ``messages``."""
    prompt: list[Message] = []
    if isinstance(system, (str, list)):
        prompt.append({"role": "system", "parts": _parts(cast("object", system))})
    for message in _items(messages):
        prompt.append({"role": field(message, "role"), "parts": _parts(field(message, _CONTENT))})
    return prompt


def output_messages(message: object) -> list[Message]:
    """The response Message's content, as the one assistant message."""
    output: Message = {"role": "assistant", "parts": _parts(field(message, _CONTENT))}
    reason = field(message, "stop_reason")
    if isinstance(reason, str):
        output["finish_reason"] = reason
    return [output]
