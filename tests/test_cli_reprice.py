"""``otel-llmcost reprice``: the cost of exported spans recomputed with another table, written as OTLP JSON."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import pytest

from cli_support import exported_spans, run, run_json, shop_spans


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return shop_spans(tmp_path / "spans")


@pytest.fixture
def new_prices(tmp_path: Path) -> Path:
    """Claude Sonnet 4.5 at $2 in and $10 out per million tokens, and a price for the model no table knew."""
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "provider": "anthropic",
                "models": [
                    {"id": "claude-sonnet-4-5", "prices": [{"usd_per_million_tokens": {"input": "2", "output": "10"}}]}
                ],
            }
        )
    )
    openai = tmp_path / "openai.json"
    openai.write_text(
        json.dumps(
            {
                "provider": "openai",
                "models": [
                    {"id": "gpt-nonexistent", "prices": [{"usd_per_million_tokens": {"input": "1", "output": "4"}}]}
                ],
            }
        )
    )
    return path


def test_reprice_replaces_the_cost_and_says_what_it_was(shop: Path, new_prices: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    openai = new_prices.with_name("openai.json")

    document = run_json("reprice", str(shop), "--out", str(out), "--prices", str(new_prices), "--prices", str(openai))

    by_model = {row["model"]: row for row in document["rows"]}
    sonnet = by_model["claude-sonnet-4-5"]
    # before: 10000 * 3/1e6 + 2000 * 15/1e6 = 0.06; after: 10000 * 2/1e6 + 2000 * 10/1e6 = 0.04
    assert (sonnet["calls"], sonnet["changed"], Decimal(sonnet["old_usd"]), Decimal(sonnet["new_usd"])) == (
        1,
        1,
        Decimal("0.06"),
        Decimal("0.04"),
    )
    unknown = by_model["gpt-nonexistent"]
    # before: unpriced; after: 500 * 1/1e6 + 10 * 4/1e6 = 0.00054
    assert (unknown["changed"], Decimal(unknown["old_usd"]), Decimal(unknown["new_usd"])) == (1, 0, Decimal("0.00054"))
    assert by_model["gpt-4o-mini"]["changed"] == 0
    assert (document["spans"], document["repriced"], document["changed"], document["unpriced"]) == (6, 5, 2, 0)
    # 0.064405 before; 0.064405 - 0.06 + 0.04 + 0.00054 after
    assert (Decimal(str(document["old_usd"])), Decimal(str(document["new_usd"]))) == (
        Decimal("0.064405"),
        Decimal("0.044945"),
    )

    spans = exported_spans(out)
    sonnet_span = spans["chat claude-sonnet-4-5"]
    assert sonnet_span["gen_ai.usage.cost.amount"] == 0.04
    assert sonnet_span["gen_ai.usage.cost"] == 0.04
    assert sonnet_span["llmcost.cost.input"] == 0.02
    assert sonnet_span["llmcost.cost.output"] == 0.02
    assert sonnet_span["llmcost.repriced_from"] == "2026.12.07"
    assert sonnet_span["llmcost.repriced_from_amount"] == 0.06
    assert sonnet_span["llmcost.price.table_version"].startswith("2026.12.07+prices.json:")
    assert sonnet_span["llmcost.customer.id"] == "acme"  # the rest of the span is kept
    unknown_span = spans["chat gpt-nonexistent"]
    assert unknown_span["llmcost.status"] == "priced"
    assert unknown_span["llmcost.repriced_from"] == "unpriced"
    assert "llmcost.repriced_from_amount" not in unknown_span
    assert "llmcost.reason" not in unknown_span
    assert spans["chat gpt-4o-mini"]["llmcost.status"] == "estimated"  # kept: the usage was counted, not reported
    assert "llmcost.repriced_from" not in spans["invoke_agent helper"]

    report = run_json("report", str(out))
    assert Decimal(str(report["cost_usd"])) == Decimal("0.044945")
    assert report["unpriced"] == 0


def test_reprice_uses_the_prices_of_each_span_s_day_or_of_at(shop: Path, tmp_path: Path) -> None:
    dated = tmp_path / "dated.json"
    dated.write_text(
        json.dumps(
            {
                "provider": "anthropic",
                "models": [
                    {
                        "id": "claude-sonnet-4-5",
                        "prices": [
                            {"usd_per_million_tokens": {"input": "3", "output": "15"}},
                            {"from": "2026-12-08", "usd_per_million_tokens": {"input": "2", "output": "10"}},
                        ],
                    }
                ],
            }
        )
    )

    on_the_day = run_json("reprice", str(shop), "--out", str(tmp_path / "a"), "--prices", str(dated))
    later = run_json("reprice", str(shop), "--out", str(tmp_path / "b"), "--prices", str(dated), "--at", "2026-12-09")

    # The Sonnet call started on 2026-12-07, before the change: 0.06 as before.
    assert on_the_day["changed"] == 0
    assert exported_spans(tmp_path / "a")["chat claude-sonnet-4-5"]["gen_ai.usage.cost.amount"] == 0.06
    # At 2026-12-09's prices: 10000 * 2/1e6 + 2000 * 10/1e6 = 0.04
    assert later["changed"] == 1
    sonnet = exported_spans(tmp_path / "b")["chat claude-sonnet-4-5"]
    assert sonnet["gen_ai.usage.cost.amount"] == 0.04
    assert sonnet["llmcost.price.effective_date"] == "2026-12-08"


def test_reprice_at_a_date_before_any_price_leaves_the_call_unpriced(shop: Path, tmp_path: Path) -> None:
    dated = tmp_path / "dated.json"
    dated.write_text(
        json.dumps(
            {
                "provider": "anthropic",
                "models": [
                    {
                        "id": "claude-sonnet-4-5",
                        "prices": [{"from": "2025-09-29", "usd_per_million_tokens": {"input": "3", "output": "15"}}],
                    }
                ],
            }
        )
    )

    document = run_json(
        "reprice", str(shop), "--out", str(tmp_path / "out"), "--prices", str(dated), "--at", "2025-01-01"
    )

    sonnet = exported_spans(tmp_path / "out")["chat claude-sonnet-4-5"]
    assert sonnet["llmcost.status"] == "unpriced"
    assert sonnet["llmcost.reason"] == "unknown_model"
    assert "gen_ai.usage.cost.amount" not in sonnet
    assert sonnet["llmcost.repriced_from_amount"] == 0.06
    # this one, the model no table knows, and Claude Haiku 4.5 (the bundled table prices it from 2025-10-01)
    assert document["unpriced"] == 3


def test_reprice_keeps_gzip_and_folder_layout(shop: Path, tmp_path: Path) -> None:
    source = tmp_path / "in"
    (source / "day1").mkdir(parents=True)
    for path in shop.iterdir():
        (source / "day1" / (path.name + ".gz")).write_bytes(gzip.compress(path.read_bytes()))

    document = run_json("reprice", str(source), "--out", str(tmp_path / "out"))

    written = sorted(path.relative_to(tmp_path / "out") for path in (tmp_path / "out").rglob("*"))
    assert [str(path) for path in written if path.suffix == ".gz"] == [
        f"day1/{path.name}.gz" for path in sorted(shop.iterdir())
    ]
    assert document["changed"] == 0
    assert Decimal(str(document["new_usd"])) == Decimal("0.064405")


def test_reprice_refuses_to_overwrite_its_input(shop: Path) -> None:
    done = run("reprice", str(shop), "--out", str(shop))

    assert done.returncode == 1
    assert "--out would overwrite the input" in done.stderr


def test_reprice_prints_a_summary_table(shop: Path, tmp_path: Path) -> None:
    done = run("reprice", str(shop), "--out", str(tmp_path / "out"))

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split() == ["model", "calls", "changed", "old_usd", "new_usd", "delta_usd"]
    assert "6 spans in 1 files; 5 GenAI calls re-priced, 0 changed, 1 unpriced" in done.stdout
