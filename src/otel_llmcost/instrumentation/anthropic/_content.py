"""Messages API prompts and completions in the GenAI conventions' message format (opt-in content capture).

A message is ``{"role", "parts": [...]}``; Anthropic's content blocks become parts: ``text`` ->
``{"type": "text", "content"}``, ``tool_use`` and ``server_tool_use`` -> ``tool_call``, ``tool_result`` ->
``tool_call_response``, ``thinking`` -> ``reasoning``; other blocks (images, documents, search results) keep
only their type. The ``system`` prompt is a message of its own; output messages add ``finish_reason``.

A streamed answer's blocks are put together from its events (`StreamedMessage`): ``content_block_start`` opens a
block, its ``content_block_delta`` events add its text, thinking or tool input (JSON in pieces).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Final, cast

from .._read import field

__all__ = ["StreamedMessage", "input_messages", "output_messages"]

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


_DELTAS: Final = {"text_delta": "text", "thinking_delta": "thinking", "input_json_delta": "partial_json"}


class StreamedMessage:
    """The content blocks of a streamed answer, put together from its events, for content capture."""

    __slots__ = ("_blocks",)

    def __init__(self) -> None:
        self._blocks: dict[int, tuple[object, list[str]]] = {}

    def add(self, event: object) -> None:
        kind = field(event, _TYPE)
        if kind == "content_block_start":
            index = field(event, "index")
            if isinstance(index, int):
                self._blocks[index] = (field(event, "content_block"), [])
        elif kind == "content_block_delta":
            index, delta = field(event, "index"), field(event, "delta")
            block = self._blocks.get(index) if isinstance(index, int) else None
            delta_kind = field(delta, _TYPE)
            key = _DELTAS.get(delta_kind) if isinstance(delta_kind, str) else None
            piece = field(delta, key) if block is not None and key is not None else None
            if block is not None and isinstance(piece, str):
                block[1].append(piece)

    def __bool__(self) -> bool:
        return bool(self._blocks)

    def messages(self, finish_reason: str | None) -> list[Message]:
        """The answer streamed so far, as the one assistant message."""
        parts: list[dict[str, Any]] = []
        for _, (block, pieces) in sorted(self._blocks.items()):
            kind = field(block, _TYPE)
            if not isinstance(kind, str):
                continue
            part = _part(block, kind)
            streamed = "".join(pieces)
            if kind == "text":
                part[_CONTENT] = (field(block, "text") or "") + streamed
            elif kind == "thinking":
                part[_CONTENT] = (field(block, "thinking") or "") + streamed
            elif kind in _TOOL_CALLS and streamed:
                part["arguments"] = _arguments(streamed)
            parts.append(part)
        output: Message = {"role": "assistant", "parts": parts}
        if finish_reason is not None:
            output["finish_reason"] = finish_reason
        return [output]


def _arguments(streamed: str) -> object:
    """A tool call's input from its JSON pieces; as streamed when the stream ended before the JSON did."""
    try:
        return json.loads(streamed)
    except ValueError:
        return streamed
