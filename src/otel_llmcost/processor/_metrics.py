"""The cost counter and the unpriced-calls counter, with bounded attributes."""

from __future__ import annotations

import threading

from opentelemetry.metrics import MeterProvider, get_meter

from .. import _attributes as a
from ..usage import GenAICall
from ._pricer import PricedCall

__all__ = ["CostMetrics"]

_MAX_MODELS = 500
_OTHER = "_OTHER"
_VERSION = "0.1.0"


class CostMetrics:
    """Records what priced spans cost, and how many calls went unpriced.

    Attributes are the provider, operation, request and response model and the status (or reason): never
    user or tenant ids. Model names past the first 500 distinct ones are recorded as ``_OTHER``, so a
    misbehaving source cannot explode the metric's cardinality.
    """

    def __init__(self, meter_provider: MeterProvider | None = None) -> None:
        meter = get_meter("otel_llmcost", _VERSION, meter_provider=meter_provider)
        self._cost = meter.create_counter(
            a.METRIC_LLMCOST_COST, unit=a.METRIC_LLMCOST_COST_UNIT, description="Cost of priced GenAI calls"
        )
        self._unpriced = meter.create_counter(
            a.METRIC_LLMCOST_UNPRICED_CALLS,
            unit=a.METRIC_LLMCOST_UNPRICED_CALLS_UNIT,
            description="GenAI calls that could not be priced",
        )
        self._models: set[str] = set()
        self._lock = threading.Lock()
        self._attribute_sets: dict[tuple[object, ...], dict[str, str]] = {}

    def _model(self, model: str | None) -> str | None:
        if model is None or model in self._models:
            return model
        with self._lock:
            if len(self._models) >= _MAX_MODELS:
                return _OTHER
            self._models.add(model)
        return model

    def _attributes(self, call: GenAICall, last_key: str, last_value: str) -> dict[str, str]:
        key = (call.provider, call.operation, call.request_model, call.response_model, last_value)
        found = self._attribute_sets.get(key)
        if found is not None:
            return found
        attributes: dict[str, str] = {last_key: last_value}
        values = (
            (a.GEN_AI_PROVIDER_NAME, call.provider),
            (a.GEN_AI_OPERATION_NAME, call.operation),
            (a.GEN_AI_REQUEST_MODEL, self._model(call.request_model)),
            (a.GEN_AI_RESPONSE_MODEL, self._model(call.response_model)),
        )
        attributes.update((name, value) for name, value in values if value is not None)
        if len(self._attribute_sets) < 4 * _MAX_MODELS:
            self._attribute_sets[key] = attributes
        return attributes

    def record(self, call: GenAICall, priced: PricedCall) -> None:
        """Adds one span's outcome: its cost, or one unpriced call. Failed calls cost nothing and count nowhere."""
        if priced.amount_usd is not None:
            self._cost.add(float(priced.amount_usd), self._attributes(call, a.LLMCOST_STATUS, priced.status))
        elif priced.status == "unpriced" and priced.reason != "failed_call":
            self._unpriced.add(1, self._attributes(call, a.LLMCOST_REASON, priced.reason or "unknown_model"))
