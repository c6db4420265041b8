#!/usr/bin/env python3
"""Date the table's LiteLLM-only entries by the LiteLLM release that first listed their price.

LiteLLM's cost map keeps no dates, but every LiteLLM release on PyPI ships a copy of it
(`litellm/model_prices_and_context_window_backup.json`). This script takes one final release a week, from the
first that ships the map to the release the rows were read from (`--until`), and for each entry of the table whose
only source is LiteLLM (`"source": "litellm"`, one price period dated the day the row was read, `--read-day`) finds
by bisection the first of those releases whose map has a row resolving to the entry (or the row its note names) at
the entry's prices. That release's upload day becomes the period's `from`: the day LiteLLM first listed this price
(LiteLLM's own commit may be up to a week older, the vendor's price older still). An entry whose price is already in
the first release examined, first seen after a gap of more than two weeks without releases (PyPI has none from
2023-12 to 2024-11), or listed by no release as we have it, gets no `from`: an open start, so that no earlier call
is left unpriced.

Re-runnable: downloads go through `pip download` into a cache (`--cache`), and the table's files are rewritten
only where a date changes. `--dry-run` prints the dates without writing. Needs network access to PyPI.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

ROOT = Path(__file__).resolve().parent.parent
TABLE_DIR = ROOT / "pricing" / "providers"
MAP_NAME = "litellm/model_prices_and_context_window_backup.json"
SOURCE = "litellm"
MAX_GAP_DAYS = 14
_ROW = re.compile(r"LiteLLM's row '([^']+)'")
_FINAL = re.compile(r"^\d+(\.\d+)*(\.post\d+)?$")
# the sentence of each LiteLLM source note that says how `from` was chosen; replaced on every run
_DATES_SENTENCE = re.compile(
    r"LiteLLM keeps no dates: [^.]*\.|`from` is the day LiteLLM first listed .*?LiteLLM's record\)\."
)


def _load_compare() -> Any:
    spec = importlib.util.spec_from_file_location("compare_prices", Path(__file__).with_name("compare_prices.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


cp = _load_compare()


@dataclass(frozen=True)
class Release:
    version: str
    day: date


def releases(until: str) -> list[Release]:
    """Final LiteLLM releases up to `until`, by upload day, from PyPI's JSON API."""
    with urllib.request.urlopen("https://pypi.org/pypi/litellm/json", timeout=60) as response:
        data = json.load(response)
    out = [
        Release(version, date.fromisoformat(min(f["upload_time"][:10] for f in files)))
        for version, files in data["releases"].items()
        if files and _FINAL.match(version)
    ]
    out.sort(key=lambda r: (r.day, tuple(int(x) for x in re.findall(r"\d+", r.version))))
    last = next((i for i, r in enumerate(out) if r.version == until), None)
    if last is None:
        raise SystemExit(f"date_litellm_rows: LiteLLM {until} is not a final release on PyPI")
    return out[: last + 1]


def weekly(candidates: Sequence[Release]) -> list[Release]:
    """The first release of each ISO week, and always the last one."""
    seen: set[tuple[int, int]] = set()
    out: list[Release] = []
    for release in candidates:
        week = release.day.isocalendar()[:2]
        if week not in seen:
            seen.add(week)
            out.append(release)
    if out[-1] != candidates[-1]:
        out.append(candidates[-1])
    return out


def cost_map(release: Release, cache: Path) -> dict[str, Any] | None:
    """The cost map a release ships (None if it ships none), downloaded once into the cache."""
    cached = cache / f"{release.version}.json"
    if not cached.exists():
        with tempfile.TemporaryDirectory() as tmp:
            for binary in ("--only-binary=:all:", "--no-binary=:all:"):
                command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", binary, "-d", tmp]
                done = subprocess.run([*command, f"litellm=={release.version}"], capture_output=True, check=False)
                if done.returncode == 0:
                    break
            else:
                raise SystemExit(f"date_litellm_rows: cannot download litellm {release.version}")
            archive = next(Path(tmp).iterdir())
            text = _extract(archive)
        cached.write_text(text if text is not None else "null", encoding="utf-8")
        print(f"  read litellm {release.version} ({release.day})", file=sys.stderr)
    return json.loads(cached.read_text(encoding="utf-8"))


