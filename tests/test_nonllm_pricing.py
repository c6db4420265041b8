"""The units the non-LLM APIs bill, in the price table and the usage model: audio by the hour, one image price for
every size, characters of speech, vector database read and write units. Costs are computed by hand from the prices
in the bundled files (their sources are in the files)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from otel_llmcost.pricing import PriceFileError, PriceTable, Usage
from otel_llmcost.usage import read_call, usage_attributes

M = 1_000_000
AT = date(2026, 12, 7)


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load()


def test_assemblyai_bills_per_hour_pro_rated_to_the_second(table: PriceTable) -> None:
    cost = table.price(Usage(input_audio_seconds=D("1800.5")), provider="assemblyai", model="best", at=AT)
    assert cost.status == "priced", cost.detail
    # 1800.5 s at $0.37 per hour: an hour's price / 60 is no exact per-minute price, so the table keeps the hour's
    assert cost.total_usd == D("1800.5") * D("0.37") / 3600
    assert dict(cost.breakdown_usd) == {"input_audio_seconds": D("1800.5") * D("0.37") / 3600}
    nano = table.price(Usage(input_audio_seconds=D(3600)), provider="AssemblyAI", model="nano", at=AT)
    assert nano.total_usd == D("0.12")  # one hour of Nano


def test_deepgram_bills_per_minute_by_model(table: PriceTable) -> None:
    for model in ("nova-3", "nova-3-general", "nova-3-medical"):
        cost = table.price(Usage(input_audio_seconds=D(90)), provider="deepgram", model=model, at=AT)
        assert cost.total_usd == 90 * D("0.0043") / 60, model  # 1.5 minutes at $0.0043
    whisper = table.price(Usage(input_audio_seconds=D(60)), provider="deepgram", model="whisper-large", at=AT)
    assert whisper.total_usd == D("0.0048")


def test_elevenlabs_bills_characters_by_model_at_the_pay_as_you_go_rate(table: PriceTable) -> None:
    usage = Usage(input_characters=1000)
    multilingual = table.price(usage, provider="elevenlabs", model="eleven_multilingual_v2", at=AT)
    flash = table.price(usage, provider="elevenlabs", model="eleven_flash_v2_5", at=AT)
    assert multilingual.total_usd == D("0.1")  # $0.10 per 1,000 characters
    assert flash.total_usd == D("0.05")  # $0.05 per 1,000 characters
    assert multilingual.entry == "elevenlabs/eleven-multilingual-v2"
    assert flash.entry == "elevenlabs/eleven-flash-v2-5"


def test_one_image_price_serves_every_size_and_quality(table: PriceTable) -> None:
    for key in ("image", "1024x1024", "1536x640/hd"):
        cost = table.price(Usage(images=((key, 2),)), provider="stability_ai", model="stable-image-ultra", at=AT)
        assert cost.total_usd == 2 * D("0.08"), key  # 8 credits of $0.01 each, twice
        assert dict(cost.breakdown_usd) == {f"image:{key}": D("0.16")}
    flux = table.price(Usage(images=(("image", 1),)), provider="bfl", model="flux-kontext-max", at=AT)
    assert flux.total_usd == D("0.08")


def test_an_image_size_with_its_own_price_is_not_priced_as_any_size(tmp_path: Path) -> None:
    path = tmp_path / "acme.json"
    prices = {"usd_per_image": {"1024x1024": "0.04", "image": "0.02"}}
    path.write_text(json.dumps({"provider": "acme_images", "models": [{"id": "painter", "prices": [prices]}]}))
    table = PriceTable.load([path], bundled=False)
    sized = table.price(Usage(images=(("1024x1024/hd", 1),)), provider="acme_images", model="painter", at=AT)
    other = table.price(Usage(images=(("512x512", 1),)), provider="acme_images", model="painter", at=AT)
    assert (sized.total_usd, other.total_usd) == (D("0.04"), D("0.02"))


def test_pinecone_bills_read_and_write_units(table: PriceTable) -> None:
    usage = Usage(requests=(("read_unit", 6), ("write_unit", 25)))
    cost = table.price(usage, provider="pinecone", model="serverless", at=AT)
    # 6 read units at $16 per million and 25 write units at $4 per million (Standard plan)
    assert cost.total_usd == 6 * D("16") / M + 25 * D("4") / M
    assert dict(cost.breakdown_usd) == {"request:read_unit": 6 * D("16") / M, "request:write_unit": 25 * D("4") / M}


def test_read_and_write_units_go_on_the_span_and_come_back() -> None:
    usage = Usage(requests=(("read_unit", 6), ("write_unit", 3)))
    attributes: dict[str, Any] = dict(usage_attributes(usage))
    assert attributes == {"llmcost.usage.read_units": 6, "llmcost.usage.write_units": 3}  # no token zeros
    attributes |= {"gen_ai.operation.name": "vector_read", "gen_ai.provider.name": "pinecone"}
    call = read_call(attributes)
    assert call.operation == "vector_read"  # an operation the processor prices
    assert call.usage == usage


def test_a_per_hour_price_of_an_unknown_unit_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    prices = {"usd_per_hour": {"output_audio": "1"}}
    path.write_text(json.dumps({"provider": "acme_audio", "models": [{"id": "ears", "prices": [prices]}]}))
    with pytest.raises(PriceFileError, match="unknown unit 'output_audio'; allowed: input_audio"):
        PriceTable.load([path], bundled=False)


def test_flux_2_bills_the_first_megapixel_flat_and_each_further_one_less(table: PriceTable) -> None:
    def cost(model: str, output: str, sent: str = "0") -> D | None:
        usage = Usage(output_megapixels=D(output), input_megapixels=D(sent))
        return table.price(usage, provider="black_forest_labs", model=model, at=AT).total_usd

    assert cost("flux-2-klein-4b", "2") == D("0.014") + D("0.001")  # the pricing page's own example: $0.015
    assert cost("flux-2-klein-9b", "1") == D("0.015")
    assert cost("flux-2-pro", "0.5") == D("0.03")  # an image under a megapixel costs the first one
    assert cost("flux-2-pro", "4.19") == D("0.03") + 3 * D("0.015")  # whole megapixels, to the nearest: 4
    assert cost("flux-2-max", "1", sent="1") == D("0.07") + D("0.03")  # the guide's 1 MP edit: $0.10
    assert cost("flux-2-flex", "1.5", sent="2.49") == D("0.05") + 1 * D("0.05") + 2 * D("0.05")  # 1.5 -> 2, 2.49 -> 2


def test_megapixels_go_on_the_span_and_come_back() -> None:
    usage = Usage(output_megapixels=D("2.07"), input_megapixels=D("1.05"))
    attributes: dict[str, Any] = dict(usage_attributes(usage))
    assert attributes == {"llmcost.usage.output_megapixels": 2.07, "llmcost.usage.input_megapixels": 1.05}
    attributes |= {"gen_ai.operation.name": "image_generation", "gen_ai.provider.name": "black_forest_labs"}
    assert read_call(attributes).usage == usage


def test_a_megapixel_price_without_the_unit_a_call_used_leaves_it_unpriced(tmp_path: Path) -> None:
    path = tmp_path / "acme.json"
    prices = {"usd_per_megapixel": {"output": "0.02"}}  # no first_output: every megapixel at one price
    path.write_text(json.dumps({"provider": "acme_images", "models": [{"id": "painter", "prices": [prices]}]}))
    table = PriceTable.load([path], bundled=False)
    plain = table.price(Usage(output_megapixels=D("2.2")), provider="acme_images", model="painter", at=AT)
    assert plain.total_usd == 2 * D("0.02")
    edit = table.price(
        Usage(output_megapixels=D(1), input_megapixels=D(1)), provider="acme_images", model="painter", at=AT
    )
    assert (edit.status, edit.reason) == ("unpriced", "missing_price")
    assert edit.detail == "no price for unit input_megapixels in acme_images/painter"


def test_a_megapixel_price_of_an_unknown_unit_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    prices = {"usd_per_megapixel": {"first": "0.03"}}
    path.write_text(json.dumps({"provider": "acme_images", "models": [{"id": "painter", "prices": [prices]}]}))
    with pytest.raises(PriceFileError, match="unknown unit 'first'; allowed: first_output, output, input"):
        PriceTable.load([path], bundled=False)
