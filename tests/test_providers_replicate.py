"""Replicate bills a public model by the second of the hardware it runs on: `usd_per_second` in the table.

The recorded prediction is the object `GET /v1/predictions/{id}` returns (Replicate's HTTP API reference); its
`metrics.predict_time` is the time billed."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from otel_llmcost.pricing import PriceFileError, PriceTable, Usage

RECORDING = Path(__file__).parent / "recordings" / "replicate" / "prediction_sdxl_finetune.json"
M = 1_000_000


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load()


def _prediction() -> dict[str, Any]:
    prediction: dict[str, Any] = json.loads(RECORDING.read_text(encoding="utf-8"))
    return prediction


def test_a_recorded_prediction_is_priced_by_the_seconds_of_its_hardware(table: PriceTable) -> None:
    prediction = _prediction()
    seconds = D(repr(prediction["metrics"]["predict_time"]))
    model = f"{prediction['model']}:{prediction['version']}"
    at = datetime.fromisoformat(prediction["started_at"].replace("Z", "+00:00"))
    cost = table.price(Usage.from_totals(compute_seconds=seconds), provider="replicate", model=model, at=at)
    assert cost.status == "priced"
    assert cost.entry == "replicate/kristjanretter/suur4"
    # the model runs on an Nvidia A40 (Large), $0.000725 a second: 7.843367 * 0.000725
    assert cost.total_usd == D("0.005686441075")
    assert cost.breakdown_usd == {"compute:gpu-a40-large": D("0.005686441075")}


def test_a_model_billed_by_time_with_no_seconds_reported_costs_nothing_and_tokens_are_not_priced(
    table: PriceTable,
) -> None:
    at = datetime(2026, 12, 6, tzinfo=timezone.utc)
    cost = table.price(Usage.from_totals(input_tokens=10), provider="replicate", model="kristjanretter/suur4", at=at)
    assert cost.status == "unpriced"
    assert cost.detail == "no price for unit input in replicate/kristjanretter/suur4"


def test_seconds_on_a_model_priced_by_the_token_are_unpriced_not_free(table: PriceTable) -> None:
    at = datetime(2026, 12, 6, tzinfo=timezone.utc)
    usage = Usage.from_totals(input_tokens=100, output_tokens=20, compute_seconds=D("1.5"))
    cost = table.price(usage, provider="replicate", model="meta/llama-3-70b-instruct", at=at)
    assert cost.status == "unpriced"
    assert cost.detail == "no price for unit compute_seconds in replicate/meta/llama-3-70b-instruct"


def test_an_override_names_the_hardware_of_another_model(tmp_path: Path) -> None:
    override = tmp_path / "prices.json"
    model = {"id": "acme/upscaler", "prices": [{"usd_per_second": {"gpu-l40s": "0.000975"}}]}
    override.write_text(json.dumps({"provider": "replicate", "models": [model]}), encoding="utf-8")
    table = PriceTable.load([override])
    cost = table.price(Usage.from_totals(compute_seconds="12.25"), provider="replicate", model="acme/upscaler")
    # 12.25 s * $0.000975
    assert cost.total_usd == D("0.01194375")


@pytest.mark.parametrize(
    ("per_second", "message"),
    [
        ({}, "name the one hardware the model runs on"),
        ({"gpu-l40s": "0.000975", "gpu-t4": "0.000225"}, "name the one hardware the model runs on"),
        ({"Nvidia L40S": "0.000975"}, "is not a hardware name like"),
    ],
)
def test_a_per_second_price_names_exactly_one_hardware(tmp_path: Path, per_second: Any, message: str) -> None:
    override = tmp_path / "prices.json"
    model = {"id": "acme/upscaler", "prices": [{"usd_per_second": per_second}]}
    override.write_text(json.dumps({"provider": "replicate", "models": [model]}), encoding="utf-8")
    with pytest.raises(PriceFileError, match=message):
        PriceTable.load([override])


def test_compute_seconds_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="compute_seconds is -1: it cannot be negative"):
        Usage.from_totals(compute_seconds=-1)
