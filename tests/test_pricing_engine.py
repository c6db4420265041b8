"""The pricing engine on small tables written by each test: matching, tiers, dates, variants, units, errors."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from otel_llmcost.pricing import Cost, PriceFileError, PriceTable, RequestContext, Usage
from otel_llmcost.pricing._table import Plan

SOURCES = {"vendor": {"url": "https://example.com/pricing", "checked": "2026-11-22"}}


def write(tmp_path: Path, document: dict[str, Any], name: str = "prices.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def table_of(tmp_path: Path, models: list[dict[str, Any]], **fields: Any) -> PriceTable:
    document = {"provider": "acme", "sources": SOURCES, "models": models, **fields}
    return PriceTable.load([write(tmp_path, document)], bundled=False)


def tokens(**prices: str) -> dict[str, Any]:
    return {"usd_per_million_tokens": prices}


@pytest.fixture
def chat_table(tmp_path: Path) -> PriceTable:
    return table_of(
        tmp_path,
        [
            {"id": "chat-1", "prices": [tokens(input="2", output="8", cache_read="0.5")]},
            {"id": "chat-1-mini", "prices": [tokens(input="0.4", output="1.6")]},
            {"id": "chat-1-2024-05-13", "prices": [tokens(input="5", output="15")]},
            {"id": "ft:chat-1-mini-2025-01-01", "prices": [tokens(input="0.8", output="3.2")]},
        ],
        aliases=["ACME", "acme_ai"],
        strip_prefixes=["acme/"],
    )


def test_plain_usage_is_priced_exactly(chat_table: PriceTable) -> None:
    cost = chat_table.price(Usage.from_totals(input_tokens=1200, output_tokens=300), provider="acme", model="chat-1")
    assert cost.status == "priced"
    assert cost.total_usd == Decimal("0.0048")
    assert cost.breakdown_usd == {"input": Decimal("0.0024"), "output": Decimal("0.0024")}
    assert cost.entry == "acme/chat-1"
    assert cost.matched_model == "chat-1"


def test_a_plan_is_cached_per_model_day_and_context_and_says_what_applies(chat_table: PriceTable) -> None:
    plan = chat_table.plan("acme", "acme/chat-1-2025-03-01", date(2026, 1, 1))
    assert isinstance(plan, Plan)
    assert chat_table.plan("acme", "acme/chat-1-2025-03-01", date(2026, 1, 1)) is plan
    assert (plan.entry, plan.matched) == ("acme/chat-1", "chat-1-2025-03-01")
    assert plan.prices(0).per_token == {
        "input": Decimal("0.000002"),
        "output": Decimal("0.000008"),
        "cache_read": Decimal("0.0000005"),
        "reasoning": Decimal("0.000008"),
    }
    unknown = chat_table.plan("acme", "chat-9", date(2026, 1, 1))
    assert isinstance(unknown, Cost)
    assert (unknown.status, unknown.reason) == ("unpriced", "unknown_model")


def test_cached_tokens_are_priced_once_at_the_cache_price(chat_table: PriceTable) -> None:
    usage = Usage.from_totals(input_tokens=1000, output_tokens=0, cache_read_tokens=600)
    cost = chat_table.price(usage, provider="acme", model="chat-1")
    assert cost.breakdown_usd == {"input": Decimal("0.0008"), "cache_read": Decimal("0.0003")}
    assert cost.total_usd == Decimal("0.0011")


@pytest.mark.parametrize(
    ("model", "entry"),
    [
        ("chat-1-2024-08-06", "acme/chat-1"),
        ("chat-1-20240806", "acme/chat-1"),
        ("chat-1-0806", "acme/chat-1"),
        ("chat-1-mini-2024-07-18", "acme/chat-1-mini"),
        ("chat-1-2024-05-13", "acme/chat-1-2024-05-13"),
        ("acme/chat-1", "acme/chat-1"),
        ("models/chat-1", "acme/chat-1"),
        ("  CHAT-1  ", "acme/chat-1"),
        ("ft:chat-1-mini-2025-01-01:my-org:custom:abc123", "acme/ft:chat-1-mini-2025-01-01"),
    ],
)
def test_snapshots_prefixes_and_fine_tunes_match_their_entry(chat_table: PriceTable, model: str, entry: str) -> None:
    assert chat_table.match("acme", model).entry is not None
    assert chat_table.price(Usage(input=1), provider="acme", model=model).entry == entry


@pytest.mark.parametrize(
    "model",
    [
        "chat-10",
        "chat-1-turbo",
        "chat-1-mini-pro",
        "chat",
        "xchat-1",
        "chat-1-2024",
        "ft:chat-1-mini:org::id",
        "chat-1x",
    ],
)
def test_near_miss_names_stay_unpriced(chat_table: PriceTable, model: str) -> None:
    cost = chat_table.price(Usage(input=1000), provider="acme", model=model)
    assert cost.status == "unpriced"
    assert cost.reason == "unknown_model"
    assert cost.total_usd is None


def test_a_fine_tune_is_never_priced_as_its_base_model(chat_table: PriceTable) -> None:
    cost = chat_table.price(Usage(input=1000), provider="acme", model="ft:chat-1-2024-08-06:org::x1")
    assert (cost.status, cost.reason) == ("unpriced", "unknown_model")


def test_provider_aliases_are_case_insensitive_and_unknown_providers_say_so(chat_table: PriceTable) -> None:
    assert chat_table.price(Usage(input=10**6), provider="ACME", model="chat-1").total_usd == Decimal(2)
    assert chat_table.price(Usage(input=10**6), provider="Acme_AI", model="chat-1").total_usd == Decimal(2)
    cost = chat_table.price(Usage(input=1), provider="other", model="chat-1")
    assert (cost.status, cost.reason, cost.detail) == (
        "unpriced",
        "unknown_provider",
        "the price table has no provider 'other'",
    )


def test_no_model_is_unpriced(chat_table: PriceTable) -> None:
    cost = chat_table.price(Usage(input=1), provider="acme", model=None)
    assert (cost.status, cost.reason) == ("unpriced", "no_model")


def test_a_unit_without_a_price_makes_the_call_unpriced_never_zero(chat_table: PriceTable) -> None:
    usage = Usage.from_totals(input_tokens=100, output_tokens=0, cache_write_tokens=50)
    cost = chat_table.price(usage, provider="acme", model="chat-1")
    assert cost.status == "unpriced"
    assert cost.reason == "missing_price"
    assert cost.detail == "no price for unit cache_write in acme/chat-1"
    assert cost.total_usd is None


def test_reasoning_tokens_fall_back_to_the_output_price(chat_table: PriceTable) -> None:
    usage = Usage.from_totals(input_tokens=0, output_tokens=1000, reasoning_tokens=800)
    cost = chat_table.price(usage, provider="acme", model="chat-1")
    assert cost.breakdown_usd == {"output": Decimal("0.0016"), "reasoning": Decimal("0.0064")}


def test_the_period_in_force_at_the_call_date_applies(tmp_path: Path) -> None:
    table = table_of(
        tmp_path,
        [
            {
                "id": "m",
                "prices": [
                    {"from": "2025-01-01", **tokens(input="10", output="40")},
                    {"from": "2025-06-10", **tokens(input="2", output="8")},
                ],
            }
        ],
    )
    usage = Usage(input=10**6)
    assert table.price(usage, provider="acme", model="m", at=date(2025, 6, 9)).total_usd == Decimal(10)
    assert table.price(usage, provider="acme", model="m", at=date(2025, 6, 10)).total_usd == Decimal(2)
    late_utc = datetime(2025, 6, 10, 1, 0, tzinfo=timezone.utc)
    assert table.price(usage, provider="acme", model="m", at=late_utc).effective_date == date(2025, 6, 10)
    before = table.price(usage, provider="acme", model="m", at=date(2024, 12, 31))
    assert (before.status, before.reason) == ("unpriced", "unknown_model")
    assert before.detail == "acme/m had no price on 2024-12-31"


def test_moving_aliases_resolve_by_date(tmp_path: Path) -> None:
    table = table_of(
        tmp_path,
        [
            {"id": "large-2407", "prices": [tokens(input="3", output="9")]},
            {"id": "large-2411", "prices": [tokens(input="2", output="6")]},
            {
                "id": "large-latest",
                "alias": [{"from": "2024-07-24", "to": "large-2407"}, {"from": "2024-11-18", "to": "large-2411"}],
            },
        ],
    )
    usage = Usage(input=10**6)
    old = table.price(usage, provider="acme", model="large-latest", at=date(2024, 10, 1))
    new = table.price(usage, provider="acme", model="large-latest", at=date(2025, 1, 1))
    assert (old.total_usd, old.entry) == (Decimal(3), "acme/large-2407")
    assert (new.total_usd, new.entry) == (Decimal(2), "acme/large-2411")


def test_above_the_threshold_the_whole_request_moves_to_the_tier(tmp_path: Path) -> None:
    table = table_of(
        tmp_path,
        [
            {
                "id": "long",
                "prices": [
                    {
                        **tokens(input="3", output="15", cache_read="0.3"),
                        "tiers": [
                            {
                                "above_input_tokens": 200000,
                                "usd_per_million_tokens": {"input": "6", "output": "22.5", "cache_read": "0.6"},
                            }
                        ],
                    }
                ],
            }
        ],
    )
    at_threshold = table.price(Usage(input=200000, output=1000), provider="acme", model="long")
    assert at_threshold.total_usd == Decimal("0.615")
    assert at_threshold.tier is None
    # 150,001 uncached + 50,000 cache reads = 200,001 input tokens: every token at the higher price.
    above = table.price(Usage(input=150001, cache_read=50000, output=1000), provider="acme", model="long")
    assert above.tier == "above_200000_input_tokens"
    assert above.breakdown_usd == {
        "input": Decimal("0.900006"),
        "cache_read": Decimal("0.03"),
        "output": Decimal("0.0225"),
    }


def test_variants_apply_by_batch_service_tier_and_region(tmp_path: Path) -> None:
    table = table_of(
        tmp_path,
        [
            {
                "id": "m",
                "prices": [
                    {
                        **tokens(input="2", output="8"),
                        "variants": [
                            {"name": "batch", "when": {"batch": True}, "multiplier": "0.5"},
                            {"name": "flex", "when": {"service_tier": "flex"}, "multiplier": "0.5"},
                            {
                                "name": "priority",
                                "when": {"service_tier": ["priority"]},
                                **tokens(input="3.5", output="14"),
                            },
                            {"name": "regional", "when": {"region": ["us", "eu"]}, "multiplier": "1.1"},
                        ],
                    }
                ],
            }
        ],
        region_prefixes={"us.": "us", "eu.": "eu", "global.": "global"},
    )
    usage = Usage(input=10**6, output=10**6)
    assert table.price(usage, provider="acme", model="m").total_usd == Decimal(10)
    batch = table.price(usage, provider="acme", model="m", context=RequestContext(batch=True))
    assert (batch.total_usd, batch.variants) == (Decimal(5), ("batch",))
    flex = table.price(usage, provider="acme", model="m", context=RequestContext(service_tier="Flex"))
    assert (flex.total_usd, flex.variants) == (Decimal(5), ("flex",))
    priority = table.price(usage, provider="acme", model="m", context=RequestContext(service_tier="priority"))
    assert priority.total_usd == Decimal("17.5")
    geo = table.price(usage, provider="acme", model="eu.m")
    assert (geo.total_usd, geo.variants, geo.matched_model) == (Decimal("11.0"), ("regional",), "m")
    assert table.price(usage, provider="acme", model="global.m").variants == ()
    both = table.price(usage, provider="acme", model="us.m", context=RequestContext(batch=True))
    assert (both.total_usd, both.variants) == (Decimal("5.50"), ("batch", "regional"))


def test_non_token_units(tmp_path: Path) -> None:
    table = table_of(
        tmp_path,
        [
            {"id": "speech", "prices": [{"usd_per_million_characters": {"input": "15"}}]},
            {"id": "whisper", "prices": [{"usd_per_minute": {"input_audio": "0.006"}}]},
            {"id": "painter", "prices": [{"usd_per_image": {"1024x1024": "0.04", "1024x1024/hd": "0.08"}}]},
            {
                "id": "search",
                "prices": [
                    {**tokens(input="1", output="1"), "usd_per_request": {"request": "0.005", "web_search": "0.01"}}
                ],
            },
        ],
    )
    speech = table.price(Usage(input_characters=2000), provider="acme", model="speech")
    assert speech.total_usd == Decimal("0.03")
    minute = table.price(Usage(input_audio_seconds=Decimal(90)), provider="acme", model="whisper")
    assert minute.total_usd == Decimal("0.009")
    images = Usage.from_totals(images={"1024x1024/hd": 2, "1024x1024/standard": 1})
    painted = table.price(images, provider="acme", model="painter")
    assert painted.breakdown_usd == {"image:1024x1024/hd": Decimal("0.16"), "image:1024x1024/standard": Decimal("0.04")}
    unknown_size = table.price(Usage.from_totals(images={"256x256": 1}), provider="acme", model="painter")
    assert (unknown_size.reason, unknown_size.detail) == (
        "missing_price",
        "no price for unit image 256x256 in acme/painter",
    )
    search = table.price(
        Usage.from_totals(input_tokens=1000, requests={"web_search": 3}), provider="acme", model="search"
    )
    assert search.breakdown_usd == {
        "input": Decimal("0.001"),
        "request:request": Decimal("0.005"),
        "request:web_search": Decimal("0.03"),
    }


def test_inherit_uses_the_vendor_prices_with_the_platform_variants(tmp_path: Path) -> None:
    vendor = write(
        tmp_path,
        {
            "provider": "acme",
            "sources": SOURCES,
            "models": [{"id": "m", "source": "vendor", "prices": [tokens(input="3", output="15")]}],
        },
        "acme.json",
    )
    platform = write(
        tmp_path,
        {
            "provider": "cloud",
            "sources": SOURCES,
            "region_prefixes": {"eu.": "eu"},
            "models": [
                {
                    "id": "acme.m",
                    "inherit": "acme/m",
                    "variants": [{"name": "regional", "when": {"region": "eu"}, "multiplier": "1.1"}],
                }
            ],
        },
        "cloud.json",
    )
    table = PriceTable.load([vendor, platform], bundled=False)
    usage = Usage(input=10**6)
    cost = table.price(usage, provider="cloud", model="eu.acme.m-20250929-v1:0")
    assert (cost.total_usd, cost.entry, cost.variants) == (Decimal("3.3"), "cloud/acme.m", ("regional",))


def test_not_priced_models_and_providers_say_why(tmp_path: Path) -> None:
    table = table_of(tmp_path, [{"id": "pt", "not_priced": "provisioned throughput is billed per hour"}])
    cost = table.price(Usage(input=1), provider="acme", model="pt")
    assert (cost.status, cost.reason, cost.detail) == (
        "unpriced",
        "not_priced",
        "provisioned throughput is billed per hour",
    )
    local = PriceTable.load(
        [
            write(
                tmp_path,
                {"provider": "ollama", "sources": SOURCES, "not_priced": "self-hosted", "models": []},
                "o.json",
            )
        ],
        bundled=False,
    )
    assert local.price(Usage(input=1), provider="ollama", model="llama3").reason == "not_priced"


def test_a_user_map_prices_deployment_names(tmp_path: Path) -> None:
    path = write(
        tmp_path, {"provider": "acme", "sources": SOURCES, "models": [{"id": "m", "prices": [tokens(input="1")]}]}
    )
    table = PriceTable.load([path], bundled=False, model_map={"My-Deployment": "m"})
    assert table.price(Usage(input=10**6), provider="acme", model="my-deployment").total_usd == Decimal(1)


def test_a_later_file_overrides_an_entry_and_adds_new_ones(tmp_path: Path) -> None:
    base = write(
        tmp_path,
        {"provider": "acme", "sources": SOURCES, "models": [{"id": "m", "prices": [tokens(input="3")]}]},
        "a.json",
    )
    override = write(
        tmp_path,
        {
            "provider": "acme",
            "models": [{"id": "m", "prices": [tokens(input="2.4")]}, {"id": "new", "prices": [tokens(input="1")]}],
        },
        "negotiated.json",
    )
    table = PriceTable.load([base, override], bundled=False)
    assert table.price(Usage(input=10**6), provider="acme", model="m-2025-01-01").total_usd == Decimal("2.4")
    assert table.price(Usage(input=10**6), provider="acme", model="new").total_usd == Decimal(1)
    assert table.version.startswith("a.json:")
    assert "+negotiated.json:" in table.version


@pytest.mark.parametrize(
    ("models", "where", "problem"),
    [
        (
            [{"id": "m", "prices": [tokens(input=2.5)]}],
            "models[0] (m).prices[0].usd_per_million_tokens.input",
            'prices are decimal strings such as "2.5", found 2.5',
        ),
        (
            [{"id": "m", "prices": [tokens(input="1e-6")]}],
            "models[0] (m).prices[0].usd_per_million_tokens.input",
            "'1e-6' is not a decimal string",
        ),
        (
            [{"id": "m", "prices": [tokens(inptu="1")]}],
            "models[0] (m).prices[0].usd_per_million_tokens",
            "unknown unit 'inptu'",
        ),
        ([{"id": "M", "prices": [tokens(input="1")]}], "models[0].id", "'M' is not a lowercase model id"),
        ([{"id": "m"}], "models[0] (m)", "give exactly one of prices, alias, inherit, not_priced; found none"),
        (
            [{"id": "m", "prices": [{"from": "2025-02-30", **tokens(input="1")}]}],
            "models[0] (m).prices[0].from",
            "'2025-02-30' is not a real date",
        ),
        (
            [
                {
                    "id": "m",
                    "prices": [
                        {"from": "2025-02-01", **tokens(input="1")},
                        {"from": "2025-01-01", **tokens(input="2")},
                    ],
                }
            ],
            "models[0] (m).prices[1].from",
            "periods must be in ascending order of date",
        ),
        (
            [
                {"id": "m", "prices": [tokens(input="1")]},
                {"id": "n", "match": {"ids": ["m"]}, "prices": [tokens(input="1")]},
            ],
            "models[1] (n)",
            "'m' is already an id of 'm'",
        ),
        (
            [{"id": "m", "prices": [{"variants": [{"name": "b", "when": {"batch": True}}], **tokens(input="1")}]}],
            "models[0] (m).prices[0].variants[0]",
            "give either a multiplier or unit prices",
        ),
        (
            [{"id": "m", "source": "nowhere", "prices": [tokens(input="1")]}],
            "models[0] (m).source",
            "'nowhere' is not a key of the file's sources",
        ),
        (
            [
                {"id": "a", "match": {"patterns": ["fam-.*"], "examples": ["fam-1"]}, "prices": [tokens(input="1")]},
                {
                    "id": "b",
                    "match": {"patterns": ["fam-[0-9]+"], "examples": ["fam-2"]},
                    "prices": [tokens(input="1")],
                },
            ],
            "entry 'b'",
            "its pattern 'fam-[0-9]+' also matches 'fam-1', an example of 'a'; two patterns must not claim one id",
        ),
    ],
)
def test_a_bad_file_names_the_file_the_entry_and_the_problem(
    tmp_path: Path, models: list[dict[str, Any]], where: str, problem: str
) -> None:
    path = write(tmp_path, {"provider": "acme", "sources": SOURCES, "models": models})
    with pytest.raises(PriceFileError) as caught:
        PriceTable.load([path], bundled=False)
    assert caught.value.path == str(path)
    assert caught.value.where == where
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{path}: {where}: ")


def test_an_alias_or_inherit_to_a_missing_entry_is_a_load_error(tmp_path: Path) -> None:
    path = write(tmp_path, {"provider": "acme", "sources": SOURCES, "models": [{"id": "m", "inherit": "other/x"}]})
    with pytest.raises(PriceFileError, match=r"entry 'm': it refers to other/x, which no price file has"):
        PriceTable.load([path], bundled=False)
    path = write(
        tmp_path,
        {
            "provider": "acme",
            "sources": SOURCES,
            "models": [{"id": "m", "alias": [{"from": "2025-01-01", "to": "gone"}]}],
        },
    )
    with pytest.raises(PriceFileError, match=r"entry 'm': it refers to acme/gone, which no price file has"):
        PriceTable.load([path], bundled=False)


def test_unreadable_and_non_json_files_are_clear_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(PriceFileError, match=r"missing\.json: cannot read the file"):
        PriceTable.load([missing], bundled=False)
    broken = tmp_path / "broken.json"
    broken.write_text('{"provider": "acme",\n "models": [}', encoding="utf-8")
    with pytest.raises(PriceFileError, match=r"broken\.json: line 2 column 13: not valid JSON"):
        PriceTable.load([broken], bundled=False)


def test_usage_from_totals_rejects_parts_larger_than_totals() -> None:
    with pytest.raises(ValueError, match=r"exceed input_tokens \(10\)"):
        Usage.from_totals(input_tokens=10, cache_read_tokens=11)
    with pytest.raises(ValueError, match=r"exceed output_tokens \(5\)"):
        Usage.from_totals(output_tokens=5, reasoning_tokens=6)
    with pytest.raises(ValueError, match="cannot be negative"):
        Usage.from_totals(input_tokens=-1)
    usage = Usage.from_totals(input_tokens=100, cache_read_tokens=20, cache_write_tokens=30, cache_write_1h_tokens=10)
    assert (usage.input, usage.cache_read, usage.cache_write, usage.cache_write_1h) == (50, 20, 20, 10)
    assert usage.input_tokens == 100
