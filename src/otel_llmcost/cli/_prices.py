"""``prices check`` and ``prices diff``: a user's price file validated, and two tables compared."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from ..pricing import PriceFileError, PriceTable, check_provider_file
from ._output import write_rows

__all__ = ["check", "diff"]


def check(files: Sequence[Path], out: TextIO) -> bool:
    """Prints every problem of ``files`` (each with its file, entry and field); True when there is none.

    Each file is checked on its own, entry by entry, then loaded with the bundled table and the files before
    it, as ``OTEL_LLMCOST_PRICING_FILE`` would load them: that finds clashes between entries and files.
    """
    problems: list[PriceFileError] = []
    for path in files:
        problems.extend(check_provider_file(path))
    if not problems:
        try:
            PriceTable.load(files)
        except PriceFileError as error:
            problems.append(error)
    for problem in problems:
        out.write(f"{problem}\n")
    if problems:
        out.write(f"\n{len(problems)} problem{'s' if len(problems) != 1 else ''} in {len(files)} file(s)\n")
        return False
    out.write(f"{len(files)} file(s) valid\n")
    return True


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        inside = path / "providers" if (path / "providers").is_dir() else path
        return sorted(inside.glob("*.json"))
    return [path]


def _entries(path: Path) -> dict[str, Any]:
    """The entries of the price files at ``path``, by ``provider/id`` (the table's `Entry` values)."""
    table = PriceTable.load(_files(path), bundled=False)
    return {entry.key: entry for provider in table.providers for entry in table.entries(provider)}


def _period(entry: Any, day: date) -> Any:
    return entry.period_at(day) if entry.periods else None


def _change(old: Any, new: Any, day: date) -> str:
    """What differs between two versions of an entry, in words: token prices first."""
    before, after = _period(old, day), _period(new, day)
    parts: list[str] = []
    if before is not None and after is not None:
        for field in (
            "per_million_tokens",
            "per_million_characters",
            "per_minute",
            "per_hour",
            "per_image",
            "per_request",
            "per_megapixel",
        ):
            old_prices = getattr(before.prices, field)
            new_prices = getattr(after.prices, field)
            for unit in sorted({*old_prices, *new_prices}):
                if old_prices.get(unit) != new_prices.get(unit):
                    parts.append(f"{unit} {old_prices.get(unit, '-')} -> {new_prices.get(unit, '-')}")
        if before.start != after.start:
            parts.append(f"in force from {before.start or 'always'} -> {after.start or 'always'}")
        if before.tiers != after.tiers:
            parts.append("long-context tiers changed")
        if before.variants != after.variants:
            parts.append("variants changed")
    if len(old.periods) != len(new.periods):
        parts.append(f"{len(old.periods)} -> {len(new.periods)} price periods")
    if (old.alias, old.inherit, old.not_priced) != (new.alias, new.inherit, new.not_priced):
        parts.append("alias, inherit or not_priced changed")
    if (old.ids, old.patterns, old.snapshots) != (new.ids, new.patterns, new.snapshots):
        parts.append("matching changed")
    return "; ".join(parts) or "other fields changed"


def diff(old_path: Path, new_path: Path, output_format: str, out: TextIO) -> bool:
    """Writes the entries added, removed and changed from ``old_path`` to ``new_path``; True when any differ."""
    old, new = _entries(old_path), _entries(new_path)
    today = datetime.now(timezone.utc).date()
    rows: list[dict[str, object]] = []
    for key in sorted({*old, *new}):
        before, after = old.get(key), new.get(key)
        if before is None:
            rows.append({"entry": key, "change": "added", "detail": after.name if after else None})
        elif after is None:
            rows.append({"entry": key, "change": "removed", "detail": before.name})
        elif dataclasses.replace(before, source_file="") != dataclasses.replace(after, source_file=""):
            rows.append({"entry": key, "change": "changed", "detail": _change(before, after, today)})
    document: dict[str, object] = {"old": str(old_path), "new": str(new_path)}
    write_rows(rows, ("entry", "change", "detail"), output_format, out, document=document, key="changes")
    return bool(rows)
