"""The pure parts of scripts/compare_prices.py, with tiny in-memory inputs: no genai_prices or litellm needed."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from scripts_support import SCRIPTS, load

SCRIPT = SCRIPTS / "compare_prices.py"
DAY = date(2026, 11, 22)


cp = load("compare_prices", SCRIPT)


def _tables(*files: dict[str, Any], notes: list[str] | None = None) -> dict[str, Any]:
    tables = {f["provider"]: cp.parse_provider(f, notes if notes is not None else []) for f in files}
    for table in tables.values():
        for entry in table.entries:
            entry.prices = cp.entry_prices(entry, tables, DAY)
    return tables


def _period(start: str | None = None, **prices: str) -> dict[str, Any]:
    return {**({"from": start} if start else {}), "usd_per_million_tokens": prices}


ANTHROPIC = {
    "provider": "anthropic",
    "strip_prefixes": ["anthropic/"],
    "models": [
        {
            "id": "claude-x",
            "match": {"ids": ["claude-x-20250101"]},
            "prices": [
                _period(input="4", output="20"),
                {
                    **_period("2025-06-01", input="3", cache_read="0.3", output="15"),
                    "tiers": [
                        {"above_input_tokens": 200000, "usd_per_million_tokens": {"input": "6", "output": "22.5"}}
                    ],
                },
                _period("2099-01-01", input="1", output="1"),
            ],
        },
        {"id": "claude-y", "prices": [_period(input="1", output="5")]},
        {"id": "claude-ours-only", "prices": [_period(input="1", output="2")]},
        {"id": "claude-latest", "alias": [{"from": "2025-01-01", "to": "claude-x"}]},
    ],
}
BEDROCK = {
    "provider": "aws.bedrock",
    "region_prefixes": {"us.": "us"},
    "models": [
        {"id": "anthropic.claude-x", "inherit": "anthropic/claude-x"},
        {"id": "provisioned", "not_priced": "provisioned throughput"},
    ],
}


@pytest.mark.parametrize(
    ("per_token", "per_million"),
    [
        (3e-06, "3"),
        (1.25e-07, "0.125"),
        (3.0000000000000004e-06, "3"),
        (1.1000000000000001e-06, "1.1"),
        (2.5e-09, "0.0025"),
        (0.0, "0"),
        (15, "15000000"),
    ],
)
def test_litellm_float_becomes_exact_decimal_per_million(per_token: float, per_million: str) -> None:
    assert cp.litellm_decimal(per_token) == Decimal(per_million)


def test_float_noise_is_not_a_difference() -> None:
    assert cp.litellm_decimal(0.1 * 3e-06) == cp.litellm_decimal(3e-07) == cp.q("0.3")


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("GPT-4o", "gpt-4o"),
        ("openai/gpt-4o", "gpt-4o"),
        ("azure/eu/gpt-4o-2024-08-06", "gpt-4o-2024-08-06"),
        ("bedrock/us-east-1/us.anthropic.claude-x-v1:0", "anthropic.claude-x-v1:0"),
        ("global.anthropic.claude-x-v1:0", "anthropic.claude-x-v1:0"),
        ("vertex_ai/claude-3-5-haiku@20241022", "claude-3-5-haiku@20241022"),
        ("gemini/gemini-2.5-pro", "gemini-2.5-pro"),
        ("models/gemini-2.5-pro", "gemini-2.5-pro"),
        ("publishers/google/models/gemini-2.5-pro", "gemini-2.5-pro"),
        ("fireworks_ai/accounts/fireworks/models/llama-v3p1-8b", "llama-v3p1-8b"),
        ("together_ai/Qwen/Qwen3-235B", "qwen/qwen3-235b"),
        ("groq/openai/gpt-oss-120b", "gpt-oss-120b"),
        ("openai/", "openai/"),
    ],
)
def test_normalize_id(raw: str, normalized: str) -> None:
    assert cp.normalize_id(raw) == normalized


def test_normalize_id_with_the_files_prefixes() -> None:
    assert cp.normalize_id("Acme/Model-1", ["acme/"]) == "model-1"


def test_litellm_prices_units_tiers_and_noise() -> None:
    prices = cp.litellm_prices(
        {
            "input_cost_per_token": 3e-06,
            "output_cost_per_token": 1.5e-05,
            "cache_read_input_token_cost": 3e-07,
            "cache_creation_input_token_cost": 3.75e-06,
            "cache_creation_input_token_cost_above_1hr": 6e-06,
            "input_cost_per_token_above_200k_tokens": 6e-06,
            "cache_creation_input_token_cost_above_1hr_above_200k_tokens": 1.2e-05,
            "input_cost_per_token_batches": 1.5e-06,
            "input_cost_per_token_priority": 5e-06,
            "output_cost_per_image": 0.04,
            "supports_vision": True,
            "mode": "chat",
        }
    )
    assert prices == {
        "input": Decimal(3),
        "output": Decimal(15),
        "cache_read": Decimal("0.3"),
        "cache_write": Decimal("3.75"),
        "cache_write_1h": Decimal(6),
        "input>200000": Decimal(6),
        "cache_write_1h>200000": Decimal(12),
    }


def test_litellm_index_maps_providers_and_skips_placeholders() -> None:
    index = cp.litellm_index(
        {
            "sample_spec": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 0.0},
            "gpt-x": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06},
            "ft:gpt-x": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2e-06},
            "tts-x": {"litellm_provider": "openai", "mode": "audio_speech"},
            "mod-x": {"litellm_provider": "openai", "mode": "moderation"},
            "vertex_ai/claude-x": {"litellm_provider": "vertex_ai-anthropic_models", "mode": "chat"},
            "together-ai-4.1b-8b": {"litellm_provider": "together_ai", "mode": "chat"},
            "1024-x-1024/dall-e-3": {"litellm_provider": "openai", "mode": "image_generation"},
            "elsewhere/model": {"litellm_provider": "somewhere", "mode": "chat"},
        }
    )
    assert {m.id: m.listable for m in index["openai"]} == {
        "gpt-x": True,
        "ft:gpt-x": False,
        "tts-x": True,
        "mod-x": False,
    }
    assert [m.id for m in index["gcp.vertex_ai"]] == ["vertex_ai/claude-x"]
    assert index["together_ai"] == []


def test_current_period_and_tiers_by_date() -> None:
    entry = _tables(ANTHROPIC)["anthropic"].entries[0]
    assert entry.prices == {
        "input": Decimal(3),
        "cache_read": Decimal("0.3"),
        "output": Decimal(15),
        "input>200000": Decimal(6),
        "output>200000": Decimal("22.5"),
    }
    tables = _tables(ANTHROPIC)
    assert cp.entry_prices(tables["anthropic"].entries[0], tables, date(2025, 5, 31)) == {
        "input": Decimal(4),
        "output": Decimal(20),
    }


def test_inherit_resolves_and_alias_and_not_priced_are_skipped() -> None:
    tables = _tables(ANTHROPIC, BEDROCK)
    inherited, provisioned = tables["aws.bedrock"].entries
    assert inherited.prices == tables["anthropic"].entries[0].prices
    assert provisioned.prices is None
    assert tables["anthropic"].entries[3].prices is None  # the alias


def test_inherit_of_a_missing_file_raises_lookup_error() -> None:
    tables = {"aws.bedrock": cp.parse_provider(BEDROCK, [])}
    with pytest.raises(LookupError, match="anthropic/claude-x"):
        cp.entry_prices(tables["aws.bedrock"].entries[0], tables, DAY)


def test_resolve_snapshots_regions_and_patterns() -> None:
    table = _tables(ANTHROPIC, BEDROCK)["aws.bedrock"]
    assert table.resolve("us.anthropic.claude-x-20250101-v1:0").id == "anthropic.claude-x"
    assert table.resolve("anthropic.claude-z-v1:0") is None
    openai = cp.parse_provider(
        {
            "provider": "openai",
            "models": [
                {"id": "gpt-x", "match": {"snapshots": False}},
                {"id": "o-x", "match": {"patterns": ["o-x-(mini|nano)"]}},
            ],
        },
        [],
    )
    assert openai.resolve("gpt-x-2025-01-01") is None
    assert openai.resolve("o-x-nano").id == "o-x"


def test_diff_of_two_tiny_tables() -> None:
    tables = _tables(ANTHROPIC, BEDROCK)
    litellm = {
        "anthropic": [
            cp.AnchorModel(
                "claude-x-20250101",
                {
                    "input": cp.litellm_decimal(3e-06),
                    "output": cp.litellm_decimal(1.5000000000000002e-05),
                    "cache_read": Decimal("0.25"),
                    "input>200000": Decimal(6),
                    "output>200000": Decimal("22.5"),
                    "cache_write": Decimal("3.75"),
                },
            ),
            cp.AnchorModel("claude-new", {"input": Decimal(1)}),
            cp.AnchorModel("claude-new-20260101", {"input": Decimal(1)}),
            cp.AnchorModel("claude-latest", {"input": Decimal(3)}),
            cp.AnchorModel("claude-embed", {"input": Decimal(1)}, listable=False),
        ],
        "aws.bedrock": [
            cp.AnchorModel("us.anthropic.claude-x-v1:0", {"input": Decimal("3.3")}),
            cp.AnchorModel("anthropic.claude-x-v1:0", {"input": Decimal(3)}),
        ],
    }
    genai = {
        "anthropic": [
            cp.AnchorModel("claude-y-family", {"output": Decimal(4)}, matcher=lambda ref: ref.startswith("claude-y"))
        ]
    }
    report = cp.compare(tables, {"genai-prices": genai, "litellm": litellm}, ["anthropic", "aws.bedrock"])
    assert report["differences"] == [
        {
            "provider": "anthropic",
            "entry": "claude-x",
            "unit": "cache_read",
            "ours": "0.3",
            "theirs": "0.25",
            "anchor": "litellm",
            "anchor_model": "claude-x-20250101",
        },
        {
            "provider": "anthropic",
            "entry": "claude-y",
            "unit": "output",
            "ours": "5",
            "theirs": "4",
            "anchor": "genai-prices",
            "anchor_model": "claude-y-family",
        },
    ]
    assert report["missing"] == [{"provider": "anthropic", "anchor": "litellm", "anchor_model": "claude-new"}]
    assert report["unknown"] == [{"provider": "anthropic", "entry": "claude-ours-only"}]
    assert report["summary"]["litellm"] == {
        "compared": 2,
        "differences": 1,
        "entries_differing": 1,
        "missing": 1,
        "unknown": 2,
    }
    assert report["summary"]["genai-prices"]["compared"] == 1


def test_load_table_notes_unreadable_files_and_entries(tmp_path: Path) -> None:
    (tmp_path / "anthropic.json").write_text(json.dumps(ANTHROPIC))
    (tmp_path / "groq.json").write_text('{"provider": "groq", "models": [')  # being written
    (tmp_path / "aws.bedrock.json").write_text(
        json.dumps(
            {
                **BEDROCK,
                "models": [*BEDROCK["models"], {"id": "bad", "prices": [_period(input="three")]}, {"name": "no id"}],
            }
        )
    )
    notes: list[str] = []
    tables = cp.load_table(tmp_path, DAY, notes)
    assert sorted(tables) == ["anthropic", "aws.bedrock"]
    assert any(n.startswith("groq.json: cannot read") for n in notes)
    assert any(n.startswith("aws.bedrock/bad:") for n in notes)
    assert any("without an id" in n for n in notes)


def test_main_exits_2_when_an_anchor_cannot_be_loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cp.main(["--table", str(tmp_path), "--anchor", "litellm", "--litellm-json", str(tmp_path / "nope.json")])
    assert code == 2
    assert "--litellm-json" in capsys.readouterr().err


def test_main_with_a_litellm_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "anthropic.json").write_text(json.dumps(ANTHROPIC))
    cost_map = tmp_path / "cost.json"
    cost_map.write_text(
        json.dumps(
            {
                "claude-y": {
                    "litellm_provider": "anthropic",
                    "mode": "chat",
                    "input_cost_per_token": 1e-06,
                    "output_cost_per_token": 6e-06,
                }
            }
        )
    )
    args = ["--table", str(tmp_path), "--anchor", "litellm", "--litellm-json", str(cost_map), "--date", "2026-11-22"]
    assert cp.main([*args, "--provider", "anthropic", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(d["entry"], d["unit"], d["ours"], d["theirs"]) for d in report["differences"]] == [
        ("claude-y", "output", "5", "6")
    ]
    assert cp.main(args) == 0
    text = capsys.readouterr().out
    assert "1. Price differences (USD per million tokens): 1" in text
    assert "openai.json missing: not compared" in text


def test_genai_prices_by_date_tiers_and_time_of_day() -> None:
    def price(**units: Any) -> SimpleNamespace:
        return SimpleNamespace(**units)

    tiered = SimpleNamespace(base=Decimal("1.25"), tiers=[SimpleNamespace(start=200000, price=Decimal("2.5"))])
    model = SimpleNamespace(
        prices=[
            SimpleNamespace(constraint=None, prices=price(input_mtok=Decimal("0.4"), output_mtok=Decimal(1))),
            SimpleNamespace(
                constraint=SimpleNamespace(start_date=date(2026, 8, 17)),
                prices=price(input_mtok=tiered, output_mtok=Decimal(2)),
            ),
            SimpleNamespace(constraint=SimpleNamespace(start_time="01:00"), prices=price(input_mtok=Decimal(3))),
        ]
    )
    # as in genai-prices, a later time-of-day window applies at its hours whatever the date
    before = ({"input": Decimal("0.4"), "output": Decimal(1)}, {"input": Decimal(3)})
    assert cp.genai_prices_of(model, date(2026, 8, 1)) == before
    standard, at_times = cp.genai_prices_of(model, DAY)
    assert standard == {"input": Decimal("1.25"), "input>200000": Decimal("2.5"), "output": Decimal(2)}
    assert at_times == {"input": Decimal(3)}
    tables = _tables({"provider": "deepseek", "models": [{"id": "chat", "prices": [_period(input="3", output="2")]}]})
    anchor = {"deepseek": [cp.AnchorModel("chat", standard, at_times)]}
    assert cp.compare(tables, {"genai-prices": anchor}, ["deepseek"])["differences"] == []
