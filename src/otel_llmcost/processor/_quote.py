"""`Quote`: the attributes of a call priced at one tier of one plan, made from its token usage.

The processor prices most calls with a quote rather than through a `Cost`: building the `Cost`, its
breakdown and then their floats was most of its time per span. A quote holds the attributes of a priced
call as templates, and pricing's own `TokenRates` grouped by the attributes of the cost buckets: the
arithmetic is the one a `Cost` is computed with, so the amounts are the same to the last bit.

Everything else (units that are not tokens, a token with no price, a fee per call, an amount the context's
precision would round) goes through a `Cost`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, getcontext
from typing import NamedTuple

from ..pricing import TOKEN_UNITS, Applied, TokenRates
from ..usage import TOKENS_ONLY, Usage

__all__ = ["PricedCall", "Quote"]

_TOKEN_FIELDS = len(TOKEN_UNITS)

_EXACT_BELOW = {precision: 10**precision for precision in range(1, 100)}
"""Context precision -> the smallest amount it cannot hold exactly (a precision not here: use a `Cost`)."""


class PricedCall(NamedTuple):
    """The outcome for one span: its status, the attributes to add, and the amount (for metrics and roll-ups)."""

    status: str
    attributes: dict[str, object]
    amount_usd: Decimal | None
    reason: str | None = None
    provider: str | None = None
    model: str | None = None


class Quote:
    """Prices token usages at one plan's prices for one tier, as the attributes of a priced span.

    Args:
        applied: the prices.
        templates: the attributes of a priced call, by status, in their order, with any amount: a copy gets
            the call's amount and buckets.
        amount_keys: the attributes that hold the amount (the amount and its aliases).
        buckets: token unit -> the attribute of the bucket its cost adds to.
    """

    __slots__ = ("_amount_keys", "_fee", "_rates", "_templates")

    def __init__(
        self,
        applied: Applied,
        templates: Mapping[str, dict[str, object]],
        amount_keys: tuple[str, ...],
        buckets: Mapping[str, str],
    ) -> None:
        self._rates = TokenRates(applied.per_token, buckets)
        self._templates = templates
        self._amount_keys = amount_keys
        self._fee = bool(applied.prices.per_request.get("request"))

    def price(self, usage: Usage, status: str, provider: str, model: str) -> PricedCall | None:
        """The outcome of ``provider``'s call to ``model`` with ``usage``, priced with ``status``; None when only a
        `Cost` can price it."""
        # Not `Usage.beyond_tokens`, which one comparison tells in a quarter of that method's instructions
        # (tests/test_processor_fastpath.py checks that the two agree for every field).
        if usage[_TOKEN_FIELDS:] != TOKENS_ONLY:
            return None
        attributes: dict[str, object] = {}
        amount = self.write(usage, status, attributes)  # pyright: ignore[reportArgumentType] - tokens come first
        return None if amount is None else PricedCall(status, attributes, amount, None, provider, model)

    def write(self, tokens: Sequence[int], status: str, attributes: dict[str, object]) -> Decimal | None:
        """Adds to ``attributes`` those of a call of ``tokens`` (`TOKEN_UNITS`, in order, and nothing else) priced
        with ``status``, and returns its amount; None, with ``attributes`` untouched, when only a `Cost` can price
        it. The processor writes straight into the copy of a span's attributes."""
        if self._fee:
            return None
        rates = self._rates
        found = rates.amounts(tokens)
        if found is None:
            return None  # tokens of a unit with no price: the `Cost` says which
        total, amounts, exponent = found
        if total >= _EXACT_BELOW.get(getcontext().prec, 0):
            return None  # the `Cost` rounds it to the context's precision
        divisor = rates.divisor
        attributes.update(self._templates[status])
        for bucket, amount in amounts.items():
            attributes[bucket] = amount / divisor
        value = total / divisor
        for key in self._amount_keys:
            attributes[key] = value
        return rates.decimal(total, exponent)
