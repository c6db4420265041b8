"""The processor's quick pricing (a `Quote` per plan and tier) against pricing's own `Cost`, on random usages.

The processor prices most calls without building a `Cost`; the amount it writes on the span and the `Decimal` it
sums into the cost counter must be those of `PriceTable.price` (which computes through `pricing.compute`) to
the last digit, for any token counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_llmcost import CostSpanProcessor
from otel_llmcost.pricing import Cost, RequestContext, Usage, default_table
from otel_llmcost.processor import _pricer, _processor, _quote
from otel_llmcost.usage import (
    COST_BUCKETS,
    TOKEN_TOTALS,
    TOKEN_UNITS,
    TOKENS_ONLY,
    GenAICall,
    _read,
    read_call,
    read_tokens,
    token_call,
    tokens_usage,
    usage_attributes,
)

EXAMPLES = settings(
    max_examples=300, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
START = int(datetime(2026, 12, 1, 12, tzinfo=timezone.utc).timestamp()) * 10**9
# Models of several price shapes: cache writes of two lifetimes and a long-context tier (Anthropic), cache reads
# at a tenth (OpenAI), tiers and thinking (Gemini), audio and image tokens, a batch and a flex tier.
MODELS = [
    ("anthropic", "claude-sonnet-4-5-20250929"),
    ("anthropic", "claude-haiku-4-5"),
    ("openai", "gpt-4o-mini-2024-07-18"),
    ("openai", "gpt-5"),
    ("openai", "gpt-4o-realtime-preview"),
    ("gcp.gemini", "gemini-2.5-pro"),
    ("gcp.gemini", "gemini-2.5-flash"),
    ("deepseek", "deepseek-chat"),
]
CONTEXTS = [RequestContext(), RequestContext(batch=True), RequestContext(service_tier="flex")]
counts = st.one_of(st.just(0), st.integers(1, 2_000), st.integers(0, 3_000_000))


@st.composite
def usages(draw: st.DrawFn) -> Usage:
    """Any token usage, bucket by bucket (the buckets are disjoint, so any counts are a valid usage)."""
    return Usage(*(draw(counts) for _ in range(11)))


@pytest.fixture(scope="module")
def quotes() -> Iterator[dict[str, int]]:
    """How often a quote priced a call, and how often it left the call to a `Cost`."""
    found = {"priced": 0, "declined": 0}
    price = _quote.Quote.price

    def counted(self: _quote.Quote, usage: Usage, status: str, provider: str, model: str) -> _quote.PricedCall | None:
        result = price(self, usage, status, provider, model)
        found["priced" if result is not None else "declined"] += 1
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_quote.Quote, "price", counted)
        yield found


def bucket_totals(cost: Cost) -> dict[str, float]:
    """The ``llmcost.cost.*`` attributes of ``cost``: its breakdown summed by bucket in exact decimals, then floats."""
    sums: dict[str, Decimal] = {}
    for unit, amount in cost.breakdown_usd.items():
        bucket = COST_BUCKETS[unit]
        sums[bucket] = sums.get(bucket, Decimal(0)) + amount
    return {bucket: float(amount) for bucket, amount in sums.items()}


@EXAMPLES
@given(usage=usages(), model=st.sampled_from(MODELS), context=st.sampled_from(CONTEXTS))
def test_the_quick_path_writes_exactly_what_compute_gives(
    quotes: dict[str, int], usage: Usage, model: tuple[str, str], context: RequestContext
) -> None:
    provider, name = model
    table = default_table()
    pricer = _pricer.Pricer(table, cost_aliases=("gen_ai.usage.cost", "operation.cost"))
    before = quotes["priced"]
    priced = pricer.price(GenAICall("chat", provider, name, None, None, usage, "reported", context), START)
    cost = table.price(
        usage, provider=provider, model=name, at=datetime.fromtimestamp(START / 1e9, timezone.utc), context=context
    )
    if cost.total_usd is None:
        # A unit the model has no price for: both say so.
        assert priced.amount_usd is None
        assert priced.reason == cost.reason
        return
    assert quotes["priced"] == before + 1, "a call of tokens only takes the quick path"
    assert priced.amount_usd == cost.total_usd
    assert str(priced.amount_usd) == str(cost.total_usd)  # the same exponent, too: it reads the same
    attributes = priced.attributes
    total = float(cost.total_usd)
    assert attributes["gen_ai.usage.cost.amount"] == total
    assert attributes["gen_ai.usage.cost"] == total
    assert attributes["operation.cost"] == total
    assert {key: value for key, value in attributes.items() if key.startswith("llmcost.cost.")} == bucket_totals(cost)


def exported(attributes: dict[str, object]) -> dict[str, object]:
    """The attributes a span with ``attributes`` is exported with, through a processor of its own."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(CostSpanProcessor(SimpleSpanProcessor(exporter), meter_provider=MeterProvider()))
    provider.get_tracer("t").start_span("chat", attributes=attributes).end()  # pyright: ignore[reportArgumentType]
    (span,) = exporter.get_finished_spans()
    return dict(span.attributes or {})


