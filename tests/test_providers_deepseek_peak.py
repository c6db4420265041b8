"""DeepSeek's peak and off-peak rates, priced from a call's start time in Beijing time."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal as D
from pathlib import Path

import pytest

from otel_llmcost.pricing import PriceFileError, PriceTable, RequestContext, Usage
from otel_llmcost.processor import _pricer, _quote
from otel_llmcost.usage import GenAICall

M = 1_000_000
USAGE = Usage.from_totals(input_tokens=12_000, cache_read_tokens=8_000, output_tokens=900)
# DeepSeek-V4-Pro's peak rate: $1.32 cache miss, $0.044 cache hit, $3.96 output per million tokens
PEAK = (4_000 * D("1.32") + 8_000 * D("0.044") + 900 * D("3.96")) / M
OFF_PEAK = (4_000 * D("0.66") + 8_000 * D("0.022") + 900 * D("1.98")) / M  # half of each


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load()


@pytest.mark.parametrize(
    ("at", "expected", "variants"),
    [
        (utc(2026, 11, 23, 1, 0), PEAK, ()),  # Monday 09:00 Beijing: the first peak window opens
        (utc(2026, 11, 23, 3, 59), PEAK, ()),  # Monday 11:59 Beijing
        (utc(2026, 11, 23, 4, 0), OFF_PEAK, ("off_peak",)),  # Monday 12:00 Beijing: lunch is off-peak
        (utc(2026, 11, 23, 6, 30), PEAK, ()),  # Monday 14:30 Beijing: the second window
        (utc(2026, 11, 23, 10, 0), OFF_PEAK, ("off_peak",)),  # Monday 18:00 Beijing
        (utc(2026, 11, 22, 2, 0), OFF_PEAK, ("off_peak",)),  # Sunday 10:00 Beijing: weekends are off-peak
        (utc(2026, 11, 20, 17, 0), OFF_PEAK, ("off_peak",)),  # Friday 17:00 UTC is Saturday 01:00 in Beijing
        (utc(2026, 8, 22, 2, 0), PEAK, ()),  # Saturday 2026-08-22: weekends were off-peak only from 08-23
        (utc(2026, 8, 23, 2, 0), OFF_PEAK, ("off_peak",)),  # Sunday 2026-08-23
        (date(2026, 11, 22), PEAK, ()),  # a day without a time: the peak rate, an upper bound
    ],
)
def test_the_start_time_in_beijing_selects_the_peak_or_off_peak_rate(
    table: PriceTable, at: datetime | date, expected: D, variants: tuple[str, ...]
) -> None:
    cost = table.price(USAGE, provider="deepseek", model="deepseek-v4-pro", at=at)
    assert cost.total_usd == expected
    assert cost.variants == variants


def test_the_processor_prices_a_span_by_its_start_time(table: PriceTable) -> None:
    pricer = _pricer.Pricer(table)
    call = GenAICall("chat", "deepseek", "deepseek-v4-pro", None, "r1", USAGE, "reported", RequestContext())
    for start, expected in ((utc(2026, 11, 23, 2, 0), PEAK), (utc(2026, 11, 23, 12, 0), OFF_PEAK)):
        nanoseconds = int(start.timestamp()) * 10**9
        assert pricer.price(call, nanoseconds).amount_usd == expected
        with pytest.MonkeyPatch.context() as patch:  # through a `Cost`, not the plan's quote: the same
            patch.setattr(_quote.Quote, "price", lambda *_: None)
            assert pricer.price(call, nanoseconds).amount_usd == expected


def _peak_file(tmp_path: Path, peak_hours: object, variants: list[object]) -> Path:
    period = {"usd_per_million_tokens": {"input": "1", "output": "2"}, "peak_hours": peak_hours, "variants": variants}
    document = {"provider": "acme", "models": [{"id": "m", "prices": [period]}]}
    path = tmp_path / "acme.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


OFF = {"name": "off_peak", "when": {"off_peak": True}, "multiplier": "0.5"}
HOURS = [{"from": "09:00", "to": "12:00"}]


@pytest.mark.parametrize(
    ("peak_hours", "variants", "problem"),
    [
        ({"utc_offset": "+08:00", "days": ["mon"], "hours": HOURS}, [], "need a variant with when.off_peak"),
        ({"utc_offset": "8", "days": ["mon"], "hours": HOURS}, [OFF], "is not an offset like '\\+08:00'"),
        ({"utc_offset": "+08:00", "days": ["monday"], "hours": HOURS}, [OFF], "give days among mon, tue"),
        ({"utc_offset": "+08:00", "days": ["mon"], "hours": [{"from": "12:00", "to": "09:00"}]}, [OFF], "before"),
        ({"utc_offset": "+08:00", "days": ["mon"], "hours": HOURS, "holidays": ["2026-02-30"]}, [OFF], "real date"),
    ],
)
def test_bad_peak_hours_are_refused_with_the_place_and_the_fix(
    tmp_path: Path, peak_hours: object, variants: list[object], problem: str
) -> None:
    with pytest.raises(PriceFileError, match=problem) as error:
        PriceTable.load([_peak_file(tmp_path, peak_hours, variants)], bundled=False)
    assert "peak_hours" in str(error.value)


def test_holidays_are_off_peak_all_day(tmp_path: Path) -> None:
    peak = {"utc_offset": "+08:00", "days": ["mon", "tue", "wed", "thu", "fri"], "hours": HOURS}
    path = _peak_file(tmp_path, {**peak, "holidays": ["2026-10-01"]}, [OFF])
    table = PriceTable.load([path], bundled=False)
    usage = Usage.from_totals(input_tokens=1000, output_tokens=100)
    holiday = table.price(usage, provider="acme", model="m", at=utc(2026, 10, 1, 2, 0))  # Thursday 10:00 Beijing
    workday = table.price(usage, provider="acme", model="m", at=utc(2026, 10, 8, 2, 0))
    assert holiday.total_usd == (1000 * D("0.5") + 100 * D("1")) / M  # half of 1000 * 1/1e6 + 100 * 2/1e6
    assert workday.total_usd == (1000 * D("1") + 100 * D("2")) / M
