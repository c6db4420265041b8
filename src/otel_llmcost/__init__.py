"""otel-llmcost: the cost of every paid AI call, on the OpenTelemetry GenAI spans you already export.

One line prices every GenAI span a tracer provider emits::

    from otel_llmcost import CostSpanProcessor

    provider.add_span_processor(CostSpanProcessor(BatchSpanProcessor(OTLPSpanExporter())))

`otel_llmcost.pricing` prices a usage without OpenTelemetry; importing it does not import OpenTelemetry,
so the processor's names here load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .pricing import Cost, PriceFileError, PriceTable, PricingError, RequestContext, Usage, price

if TYPE_CHECKING:
    from .attribution import (
        AttributionSpanProcessor,
        BudgetExceeded,
        attribute,
        budget,
        in_context,
        reset_attributes,
        section,
        set_attributes,
    )
    from .processor import CostSpanExporter, CostSpanProcessor
    from .setup import CostRecordingSampler, flush, instrument, uninstrument

__all__ = [
    "AttributionSpanProcessor",
    "BudgetExceeded",
    "Cost",
    "CostRecordingSampler",
    "CostSpanExporter",
    "CostSpanProcessor",
    "PriceFileError",
    "PriceTable",
    "PricingError",
    "RequestContext",
    "Usage",
    "attribute",
    "budget",
    "flush",
    "in_context",
    "instrument",
    "price",
    "reset_attributes",
    "section",
    "set_attributes",
    "uninstrument",
]

__version__ = "0.1.0"

_ATTRIBUTION = frozenset(
    {
        "AttributionSpanProcessor",
        "BudgetExceeded",
        "attribute",
        "budget",
        "in_context",
        "reset_attributes",
        "section",
        "set_attributes",
    }
)


def __getattr__(name: str) -> object:
    if name in ("CostSpanProcessor", "CostSpanExporter"):
        from . import processor

        return getattr(processor, name)
    if name in ("CostRecordingSampler", "flush", "instrument", "uninstrument"):
        from . import setup

        return getattr(setup, name)
    if name in _ATTRIBUTION:
        from . import attribution

        return getattr(attribution, name)
    raise AttributeError(f"module 'otel_llmcost' has no attribute {name!r}")