# The Anthropic SDK's own span for a call with both cache lifetimes.
SONNET_SPAN: dict[str, object] = {
    "gen_ai.provider.name": "anthropic",
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "claude-sonnet-4-5",
    "gen_ai.response.model": "claude-sonnet-4-5-20250929",
    "gen_ai.response.id": "msg_01Q8rN6bVtYkXh3mJp2wLsDc",
    "gen_ai.usage.input_tokens": 13852,
    "gen_ai.usage.cache_write.input_tokens": 3200,
    "gen_ai.usage.cache_read.input_tokens": 10240,
    "anthropic.usage.cache_creation.ephemeral_5m_input_tokens": 2048,
    "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": 1152,
    "anthropic.response.service_tier": "standard",
    "gen_ai.usage.output_tokens": 523,
}


def test_the_quick_path_prices_the_anthropic_sdk_span_by_hand() -> None:
    """The Anthropic SDK's own span for a call with both cache lifetimes, through the processor."""
    written = exported(SONNET_SPAN)
    # 13852 - 10240 - 3200 = 412 plain input tokens; sonnet 4.5: $3 input, $0.30 cache read, $3.75 5-minute
    # cache write, $6 1-hour cache write, $15 output, per million.
    assert written["llmcost.cost.input"] == 412 * 3.00 / 1e6
    assert written["llmcost.cost.cache_read"] == 10240 * 0.30 / 1e6
    assert written["llmcost.cost.cache_write"] == float(Decimal("2048") * Decimal("3.75e-6") + 1152 * Decimal("6e-6"))
    assert written["llmcost.cost.output"] == 523 * 15.00 / 1e6
    # 0.001236 + 0.003072 + 0.00768 + 0.006912 + 0.007845
    assert written["gen_ai.usage.cost.amount"] == 0.026745


totals = st.lists(st.integers(0, 5_000), min_size=len(TOKEN_TOTALS), max_size=len(TOKEN_TOTALS))


@EXAMPLES
@given(values=totals, total=st.one_of(st.just(0), st.integers(0, 30_000)))
def test_the_quick_reader_builds_what_from_reported_builds(values: list[int], total: int) -> None:
    """The readers' quick path (`tokens_usage`, by position) follows `Usage.from_reported`'s rules exactly, its
    ``total_tokens`` hint included (`total` is often a sum that makes it fold a part in)."""
    named = dict(zip(TOKEN_TOTALS, values, strict=True))
    if total % 3 == 1:
        total = values[0] + values[1] + values[8]  # input + output + reasoning: the reasoning was beside the output
    elif total % 3 == 2:
        total = sum(values[:4])  # input + output + cache reads and writes: the cache was beside the input
    try:
        expected: Usage | str = Usage.from_reported(**named, total_tokens=total)  # pyright: ignore[reportArgumentType]
    except ValueError as error:
        expected = str(error)
    try:
        found: Usage | str = tokens_usage(values, total)
    except ValueError as error:
        found = str(error)
    assert found == expected
    if isinstance(found, Usage):
        assert type(found) is Usage
        assert found == Usage(*found)


@pytest.mark.parametrize(
    ("counts", "total", "expected"),
    [
        # Gemini through an OpenAI-compatible API: 30 reasoning tokens beside an output of 50 (100 + 50 + 30).
        ((100, 50, 0, 0, 0, 0, 0, 0, 30, 0, 0), 180, Usage(input=100, output=50, reasoning=30)),
        # The same counts without the hint: the 30 are inside the 50, as OpenAI counts them.
        ((100, 50, 0, 0, 0, 0, 0, 0, 30, 0, 0), 0, Usage(input=100, output=20, reasoning=30)),
        # DeepSeek: 40 cache hits beside 100 input tokens (100 + 40 + 10).
        ((100, 10, 40, 0, 0, 0, 0, 0, 0, 0, 0), 150, Usage(input=100, cache_read=40, output=10)),
        # A total that is neither sum is only a hint: the 40 are inside the 100.
        ((100, 10, 40, 0, 0, 0, 0, 0, 0, 0, 0), 110, Usage(input=60, cache_read=40, output=10)),
    ],
)
def test_the_quick_reader_takes_the_total_as_a_hint(counts: tuple[int, ...], total: int, expected: Usage) -> None:
    assert tokens_usage(counts, total) == expected
    named = dict(zip(TOKEN_TOTALS, counts, strict=True))
    assert Usage.from_reported(**named, total_tokens=total) == expected  # pyright: ignore[reportArgumentType]


