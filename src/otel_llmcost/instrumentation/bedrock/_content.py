"""Converse's prompts and completions in the GenAI conventions' message format, for ``gen_ai.*.messages`` (opt-in).

A Converse message is ``{"role", "content": [block...]}``; a block is ``{"text"}``, ``{"toolUse": {"toolUseId",
"name", "input"}}``, ``{"toolResult": {"toolUseId", "content"}}``, or another kind (``image``, ``document``,
``reasoningContent``...), kept as ``{"type": <kind>}`` without its content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

from ._read import mapping

__all__ = ["converse_input", "converse_output", "system_parts", "text_part"]

Message = dict[str, Any]
_TYPE: Final = "type"


def text_part(content: str) -> dict[str, Any]:
    return {_TYPE: "text", "content": content}


def _blocks(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, (list, tuple)):  # an iterator is botocore's to consume
        return []
    return [mapping(block) for block in cast("Sequence[object]", value)]


def _parts(content: object) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for block in _blocks(content):
        words = block.get("text")
        if isinstance(words, str):
            parts.append(text_part(words))
        elif "toolUse" in block:
            use = mapping(block["toolUse"])
            parts.append(
                {_TYPE: "tool_call", "id": use.get("toolUseId"), "name": use.get("name"), "arguments": use.get("input")}
            )
        elif "toolResult" in block:
            result = mapping(block["toolResult"])
            parts.append(
                {_TYPE: "tool_call_response", "id": result.get("toolUseId"), "response": result.get("content")}
            )
        elif block:
            parts.append({_TYPE: next(iter(block))})
    return parts


def converse_input(messages: object) -> list[Message]:
    return [
        {"role": mapping(message).get("role"), "parts": _parts(mapping(message).get("content"))}
        for message in _blocks(messages)
    ]


def system_parts(system: object) -> list[dict[str, Any]]:
    return _parts(system)


def converse_output(message: object, reason: str | None) -> list[Message]:
    found = mapping(message)
    return [{"role": found.get("role") or "assistant", "parts": _parts(found.get("content")), "finish_reason": reason}]
