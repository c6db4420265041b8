"""`plain_attributes`: the one way any room of ours reads an ended span's attributes without a copy."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["plain_attributes"]


def plain_attributes(span: object) -> Mapping[str, object]:
    """A span's attributes as a plain dict, without copying: the SDK's `BoundedAttributes` wraps one.

    Reading through the wrapper costs a Python call per key; pricing reads dozens of keys per span. The SDK's
    private ``_attributes._dict`` is read here only (and inline in `CostSpanProcessor.on_end`, which falls back
    to this); tests/test_processor.py fails loudly should an SDK release move it. A span of another kind (the
    processor's priced copies hold a plain dict) is read as it is, else through its public ``attributes``.
    """
    try:
        inner: object = span._attributes._dict  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    except AttributeError:
        inner = None
    if isinstance(inner, dict):
        return inner  # pyright: ignore[reportUnknownVariableType]
    raw = getattr(span, "_attributes", None)
    if isinstance(raw, dict):
        return raw  # pyright: ignore[reportUnknownVariableType]
    attributes = getattr(span, "attributes", None)
    return dict(attributes) if isinstance(attributes, Mapping) else {}  # pyright: ignore[reportUnknownArgumentType]
