"""Providers that bill in another currency (Scaleway in euros): priced in their currency, converted openly.

A price file may declare ``"currency": "EUR"`` with the rate that converts it (``fx``); its prices stay as the
vendor's page writes them and the loader converts them to US dollars, exactly, when the file loads. The priced
span says the currency and the rate; an override file may give its own rate.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cli_support import DAY1, HOUR, chat, emit, exported_spans, exporting, run_json
from openai_support import MESSAGES, client, openai_recording, priced_chat
from otel_llmcost.pricing import Conversion, PriceFileError, PriceTable, Usage
from otel_llmcost.pricing._load import read_provider_file

if TYPE_CHECKING:
    from conftest import Tracing

M = 1_000_000
AT = date(2026, 12, 7)
ECB_2025_10_21 = D("1.1607")  # the ECB's euro reference rate for the US dollar on 2025-10-21, in scaleway.json
PRICING = Path(__file__).resolve().parents[1] / "pricing"


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load()


# chat_scaleway_llama_3_3_70b: 5,563 prompt and 1,471 completion tokens of llama-3.3-70b-instruct, which
# Scaleway's FAQ prices at EUR 0.90 per million input and per million output tokens:
#   (5,563 x EUR 0.90 + 1,471 x EUR 0.90) / 1M = EUR 0.0063306, x 1.1607 USD per EUR = USD 0.00734792742
def test_a_scaleway_call_is_priced_in_euros_converted_at_the_files_rate(priced: Tracing) -> None:
    attributes = priced_chat(
        priced, "chat_scaleway_llama_3_3_70b", "https://api.scaleway.ai/v1", "llama-3.3-70b-instruct"
    )
    assert attributes["gen_ai.provider.name"] == "scaleway"
    assert attributes["llmcost.status"] == "priced"
    assert attributes["llmcost.price.entry"] == "scaleway/llama-3.3-70b-instruct"
    assert attributes["gen_ai.usage.cost.currency"] == "USD"
    assert attributes["llmcost.price.currency"] == "EUR"
    assert attributes["llmcost.price.usd_per_unit"] == "1.1607"
    assert D(repr(attributes["gen_ai.usage.cost.amount"])) == D("0.00734792742")


def test_a_call_priced_in_dollars_names_no_conversion(priced: Tracing) -> None:
    sdk, _ = client(openai_recording("chat_gpt_4o_mini"))
    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    (span,) = priced.exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert attributes["llmcost.status"] == "priced"
    assert "llmcost.price.currency" not in attributes
    assert "llmcost.price.usd_per_unit" not in attributes


def test_the_cost_says_which_conversion_priced_it(table: PriceTable) -> None:
    cost = table.price(
        Usage.from_totals(input_tokens=5563, output_tokens=1471),
        provider="scaleway",
        model="llama-3.3-70b-instruct",
        at=AT,
    )

    # (5563 x 0.90 + 1471 x 0.90) / 1M euros, x 1.1607
    assert cost.total_usd == (5563 * D("0.90") + 1471 * D("0.90")) * ECB_2025_10_21 / M
    assert cost.conversion is not None
    assert (cost.conversion.currency, cost.conversion.usd_per_unit) == ("EUR", ECB_2025_10_21)
    assert cost.conversion.day == date(2025, 10, 21)
    assert cost.conversion.source.startswith("https://www.ecb.europa.eu/")


def test_the_file_keeps_scaleways_euro_figures_and_the_table_holds_dollars(table: PriceTable) -> None:
    document = json.loads((PRICING / "providers" / "scaleway.json").read_text(encoding="utf-8"))
    written = {model["id"]: model["prices"][-1]["usd_per_million_tokens"] for model in document["models"]}
    assert document["currency"] == "EUR"
    assert written["llama-3.3-70b-instruct"] == {"input": "0.9", "output": "0.9"}  # the FAQ's EUR 0.90

    loaded = {entry.id: entry.periods[-1] for entry in table.entries("scaleway")}
    llama = loaded["llama-3.3-70b-instruct"]
    assert dict(llama.prices.per_million_tokens) == {"input": D("1.04463"), "output": D("1.04463")}  # 0.9 x 1.1607
    for model_id, prices in written.items():
        period = loaded[model_id]
        assert period.conversion is not None
        assert period.conversion.usd_per_unit == ECB_2025_10_21
        assert dict(period.prices.per_million_tokens) == {
            unit: D(price) * ECB_2025_10_21 for unit, price in prices.items()
        }


def _file(tmp_path: Path, **head: Any) -> Path:
    """An override file of one model in a vendor's currency."""
    document = {
        "provider": "eurocloud",
        **head,
        "models": [{"id": "m", "prices": [{"usd_per_million_tokens": {"input": "2", "output": "8"}}]}],
    }
    path = tmp_path / "eurocloud.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


ECB = {"usd_per_unit": "1.1607", "date": "2025-10-21", "source": "https://www.ecb.europa.eu/"}


