"""One priced call: a `GenAICall` -> the attributes that explain its cost. Shared by the processor and exporter."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal

from .. import _attributes as a
from .._bounded import remember
from ..pricing import Cost, Plan, PriceFileError, PriceTable, PricingError, default_table
from ..usage import COST_BUCKETS, INPUT_TOKEN_UNITS, GenAICall, RequestContext
from ._quote import PricedCall, Quote

__all__ = ["COST_ALIASES", "PricedCall", "Pricer"]

_log = logging.getLogger("otel_llmcost")
_S = a.LlmcostStatusValues
_R = a.LlmcostReasonValues
_USD = a.GenAiUsageCostCurrencyValues.USD
_LOCAL = a.GenAiUsageCostSourceValues.LOCAL

COST_ALIASES = frozenset({a.GEN_AI_USAGE_COST, a.OPERATION_COST})
"""The alias attributes the cost can also be written under."""

_BUCKETS = COST_BUCKETS

_NS_PER_DAY = 86_400 * 10**9
_INPUT_FIELDS = len(INPUT_TOKEN_UNITS)
_MAX_CACHED = 4096
_PlanKey = tuple[str, str | None, str | None, int, RequestContext]
"""What calls that share a plan share: provider, response model, request model, day (since the epoch), context."""
_NOT_WRITTEN = (None, None)
"""What `Pricer.write` returns for a call `Pricer.price` must look up afresh."""
_KEPT_STATUSES = (_S.ESTIMATED, _S.PARTIAL)
"""Usage statuses a priced call keeps as its own status; any other is ``priced``."""


def _bucket(unit: str) -> str:
    bucket = _BUCKETS.get(unit)
    if bucket is not None:
        return bucket
    return a.LLMCOST_COST_IMAGE if unit.startswith("image:") else a.LLMCOST_COST_FEES


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
        self._load_reason: str = _R.INTERNAL_ERROR
        self._aliases = tuple(sorted(cost_aliases))
        self._days: dict[int, date] = {}
        self._provenance_cache: dict[tuple[object, ...], dict[str, object]] = {}
        self._plans: dict[_PlanKey, _Quotes | Cost] = {}
        self._canonical: dict[str, str] = {}

    def table(self) -> PriceTable | None:
        """The table, loading it the first time; `None` (logged once) when a price file is broken."""
        if self._table is None and self._load is not None and self._load_error is None:
            try:
                self._table = self._load()
            except PricingError as error:
                self._load_error = str(error)
                if isinstance(error, PriceFileError):
                    self._load_reason = _R.PRICE_FILE_ERROR
                _log.error(
                    "otel-llmcost cannot load its price table, so no span is priced until it is fixed: %s", error
                )
        return self._table

    def canonical_provider(self, provider: str | None) -> str:
        """The table's name for ``provider`` (OpenLLMetry's ``gemini`` is ``gcp.gemini``), else it as spelled.

        Two spans of one response from instrumentors that spell the provider apart are one call.
        """
        if provider is None:
            return ""
        found = self._canonical.get(provider)
        if found is None:
            table = self._table or self.table()
            found = (table.provider_name(provider) if table is not None else None) or provider
            if len(self._canonical) >= _MAX_CACHED:
                self._canonical.clear()
            self._canonical[provider] = found
        return found

    def _day(self, number: int) -> date:
        day = self._days.get(number)
        if day is None:
            if len(self._days) > 64:
                self._days.clear()
            day = self._days[number] = datetime.fromtimestamp(number * 86_400, timezone.utc).date()
        return day

    def unpriced(self, call: GenAICall, reason: str, detail: str, version: str | None = None) -> PricedCall:
        """The outcome of a call that cannot be priced, and why."""
        return self._not_priced(_S.UNPRICED, call, reason, detail, version)

    def duplicate(self, call: GenAICall, reason: str, detail: str) -> PricedCall:
        """The outcome of a call that another span priced already."""
        return self._not_priced(_S.DUPLICATE, call, reason, detail)

    def _not_priced(
        self, status: str, call: GenAICall, reason: str, detail: str, version: str | None = None
    ) -> PricedCall:
        attributes: dict[str, object] = {
            a.LLMCOST_STATUS: status,
            a.LLMCOST_REASON: reason,
            a.LLMCOST_REASON_DETAIL: detail,
        }
        if version is not None:
            attributes[a.LLMCOST_PRICE_TABLE_VERSION] = version
        return PricedCall(status, attributes, None, reason, call.provider, call.model)

    def price(
        self, call: GenAICall, start_time_ns: int | None, *, explain: bool = True, unpriced: Cost | None = None
    ) -> PricedCall:
        """What ``call``, which started at ``start_time_ns`` (now if None), cost, as attributes to add to its span.

        A reported cost the call could not be trusted with (not a finite number >= 0) is ignored: the call is
        priced from its usage, and says why (unless ``explain`` is False, as when this method does so itself).
        ``unpriced``: the `Cost` that `write` found for this call's plan, so it is not looked up twice.

        Calls to one model on one day in one request context share their plan, cached here with a `Quote` per
        tier: a call of tokens only is priced by its quote, any other through a `Cost`.
        """
        # One unpacking rather than a dozen attribute reads: this runs for every priced span.
        _, provider, request_model, response_model, _, usage, usage_status, context, provider_cost, _, _, invalid = call
        if invalid is not None and explain:
            return self._explained(self.price(call, start_time_ns, explain=False, unpriced=unpriced), invalid)
        model = response_model or request_model
        if provider_cost is not None:
            attributes: dict[str, object] = {a.LLMCOST_STATUS: _S.PROVIDER_REPORTED}
            value = float(provider_cost)
            attributes[a.GEN_AI_USAGE_COST_AMOUNT] = value
            attributes[a.GEN_AI_USAGE_COST_CURRENCY] = _USD
            attributes[a.GEN_AI_USAGE_COST_SOURCE] = a.GenAiUsageCostSourceValues.PROVIDER
            for alias in self._aliases:
                attributes[alias] = value
            return PricedCall(_S.PROVIDER_REPORTED, attributes, provider_cost, None, provider, model)
        if call.invalid_usage is not None:
            return self.unpriced(call, _R.INVALID_USAGE, call.invalid_usage)
        if usage is None:
            if call.error_type is not None:
                detail = f"the call failed ({call.error_type}) and reported no usage"
                return self.unpriced(call, _R.FAILED_CALL, detail)
            return self.unpriced(call, _R.NO_USAGE, "the span reports no token or unit usage")
        table = self._table or self.table()
        if table is None:
            return self.unpriced(call, self._load_reason, f"the price table could not load: {self._load_error}")
        if provider is None:
            return self.unpriced(call, _R.UNKNOWN_PROVIDER, "the span names no provider", table.version)
        if not model:
            return self.unpriced(call, _R.NO_MODEL, "the call names no model", table.version)
        plan = (
            unpriced
            if unpriced is not None
            else self._lookup(table, provider, request_model, response_model, context, start_time_ns)
        )
        if isinstance(plan, Cost):
            return self._from_cost(call, plan)
        status = usage_status if usage_status in _KEPT_STATUSES else _S.PRICED
        # The quote builds the result itself: one object per priced call, not its parts and then the result.
        quote = plan.pick(usage)  # pyright: ignore[reportArgumentType] - a `Usage` starts with its token buckets
        return quote.price(usage, status, provider, model) or self._from_cost(call, plan.plan.cost(usage))

    def write(
        self,
        provider: str | None,
        request_model: str | None,
        response_model: str | None,
        context: RequestContext,
        tokens: Sequence[int],
        start_time_ns: int | None,
        copy: Callable[[Mapping[str, object]], dict[str, object]],
        attributes: Mapping[str, object],
    ) -> tuple[dict[str, object], Decimal] | tuple[None, Cost | None]:
        """`price` for the usual call, read by `read_tokens`: a reported usage of ``tokens`` (`TOKEN_UNITS`, in
        order) that a plan's quote prices. Returns ``copy(attributes)`` (the span's, for its priced copy) with the
        attributes of the cost added, and the amount. The copy is made only once a plan is found. No `GenAICall`,
        `Usage` or `PricedCall` is built.

        Any other call is for `price` to price and explain: ``(None, cost)`` with the unpriced `Cost` of a model
        the table cannot price (for `price` to take on), else ``(None, None)`` (no table, a `Cost` needed).
        """
        table = self._table or self.table()
        if table is None or provider is None or not (response_model or request_model):
            return _NOT_WRITTEN
        plan = self._lookup(table, provider, request_model, response_model, context, start_time_ns)
        if isinstance(plan, Cost):
            return None, plan
        copied = copy(attributes)
        amount = plan.pick(tokens).write(tokens, _S.PRICED, copied)
        return _NOT_WRITTEN if amount is None else (copied, amount)

    def _lookup(
        self,
        table: PriceTable,
        provider: str,
        request_model: str | None,
        response_model: str | None,
        context: RequestContext,
        start_time_ns: int | None,
    ) -> _Quotes | Cost:
        """How a call that started at ``start_time_ns`` is priced: the quotes of its plan, or the unpriced `Cost`.

        Calls to one model on one day in one request context share their plan, cached here.
        """
        day = (time.time_ns() if start_time_ns is None else start_time_ns) // _NS_PER_DAY
        key: _PlanKey = (provider, response_model, request_model, day, context)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plan(table, key)
        if isinstance(plan, Cost):
            return plan
        if plan.peak is not None:  # peak hours (DeepSeek): the start time itself picks the plan, not its day
            started = time.time_ns() if start_time_ns is None else start_time_ns
            if not plan.peak.is_peak(datetime.fromtimestamp(started / 1e9, timezone.utc)):
                return plan.off_peak or plan
        return plan

    @staticmethod
    def _explained(result: PricedCall, detail: str) -> PricedCall:
        """``result`` of a call whose reported cost was ignored, saying so unless it has a reason of its own."""
        if result.reason is None:
            result.attributes[a.LLMCOST_REASON] = _R.PROVIDER_COST_INVALID
            result.attributes[a.LLMCOST_REASON_DETAIL] = detail
        else:
            result.attributes[a.LLMCOST_REASON_DETAIL] = f"{result.attributes.get(a.LLMCOST_REASON_DETAIL)}; {detail}"
        return result

    def _plan(self, table: PriceTable, key: _PlanKey) -> _Quotes | Cost:
        """How the calls of ``key`` are priced, now cached: their plan's quotes, or the unpriced `Cost`."""
        provider, response_model, request_model, day, context = key
        model = response_model or request_model
        assert model  # the callers checked
        plan = table.plan(provider, model, self._day(day), context)
        if (
            isinstance(plan, Cost)
            and plan.reason == _R.UNKNOWN_MODEL
            and request_model is not None
            and response_model not in (None, request_model)
        ):
            # A response model the table does not know (an Azure deployment's own name): try what was asked for.
            retry = table.plan(provider, request_model, self._day(day), context)
            if isinstance(retry, Plan):
                plan, model = retry, request_model
        found = _Quotes(plan, self._make_quote) if isinstance(plan, Plan) else plan
        if isinstance(found, _Quotes) and found.peak is not None:
            found.off_peak = _Quotes(table.off_peak_plan(found.plan, provider, model, self._day(day)), self._make_quote)
        return remember(self._plans, key, found, _MAX_CACHED)

    def _make_quote(self, plan: Plan, tier: int) -> Quote:
        applied = plan.prices(tier)
        cost = Cost(
            _S.PRICED,
            plan.version,
            entry=plan.entry,
            matched_model=plan.matched,
            effective_date=applied.effective_date,
            tier=applied.tier,
            variants=applied.variants,
            conversion=plan.period.conversion,
        )
        templates = {status: self._head(status, 0.0, cost) for status in (_S.PRICED, *_KEPT_STATUSES)}
        return Quote(applied, templates, (a.GEN_AI_USAGE_COST_AMOUNT, *self._aliases), _BUCKETS)

    def _head(self, status: str, value: float, cost: Cost) -> dict[str, object]:
        """The attributes of a priced call before its buckets: status, amount, aliases, provenance."""
        attributes: dict[str, object] = {
            a.LLMCOST_STATUS: status,
            a.GEN_AI_USAGE_COST_AMOUNT: value,
            a.GEN_AI_USAGE_COST_CURRENCY: _USD,
            a.GEN_AI_USAGE_COST_SOURCE: _LOCAL,
        }
        for alias in self._aliases:
            attributes[alias] = value
        attributes.update(self._provenance(cost))
        return attributes

    def _provenance(self, cost: Cost) -> dict[str, object]:
        """The attributes that say which price applied; the same for every call priced alike, so cached."""
        key = cost.provenance
        cached = self._provenance_cache.get(key)
        if cached is not None:
            return cached
        return remember(self._provenance_cache, key, cost.price_attributes(), _MAX_CACHED)

    def _from_cost(self, call: GenAICall, cost: Cost) -> PricedCall:
        total = cost.total_usd
        if total is None:
            result = self.unpriced(call, cost.reason or _R.UNKNOWN_MODEL, cost.detail or "", cost.table_version)
            if cost.entry is not None:
                result.attributes[a.LLMCOST_PRICE_ENTRY] = cost.entry
            return result
        status = (
            _S.ESTIMATED if cost.estimated else call.usage_status if call.usage_status in _KEPT_STATUSES else _S.PRICED
        )
        attributes = self._head(status, float(total), cost)
        buckets: dict[str, Decimal] = {}
        for unit, amount in cost.breakdown_usd.items():
            key = _bucket(unit)
            buckets[key] = buckets[key] + amount if key in buckets else amount
        for key, amount in buckets.items():
            attributes[key] = float(amount)
        return PricedCall(status, attributes, total, None, call.provider, call.model)


