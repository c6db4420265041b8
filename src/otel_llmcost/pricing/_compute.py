"""Usage x prices -> cost: tiers, variants and units, in exact decimals.

Resolving which prices apply (tier, then variants) is separate from the arithmetic, so that the table can
cache it: most calls repeat a handful of (period, tier, context) combinations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from ..usage import TOKEN_UNITS, RequestContext, Usage
from ._model import Cost, Period, UnitPrices, Variant

__all__ = ["Applied", "apply", "compute", "tier_of"]

_TOKEN_FIELDS = len(TOKEN_UNITS)
_SIXTY = Decimal(60)
_ZERO = Decimal(0)


class Applied(NamedTuple):
    """The prices one call pays: a period's, with its tier and variants applied, and their names.

    ``per_token`` is the token prices per single token (reasoning falling back to output), ready to multiply.
    """

    prices: UnitPrices
    tier: str | None
    variants: tuple[str, ...]
    effective_date: date | None
    per_token: dict[str, Decimal]


def tier_of(period: Period, usage: Usage) -> int:
    """The index + 1 of the highest tier the call's input exceeds, or 0 for the base prices."""
    if not period.tiers:
        return 0
    total_input = usage.input_tokens
    chosen = 0
    for index, tier in enumerate(period.tiers, 1):
        if total_input > tier.above_input_tokens:
            chosen = index
    return chosen


def apply(
    period: Period, tier_index: int, extra_variants: Sequence[Variant], context: RequestContext, region: str | None
) -> Applied:
    """The prices of ``period`` for a call in tier ``tier_index`` (see `tier_of`) and request ``context``."""
    prices = period.prices
    tier_name: str | None = None
    if tier_index:
        tier = period.tiers[tier_index - 1]
        prices = prices.replaced_by(UnitPrices(per_million_tokens=tier.per_million_tokens))
        tier_name = f"above_{tier.above_input_tokens}_input_tokens"
    applied: list[str] = []
    for variant in (*period.variants, *extra_variants):
        if variant.applies_to(context, region):
            applied.append(variant.name)
            prices = prices.replaced_by(variant.prices)
            if variant.multiplier is not None:
                prices = prices.scaled(variant.multiplier, variant.multiplier_units)
    tokens = prices.per_million_tokens
    per_token = {unit: price.scaleb(-6) for unit, price in tokens.items()}
    if "reasoning" not in per_token and "output" in per_token:
        per_token["reasoning"] = per_token["output"]
    return Applied(prices, tier_name, tuple(applied), period.start, per_token)


def compute(usage: Usage, applied: Applied, *, entry: str, matched: str, version: str) -> Cost:
    """The cost of ``usage`` at the ``applied`` prices.

    A unit with usage and no price makes the call unpriced (reason ``missing_price``), except reasoning
    tokens, which every vendor bills as output when it gives them no price of their own.
    """
    prices = applied.prices
    per_token = applied.per_token
    breakdown: dict[str, Decimal] = {}
    total = _ZERO
    missing: str | None = None
    counts: tuple[int, ...] = usage[:_TOKEN_FIELDS]  # pyright: ignore[reportAssignmentType]
    for unit, count in zip(TOKEN_UNITS, counts, strict=True):
        if count:
            price = per_token.get(unit)
            if price is None:
                missing = unit
                break
            if price:
                amount = breakdown[unit] = count * price
                total += amount
    if missing is None and (usage.input_characters or usage.input_audio_seconds or usage.images or usage.requests):
        missing = _other_units(usage, prices, breakdown)
        total = sum(breakdown.values(), _ZERO)
    elif missing is None and prices.per_request.get("request"):
        breakdown["request:request"] = prices.per_request["request"]
        total += breakdown["request:request"]
    if missing is not None:
        return Cost(
            "unpriced",
            version,
            entry=entry,
            matched_model=matched,
            effective_date=applied.effective_date,
            reason="missing_price",
            detail=f"no price for unit {missing} in {entry}",
        )
    return Cost(
        "priced",
        version,
        total,
        breakdown,
        entry,
        matched,
        applied.effective_date,
        applied.tier,
        applied.variants,
    )


def _other_units(usage: Usage, prices: UnitPrices, breakdown: dict[str, Decimal]) -> str | None:
    """Adds the units that are not tokens to ``breakdown``; returns the first one without a price."""
    if usage.input_characters:
        price = prices.per_million_characters.get("input")
        if price is None:
            return "input_characters"
        breakdown["input_characters"] = (usage.input_characters * price).scaleb(-6)
    if usage.input_audio_seconds:
        price = prices.per_minute.get("input_audio")
        if price is None:
            return "input_audio_seconds"
        breakdown["input_audio_seconds"] = usage.input_audio_seconds * price / _SIXTY
    for key, count in usage.images:
        price = prices.per_image.get(key)
        if price is None and "/" in key:
            price = prices.per_image.get(key.split("/", 1)[0])
        if price is None:
            return f"image {key}"
        breakdown[f"image:{key}"] = count * price
    requests = dict(usage.requests)
    if "request" in prices.per_request:
        # A per-call fee: the priced span is the call, so it counts once unless the usage says otherwise.
        requests.setdefault("request", 1)
    for kind, count in sorted(requests.items()):
        price = prices.per_request.get(kind)
        if price is None:
            return f"request {kind}"
        breakdown[f"request:{kind}"] = count * price
    for unit in [unit for unit, amount in breakdown.items() if not amount]:
        del breakdown[unit]
    return None