@pytest.mark.parametrize(
    ("head", "where", "message"),
    [
        pytest.param({"currency": "EUR"}, "fx", "prices written in EUR need the rate", id="currency without fx"),
        pytest.param({"fx": ECB}, "fx", "fx goes with a currency other than USD", id="fx without currency"),
        pytest.param({"currency": "USD", "fx": ECB}, "fx", "the prices are in US dollars", id="fx with USD"),
        pytest.param({"currency": "euro", "fx": ECB}, "currency", "not a currency code such as 'EUR'", id="code"),
        pytest.param(
            {"currency": "EUR", "fx": {**ECB, "usd_per_unit": "0"}}, "fx.usd_per_unit", "a rate of 0", id="zero"
        ),
        pytest.param(
            {"currency": "EUR", "fx": {**ECB, "usd_per_unit": 1.1607}},
            "fx.usd_per_unit",
            'the rate is a decimal string such as "1.1607"',
            id="json number",
        ),
        pytest.param(
            {"currency": "EUR", "fx": {**ECB, "usd_per_unit": "-1.1"}},
            "fx.usd_per_unit",
            "no sign, no exponent",
            id="negative",
        ),
        pytest.param(
            {"currency": "EUR", "fx": {"date": "2025-10-21", "source": "ECB"}},
            "fx.usd_per_unit",
            "give US dollars per EUR",
            id="no rate",
        ),
        pytest.param({"currency": "EUR", "fx": {**ECB, "date": "2025-13-01"}}, "fx.date", "a real date", id="bad date"),
        pytest.param({"currency": "EUR", "fx": {**ECB, "rate": "1.1"}}, "fx", "unknown field 'rate'", id="unknown"),
    ],
)
def test_a_bad_currency_or_rate_is_an_error_that_says_what_to_write(
    tmp_path: Path, head: dict[str, Any], where: str, message: str
) -> None:
    path = _file(tmp_path, **head)

    with pytest.raises(PriceFileError) as raised:
        PriceTable.load([path], bundled=False)

    assert raised.value.where == where
    assert str(path) in str(raised.value)
    assert message in str(raised.value)


def test_an_override_files_prices_in_euros_are_converted_at_its_rate(tmp_path: Path) -> None:
    table = PriceTable.load([_file(tmp_path, currency="EUR", fx=ECB)], bundled=False)

    cost = table.price(Usage.from_totals(input_tokens=1000, output_tokens=500), provider="eurocloud", model="m")

    # (1000 x EUR 2 + 500 x EUR 8) / 1M = EUR 0.006, x 1.1607 = USD 0.0069642
    assert cost.total_usd == D("0.0069642")
    assert cost.conversion is not None
    assert cost.conversion.currency == "EUR"


def test_an_override_file_replaces_the_bundled_rate(tmp_path: Path) -> None:
    own_rate = _rate_file(tmp_path, "EUR", "1.25", "our treasury's December rate")
    table = PriceTable.load([own_rate])

    cost = table.price(
        Usage.from_totals(input_tokens=5563, output_tokens=1471),
        provider="scaleway",
        model="llama-3.3-70b-instruct",
        at=AT,
    )

    # (5563 x EUR 0.90 + 1471 x EUR 0.90) / 1M = EUR 0.0063306, x 1.25 = USD 0.00791325
    assert cost.total_usd == D("0.00791325")
    assert cost.conversion == Conversion("EUR", D("1.25"), date(2026, 12, 4), "our treasury's December rate")


def test_a_rate_in_another_currency_leaves_the_bundled_one(tmp_path: Path) -> None:
    path = _rate_file(tmp_path, "GBP", "1.27", "ours")
    bundled = read_provider_file(PRICING / "providers" / "scaleway.json", strict=True)
    with_gbp = PriceTable.load([path])

    (llama,) = [entry for entry in with_gbp.entries("scaleway") if entry.id == "llama-3.3-70b-instruct"]
    assert bundled.conversion is not None
    assert llama.periods[-1].conversion == bundled.conversion


def test_repricing_at_another_rate_says_the_new_rate(tmp_path: Path) -> None:
    spans = tmp_path / "spans"
    with exporting(spans) as tracer:
        emit(tracer, [(DAY1 + HOUR, chat("scaleway", "llama-3.3-70b-instruct", 5563, 1471))])
    own_rate = _rate_file(tmp_path, "EUR", "1.25", "our treasury's December rate")
    out = tmp_path / "out"

    run_json("reprice", str(spans), "--out", str(out), "--prices", str(own_rate))

    before = exported_spans(spans)["chat llama-3.3-70b-instruct"]
    after = exported_spans(out)["chat llama-3.3-70b-instruct"]
    assert (before["llmcost.price.currency"], before["llmcost.price.usd_per_unit"]) == ("EUR", "1.1607")
    assert (after["llmcost.price.currency"], after["llmcost.price.usd_per_unit"]) == ("EUR", "1.25")
    # (5563 x EUR 0.90 + 1471 x EUR 0.90) / 1M = EUR 0.0063306: x 1.1607 = USD 0.00734792742, x 1.25 = USD 0.00791325
    assert D(repr(before["gen_ai.usage.cost.amount"])) == D("0.00734792742")
    assert D(repr(after["gen_ai.usage.cost.amount"])) == D("0.00791325")


def _rate_file(folder: Path, currency: str, usd_per_unit: str, source: str) -> Path:
    """An override file for Scaleway that only sets its rate (no entries of its own), in ``folder``."""
    path = folder / "scaleway.json"
    fx = {"usd_per_unit": usd_per_unit, "date": "2026-12-04", "source": source}
    document = {"provider": "scaleway", "currency": currency, "fx": fx, "models": []}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
