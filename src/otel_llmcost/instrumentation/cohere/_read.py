"""Cohere's usage rules: what it bills is ``billed_units``, counted in floats (``2312.0``).

A chat's ``usage`` holds ``billed_units`` (``input_tokens``, ``output_tokens``: what the price applies to, the
prompt template and tool definitions left out) beside ``tokens`` (what the model consumed, template included).
As the GenAI conventions say, the billed count is the usage; ``tokens`` is never read. Embed and rerank report
theirs in ``meta.billed_units`` (``input_tokens``, ``image_tokens``, ``search_units``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._read import fields

__all__ = ["billed", "units"]


def units(values: Mapping[str, Any], name: str) -> int:
    """The whole count ``values[name]`` (an int, or a float with no fraction); 0 when missing or not a count."""
    found = values.get(name)
    if isinstance(found, bool) or not isinstance(found, (int, float)) or found <= 0:
        return 0
    return int(found) if float(found).is_integer() else 0


def billed(container: object) -> Mapping[str, Any] | None:
    """The ``billed_units`` fields of a chat's ``usage`` or a response's ``meta``; `None` when there are none."""
    values = fields(container).get("billed_units")
    return fields(values) if values is not None else None
