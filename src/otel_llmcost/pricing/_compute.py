"""Usage x prices -> cost: tiers, variants and units, in exact decimals.

Resolving which prices apply (tier, then variants) is separate from the arithmetic, so that the table can
cache it: most calls repeat a handful of (period, tier, context) combinations. The arithmetic of tokens is
`TokenRates`: integers rather than `Decimal`s, exact, and the one the cost processor prices spans with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, NamedTuple, TypeVar

from .. import _attributes as a
from ..usage import INPUT_TOKEN_UNITS, TOKEN_UNITS, RequestContext, Usage
from ._model import Cost, Period, UnitPrices, Variant

__all__ = ["Applied", "TokenRates", "apply", "compute", "tier_of"]

_TOKEN_FIELDS = len(TOKEN_UNITS)
_INPUTS = slice(len(INPUT_TOKEN_UNITS))
_S = a.LlmcostStatusValues
_R = a.LlmcostReasonValues
_SIXTY = Decimal(60)
_HOUR = Decimal(3600)
_ANY_IMAGE = "image"
_ZERO = Decimal(0)
_K = TypeVar("_K")
_UNITS = {unit: unit for unit in TOKEN_UNITS}


class TokenRates(Generic[_K]):
    """The token prices of one call's prices as integers at one scale: a usage's cost in integer arithmetic.

    Each per-token price is a coefficient times ``10 ** exponent``; here all of them are integers times
    ``10 ** scale``, the smallest exponent (at most 0). A count times a price is then an integer at that scale,
    and so is a sum of them: exact, as the `Decimal` products and sums are while they fit the context's
    precision, and a few times quicker. `decimal` gives an amount the exponent that `Decimal` arithmetic
    gives it (the smallest exponent among the prices of the units used, and at most 0), so that a `Cost`
    reads the same either way; ``amount / divisor`` is its float, correctly rounded as ``float(Decimal)`` is.

    Args:
        per_token: price per single token by unit; a unit that is not here has no price.
        groups: token unit -> the group its amount adds to: the unit itself for a `Cost`'s breakdown, or the
            attribute of a bucket for the processor.
    """

    __slots__ = ("_shifts", "_units", "_unpriced", "divisor", "exponents")

    def __init__(self, per_token: Mapping[str, Decimal], groups: Mapping[str, _K]) -> None:
        prices = {unit: price.as_tuple() for unit, price in per_token.items() if price}
        scale = min([0, *(int(exponent) for _, _, exponent in prices.values())])
        units: list[tuple[int, int, int, _K]] = []
        for index, unit in enumerate(TOKEN_UNITS):
            if unit in prices:
                _, digits, exponent = prices[unit]
                coefficient = int("".join(map(str, digits))) * 10 ** (int(exponent) - scale)
                units.append((index, coefficient, min(int(exponent), 0), groups[unit]))
        sizes = Counter(group for *_, group in units)
        # Each unit with whether its group has other units (the two cache-write lifetimes in one bucket).
        self._units = tuple((*unit, sizes[unit[3]] > 1) for unit in units)
        # The units without a price (those priced at zero cost nothing, but they have a price).
        self._unpriced = tuple(index for index, unit in enumerate(TOKEN_UNITS) if unit not in per_token)
        self.divisor = 10**-scale
        """What turns an amount into US dollars."""
        exponents: dict[_K, int] = {}
        for _, _, exponent, group in units:
            exponents[group] = min(exponent, exponents.get(group, 0))
        self.exponents = exponents
        """The exponent of each group's amount when all its units are used (one unit's: its price's)."""
        # For each exponent an amount can have: 1E<exponent>, and what shifts an amount from the scale to it.
        self._shifts = {
            exponent: (Decimal((0, (1,), exponent)), 10 ** (exponent - scale))
            for exponent in {0, *(exponent for _, _, exponent, _ in units)}
        }

    def amounts(self, tokens: Sequence[int]) -> tuple[int, dict[_K, int], int] | None:
        """The cost of ``tokens`` (a count per unit of `TOKEN_UNITS`, in order, as a `Usage` starts with): the
        total, the amount of each group that has tokens, and the exponent of the total; integers at the scale
        (see `decimal`).

        None when a unit with tokens has no price. A plain loop: the processor prices every call with it, and
        built-ins over all the units (``map``, ``compress``) cost twice its instructions.
        """
        for index in self._unpriced:
            if tokens[index]:
                return None
        amounts: dict[_K, int] = {}
        total = exponent = 0
        for index, coefficient, unit_exponent, group, shared in self._units:
            count = tokens[index]
            if count:
                amount = count * coefficient
                total += amount
                if shared and group in amounts:
                    amount += amounts[group]
                amounts[group] = amount
                if unit_exponent < exponent:
                    exponent = unit_exponent
        return total, amounts, exponent

    def decimal(self, amount: int, exponent: int) -> Decimal:
        """``amount``, an integer at the scale, as a `Decimal` with ``exponent``; exact within the precision."""
        one, shift = self._shifts[exponent]
        return one * (amount // shift)


class Applied(NamedTuple):
    """The prices one call pays: a period's, with its tier and variants applied, and their names.

    ``per_token`` is the token prices per single token (reasoning falling back to output), ready to multiply;
    ``rates`` the same as integers, by unit.
    """

    prices: UnitPrices
    tier: str | None
    variants: tuple[str, ...]
    effective_date: date | None
    per_token: dict[str, Decimal]
    rates: TokenRates[str]


def tier_of(period: Period, usage: Usage) -> int:
    """The index + 1 of the highest tier the call's input exceeds, or 0 for the base prices."""
    if not period.tiers:
        return 0
    # `Usage.input_tokens`: the input buckets come first in a `Usage`, and the sum of their slice costs a third.
    inputs: tuple[int, ...] = usage[_INPUTS]  # pyright: ignore[reportAssignmentType] - the input buckets
    total_input = sum(inputs)
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
    return Applied(prices, tier_name, tuple(applied), period.start, per_token, TokenRates(per_token, _UNITS))


def compute(usage: Usage, applied: Applied, *, entry: str, matched: str, version: str) -> Cost:
    """The cost of ``usage`` at the ``applied`` prices.

    A unit with usage and no price makes the call unpriced (reason ``missing_price``), except reasoning
    tokens, which every vendor bills as output when it gives them no price of their own.
    """
    prices = applied.prices
    rates = applied.rates
    tokens: tuple[int, ...] = usage[:_TOKEN_FIELDS]  # pyright: ignore[reportAssignmentType]
    found = rates.amounts(tokens)
    breakdown: dict[str, Decimal] = {}
    total = _ZERO
    missing: str | None = None
    if found is None:
        missing = next(
            unit for unit, count in zip(TOKEN_UNITS, tokens, strict=True) if count and unit not in applied.per_token
        )
    else:
        amount, amounts, exponent = found
        total = rates.decimal(amount, exponent)
        for unit, unit_amount in amounts.items():
            breakdown[unit] = rates.decimal(unit_amount, rates.exponents[unit])
    if missing is None and usage.beyond_tokens():
        missing = _other_units(usage, prices, breakdown)
        total = sum(breakdown.values(), _ZERO)
    elif missing is None and prices.per_request.get("request"):
        breakdown["request:request"] = prices.per_request["request"]
        total += breakdown["request:request"]
    if missing is not None:
        return Cost(
            _S.UNPRICED,
            version,
            entry=entry,
            matched_model=matched,
            effective_date=applied.effective_date,
            reason=_R.MISSING_PRICE,
            detail=f"no price for unit {missing} in {entry}",
        )
    return Cost(
        _S.PRICED,
        version,
        total,
        breakdown,
        entry,
        matched,
        applied.effective_date,
        applied.tier,
        applied.variants,
    )


def _video_price(prices: Mapping[str, Decimal], key: str) -> Decimal | None:
    """The price of a second of video ``key`` (``"1080p/silent"``): the key's own, its resolution's, the sound's
    at any resolution (``"video/silent"``), or the model's one price (``"video"``)."""
    resolution, _, sound = key.partition("/")
    for candidate in (key, resolution, f"video/{sound}" if sound else "video", "video"):
        price = prices.get(candidate)
        if price is not None:
            return price
    return None


def _whole(megapixels: Decimal) -> Decimal:
    """Megapixels as FLUX.2 bills them: whole ones, rounded to the nearest (1.17 MP bills 1, 1.98 bills 2)."""
    return megapixels.to_integral_value(ROUND_HALF_UP)


def _megapixels(usage: Usage, prices: Mapping[str, Decimal], breakdown: dict[str, Decimal]) -> str | None:
    """Adds the megapixels of the images generated and sent to ``breakdown``: the first megapixel of the output at
    ``first_output`` (``output`` when it has no price of its own), each further one at ``output``, each of the input
    at ``input``. Returns the first unit without a price."""
    if usage.output_megapixels:
        further = prices.get("output")
        first = prices.get("first_output", further)
        if first is None or further is None:
            return "output_megapixels"
        breakdown["image:output_megapixels"] = first + max(_whole(usage.output_megapixels) - 1, _ZERO) * further
    if usage.input_megapixels:
        price = prices.get("input")
        if price is None:
            return "input_megapixels"
        breakdown["image:input_megapixels"] = _whole(usage.input_megapixels) * price
    return None


def _other_units(usage: Usage, prices: UnitPrices, breakdown: dict[str, Decimal]) -> str | None:
    """Adds the units that are not tokens to ``breakdown``; returns the first one without a price."""
    if usage.input_characters:
        price = prices.per_million_characters.get("input")
        if price is None:
            return "input_characters"
        breakdown["input_characters"] = (usage.input_characters * price).scaleb(-6)
    if usage.input_audio_seconds:
        price = prices.per_minute.get("input_audio")
        if price is not None:
            breakdown["input_audio_seconds"] = usage.input_audio_seconds * price / _SIXTY
        else:
            price = prices.per_hour.get("input_audio")
            if price is None:
                return "input_audio_seconds"
            breakdown["input_audio_seconds"] = usage.input_audio_seconds * price / _HOUR
    for key, count in usage.images:
        price = prices.per_image.get(key)
        if price is None and "/" in key:
            price = prices.per_image.get(key.split("/", 1)[0])
        if price is None:
            price = prices.per_image.get(_ANY_IMAGE)  # one price for every size (Stability AI, Black Forest Labs)
        if price is None:
            return f"image {key}"
        breakdown[f"image:{key}"] = count * price
    if usage.compute_seconds:
        hardware = next(iter(prices.per_second.items()), None)
        if hardware is None:
            return "compute_seconds"
        breakdown[f"compute:{hardware[0]}"] = usage.compute_seconds * hardware[1]
    for key, seconds in usage.videos:
        price = _video_price(prices.per_video_second, key)
        if price is None:
            return f"video {key}"
        breakdown[f"video:{key}"] = seconds * price
    if usage.output_megapixels or usage.input_megapixels:
        missing = _megapixels(usage, prices.per_megapixel, breakdown)
        if missing is not None:
            return missing
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
