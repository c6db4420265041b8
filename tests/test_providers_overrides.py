"""The table's age on unknown models, and override files that add or replace entries and whole providers."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from otel_llmcost.pricing import PriceFileError, PriceTable, Usage
from otel_llmcost.pricing._table import bundled_pricing_dir

M = 1_000_000
VERSION = (bundled_pricing_dir() / "VERSION").read_text(encoding="utf-8").strip()
TABLE_DAY = date(*(int(part) for part in VERSION.split(".")))
USAGE = Usage.from_totals(input_tokens=1000, output_tokens=200)


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load()


def test_an_unknown_model_within_60_days_of_the_table_says_only_that_it_is_unknown(table: PriceTable) -> None:
    day = date.fromordinal(TABLE_DAY.toordinal() + 60)
    cost = table.price(USAGE, provider="openai", model="gpt-99-ultra", at=day)
    assert cost.reason == "unknown_model"
    assert "days old" not in (cost.detail or "")


def test_an_unknown_model_after_60_days_says_the_table_is_old_and_how_to_fix_it(table: PriceTable) -> None:
    day = date.fromordinal(TABLE_DAY.toordinal() + 61)
    cost = table.price(USAGE, provider="openai", model="gpt-99-ultra", at=day)
    assert cost.status == "unpriced"
    assert cost.reason == "unknown_model"
    assert cost.detail is not None
    assert "the price table is 61 days old" in cost.detail
    assert "OTEL_LLMCOST_PRICING_FILE" in cost.detail
    known = table.price(USAGE, provider="openai", model="gpt-4o-mini", at=day)
    assert known.status == "priced"  # a known model is priced whatever the table's age


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_an_override_adds_a_whole_provider_and_replaces_a_bundled_entry(tmp_path: Path) -> None:
    new_provider = _write(
        tmp_path / "acme.json",
        {
            "provider": "acme_ai",
            "aliases": ["acme"],
            "models": [{"id": "acme-1", "prices": [{"usd_per_million_tokens": {"input": "2", "output": "8"}}]}],
        },
    )
    negotiated = _write(
        tmp_path / "cerebras.json",
        {
            "provider": "cerebras",
            "models": [
                {"id": "llama-3.3-70b", "prices": [{"usd_per_million_tokens": {"input": "0.5", "output": "1"}}]}
            ],
        },
    )
    table = PriceTable.load([new_provider, negotiated])
    acme = table.price(USAGE, provider="acme", model="acme-1", at=TABLE_DAY)
    assert acme.total_usd == (1000 * D("2") + 200 * D("8")) / M  # 1000 * 2/1e6 + 200 * 8/1e6
    cerebras = table.price(USAGE, provider="cerebras", model="llama-3.3-70b", at=TABLE_DAY)
    assert cerebras.total_usd == (1000 * D("0.5") + 200 * D("1")) / M  # 1000 * 0.5/1e6 + 200 * 1/1e6
    # the rest of the bundled provider is still there
    assert table.price(USAGE, provider="cerebras", model="gpt-oss-120b", at=TABLE_DAY).status == "priced"


def test_an_override_is_validated_with_the_bundled_tables_errors(tmp_path: Path) -> None:
    bad = _write(
        tmp_path / "bad.json",
        {
            "provider": "acme_ai",
            "models": [{"id": "acme-1", "source_kind": "guess", "prices": [{"usd_per_million_tokens": {"input": 2}}]}],
        },
    )
    with pytest.raises(PriceFileError) as error:
        PriceTable.load([bad])
    assert "bad.json" in str(error.value)
    assert "source_kind" in str(error.value)
    assert "'guess' is not one of vendor, quoted, table" in str(error.value)


def test_a_provider_file_is_read_only_when_a_call_of_that_provider_is_priced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "pricing"
    (directory / "providers").mkdir(parents=True)
    (directory / "VERSION").write_text(VERSION, encoding="utf-8")
    for name in ("openai.json", "cerebras.json"):
        source = bundled_pricing_dir() / "providers" / name
        (directory / "providers" / name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    broken = json.loads((directory / "providers" / "cerebras.json").read_text(encoding="utf-8"))
    broken["models"][0]["prices"][0]["usd_per_million_tokens"]["input"] = 0.85  # a float: invalid
    _write(directory / "providers" / "cerebras.json", broken)
    monkeypatch.setattr("otel_llmcost.pricing._table.bundled_pricing_dir", lambda: directory)

    table = PriceTable.load()  # the broken file is not read yet
    assert set(table.providers) == {"openai", "cerebras"}
    openai = table.price(USAGE, provider="openai", model="gpt-4o-mini", at=TABLE_DAY)
    assert openai.total_usd == (1000 * D("0.15") + 200 * D("0.6")) / M  # 1000 * 0.15/1e6 + 200 * 0.60/1e6
    cerebras = table.price(USAGE, provider="Cerebras", model="llama-3.3-70b", at=TABLE_DAY)
    assert cerebras.status == "unpriced"
    assert cerebras.reason == "unknown_provider"
    assert cerebras.detail is not None
    assert "cerebras.json" in cerebras.detail
    assert "decimal strings" in cerebras.detail
    with pytest.raises(PriceFileError, match="decimal strings"):
        table.entries("cerebras")


def test_a_deferred_file_that_refers_to_a_missing_entry_keeps_its_calls_unpriced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "pricing"
    (directory / "providers").mkdir(parents=True)
    (directory / "VERSION").write_text(VERSION, encoding="utf-8")
    _write(
        directory / "providers" / "acme_ai.json",
        {
            "provider": "acme_ai",
            "sources": {"vendor": {"url": "https://example.com/pricing", "checked": "2026-12-01"}},
            "models": [{"id": "m", "source": "vendor", "source_kind": "vendor", "inherit": "nobody/x"}],
        },
    )
    monkeypatch.setattr("otel_llmcost.pricing._table.bundled_pricing_dir", lambda: directory)
    table = PriceTable.load()
    for _ in range(2):  # every call, not only the first
        cost = table.price(USAGE, provider="acme_ai", model="m", at=TABLE_DAY)
        assert cost.reason == "unknown_provider"
        assert "it refers to nobody/x, which no price file has" in (cost.detail or "")