def _extract(archive: Path) -> str | None:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            return wheel.read(MAP_NAME).decode() if MAP_NAME in wheel.namelist() else None
    with tarfile.open(archive) as sdist:
        member = next((m for m in sdist.getmembers() if m.name.endswith("/" + MAP_NAME)), None)
        handle = sdist.extractfile(member) if member is not None else None
        return handle.read().decode() if handle is not None else None


def our_prices(period: dict[str, Any]) -> dict[str, Decimal]:
    """The period's prices as compare_prices flattens them, with per-character input as LiteLLM names it."""
    out: dict[str, Decimal] = cp.flatten_period(period)
    if "input" in (chars := period.get("usd_per_million_characters", {})):
        out["characters"] = cp.q(chars["input"])
    return out


def anchor_prices(info: dict[str, Any]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = cp.litellm_prices(info)
    if isinstance(value := info.get("input_cost_per_character"), (int, float)) and not isinstance(value, bool):
        out["characters"] = cp.litellm_decimal(value)
    return out


class History:
    """Which table entries each release's cost map lists at which prices."""

    def __init__(
        self,
        tables: dict[str, Any],
        targets: dict[tuple[str, str], dict[str, Decimal]],
        rows: dict[tuple[str, str], str],
        cache: Path,
    ):
        self.tables, self.targets, self.rows, self.cache = tables, targets, rows, cache
        self.memo: dict[str, dict[tuple[str, str], list[dict[str, Decimal]]]] = {}

    def listed(self, release: Release) -> dict[tuple[str, str], list[dict[str, Decimal]]]:
        if release.version not in self.memo:
            data = cost_map(release, self.cache)
            rows: dict[tuple[str, str], list[dict[str, Decimal]]] = {}
            providers = {provider for provider, _ in self.targets}
            if isinstance(data, dict):
                raw = {k: v for k, v in data.items() if isinstance(v, dict)}
                index = cp.litellm_index(raw)
                for provider in providers:
                    table = self.tables[provider]
                    for model in index.get(provider, []):
                        entry = table.resolve(model.id)
                        if entry is not None and (provider, entry.id) in self.targets:
                            rows.setdefault((provider, entry.id), []).append(anchor_prices(raw[model.id]))
                for key, row in self.rows.items():  # the row the entry's note names, whatever its provider
                    if isinstance(raw.get(row), dict):
                        rows.setdefault(key, []).append(anchor_prices(raw[row]))
            self.memo[release.version] = rows
        return self.memo[release.version]

    def present(self, release: Release, key: tuple[str, str]) -> bool:
        ours = self.targets[key]
        return any(all(row.get(u) == v for u, v in ours.items()) for row in self.listed(release).get(key, []))


def first_listed(history: History, key: tuple[str, str], sample: Sequence[Release]) -> Release | str:
    """The first release of the sample listing the entry at its price, or why the entry gets an open start."""
    if not history.present(sample[-1], key):
        return "not found"
    if history.present(sample[0], key):
        return "in the first release"
    absent, present = 0, len(sample) - 1
    while present - absent > 1:
        mid = (absent + present) // 2
        if history.present(sample[mid], key):
            present = mid
        else:
            absent = mid
    # PyPI has no LiteLLM release between gaps like 2023-12 and 2024-11: a price first seen after such a gap
    # may be months older than the release, so it gets an open start too
    return sample[present] if (sample[present].day - sample[absent].day).days <= MAX_GAP_DAYS else "after a gap"


def source_note(note: str, first: Release, last: Release) -> str:
    sentence = (
        f"`from` is the day LiteLLM first listed this price: the upload day of the first LiteLLM release on PyPI "
        f"(one a week from {first.version} of {first.day} to {last.version}) whose cost map has the row at this "
        f"price, found by scripts/date_litellm_rows.py; LiteLLM's commit may be up to a week older and the "
        f"vendor's price older still. A price already listed by {first.version}, first seen after a gap of more "
        f"than {MAX_GAP_DAYS} days between releases, or not found as we have it, has no `from` "
        "(in force since before LiteLLM's record)."
    )
    return (
        _DATES_SENTENCE.sub(sentence, note, count=1) if _DATES_SENTENCE.search(note) else f"{note} {sentence}".strip()
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--until", default="1.110.2", help="the LiteLLM release the rows were read from")
    parser.add_argument(
        "--read-day",
        default=(ROOT / "pricing" / "VERSION").read_text(encoding="utf-8").strip().replace(".", "-"),
        help="the `from` the rows were given when read (default: the table's VERSION date); only those are dated",
    )
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "litellm-cost-maps")
    parser.add_argument("--table", type=Path, default=TABLE_DIR, help="the providers/ directory of the table")
    parser.add_argument("--dry-run", action="store_true", help="print the dates, write nothing")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    tables = cp.load_table(args.table, date.today(), notes)
    documents = {p.stem: (p, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(args.table.glob("*.json"))}
    targets: dict[tuple[str, str], dict[str, Decimal]] = {}
    rows: dict[tuple[str, str], str] = {}  # the LiteLLM row an entry's note names
    for provider, (_, document) in documents.items():
        for model in document["models"]:
            prices = model.get("prices", [])
            if model.get("source") == SOURCE and len(prices) == 1 and prices[0].get("from") == args.read_day:
                targets[(provider, model["id"])] = our_prices(model["prices"][0])
                if named := _ROW.search(model.get("note", "")):
                    rows[(provider, model["id"])] = named[1]
    sample = weekly(releases(args.until))
    # releases before the first one that ships the map cannot date anything: bisect for it
    lacking, shipping = -1, len(sample) - 1
    while shipping - lacking > 1:
        mid = (lacking + shipping) // 2
        lacking, shipping = (lacking, mid) if cost_map(sample[mid], args.cache) is not None else (mid, shipping)
    sample = sample[shipping:]
    history = History(tables, targets, rows, args.cache)
    dated = {key: first_listed(history, key, sample) for key in sorted(targets)}
    counts = Counter(r if isinstance(r, str) else "dated" for r in dated.values())
    changed = 0
    for provider, (path, document) in documents.items():
        original = path.read_text(encoding="utf-8")
        ascii_only = original == json.dumps(json.loads(original), indent=2, ensure_ascii=True) + "\n"
        keys = [(provider, m["id"]) for m in document["models"] if (provider, m["id"]) in dated]
        if not keys:
            continue
        for model in document["models"]:
            if (release := dated.get((provider, model["id"]))) is None:
                continue
            period = model["prices"][0]
            new = {"from": release.day.isoformat()} if isinstance(release, Release) else {}
            rest = {k: v for k, v in period.items() if k != "from"}
            if args.dry_run:
                print(f"{provider}/{model['id']}: {new.get('from', f'open start ({release})')}")
            model["prices"][0] = new | rest
        source = document["sources"][SOURCE]
        source["note"] = source_note(source.get("note", ""), sample[0], sample[-1])
        text = json.dumps(document, indent=2, ensure_ascii=ascii_only) + "\n"
        if not args.dry_run and text != original:
            path.write_text(text, encoding="utf-8")
            changed += 1
    print(
        f"{len(targets)} LiteLLM-only entries: {counts['dated']} dated; open start: "
        f"{counts['in the first release']} in the first release, {counts['after a gap']} after a gap, "
        f"{counts['not found']} not found; "
        f"{len(sample)} releases in the sample, {len(history.memo)} read; {changed} files rewritten",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
