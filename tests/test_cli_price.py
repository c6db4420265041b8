"""``otel-llmcost price`` and ``models``, run as the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from cli_support import run, run_json


def test_price_prints_the_exact_cost_of_a_call() -> None:
    done = run("price", "claude-sonnet-4-5", "--input", "10000", "--output", "2000")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "total_usd:      0.060000" in lines  # 10000 * 3.00/1e6 + 2000 * 15.00/1e6
    assert "entry:          anthropic/claude-sonnet-4-5" in lines
    assert "table_version:  2026.12.07" in lines
    assert [line.split() for line in lines[-3:]] == [
        ["input", "10000", "0.030000"],
        ["output", "2000", "0.030000"],
        ["total", "0.060000"],
    ]


def test_price_as_json_gives_the_breakdown_and_the_entry() -> None:
    document = run_json(
        "price",
        "claude-sonnet-4-5-20250929",
        "--input=5100",
        "--cache-read=2000",
        "--cache-write=3000",
        "--cache-write-1h=1000",
        "--output=500",
    )

    # (5100 - 2000 - 3000) * 3/1e6 + 2000 * 0.30/1e6 + 2000 * 3.75/1e6 + 1000 * 6/1e6 + 500 * 15/1e6
    assert Decimal(str(document["total_usd"])) == Decimal("0.0003") + Decimal("0.0006") + Decimal("0.0075") + Decimal(
        "0.006"
    ) + Decimal("0.0075")
    assert Decimal(str(document["total_usd"])) == Decimal("0.0219")
    assert document["entry"] == "anthropic/claude-sonnet-4-5"
    assert document["matched_model"] == "claude-sonnet-4-5-20250929"
    breakdown = {row["unit"]: (row["quantity"], Decimal(row["usd"])) for row in document["breakdown"]}
    assert breakdown == {
        "input": (100, Decimal("0.0003")),
        "cache_read": (2000, Decimal("0.0006")),
        "cache_write": (2000, Decimal("0.0075")),
        "cache_write_1h": (1000, Decimal("0.006")),
        "output": (500, Decimal("0.0075")),
    }


def test_price_with_batch_applies_the_batch_variant() -> None:
    document = run_json("price", "claude-sonnet-4-5", "--input", "10000", "--output", "2000", "--batch")

    assert Decimal(str(document["total_usd"])) == Decimal("0.03")  # (0.03 + 0.03) * 0.5
    assert document["variants"] == ["batch"]


def test_price_as_csv_has_a_row_per_unit_and_the_total() -> None:
    done = run("price", "gpt-4o-mini", "--provider", "openai", "--input", "1200", "--output", "300", "--format", "csv")

    assert done.returncode == 0, done.stderr
    rows = [line.split(",") for line in done.stdout.splitlines()]
    assert rows[0] == ["unit", "quantity", "usd"]
    # 1200 * 0.15/1e6 = 0.00018; 300 * 0.60/1e6 = 0.00018
    assert [(unit, quantity, Decimal(usd)) for unit, quantity, usd in rows[1:]] == [
        ("input", "1200", Decimal("0.00018")),
        ("output", "300", Decimal("0.00018")),
        ("total", "", Decimal("0.00036")),
    ]


def test_an_unknown_model_names_the_closest_ids_and_exits_3() -> None:
    done = run("price", "claude-sonet-4-5", "--input", "10")

    assert done.returncode == 3
    assert done.stdout == ""
    assert "no price entry matches 'claude-sonet-4-5'" in done.stderr
    assert "closest known: anthropic/claude-sonnet-4-5" in done.stderr


def test_an_unknown_provider_exits_3() -> None:
    done = run("price", "gpt-4o", "--provider", "nowhere", "--input", "10")

    assert done.returncode == 3
    assert "no provider 'nowhere' in the price table" in done.stderr


def test_parts_larger_than_their_total_are_a_usage_error() -> None:
    done = run("price", "gpt-4o", "--input", "10", "--cache-read", "20")

    assert done.returncode == 2
    assert "exceed input_tokens (10)" in done.stderr


def test_a_bad_argument_exits_2_and_says_which() -> None:
    done = run("price", "gpt-4o", "--input", "ten")

    assert done.returncode == 2
    assert "'ten' is not a whole number" in done.stderr


def test_help_documents_the_exit_codes() -> None:
    done = run("--help")

    assert done.returncode == 0
    assert "exit codes:" in done.stdout
    assert "3  price: unknown or unpriced model" in done.stdout


def test_python_dash_m_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "otel_llmcost", "price", "gpt-4o-mini", "--input", "1000", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert Decimal(json.loads(done.stdout)["total_usd"]) == Decimal("0.00015")  # 1000 * 0.15/1e6


def test_a_price_file_overrides_the_bundled_price(tmp_path: Path) -> None:
    path = tmp_path / "negotiated.json"
    path.write_text(
        json.dumps(
            {
                "provider": "anthropic",
                "models": [
                    {
                        "id": "claude-sonnet-4-5",
                        "prices": [{"usd_per_million_tokens": {"input": "2", "output": "10"}}],
                    }
                ],
            }
        )
    )

    document = run_json("price", "claude-sonnet-4-5", "--input", "10000", "--output", "2000", "--prices", str(path))

    assert Decimal(str(document["total_usd"])) == Decimal("0.04")  # 10000 * 2/1e6 + 2000 * 10/1e6
    assert str(document["table_version"]).startswith("2026.12.07+negotiated.json:")


def test_models_lists_prices_per_million_tokens_with_dates_and_sources() -> None:
    document = run_json("models", "claude-sonnet-4-5", "--provider", "anthropic")

    assert document["table_version"] == "2026.12.07"
    (row,) = document["models"]
    assert row["provider"] == "anthropic"
    assert row["id"] == "claude-sonnet-4-5"
    assert (row["input"], row["cache_read"], row["cache_write"], row["output"]) == ("3", "0.3", "3.75", "15")
    assert row["source"] == "https://platform.claude.com/docs/en/about-claude/pricing"
    assert row["checked"] == "2026-11-22"


def test_models_without_a_match_exits_3() -> None:
    done = run("models", "no-such-model-anywhere")

    assert done.returncode == 3
    assert "no entry matches 'no-such-model-anywhere'" in done.stderr


def test_importing_the_library_does_not_import_the_command() -> None:
    code = (
        "import sys, otel_llmcost, otel_llmcost.processor, otel_llmcost.setup, otel_llmcost.export;"
        "print(sorted(m for m in sys.modules if m.startswith('otel_llmcost.cli')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]"
