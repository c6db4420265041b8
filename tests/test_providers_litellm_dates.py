"""scripts/date_litellm_rows.py: dating LiteLLM-only entries by the first release that lists their price.

The pure parts, with cost maps written to a temporary cache (no download, no network)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from scripts_support import SCRIPTS, load

SCRIPT = SCRIPTS / "date_litellm_rows.py"
dl = load("date_litellm_rows", SCRIPT)
FILE = {
    "provider": "deepinfra",
    "sources": {"litellm": {"url": "https://example.invalid", "checked": "2026-12-07"}},
    "models": [
        {
            "id": "acme/chat-1",
            "source": "litellm",
            "prices": [{"from": "2026-12-07", "usd_per_million_tokens": {"input": "0.2", "output": "0.6"}}],
        }
    ],
}


def _row(input_per_token: float, output_per_token: float) -> dict[str, Any]:
    return {
        "litellm_provider": "deepinfra",
        "mode": "chat",
        "input_cost_per_token": input_per_token,
        "output_cost_per_token": output_per_token,
    }


def _history(tmp_path: Path, maps: dict[str, dict[str, Any] | None]) -> Any:
    tmp_path.mkdir(exist_ok=True)
    for version, data in maps.items():
        (tmp_path / f"{version}.json").write_text(json.dumps(data), encoding="utf-8")
    tables = {"deepinfra": dl.cp.parse_provider(FILE, [])}
    targets = {("deepinfra", "acme/chat-1"): dl.our_prices(FILE["models"][0]["prices"][0])}
    return dl.History(tables, targets, {}, tmp_path)


def test_a_price_is_dated_by_the_first_weekly_release_that_lists_it(tmp_path: Path) -> None:
    sample = [
        dl.Release("1.0.0", date(2026, 1, 5)),
        dl.Release("1.1.0", date(2026, 1, 12)),  # the model at an older price
        dl.Release("1.2.0", date(2026, 1, 19)),  # our price: 0.2 and 0.6 per million = 2e-07 and 6e-07 per token
        dl.Release("1.3.0", date(2026, 1, 26)),
    ]
    history = _history(
        tmp_path,
        {
            "1.0.0": {},
            "1.1.0": {"deepinfra/acme/chat-1": _row(3e-07, 6e-07)},
            "1.2.0": {"deepinfra/acme/chat-1": _row(2e-07, 6e-07)},
            "1.3.0": {"deepinfra/acme/chat-1": _row(2e-07, 6e-07)},
        },
    )
    assert dl.first_listed(history, ("deepinfra", "acme/chat-1"), sample) == sample[2]


def test_a_price_older_than_the_record_or_after_a_gap_or_not_found_gets_an_open_start(tmp_path: Path) -> None:
    key = ("deepinfra", "acme/chat-1")
    listed = {"deepinfra/acme/chat-1": _row(2e-07, 6e-07)}
    first = [dl.Release("1.0.0", date(2026, 1, 5)), dl.Release("1.1.0", date(2026, 1, 12))]
    assert dl.first_listed(_history(tmp_path / "a", {"1.0.0": listed, "1.1.0": listed}), key, first) == (
        "in the first release"
    )
    # 15 days between the last release without the row and the first with it: more than the 14 allowed
    gap = [dl.Release("2.0.0", date(2026, 2, 1)), dl.Release("2.1.0", date(2026, 2, 16))]
    assert dl.first_listed(_history(tmp_path / "b", {"2.0.0": {}, "2.1.0": listed}), key, gap) == "after a gap"
    other = {"deepinfra/acme/chat-1": _row(2e-07, 7e-07)}
    assert dl.first_listed(_history(tmp_path / "c", {"2.0.0": {}, "2.1.0": other}), key, gap) == "not found"


def test_a_row_the_entry_names_is_matched_whatever_its_provider(tmp_path: Path) -> None:
    (tmp_path / "1.0.0.json").write_text(
        json.dumps({"vertex_ai/acme-org/chat-1": _row(2e-07, 6e-07) | {"litellm_provider": "vertex_ai-acme"}}),
        encoding="utf-8",
    )
    key = ("deepinfra", "acme/chat-1")
    tables = {"deepinfra": dl.cp.parse_provider(FILE, [])}
    history = dl.History(tables, {key: {"input": Decimal("0.2")}}, {key: "vertex_ai/acme-org/chat-1"}, tmp_path)
    assert history.present(dl.Release("1.0.0", date(2026, 1, 5)), key)


def test_the_weekly_sample_keeps_the_first_release_of_each_week_and_the_last() -> None:
    releases = [
        dl.Release("1.0", date(2026, 1, 5)),  # Monday
        dl.Release("1.1", date(2026, 1, 7)),
        dl.Release("1.2", date(2026, 1, 12)),  # next Monday
        dl.Release("1.3", date(2026, 1, 14)),
    ]
    assert [r.version for r in dl.weekly(releases)] == ["1.0", "1.2", "1.3"]


def test_the_source_note_sentence_is_replaced_not_repeated() -> None:
    first, last = dl.Release("0.12.4", date(2023, 10, 24)), dl.Release("1.110.2", date(2026, 11, 20))
    old = "From LiteLLM. LiteLLM keeps no dates: `from` is the day we read the row, the price may be older. Rows at $0."
    once = dl.source_note(old, first, last)
    assert "keeps no dates" not in once
    assert once.startswith("From LiteLLM. `from` is the day LiteLLM first listed this price")
    assert once.endswith("has no `from` (in force since before LiteLLM's record). Rows at $0.")
    assert dl.source_note(once, first, last) == once
