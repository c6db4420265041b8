"""`Quote`: the token prices of one plan and tier, precomputed so that a call's tokens become its cost attributes.

The processor prices most calls with a quote rather than through a `Cost`: the `Decimal` arithmetic and the
`Decimal` -> float conversions of the amount and of each bucket were most of its time per span. The result is
the same, to the last bit:

- `compute` multiplies each token count by a per-token `Decimal` price and adds the products. Each step is
  exact while the coefficients fit the context's precision, which a quote checks, so the amount is the
  integer sum kept here, times ``10 ** scale``, exactly;
- ``float(Decimal)`` and ``int / int`` both round correctly, so the same value gives the same float;
- the amount is rebuilt as a `Decimal` with the exponent `compute` gives it: the smallest exponent among the
  prices of the units used, and at most 0.

Everything else (units that are not tokens, a token with no price, a fee per call) goes through a `Cost`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, getcontext

from ..pricing import TOKEN_UNITS, Usage
from ..pricing._compute import Applied

__all__ = ["Quote"]

_TOKEN_FIELDS = len(TOKEN_UNITS)
_TOKENS = slice(_TOKEN_FIELDS)
_EXACT_BELOW = {precision: 10**precision for precision in range(1, 100)}
"""Context precision -> the smallest coefficient it cannot hold exactly (a precision not here: use a `Cost`)."""


class Quote:
    """Prices token usages at one plan's prices for one tier, as the attributes of a priced span.

    Args:
        applied: the prices.
        templates: the attributes of a priced call, by status, in their order, with any amount: a copy gets
            the call's amount and buckets.
        amount_keys: the attributes that hold the amount (the amount and its aliases).
        buckets: token unit -> the attribute of the bucket its cost adds to.
    """

    __slots__ = ("_amount_keys", "_divisor", "_fee", "_free", "_merged", "_shifts", "_templates", "_units")

    def __init__(
        self,
        applied: Applied,
        templates: Mapping[str, dict[str, object]],
        amount_keys: tuple[str, ...],
        buckets: Mapping[str, str],
    ) -> None:
        prices = {unit: price.as_tuple() for unit, price in applied.per_token.items() if price}
        # Each price is coefficient x 10**exponent; all of them are kept as integers x 10**scale.
        scale = min([0, *(int(exponent) for _, _, exponent in prices.values())])
        units: list[tuple[int, int, int, str]] = []
        for index, unit in enumerate(TOKEN_UNITS):
            if unit in prices:
                _, digits, exponent = prices[unit]
                coefficient = int("".join(map(str, digits))) * 10 ** (int(exponent) - scale)
                units.append((index, coefficient, min(int(exponent), 0), buckets[unit]))
        self._units = tuple(units)
        self._free = tuple(
            index for index, unit in enumerate(TOKEN_UNITS) if unit in applied.per_token and unit not in prices
        )
        self._merged = len({bucket for *_, bucket in units}) < len(units)
        self._divisor = 10**-scale
        # For each exponent the amount can have: 1E<exponent>, and what shifts the sum from the scale to it.
        self._shifts = {
            exponent: (Decimal((0, (1,), exponent)), 10 ** (exponent - scale))
            for exponent in {0, *(unit_exponent for _, _, unit_exponent, _ in units)}
        }
        self._templates = templates
        self._amount_keys = amount_keys
        self._fee = bool(applied.prices.per_request.get("request"))

    def price(self, usage: Usage, status: str) -> tuple[dict[str, object], Decimal] | None:
        """The attributes and amount of a call with ``usage``; None when only a `Cost` can price it."""
        if self._fee or usage[_TOKEN_FIELDS] or usage.input_audio_seconds or usage.images or usage.requests:
            return None
        tokens: tuple[int, ...] = usage[_TOKENS]  # pyright: ignore[reportAssignmentType]
        attributes = self._templates[status].copy()
        divisor = self._divisor
        merged: dict[str, int] | None = {} if self._merged else None
        total = exponent = 0
        used = self._used_free(tokens) if self._free else 0
        for index, coefficient, unit_exponent, bucket in self._units:
            count = tokens[index]
            if count:
                used += 1
                amount = count * coefficient
                total += amount
                if merged is None:
                    attributes[bucket] = amount / divisor
                else:
                    merged[bucket] = merged.get(bucket, 0) + amount
                if unit_exponent < exponent:
                    exponent = unit_exponent
        if used != _TOKEN_FIELDS - tokens.count(0):
            return None  # tokens of a unit with no price: `compute` says which
        if total >= _EXACT_BELOW.get(getcontext().prec, 0):
            return None
        if merged:
            for bucket, amount in merged.items():
                attributes[bucket] = amount / divisor
        value = total / divisor
        for key in self._amount_keys:
            attributes[key] = value
        one, shift = self._shifts[exponent]
        return attributes, one * (total // shift)

    def _used_free(self, tokens: tuple[int, ...]) -> int:
        """How many units priced at zero the call used: they cost nothing, but they have a price."""
        return sum(1 for index in self._free if tokens[index])
