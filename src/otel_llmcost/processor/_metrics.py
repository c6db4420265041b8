"""The cost counter and the unpriced-calls counter, with bounded attributes.

Both are observable counters fed from totals kept here: adding a call is a dictionary update, and the
metrics SDK reads the totals when it collects, off the application's path. The same totals make the
cost summary printed at exit (``otel_llmcost.setup``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Collection, Generator, Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from opentelemetry.metrics import CallbackOptions, MeterProvider, Observation, get_meter

from .. import _attributes as a
from ..usage import GenAICall
from ._pricer import PricedCall
from ._tracking import reset_in_forked_child

__all__ = [
    "METRIC_ATTRIBUTES_ENV",
    "CostMetrics",
    "CostTotal",
    "MetricValue",
    "UnpricedTotal",
    "metric_attribute_keys",
]

_log = logging.getLogger("otel_llmcost")

METRIC_ATTRIBUTES_ENV = "OTEL_LLMCOST_METRIC_ATTRIBUTES"
"""Span attribute keys to add to the cost counter, comma-separated (``tenant.id,customer.tier``); off when unset."""

_MAX_MODELS = 500
_PENDING = 256
"""Outcomes recorded before they are summed: a span's end only queues its outcome (one append), and the sums are
made in batches, by the span that fills the queue or by a reader. A span's end runs after the provider SDK's own
work, with the processor's code and data out of the caches, and the sums (a lock, the key, a `Decimal`
addition) were a tenth of its time there; a batch of them runs with both warm. A processor that prices in
batches sums them at the end of each batch (`sum_pending`)."""
_S = a.LlmcostStatusValues
_ZERO = Decimal(0)
_OTHER = "_OTHER"
_VERSION = "0.1.0"
_OWN_KEYS = frozenset(
    {a.GEN_AI_PROVIDER_NAME, a.GEN_AI_OPERATION_NAME, a.GEN_AI_REQUEST_MODEL, a.GEN_AI_RESPONSE_MODEL, a.LLMCOST_STATUS}
)

MetricValue = str | bool | int | float
"""A value an opt-in attribute can take on the counter (span attribute values that are not sequences)."""

_Key = tuple[str | None, str | None, str | None, str | None, str]
_Outcome = tuple[
    str | None, str | None, str | None, str | None, str, Decimal | None, str | None, Sequence[MetricValue | None]
]
"""A queued outcome: the arguments of `CostMetrics.record_amount`, in order."""
_CostKey = tuple[str | None, str | None, str | None, str | None, str, tuple[MetricValue | None, ...]]


class CostTotal(NamedTuple):
    """What the priced calls with one set of counter attributes cost, in this process so far."""

    provider: str | None
    operation: str | None
    request_model: str | None
    response_model: str | None
    status: str
    cost_usd: Decimal
    calls: int


class UnpricedTotal(NamedTuple):
    """How many calls with one set of attributes went unpriced, and why."""

    provider: str | None
    operation: str | None
    request_model: str | None
    response_model: str | None
    reason: str
    calls: int


def metric_attribute_keys(keys: Collection[str] | None) -> tuple[str, ...]:
    """The opt-in counter attributes: ``keys``, or ``OTEL_LLMCOST_METRIC_ATTRIBUTES`` when None.

    Raises:
        ValueError: a key is empty or is one the counter has already.
    """
    if keys is None:
        keys = os.environ.get(METRIC_ATTRIBUTES_ENV, "").split(",")
    elif isinstance(keys, str):
        keys = [keys]
    found = tuple(dict.fromkeys(key.strip() for key in keys if key.strip()))
    clash = sorted(_OWN_KEYS.intersection(found))
    if clash:
        raise ValueError(
            f"{clash[0]!r} is an attribute of the cost counter already; name only extra span attributes "
            f"(such as tenant.id) in metric_attributes or {METRIC_ATTRIBUTES_ENV}"
        )
    return found


class CostMetrics:
    """Records what priced spans cost, and how many calls went unpriced.

    Attributes are the provider, operation, request and response model and the status (or reason): never
    user or tenant ids unless asked for. Model names past the first 500 distinct ones are recorded as
    ``_OTHER``, so a misbehaving source cannot explode the metric's cardinality.

    ``metric_attributes`` names extra attributes for the cost counter (``tenant.id``), off by default; each
    keeps its first ``max_attribute_values`` distinct values and records later ones as ``_OTHER``.
    """

    def __init__(
        self,
        meter_provider: MeterProvider | None = None,
        *,
        metric_attributes: Sequence[str] = (),
        max_attribute_values: int = 100,
    ) -> None:
        meter = get_meter("otel_llmcost", _VERSION, meter_provider=meter_provider)
        self.attribute_keys = tuple(metric_attributes)
        self._max_values = max_attribute_values
        self.before_read: Callable[[], None] | None = None
        """Called before the totals are read: the processor prices the spans it has queued."""
        self._reset()
        reset_in_forked_child(self._reset)
        meter.create_observable_counter(
            a.METRIC_LLMCOST_COST,
            callbacks=[self._observe_cost],
            unit=a.METRIC_LLMCOST_COST_UNIT,
            description="Cost of priced GenAI calls",
        )
        meter.create_observable_counter(
            a.METRIC_LLMCOST_UNPRICED_CALLS,
            callbacks=[self._observe_unpriced],
            unit=a.METRIC_LLMCOST_UNPRICED_CALLS_UNIT,
            description="GenAI calls that could not be priced",
        )

    def _reset(self) -> None:
        """Starts from zero: a forked child reports its own calls, not the parent's again."""
        # Per key, the cost and the number of calls: one look-up per priced call.
        self._cost: dict[_CostKey, list[Any]] = {}
        self._unpriced: dict[_Key, int] = {}
        self._models: set[str] = set()
        self._values: list[set[MetricValue]] = [set() for _ in self.attribute_keys]
        self._lock = threading.Lock()
        self._pending: deque[_Outcome] = deque()

    def _model(self, model: str | None) -> str | None:
        if model is None or model in self._models:
            return model
        if len(self._models) >= _MAX_MODELS:
            return _OTHER
        self._models.add(model)
        return model

    def _bounded(self, values: Sequence[MetricValue | None]) -> tuple[MetricValue | None, ...]:
        bounded: list[MetricValue | None] = []
        for value, seen in zip(values or [None] * len(self._values), self._values, strict=True):
            if value is not None and value not in seen:
                if len(seen) >= self._max_values:
                    if _OTHER not in seen:  # one warning per attribute
                        seen.add(_OTHER)
                        _log.warning(
                            "otel-llmcost: the cost counter's attribute %s has %d distinct values; later values "
                            "are counted as %s",
                            self.attribute_keys[len(bounded)],
                            self._max_values,
                            _OTHER,
                        )
                    value = _OTHER
                else:
                    seen.add(value)
            bounded.append(value)
        return tuple(bounded)

    def record(self, call: GenAICall, priced: PricedCall, values: Sequence[MetricValue | None] = ()) -> None:
        """Adds one span's outcome: its cost, or one unpriced call. Failed calls cost nothing and count nowhere.

        ``values`` are the call's values of the opt-in attributes, in order; None where it has none. The outcome
        is queued and summed with others (see `_PENDING`); every reader sums the queue first.
        """
        self.record_amount(
            call.provider,
            call.operation,
            call.request_model,
            call.response_model,
            priced.status,
            priced.amount_usd,
            priced.reason,
            values,
        )

    def record_amount(
        self,
        provider: str | None,
        operation: str | None,
        request_model: str | None,
        response_model: str | None,
        status: str,
        amount: Decimal | None,
        reason: str | None = None,
        values: Sequence[MetricValue | None] = (),
    ) -> None:
        """`record` for a caller that has the outcome's parts rather than a `GenAICall` and a `PricedCall`."""
        pending = self._pending
        pending.append((provider, operation, request_model, response_model, status, amount, reason, values))
        if len(pending) >= _PENDING:
            with self._lock:
                self._sum_pending()

    def sum_pending(self) -> None:
        """Sums the queued outcomes now: the processor does so at the end of each batch of spans it prices, while
        their outcomes are still in the caches (inside real calls, 1.0 µs an outcome; 1.2-1.4 µs summed 256 at a
        time, long after)."""
        if self._pending:
            with self._lock:
                self._sum_pending()

    def _sum_pending(self) -> None:
        """Sums the queued outcomes (see `record_amount`), oldest first; the caller holds the lock. Each is taken off
        the queue in one step (a deque's ``popleft``), so a span that queues one meanwhile loses nothing. One loop,
        no call per outcome: it runs for every priced call."""
        pending, models, costs = self._pending, self._models, self._cost
        while pending:
            provider, operation, request_model, response_model, status, amount, reason, values = pending.popleft()
            if amount is None and (status != _S.UNPRICED or reason == a.LlmcostReasonValues.FAILED_CALL):
                continue
            if request_model not in models:
                request_model = self._model(request_model)
            if response_model not in models:
                response_model = self._model(response_model)
            if amount is None:
                reason = reason or a.LlmcostReasonValues.UNKNOWN_MODEL
                key: _Key = (provider, operation, request_model, response_model, reason)
                self._unpriced[key] = self._unpriced.get(key, 0) + 1
                continue
            cost_key: _CostKey = (
                provider,
                operation,
                request_model,
                response_model,
                status,
                self._bounded(values) if self._values else (),
            )
            total = costs.get(cost_key)
            if total is None:
                total = costs[cost_key] = [_ZERO, 0]
            total[0] += amount
            total[1] += 1

    @contextlib.contextmanager
    def _up_to_date(self) -> Generator[None]:
        """Holds the lock over totals brought up to date: the processor's queued spans priced (`before_read`), then
        the queued outcomes summed."""
        if self.before_read is not None:
            self.before_read()
        with self._lock:
            self._sum_pending()
            yield

    def totals(self) -> tuple[list[CostTotal], list[UnpricedTotal]]:
        """What this process's calls cost so far, and the calls left unpriced (opt-in attributes summed over)."""
        merged: dict[_Key, tuple[Decimal, int]] = {}
        with self._up_to_date():
            for (provider, operation, request_model, response_model, status, _), (amount, count) in self._cost.items():
                key: _Key = (provider, operation, request_model, response_model, status)
                before, calls = merged.get(key, (_ZERO, 0))
                merged[key] = (before + amount, calls + count)
            unpriced = [UnpricedTotal(*key, count) for key, count in self._unpriced.items()]
        priced = [CostTotal(*key, amount, calls) for key, (amount, calls) in merged.items()]
        return priced, unpriced

    @staticmethod
    def _attributes(key: _Key, last: str) -> dict[str, MetricValue]:
        provider, operation, request_model, response_model, value = key
        attributes: dict[str, MetricValue] = {last: value}
        for name, item in (
            (a.GEN_AI_PROVIDER_NAME, provider),
            (a.GEN_AI_OPERATION_NAME, operation),
            (a.GEN_AI_REQUEST_MODEL, request_model),
            (a.GEN_AI_RESPONSE_MODEL, response_model),
        ):
            if item is not None:
                attributes[name] = item
        return attributes

    def _observe_cost(self, options: CallbackOptions) -> Iterable[Observation]:
        with self._up_to_date():
            totals = [(key, total[0]) for key, total in self._cost.items()]
        observations: list[Observation] = []
        for key, total in totals:
            attributes = self._attributes(key[:5], a.LLMCOST_STATUS)  # pyright: ignore[reportArgumentType]
            for name, value in zip(self.attribute_keys, key[5], strict=True):
                if value is not None:
                    attributes[name] = value
            observations.append(Observation(float(total), attributes))
        return observations

    def _observe_unpriced(self, options: CallbackOptions) -> Iterable[Observation]:
        with self._up_to_date():
            counts = list(self._unpriced.items())
        return [Observation(count, self._attributes(key, a.LLMCOST_REASON)) for key, count in counts]
