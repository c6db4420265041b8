"""Data out: the same rows as an aligned table, JSON or CSV, and a progress bar on a terminal."""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import IO, TextIO, cast

__all__ = ["FORMATS", "Progress", "jsonable", "write_rows"]

FORMATS = ("table", "json", "csv")

Row = Mapping[str, object]


def jsonable(value: object) -> object:
    """``value`` for JSON: decimals as strings (exact), tuples as lists, mappings recursively."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        mapping = cast("Mapping[object, object]", value)
        return {str(key): jsonable(item) for key, item in mapping.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in cast("Sequence[object]", value)]
    return value


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in cast("Sequence[object]", value))
    return str(value)


def write_rows(
    rows: Sequence[Row],
    columns: Sequence[str],
    output_format: str,
    out: TextIO,
    *,
    document: Mapping[str, object] | None = None,
    key: str = "rows",
) -> None:
    """Writes ``rows`` (their ``columns``) as a table, CSV, or JSON (``document`` with the rows under ``key``)."""
    if output_format == "json":
        body = dict(document or {})
        body[key] = [{column: row.get(column) for column in columns} for row in rows]
        json.dump(jsonable(body), out, indent=2)
        out.write("\n")
        return
    if output_format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(row.get(column)) for column in columns] for row in rows)
        return
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max([len(column), *(len(line[index]) for line in cells)]) for index, column in enumerate(columns)]
    numeric = [all(_is_number(line[index]) for line in cells) and cells for index in range(len(columns))]
    lines = [list(columns), *cells]
    for number, line in enumerate(lines):
        text = "  ".join(
            value.rjust(width) if numeric[index] else value.ljust(width)
            for index, (value, width) in enumerate(zip(line, widths, strict=True))
        )
        out.write(text.rstrip() + "\n")
        if number == 0:
            out.write("  ".join("-" * width for width in widths) + "\n")


def _is_number(text: str) -> bool:
    if not text:
        return True
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


class Progress:
    """A one-line progress bar on stderr with the amount done, the total and the rate; silent off a terminal.

    Args:
        total: the amount expected (bytes, say), or 0 when unknown.
        unit: what is counted, for the rate.
        stream: where to draw; off unless it is a terminal.
    """

    _INTERVAL_S = 0.2

    def __init__(self, total: int, unit: str = "B", stream: IO[str] | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._on = self._stream.isatty()
        self._total = total
        self._unit = unit
        self._done = 0
        self._items = 0
        self._started = time.monotonic()
        self._drawn = 0.0

    def advance(self, amount: int, items: int = 0) -> None:
        """Counts ``amount`` more done (and ``items`` more spans); redraws at most five times a second."""
        self._done += amount
        self._items += items
        if not self._on:
            return
        now = time.monotonic()
        if now - self._drawn >= self._INTERVAL_S:
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self._started, 1e-9)
        rate = self._done / elapsed / 1e6
        share = min(self._done / self._total, 1.0) if self._total else 0.0
        bar = "#" * int(share * 30)
        spans = f"  {self._items:,} spans" if self._items else ""
        self._stream.write(
            f"\r[{bar:<30}] {share:6.1%}  {self._done / 1e6:,.1f}/{self._total / 1e6:,.1f} M{self._unit}"
            f"  {rate:,.1f} M{self._unit}/s{spans}  "
        )
        self._stream.flush()

    def close(self) -> None:
        """Draws the final state and ends the line (on a terminal)."""
        if self._on:
            self._draw(time.monotonic())
            self._stream.write("\n")
            self._stream.flush()