def test_a_quote_tells_a_usage_of_tokens_only_as_beyond_tokens_does() -> None:
    """The quote's one comparison (against `TOKENS_ONLY`) agrees with `Usage.beyond_tokens` for every field after
    the tokens, those added later included."""
    tokens_only = Usage(input=10, output=5)
    assert not tokens_only.beyond_tokens()
    assert tokens_only[len(TOKEN_UNITS) :] == TOKENS_ONLY
    fields = Usage._fields[len(TOKEN_UNITS) :]
    assert fields, "a Usage has fields after its tokens"
    for field in fields:
        default = Usage._field_defaults[field]
        value = {int: 3, Decimal: Decimal("1.5"), tuple: (("1024x1024", 2),)}[type(default)]
        usage = tokens_only._replace(**{field: value})
        assert usage.beyond_tokens(), field
        assert usage[len(TOKEN_UNITS) :] != TOKENS_ONLY, field


def test_the_anthropic_sdk_span_takes_the_quick_reader() -> None:
    """The Anthropic SDK's span shape (both cache lifetimes and their sum) is read by position, to the same usage."""
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.usage.input_tokens": 13852,
        "gen_ai.usage.cache_write.input_tokens": 3200,
        "gen_ai.usage.cache_read.input_tokens": 10240,
        "anthropic.usage.cache_creation.ephemeral_5m_input_tokens": 2048,
        "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": 1152,
        "gen_ai.usage.output_tokens": 523,
    }
    shape = _read._new_shape(tuple(attributes))  # pyright: ignore[reportPrivateUsage]
    assert shape.tokens is not None
    # 13852 - 10240 - 3200 = 412 plain input; 3200 - 1152 = 2048 5-minute writes.
    expected = Usage(input=412, cache_read=10240, cache_write=2048, cache_write_1h=1152, output=523)
    assert read_call(attributes).usage == expected


@pytest.mark.parametrize("above", [0, 1], ids=["at-the-threshold", "one-above"])
def test_a_tiered_model_s_base_prices_stop_at_its_lowest_threshold(above: int) -> None:
    """The quote of the base prices is taken without working out the tier only up to the lowest threshold."""
    table = default_table()
    pricer = _pricer.Pricer(table)
    # claude-sonnet-4-5: $3 / $15 per million up to 200,000 input tokens, $6 / $22.50 above.
    usage = Usage(input=200_000 - 1000 + above, cache_read=1000, output=100)
    call = GenAICall("chat", "anthropic", "claude-sonnet-4-5-20250929", None, None, usage, "reported", RequestContext())
    priced = pricer.price(call, START)
    if above:
        # (199_001 * 6.00 + 1000 * 0.60 + 100 * 22.50) / 1e6
        assert priced.amount_usd == Decimal("1.196856")
    else:
        # (199_000 * 3.00 + 1000 * 0.30 + 100 * 15.00) / 1e6
        assert priced.amount_usd == Decimal("0.598800")


