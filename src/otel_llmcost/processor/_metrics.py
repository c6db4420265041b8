"""The cost counter and the unpriced-calls counter, with bounded attributes.

Both are observable counters fed from totals kept here: adding a call is a dictionary update, and the
metrics SDK reads the totals when it collects, off the application's path.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from decimal import Decimal

from opentelemetry.metrics import CallbackOptions, MeterProvider, Observation, get_meter

from .. import _attributes as a
from ..usage import GenAICall
from ._pricer import PricedCall

__all__ = ["CostMetrics"]

_MAX_MODELS = 500
_OTHER = "_OTHER"
_VERSION = "0.1.0"

_Key = tuple[str | None, str | None, str | None, str | None, str]


class CostMetrics:
    """Records what priced spans cost, and how many calls went unpriced.

    Attributes are the provider, operation, request and response model and the status (or reason): never
    user or tenant ids. Model names past the first 500 distinct ones are recorded as ``_OTHER``, so a
    misbehaving source cannot explode the metric's cardinality.
    """

    def __init__(self, meter_provider: MeterProvider | None = None) -> None:
        meter = get_meter("otel_llmcost", _VERSION, meter_provider=meter_provider)
        self._cost: dict[_Key, Decimal] = {}
        self._unpriced: dict[_Key, int] = {}
        self._models: set[str] = set()
        self._lock = threading.Lock()
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

    def _model(self, model: str | None) -> str | None:
        if model is None or model in self._models:
            return model
        if len(self._models) >= _MAX_MODELS:
            return _OTHER
        self._models.add(model)
        return model

    def record(self, call: GenAICall, priced: PricedCall) -> None:
        """Adds one span's outcome: its cost, or one unpriced call. Failed calls cost nothing and count nowhere."""
        amount = priced.amount_usd
        if amount is None and (priced.status != "unpriced" or priced.reason == "failed_call"):
            return
        request_model, response_model, models = call.request_model, call.response_model, self._models
        with self._lock:
            key: _Key = (
                call.provider,
                call.operation,
                request_model if request_model in models else self._model(request_model),
                response_model if response_model in models else self._model(response_model),
                priced.status if amount is not None else (priced.reason or "unknown_model"),
            )
            if amount is not None:
                self._cost[key] = self._cost.get(key, Decimal(0)) + amount
            else:
                self._unpriced[key] = self._unpriced.get(key, 0) + 1

    @staticmethod
    def _attributes(key: _Key, last: str) -> dict[str, str]:
        provider, operation, request_model, response_model, value = key
        attributes = {last: value}
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
        with self._lock:
            totals = list(self._cost.items())
        return [Observation(float(total), self._attributes(key, a.LLMCOST_STATUS)) for key, total in totals]

    def _observe_unpriced(self, options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            counts = list(self._unpriced.items())
        return [Observation(count, self._attributes(key, a.LLMCOST_REASON)) for key, count in counts]
