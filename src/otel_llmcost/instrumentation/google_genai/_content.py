"""Prompts and answers in the GenAI conventions' message shape, for spans that capture content (opt-in)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, cast

from .._read import field

__all__ = ["input_messages", "listed", "output_messages"]

_USER: Final = "user"
_ROLES: Final = {"model": "assistant", "user": "user", "function": "tool", "tool": "tool"}


def listed(value: object) -> Sequence[object]:
    """``value`` if it is a list or tuple, else an empty tuple."""
    return cast("Sequence[object]", value) if isinstance(value, (list, tuple)) else ()


def _parts(parts: object) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(parts, str):
        return [{"type": "text", "content": parts}]
    for part in listed(parts) or (parts,):
        if isinstance(part, str):
            found.append({"type": "text", "content": part})
            continue
        piece = field(part, "text")
        if isinstance(piece, str):
            found.append({"type": "text", "content": piece})
            continue
        call = field(part, "function_call")
        if call is not None:
            found.append({"type": "tool_call", "name": field(call, "name"), "arguments": field(call, "args")})
            continue
        answer = field(part, "function_response")
        if answer is not None:
            found.append({"type": "tool_call_response", "response": field(answer, "response")})
    return found


def _message(content: object) -> dict[str, Any]:
    role = field(content, "role") if not isinstance(content, str) else None
    parts = field(content, "parts") if field(content, "parts") is not None else content
    return {"role": _ROLES.get(role, _USER) if isinstance(role, str) else _USER, "parts": _parts(parts)}


def input_messages(contents: object) -> list[dict[str, Any]]:
    """``contents`` (a string, parts, or ``Content``s) as input messages."""
    items = listed(contents)
    if items or isinstance(contents, (list, tuple)):
        if items and all(field(item, "parts") is not None for item in items):
            return [_message(item) for item in items]
        return [{"role": _USER, "parts": _parts(items)}]
    return [_message(contents)]


def output_messages(candidates: Sequence[object]) -> list[dict[str, Any]]:
    """The candidates of an answer as output messages."""
    messages: list[dict[str, Any]] = []
    for candidate in candidates:
        reason: Any = field(candidate, "finish_reason")
        name = getattr(reason, "value", reason)
        message = _message(field(candidate, "content"))
        message["role"] = "assistant"
        message["finish_reason"] = name.lower() if isinstance(name, str) else None
        messages.append(message)
    return messages
