"""One priced call: a `GenAICall` -> the attributes that explain its cost. Shared by the processor and exporter."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, NamedTuple, cast

from .. import _attributes as a
from ..pricing import Cost, PriceTable, PricingError, Usage, default_table
from ..pricing._compute import tier_of
from ..pricing._table import Plan
from ..usage import GenAICall
from ._quote import Quote

__all__ = ["COST_ALIASES", "PricedCall", "Pricer"]

_log = logging.getLogger("otel_llmcost")

COST_ALIASES = frozenset({a.GEN_AI_USAGE_COST, a.OPERATION_COST})
"""The alias attributes the cost can also be written under."""

_BUCKETS: Mapping[str, str] = {
    "input": a.LLMCOST_COST_INPUT,
    "cache_read": a.LLMCOST_COST_CACHE_READ,
    "cache_read_audio": a.LLMCOST_COST_CACHE_READ,
    "cache_write": a.LLMCOST_COST_CACHE_WRITE,
    "cache_write_1h": a.LLMCOST_COST_CACHE_WRITE,
    "output": a.LLMCOST_COST_OUTPUT,
    "reasoning": a.LLMCOST_COST_REASONING,
    "input_audio": a.LLMCOST_COST_AUDIO,
    "output_audio": a.LLMCOST_COST_AUDIO,
    "input_audio_seconds": a.LLMCOST_COST_AUDIO,
    "input_characters": a.LLMCOST_COST_AUDIO,
    "input_image": a.LLMCOST_COST_IMAGE,
    "output_image": a.LLMCOST_COST_IMAGE,
}
"""Units of a `Cost` breakdown -> the bucket attribute they add to; ``image:*`` and ``request:*`` are below."""

_NS_PER_DAY = 86_400 * 10**9
_MAX_CACHED = 4096
_new = cast("Callable[..., Any]", tuple.__new__)  # pyright: ignore[reportUnknownMemberType]
"""Builds a named tuple from a tuple of all its fields, skipping its Python-level ``__new__``: a third of the cost."""
_KEPT_STATUSES = ("estimated", "partial")
"""Usage statuses a priced call keeps as its own status; any other is ``priced``."""


def _bucket(unit: str) -> str:
    bucket = _BUCKETS.get(unit)
    if bucket is not None:
        return bucket
    return a.LLMCOST_COST_IMAGE if unit.startswith("image:") else a.LLMCOST_COST_FEES


class PricedCall(NamedTuple):
    """The outcome for one span: its status, the attributes to add, and the amount (for metrics and roll-ups)."""

    status: str
    attributes: dict[str, object]
    amount_usd: Decimal | None
    reason: str | None = None
    provider: str | None = None
    model: str | None = None


class Pricer:
    """Prices `GenAICall`s from a price table that loads on first use; never raises."""

    def __init__(
        self,
        table: PriceTable | Callable[[], PriceTable] = default_table,
        *,
        cost_aliases: Collection[str] = (a.GEN_AI_USAGE_COST,),
    ) -> None:
        unknown = set(cost_aliases) - COST_ALIASES
        if unknown:
            raise ValueError(f"unknown cost alias {sorted(unknown)[0]!r}; choose from {sorted(COST_ALIASES)}")
        self._table = table if isinstance(table, PriceTable) else None
        self._load = table if not isinstance(table, PriceTable) else None
        self._load_error: str | None = None
        self._aliases = tuple(sorted(cost_aliases))
        self._days: dict[int, date] = {}
        self._provenance_cache: dict[tuple[object, ...], dict[str, object]] = {}
        self._quotes: dict[tuple[object, ...], Quote | _PlanQuotes | None] = {}

    def table(self) -> PriceTable | None:
        """The table, loading it the first time; `None` (logged once) when a price file is broken."""
        if self._table is None and self._load is not None and self._load_error is None:
            try:
                self._table = self._load()
            except PricingError as error:
                self._load_error = str(error)
                _log.error("otel-llmcost cannot load its price table, so no span is priced: %s", error)
        return self._table

    def _day(self, start_time_ns: int | None) -> date | None:
        if start_time_ns is None:
            return None
        number = start_time_ns // _NS_PER_DAY
        day = self._days.get(number)
        if day is None:
            if len(self._days) > 64:
                self._days.clear()
            day = self._days[number] = datetime.fromtimestamp(number * 86_400, timezone.utc).date()
        return day

    def _amount(self, attributes: dict[str, object], amount: Decimal, source: str) -> None:
        value = float(amount)
        attributes[a.GEN_AI_USAGE_COST_AMOUNT] = value
        attributes[a.GEN_AI_USAGE_COST_CURRENCY] = "USD"
        attributes[a.GEN_AI_USAGE_COST_SOURCE] = source
        for alias in self._aliases:
            attributes[alias] = value

    def unpriced(self, call: GenAICall, reason: str, detail: str, version: str | None = None) -> PricedCall:
        attributes: dict[str, object] = {
            a.LLMCOST_STATUS: "unpriced",
            a.LLMCOST_REASON: reason,
            a.LLMCOST_REASON_DETAIL: detail,
        }
        if version is not None:
            attributes[a.LLMCOST_PRICE_TABLE_VERSION] = version
        return PricedCall(
            "unpriced", attributes, None, reason, call.provider, call.response_model or call.request_model
        )

    def duplicate(self, call: GenAICall, reason: str, detail: str) -> PricedCall:
        attributes: dict[str, object] = {
            a.LLMCOST_STATUS: "duplicate",
            a.LLMCOST_REASON: reason,
            a.LLMCOST_REASON_DETAIL: detail,
        }
        return PricedCall(
            "duplicate", attributes, None, reason, call.provider, call.response_model or call.request_model
        )

    def price(self, call: GenAICall, start_time_ns: int | None) -> PricedCall:
        """What ``call``, which started at ``start_time_ns``, cost, as attributes to add to its span."""
        usage = call.usage
        if usage is not None and start_time_ns is not None and call.provider_cost is None:
            key = (call.provider, call.response_model, call.request_model, start_time_ns // _NS_PER_DAY, call.context)
            quote = self._quotes.get(key)
            if quote is None and key not in self._quotes:
                quote = self._plan_quotes(call, key, start_time_ns)
            if quote is not None:
                if isinstance(quote, _PlanQuotes):
                    quote = quote.quote(usage)
                status = call.usage_status if call.usage_status in _KEPT_STATUSES else "priced"
                quoted = quote.price(usage, status)
                if quoted is not None:
                    attributes, amount = quoted
                    model = call.response_model or call.request_model
                    priced: PricedCall = _new(PricedCall, (status, attributes, amount, None, call.provider, model))
                    return priced
        return self.price_with_cost(call, start_time_ns)

    def price_with_cost(self, call: GenAICall, start_time_ns: int | None) -> PricedCall:
        """`price` through a `Cost`, which prices every call; `price` takes a quicker route where it can."""
        model = call.response_model or call.request_model
        if call.provider_cost is not None:
            attributes: dict[str, object] = {a.LLMCOST_STATUS: "provider_reported"}
            self._amount(attributes, call.provider_cost, "provider")
            return PricedCall("provider_reported", attributes, call.provider_cost, None, call.provider, model)
        if call.invalid_usage is not None:
            return self.unpriced(call, "invalid_usage", call.invalid_usage)
        if call.usage is None:
            if call.error_type is not None:
                return self.unpriced(call, "failed_call", f"the call failed ({call.error_type}) and reported no usage")
            return self.unpriced(call, "no_usage", "the span reports no token or unit usage")
        table = self._table or self.table()
        if table is None:
            return self.unpriced(call, "internal_error", f"the price table could not load: {self._load_error}")
        if call.provider is None:
            return self.unpriced(call, "unknown_provider", "the span names no provider", table.version)
        # the start time itself, not its day: a period with peak hours (DeepSeek) prices off-peak calls lower
        at = None if start_time_ns is None else datetime.fromtimestamp(start_time_ns / 1e9, timezone.utc)
        cost = table.price(call.usage, provider=call.provider, model=model, at=at, context=call.context)
        if (
            cost.reason == "unknown_model"
            and call.request_model is not None
            and call.response_model not in (None, call.request_model)
        ):
            # A response model the table does not know (an Azure deployment's own name): try what was asked for.
            retry = table.price(
                call.usage, provider=call.provider, model=call.request_model, at=at, context=call.context
            )
            if retry.status == "priced":
                cost = retry
        return self._priced(call, cost)

    def _plan_quotes(self, call: GenAICall, key: tuple[object, ...], start_time_ns: int) -> Quote | _PlanQuotes | None:
        """The quote for calls like ``call`` (cached by ``key``): its plan's one, or one per tier if it has tiers.

        None when only a `Cost` can price them.
        """
        plan = self._plan(call, start_time_ns)
        quotes: Quote | _PlanQuotes | None = None
        if plan is not None and plan.period.peak is None:  # peak hours: priced per call, by its start time
            quotes = _PlanQuotes(plan, self._make_quote) if plan.period.tiers else self._make_quote(plan, 0)
        if len(self._quotes) >= _MAX_CACHED:
            self._quotes.clear()
        self._quotes[key] = quotes
        return quotes

    def _plan(self, call: GenAICall, start_time_ns: int) -> Plan | None:
        """The plan that `price_with_cost` would price ``call`` with, if it prices it; None if it does not."""
        table = self._table or self.table()
        model = call.response_model or call.request_model
        if table is None or call.provider is None or not model:
            return None
        day = self._day(start_time_ns)
        plan = table.plan(call.provider, model, day, call.context)
        if (
            isinstance(plan, Cost)
            and plan.reason == "unknown_model"
            and call.request_model is not None
            and call.response_model not in (None, call.request_model)
        ):
            plan = table.plan(call.provider, call.request_model, day, call.context)
        return plan if isinstance(plan, Plan) else None

    def _make_quote(self, plan: Plan, tier: int) -> Quote:
        applied = plan.prices(tier)
        table = self._table
        assert table is not None  # a plan comes from the table
        cost = Cost(
            "priced",
            table.version,
            entry=plan.entry,
            matched_model=plan.matched,
            effective_date=applied.effective_date,
            tier=applied.tier,
            variants=applied.variants,
        )
        templates = {status: self._head(status, 0.0, cost) for status in ("priced", *_KEPT_STATUSES)}
        return Quote(applied, templates, (a.GEN_AI_USAGE_COST_AMOUNT, *self._aliases), _BUCKETS)

    def _head(self, status: str, value: float, cost: Cost) -> dict[str, object]:
        """The attributes of a priced call before its buckets: status, amount, aliases, provenance."""
        attributes: dict[str, object] = {
            a.LLMCOST_STATUS: status,
            a.GEN_AI_USAGE_COST_AMOUNT: value,
            a.GEN_AI_USAGE_COST_CURRENCY: "USD",
            a.GEN_AI_USAGE_COST_SOURCE: "local",
        }
        for alias in self._aliases:
            attributes[alias] = value
        attributes.update(self._provenance(cost))
        return attributes

    def _provenance(self, cost: Cost) -> dict[str, object]:
        """The attributes that say which price applied; the same for every call priced alike, so cached."""
        key = (cost.entry, cost.matched_model, cost.table_version, cost.effective_date, cost.tier, cost.variants)
        cached = self._provenance_cache.get(key)
        if cached is not None:
            return cached
        found: dict[str, object] = {
            a.LLMCOST_PRICE_ENTRY: cost.entry,
            a.LLMCOST_PRICE_MODEL: cost.matched_model,
            a.LLMCOST_PRICE_TABLE_VERSION: cost.table_version,
        }
        if cost.effective_date is not None:
            found[a.LLMCOST_PRICE_EFFECTIVE_DATE] = cost.effective_date.isoformat()
        if cost.tier is not None:
            found[a.LLMCOST_PRICE_TIER] = cost.tier
        if cost.variants:
            found[a.LLMCOST_PRICE_VARIANTS] = cost.variants
        if len(self._provenance_cache) >= _MAX_CACHED:
            self._provenance_cache.clear()
        self._provenance_cache[key] = found
        return found

    def _priced(self, call: GenAICall, cost: Cost) -> PricedCall:
        model = call.response_model or call.request_model
        total = cost.total_usd
        if total is None:
            result = self.unpriced(call, cost.reason or "unknown_model", cost.detail or "", cost.table_version)
            if cost.entry is not None:
                result.attributes[a.LLMCOST_PRICE_ENTRY] = cost.entry
            return result
        status = (
            "estimated" if cost.estimated else call.usage_status if call.usage_status in _KEPT_STATUSES else "priced"
        )
        attributes = self._head(status, float(total), cost)
        buckets: dict[str, Decimal] = {}
        for unit, amount in cost.breakdown_usd.items():
            key = _BUCKETS.get(unit) or _bucket(unit)
            buckets[key] = buckets[key] + amount if key in buckets else amount
        for key, amount in buckets.items():
            attributes[key] = float(amount)
        return PricedCall(status, attributes, total, None, call.provider, model)


class _PlanQuotes:
    """The quotes of one plan with long-context tiers, one per tier, made on first use."""

    __slots__ = ("_make", "_plan", "_quotes")

    def __init__(self, plan: Plan, make: Callable[[Plan, int], Quote]) -> None:
        self._plan = plan
        self._make = make
        self._quotes: list[Quote | None] = [None] * len(plan.applied)

    def quote(self, usage: Usage) -> Quote:
        tier = tier_of(self._plan.period, usage)
        quote = self._quotes[tier]
        if quote is None:
            quote = self._quotes[tier] = self._make(self._plan, tier)
        return quote
