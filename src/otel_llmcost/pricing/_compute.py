"""Usage x prices -> cost: tiers, variants and units, in exact decimals."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ._model import Cost, Period, RequestContext, UnitPrices, Variant
from ._usage import TOKEN_UNITS, Usage

__all__ = ["compute"]

_MILLION = Decimal(1_000_000)
_SIXTY = Decimal(60)


def _missing(entry: str, unit: str, version: str, matched: str, period: Period) -> Cost:
    return Cost(
        status="unpriced",
        table_version=version,
        entry=entry,
        matched_model=matched,
        effective_date=period.start,
        reason="missing_price",
        detail=f"no price for unit {unit} in {entry}",
    )


def compute(
    usage: Usage,
    period: Period,
    extra_variants: Sequence[Variant],
    context: RequestContext,
    region: str | None,
    *,
    entry: str,
    matched: str,
    version: str,
) -> Cost:
    """The cost of ``usage`` at the prices of ``period`` for the request ``context``.

    A unit with usage and no price makes the call unpriced (reason ``missing_price``), except reasoning
    tokens, which every vendor bills as output when it gives them no price of their own.
    """
    prices = period.prices
    tier_name: str | None = None
    total_input = usage.input_tokens
    for tier in period.tiers:
        if total_input > tier.above_input_tokens:
            prices = prices.replaced_by(UnitPrices(per_million_tokens=tier.per_million_tokens))
            tier_name = f"above_{tier.above_input_tokens}_input_tokens"
    applied: list[str] = []
    for variant in (*period.variants, *extra_variants):
        if variant.applies_to(context, region):
            applied.append(variant.name)
            prices = prices.replaced_by(variant.prices)
            if variant.multiplier is not None:
                prices = prices.scaled(variant.multiplier, variant.multiplier_units)

    breakdown: dict[str, Decimal] = {}
    tokens = prices.per_million_tokens
    for unit in TOKEN_UNITS:
        count = usage.tokens(unit)
        if not count:
            continue
        price = tokens.get(unit)
        if price is None and unit == "reasoning":
            price = tokens.get("output")
        if price is None:
            return _missing(entry, unit, version, matched, period)
        breakdown[unit] = count * price / _MILLION
    if usage.input_characters:
        price = prices.per_million_characters.get("input")
        if price is None:
            return _missing(entry, "input_characters", version, matched, period)
        breakdown["input_characters"] = usage.input_characters * price / _MILLION
    if usage.input_audio_seconds:
        price = prices.per_minute.get("input_audio")
        if price is None:
            return _missing(entry, "input_audio_seconds", version, matched, period)
        breakdown["input_audio_seconds"] = usage.input_audio_seconds * price / _SIXTY
    for key, count in usage.images:
        price = prices.per_image.get(key)
        if price is None and "/" in key:
            price = prices.per_image.get(key.split("/", 1)[0])
        if price is None:
            return _missing(entry, f"image {key}", version, matched, period)
        breakdown[f"image:{key}"] = count * price
    requests = dict(usage.requests)
    if "request" in prices.per_request:
        # A per-call fee: the priced span is the call, so it counts once unless the usage says otherwise.
        requests.setdefault("request", 1)
    for kind, count in sorted(requests.items()):
        price = prices.per_request.get(kind)
        if price is None:
            return _missing(entry, f"request {kind}", version, matched, period)
        breakdown[f"request:{kind}"] = count * price

    nonzero = {unit: amount for unit, amount in breakdown.items() if amount}
    return Cost(
        status="priced",
        table_version=version,
        total_usd=sum(nonzero.values(), Decimal(0)),
        breakdown_usd=nonzero,
        entry=entry,
        matched_model=matched,
        effective_date=period.start,
        tier=tier_name,
        variants=tuple(applied),
    )
