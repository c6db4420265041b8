"""Vertex AI's text embeddings bill input characters: priced from them, or estimated from the tokens."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal as D
from pathlib import Path

import pytest

from otel_llmcost.pricing import PriceFileError, PriceTable, RequestContext, Usage
from otel_llmcost.processor import _pricer
from otel_llmcost.usage import GenAICall

M = 1_000_000
AT = date(2026, 12, 7)
MODEL = "publishers/google/models/text-embedding-005"  # as the Vertex AI SDK names it


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load()


def test_reported_characters_are_priced_and_the_tokens_beside_them_are_not(table: PriceTable) -> None:
    usage = Usage.from_totals(input_tokens=1234, input_characters=5000)
    cost = table.price(usage, provider="vertex_ai", model=MODEL, at=AT)
    assert cost.status == "priced"
    assert not cost.estimated
    assert cost.total_usd == 5000 * D("0.025") / M  # 5,000 characters x $0.025 per million ($0.000025 / 1,000)


def test_tokens_alone_are_priced_as_estimated_characters(table: PriceTable) -> None:
    # statistics.token_count of a Vertex AI embeddings response: 1,234 tokens, no characters
    cost = table.price(Usage.from_totals(input_tokens=1234), provider="gcp.vertex_ai", model=MODEL, at=AT)
    assert cost.status == "priced"
    assert cost.estimated
    assert cost.total_usd == 1234 * 4 * D("0.025") / M  # 1,234 tokens x 4 characters x $0.025 per million
    assert cost.detail == "4936 input characters estimated from 1234 tokens at 4 characters per token"


def test_the_processor_marks_an_estimated_cost_estimated(table: PriceTable) -> None:
    pricer = _pricer.Pricer(table)
    usage = Usage.from_totals(input_tokens=1234)
    call = GenAICall("embeddings", "gcp.vertex_ai", MODEL, None, None, usage, "reported", RequestContext())
    start = int(datetime(2026, 12, 7, 12, tzinfo=timezone.utc).timestamp()) * 10**9
    priced = pricer.price(call, start)
    assert priced.status == "estimated"
    assert priced.attributes["llmcost.status"] == "estimated"
    assert priced.amount_usd == 1234 * 4 * D("0.025") / M


def test_a_ratio_without_a_character_price_is_refused(tmp_path: Path) -> None:
    period = {"usd_per_million_tokens": {"input": "1"}, "characters_per_token": "4"}
    path = tmp_path / "acme.json"
    path.write_text(json.dumps({"provider": "acme", "models": [{"id": "m", "prices": [period]}]}), encoding="utf-8")
    with pytest.raises(PriceFileError, match=r"characters_per_token: a positive ratio that goes with"):
        PriceTable.load([path], bundled=False)