def _through_a_processor(
    attributes: dict[str, object], parent: bool, start: int = START
) -> tuple[dict[str, object], object]:
    """The attributes ``attributes``'s span, started at ``start``, is exported with, and the processor's totals."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    processor = CostSpanProcessor(SimpleSpanProcessor(exporter), meter_provider=MeterProvider(), batched=False)
    provider.add_span_processor(processor)
    tracer = provider.get_tracer("t")
    if parent:
        with tracer.start_as_current_span("agent step"):
            tracer.start_span("chat", attributes=attributes, start_time=start).end()  # pyright: ignore[reportArgumentType]
    else:
        tracer.start_span("chat", attributes=attributes, start_time=start).end()  # pyright: ignore[reportArgumentType]
    spans: dict[str, dict[str, object]] = {
        span.name: dict(span.attributes or {}) for span in exporter.get_finished_spans()
    }
    if parent:
        assert spans["agent step"].get("llmcost.subtree.cost") == spans["chat"].get("gen_ai.usage.cost.amount")
    return spans["chat"], processor.totals()


@EXAMPLES
@given(
    usage=usages(),
    model=st.sampled_from([*MODELS, ("openai", "gpt-unknown-1"), ("deepseek", "deepseek-v4-flash")]),
    tier=st.sampled_from([None, "flex", "batch", "priority", "default"]),
    parent=st.booleans(),
    hour=st.integers(0, 23),  # DeepSeek V4 Flash: peak 01:00-04:00 and 06:00-10:00 UTC, on 2026-12-01 a Tuesday
)
def test_the_usual_span_is_priced_as_any_span_is(
    usage: Usage, model: tuple[str, str], tier: str | None, parent: bool, hour: int
) -> None:
    """The processor prices the usual span from `read_tokens` straight into its copy; with that path shut, the same
    span goes through `read_call` and `Pricer.price`: the two write the same attributes in the same order, and add
    the same to the totals (unknown models, service tiers, DeepSeek's peak and off-peak hours and roll-ups
    included)."""
    provider, name = model
    attributes: dict[str, object] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": name,
        "gen_ai.response.id": "resp-1",
        **usage_attributes(usage),
    }
    if tier is not None:
        attributes["openai.response.service_tier"] = tier
    read = read_call
    general_reads: list[object] = []

    def counted(*arguments: object) -> GenAICall:
        general_reads.append(arguments)
        return read(*arguments)  # pyright: ignore[reportArgumentType]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_processor, "read_call", counted)
        quick = _through_a_processor(attributes, parent, START + hour * 3600 * 10**9)
    if quick[0]["llmcost.status"] == "priced":
        assert not general_reads, "a priced call of tokens only takes the quick path"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_processor, "read_tokens", lambda attributes: None)  # pyright: ignore[reportUnknownLambdaType]
        general = _through_a_processor(attributes, parent, START + hour * 3600 * 10**9)
    assert list(quick[0].items()) == list(general[0].items())
    assert quick[1] == general[1]


def test_the_usual_span_is_priced_without_a_genai_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Anthropic SDK's own span takes the processor's quick path: it builds no `GenAICall`."""

    def refused(*_: object) -> GenAICall:
        raise AssertionError("the usual span went through read_call")

    monkeypatch.setattr(_processor, "read_call", refused)
    attributes = {
        **{key: value for key, value in SONNET_SPAN.items() if not key.startswith(("gen_ai.usage", "anthropic."))},
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 300,
    }
    # (1200 x $3 + 300 x $15) per million
    assert exported(attributes)["gen_ai.usage.cost.amount"] == 0.0081


def test_a_model_the_table_does_not_know_is_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one pass hands the unpriced plan it found on to `Pricer.price`, which explains it without a second
    look-up."""
    lookup = _pricer.Pricer._lookup  # pyright: ignore[reportPrivateUsage]
    looked_up: list[str | None] = []

    def counted(self: _pricer.Pricer, *args: object) -> object:
        looked_up.append(args[3])  # pyright: ignore[reportArgumentType] - the response model
        return lookup(self, *args)  # pyright: ignore[reportArgumentType]

    monkeypatch.setattr(_pricer.Pricer, "_lookup", counted)
    attributes = {
        **SONNET_SPAN,
        "gen_ai.request.model": "claude-unreleased-9",
        "gen_ai.response.model": "claude-unreleased-9-20270101",
    }
    found = exported(attributes)
    assert looked_up == ["claude-unreleased-9-20270101"]
    assert found["llmcost.status"] == "unpriced"
    assert found["llmcost.reason"] == "unknown_model"
    assert "gen_ai.usage.cost.amount" not in found


@EXAMPLES
@given(
    usage=usages(),
    texts=st.fixed_dictionaries(
        {},
        optional={
            "gen_ai.provider.name": st.sampled_from(["openai", "anthropic", ""]),
            "gen_ai.request.model": st.sampled_from(["gpt-4o-mini", "claude-sonnet-4-5", ""]),
            "gen_ai.response.model": st.sampled_from(["gpt-4o-mini-2024-07-18", ""]),
            "gen_ai.response.id": st.sampled_from(["chatcmpl-1", ""]),
            "error.type": st.sampled_from(["timeout", ""]),
            "openai.response.service_tier": st.sampled_from(["flex", "Batch", "default", ""]),
        },
    ),
)
def test_a_call_read_by_read_tokens_is_the_one_read_call_reads(usage: Usage, texts: dict[str, str]) -> None:
    """When the processor cannot price the usual span in one pass, it builds the span's `GenAICall` from what
    `read_tokens` read (`token_call`) rather than reading the span again: the same call `read_call` reads."""
    attributes = {"gen_ai.operation.name": "chat", **texts, **usage_attributes(usage)}
    read = read_tokens(attributes)
    assert read is not None
    assert token_call(read, "chat") == read_call(attributes, "chat")
