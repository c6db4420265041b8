"""``report --html``: one self-contained page of charts (placeholder until the page lands)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ._otlp import SpanRecord

__all__ = ["write_html"]


def write_html(path: Path, spans: Iterable[SpanRecord], since_ns: int | None, until_ns: int | None) -> None:
    """Writes the page."""
    raise NotImplementedError
