"""The bundled price table: its invariants over every entry, its coverage, and matching on real ids."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from otel_llmcost.pricing import PriceTable, RequestContext, Usage
from otel_llmcost.pricing._load import read_provider_file
from otel_llmcost.pricing._model import Entry, Period
from otel_llmcost.pricing._table import bundled_pricing_dir

PRICING = bundled_pricing_dir()
FILES = sorted((PRICING / "providers").glob("*.json"))
TODAY = date(2026, 12, 7)
REQUIRED_PROVIDERS = {
    "openai",
    "azure.ai.openai",
    "anthropic",
    "aws.bedrock",
    "gcp.gemini",
    "gcp.vertex_ai",
    "mistral_ai",
    "cohere",
    "groq",
    "deepseek",
    "x_ai",
    "perplexity",
    "together_ai",
    "fireworks_ai",
    "voyage_ai",
    "ollama",
    "vllm",
    "lm_studio",
}
# The providers issue 15 named; NEW_PROVIDERS adds the others it brought.
ISSUE_15_PROVIDERS = {
    "openrouter",
    "cerebras",
    "sambanova",
    "deepinfra",
    "novita",
    "hyperbolic",
    "nebius",
    "cloudflare",
    "databricks",
    "ibm.watsonx.ai",
    "moonshot_ai",
    "z_ai",
    "alibaba_cloud",
    "minimax",
    "ai21",
    "huggingface",
    "replicate",
    "baseten",
    "ovhcloud",
    "scaleway",
    "jina_ai",
    "azure.ai.inference",
    "nvidia_nim",
}
REQUIRED_PROVIDERS |= ISSUE_15_PROVIDERS
NEW_PROVIDERS = ISSUE_15_PROVIDERS | {
    "arcee",
    "avian",
    "modal",
    "lambda_ai",
    "nscale",
    "friendliai",
    "snowflake",
    "oci",
    "gmi",
    "volcengine",
    "wandb",
    "crusoe",
}
ANTHROPIC_CACHE_RULE = {"anthropic"}
CACHE_RULE_EXCEPTIONS = {"anthropic/claude-3-haiku"}  # Anthropic lists a $0.30 write on a $0.25 input (1.2x)


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load()


def all_entries(table: PriceTable) -> list[Entry]:
    return [entry for provider in table.providers for entry in table.entries(provider)]


def periods(table: PriceTable) -> list[tuple[Entry, Period]]:
    return [(entry, period) for entry in all_entries(table) for period in entry.periods]


def test_every_file_follows_the_schema() -> None:
    schema = json.loads((PRICING / "schema.json").read_text(encoding="utf-8"))
    for path in FILES:
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), schema)


def test_every_file_is_named_for_its_provider_and_loads_strictly() -> None:
    for path in FILES:
        assert read_provider_file(path, strict=True).provider == path.stem


def test_the_table_covers_every_provider_it_promises(table: PriceTable) -> None:
    assert set(table.providers) >= REQUIRED_PROVIDERS


def test_the_table_is_wide_and_every_priced_entry_has_a_source_url_and_a_date() -> None:
    providers: set[str] = set()
    priced = 0
    for path in FILES:
        document = json.loads(path.read_text(encoding="utf-8"))
        sources = document["sources"]
        for model in document["models"]:
            if "prices" not in model:
                continue
            where = f"{path.name}: {model['id']}"
            assert sources[model["source"]]["url"].startswith("https://"), where
            assert model["source_kind"] in {"vendor", "quoted", "table"}, where
            first = model["prices"][0]
            # the date the price took effect: the first period's `from`, or for a price in force since the
            # model's launch (the older entries), the day its source was checked
            assert date.fromisoformat(first.get("from") or sources[model["source"]]["checked"]) <= TODAY, where
            priced += 1
            providers.add(document["provider"])
    assert len(providers) >= 40
    assert priced >= 1500


def test_entries_of_new_providers_say_when_their_price_took_effect() -> None:
    for path in FILES:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document["provider"] not in NEW_PROVIDERS:
            continue
        for model in document["models"]:
            if "prices" not in model:
                continue
            where = f"{path.name}: {model['id']}"
            assert all("from" in period for period in model["prices"][1:]), where
            # an open start only where the source says the price is older than its record of it
            if "from" not in model["prices"][0]:
                assert "has no `from`" in document["sources"][model["source"]].get("note", ""), where


# Files whose open starts still rely on the README's convention alone (a first period without `from` is in force
# since the model's launch) and carry no note yet; each leaves this set when its entries are dated or explained.
OPEN_STARTS_BY_CONVENTION: set[str] = set()


def _open_start_unexplained(document: dict[str, Any], model: dict[str, Any]) -> bool:
    first = model["prices"][0]
    if "from" in first:
        return False
    notes = (model.get("note", ""), first.get("note", ""), document["sources"][model["source"]].get("note", ""))
    return not any("no `from`" in note.lower() for note in notes)


def test_every_priced_entry_has_the_date_its_price_took_effect_or_a_note_that_says_why_not() -> None:
    unexplained: dict[str, int] = {}
    for path in FILES:
        document = json.loads(path.read_text(encoding="utf-8"))
        for model in document["models"]:
            if "prices" not in model:
                continue
            where = f"{path.name}: {model['id']}"
            assert all("from" in period for period in model["prices"][1:]), where
            if _open_start_unexplained(document, model):
                assert document["provider"] in OPEN_STARTS_BY_CONVENTION, f"{where}: no `from` and no note saying why"
                unexplained[document["provider"]] = unexplained.get(document["provider"], 0) + 1
    # the exemption stays honest: a file whose open starts are all dated or explained leaves the set
    assert set(unexplained) == OPEN_STARTS_BY_CONVENTION


def test_an_entry_dated_by_its_launch_prices_from_that_day_and_not_before(table: PriceTable) -> None:
    usage = Usage(input=1_000_000)
    # voyage-3: released 2024-09-18 at $0.06 per million tokens
    assert table.price(usage, provider="voyage_ai", model="voyage-3", at=date(2024, 9, 18)).total_usd == Decimal("0.06")
    before = table.price(usage, provider="voyage_ai", model="voyage-3", at=date(2024, 9, 17))
    assert (before.status, before.total_usd) == ("unpriced", None)  # the model did not exist yet


def test_the_docs_count_the_entries_by_the_kind_of_their_source() -> None:
    # pricing/README.md says how many priced entries come from the vendor's own page; it must stay true
    counts = {"vendor": 0, "quoted": 0, "table": 0}
    for path in FILES:
        for model in json.loads(path.read_text(encoding="utf-8"))["models"]:
            if "prices" in model:
                counts[model["source_kind"]] += 1
    readme = " ".join((PRICING / "README.md").read_text(encoding="utf-8").split())
    stated = {
        "vendor": re.search(r"\*\*([0-9,]+) priced entries come from the vendor's own page\*\*", readme),
        "quoted": re.search(r"([0-9,]+) from third-party pages quoting the vendor's price", readme),
        "table": re.search(r"the other ([0-9,]+) come from genai-prices or LiteLLM only", readme),
    }
    assert {kind: int(found.group(1).replace(",", "")) if found else None for kind, found in stated.items()} == counts


def test_no_price_takes_effect_on_the_day_the_table_was_made_unless_its_source_says_so() -> None:
    # A period dated the table's VERSION day leaves every earlier call unpriced: only a price the vendor changed
    # that very day may carry it, and its note says so.
    version_day = (PRICING / "VERSION").read_text(encoding="utf-8").strip().replace(".", "-")
    for path in FILES:
        for model in json.loads(path.read_text(encoding="utf-8"))["models"]:
            for period in model.get("prices", []):
                if period.get("from") == version_day:
                    assert f"took effect on {version_day}" in period.get("note", ""), f"{path.name}: {model['id']}"


def test_the_table_has_a_version() -> None:
    version = (PRICING / "VERSION").read_text(encoding="utf-8").strip()
    assert PriceTable.load().version == version


def test_sources_were_checked_and_no_later_than_today() -> None:
    for path in FILES:
        document = json.loads(path.read_text(encoding="utf-8"))
        for name, source in document["sources"].items():
            checked = date.fromisoformat(source["checked"])
            assert date(2024, 1, 1) <= checked <= TODAY, f"{path.name}: source {name}"


def test_no_price_is_negative_or_absurd(table: PriceTable) -> None:
    for entry, period in periods(table):
        prices = period.prices
        # Per million characters too: text to speech costs $100 per million (ElevenLabs Multilingual v2).
        token_maps = [
            prices.per_million_tokens,
            prices.per_million_characters,
            *(tier.per_million_tokens for tier in period.tiers),
        ]
        for tokens in token_maps:
            for unit, price in tokens.items():
                assert Decimal(0) <= price < Decimal(1000), f"{entry.key} {unit} {price}"
        for unit_map in (prices.per_minute, prices.per_hour, prices.per_image, prices.per_request):
            for unit, price in unit_map.items():
                assert Decimal(0) <= price < Decimal(100), f"{entry.key} {unit} {price}"


def test_cache_reads_are_cheaper_than_input(table: PriceTable) -> None:
    for entry, period in periods(table):
        for tokens in (period.prices.per_million_tokens, *(tier.per_million_tokens for tier in period.tiers)):
            if "cache_read" in tokens and "input" in tokens and tokens["input"]:
                assert tokens["cache_read"] < tokens["input"], entry.key


def test_anthropic_cache_writes_are_1_25x_and_2x_input(table: PriceTable) -> None:
    for entry, period in periods(table):
        if entry.provider not in ANTHROPIC_CACHE_RULE or entry.key in CACHE_RULE_EXCEPTIONS:
            continue
        for tokens in (period.prices.per_million_tokens, *(tier.per_million_tokens for tier in period.tiers)):
            if "cache_write" in tokens:
                assert tokens["cache_write"] == tokens["input"] * Decimal("1.25"), entry.key
            if "cache_write_1h" in tokens:
                assert tokens["cache_write_1h"] == tokens["input"] * 2, entry.key


def test_tier_prices_are_higher_than_base_prices(table: PriceTable) -> None:
    for entry, period in periods(table):
        for tier in period.tiers:
            for unit, price in tier.per_million_tokens.items():
                base = period.prices.per_million_tokens.get(unit)
                assert base is None or price >= base, f"{entry.key} {unit}"


def test_every_example_resolves_to_its_entry(table: PriceTable) -> None:
    checked = 0
    for entry in all_entries(table):
        for example in entry.examples:
            found = table.match(entry.provider, example)
            assert found.entry is not None, f"{entry.key}: example {example!r} matches nothing"
            assert found.entry.key == entry.key, f"{example!r} matched {found.entry.key}, not {entry.key}"
            checked += 1
    assert checked > 300


def test_every_entry_prices_a_call_today_or_says_why(table: PriceTable) -> None:
    usage = Usage(input=1000, output=100)
    for entry in all_entries(table):
        cost = table.price(usage, provider=entry.provider, model=entry.id, at=TODAY)
        if cost.status == "unpriced":
            assert cost.reason in {"not_priced", "missing_price"}, f"{entry.key}: {cost.detail}"
        else:
            assert cost.total_usd is not None
            assert cost.total_usd >= 0


def test_a_dated_suffix_on_any_id_resolves_to_the_same_entry(table: PriceTable) -> None:
    for entry in all_entries(table):
        if not entry.snapshots or entry.patterns:
            continue
        for model_id in (entry.id, *entry.ids):
            found = table.match(entry.provider, f"{model_id}-20990101")
            assert found.entry is not None
            assert found.entry.key == entry.key, f"{model_id}-20990101 matched {found.entry.key}"


@pytest.mark.parametrize(
    ("provider", "model", "entry"),
    [
        ("openai", "gpt-4o-2024-08-06", "openai/gpt-4o"),
        ("openai", "openai/gpt-4o-mini", "openai/gpt-4o-mini"),
        ("OpenAI", "gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini"),
        ("anthropic", "claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4-5"),
        ("aws.bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws.bedrock/anthropic.claude-sonnet-4-5"),
        ("aws.bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0", "aws.bedrock/anthropic.claude-3-5-haiku"),
        ("gcp.vertex_ai", "claude-sonnet-4-5@20250929", "gcp.vertex_ai/claude-sonnet-4-5"),
        ("azure.ai.openai", "gpt-4o-2024-08-06", "azure.ai.openai/gpt-4o"),
        ("gcp.gemini", "models/gemini-2.5-pro", "gcp.gemini/gemini-2.5-pro"),
        ("gemini", "gemini-2.5-flash", "gcp.gemini/gemini-2.5-flash"),
    ],
)
def test_real_ids_price_with_the_right_entry(table: PriceTable, provider: str, model: str, entry: str) -> None:
    cost = table.price(Usage(input=1000, output=100), provider=provider, model=model, at=TODAY)
    assert cost.status == "priced", cost.detail
    assert cost.entry == entry


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("openai", "gpt-4o-mini-x"),
        ("openai", "gpt-5o"),
        ("openai", "my-gpt-4o"),
        ("anthropic", "claude-sonnet-4-5-turbo"),
        ("anthropic", "claude-sonnet"),
        ("aws.bedrock", "anthropic.claude-sonnet-4-5-custom"),
        ("gcp.gemini", "gemini-2.5-pro-ultra"),
        ("openai", "ft:gpt-4o-2099-01-01:org::abc"),
    ],
)
def test_look_alike_names_stay_unpriced(table: PriceTable, provider: str, model: str) -> None:
    cost = table.price(Usage(input=1000, output=100), provider=provider, model=model, at=TODAY)
    assert (cost.status, cost.reason) == ("unpriced", "unknown_model")


def test_known_prices_to_the_cent(table: PriceTable) -> None:
    million = Usage(input=10**6, output=10**6)
    assert table.price(million, provider="openai", model="gpt-4o", at=TODAY).total_usd == Decimal("12.5")
    assert table.price(million, provider="openai", model="gpt-4o-2024-05-13", at=TODAY).total_usd == Decimal(20)
    assert table.price(million, provider="anthropic", model="claude-3-5-haiku-20241022", at=TODAY).total_usd == Decimal(
        "4.8"
    )
    short = Usage(input=100_000, output=100_000)  # under the 200k long-context threshold: $3 / $15
    assert table.price(short, provider="anthropic", model="claude-sonnet-4-5", at=TODAY).total_usd == Decimal("1.8")
    batch = RequestContext(batch=True)
    half = table.price(short, provider="anthropic", model="claude-sonnet-4-5", at=TODAY, context=batch)
    assert (half.total_usd, half.variants) == (Decimal("0.9"), ("batch",))


def test_fireworks_prices_deepseek_v3_1_cached_input_at_its_pages_rate(table: PriceTable) -> None:
    # Fireworks' serverless pricing page: the DeepSeek V3 family at $0.56 input, $0.28 cached input, $1.68 output
    usage = Usage(input=6_000, cache_read=4_000, output=1_000)  # disjoint buckets: 10,000 prompt tokens, 4,000 cached
    cost = table.price(usage, provider="fireworks_ai", model="accounts/fireworks/models/deepseek-v3p1", at=TODAY)
    assert cost.status == "priced"
    # 6,000 x $0.56 + 4,000 x $0.28 + 1,000 x $1.68 per million
    assert cost.total_usd == Decimal("0.00616")


def test_long_context_moves_the_whole_request_on_gemini_2_5_pro(table: PriceTable) -> None:
    short = table.price(Usage(input=200_000, output=1000), provider="gcp.gemini", model="gemini-2.5-pro", at=TODAY)
    long = table.price(Usage(input=200_001, output=1000), provider="gcp.gemini", model="gemini-2.5-pro", at=TODAY)
    assert short.tier is None
    assert long.tier == "above_200000_input_tokens"
    assert short.total_usd == Decimal("0.26")  # 200k x $1.25 + 1k x $10 per million
    assert long.total_usd == Decimal("0.5150025")  # 200,001 x $2.50 + 1k x $15 per million


def test_fine_tunes_price_as_fine_tunes(table: PriceTable) -> None:
    cost = table.price(Usage(input=10**6), provider="openai", model="ft:gpt-4o-mini-2024-07-18:acme::9xYz", at=TODAY)
    assert cost.entry == "openai/ft:gpt-4o-mini-2024-07-18"
    assert cost.total_usd == Decimal("0.3")


def test_self_hosted_servers_are_not_priced_on_purpose(table: PriceTable) -> None:
    for provider in ("ollama", "vllm", "lm_studio"):
        cost = table.price(Usage(input=10), provider=provider, model="llama3.1:8b", at=TODAY)
        assert (cost.status, cost.reason) == ("unpriced", "not_priced")


def test_the_wheel_ships_the_table_and_loads_it_from_inside_the_package(tmp_path: Path) -> None:
    root = Path(__file__).parents[1]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(root),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("otel_llmcost-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    assert "otel_llmcost/_pricing_data/VERSION" in names
    assert {f"otel_llmcost/_pricing_data/providers/{path.name}" for path in FILES} <= names
    code = "from otel_llmcost.pricing._table import bundled_pricing_dir; print(bundled_pricing_dir())"
    found = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(tmp_path / "site")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == str(tmp_path / "site" / "otel_llmcost" / "_pricing_data")


def test_a_host_names_one_provider() -> None:
    owners: dict[str, str] = {}
    for path in FILES:
        document = json.loads(path.read_text(encoding="utf-8"))
        for host in document.get("hosts", []):
            assert owners.setdefault(host, document["provider"]) == document["provider"], host
    assert owners["api.cerebras.ai"] == "cerebras"
    assert owners["router.huggingface.co"] == "huggingface"