class _Quotes:
    """A plan and its quotes, one per tier: ``base`` for the base prices, the long-context tiers' on first use."""

    __slots__ = ("_make", "_quotes", "base", "lowest", "off_peak", "peak", "plan")

    def __init__(self, plan: Plan, make: Callable[[Plan, int], Quote]) -> None:
        self.plan = plan
        self.peak = plan.period.peak
        """The vendor's peak hours, if its prices have some; outside them, ``off_peak`` prices the call."""
        self.off_peak: _Quotes | None = None
        self._make = make
        self.base = make(plan, 0)
        self._quotes: list[Quote | None] = [self.base, *[None] * (len(plan.applied) - 1)]
        tiers = plan.period.tiers
        self.lowest = min(tier.above_input_tokens for tier in tiers) if tiers else None
        """The lowest long-context threshold, if the model has tiers: a call whose input does not exceed it
        pays the base prices (`tier_of`), and is priced without working out its tier."""

    def pick(self, tokens: Sequence[int]) -> Quote:
        """The quote of the tier of a call with ``tokens`` (`TOKEN_UNITS`, in order)."""
        lowest = self.lowest
        # `Usage.input_tokens` as the sum of its slice: a third of the property's instructions.
        if lowest is None or sum(tokens[:_INPUT_FIELDS]) <= lowest:
            return self.base
        return self.quote(tokens)

    def quote(self, tokens: Sequence[int]) -> Quote:
        """The quote of the tier of a call with ``tokens``."""
        tier = self.plan.tier(tokens)  # pyright: ignore[reportArgumentType] - its input buckets are all it reads
        quote = self._quotes[tier]
        if quote is None:
            quote = self._quotes[tier] = self._make(self.plan, tier)
        return quote
