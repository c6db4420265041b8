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
    from .processor import CostSpanExporter, CostSpanProcessor
    from .setup import CostRecordingSampler, flush, instrument, uninstrument

__all__ = [
    "Cost",
    "CostRecordingSampler",
    "CostSpanExporter",
    "CostSpanProcessor",
    "PriceFileError",
    "PriceTable",
    "PricingError",
    "RequestContext",
    "Usage",
    "flush",
    "instrument",
    "price",
    "uninstrument",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    if name in ("CostSpanProcessor", "CostSpanExporter"):
        from . import processor

        return getattr(processor, name)
    if name in ("CostRecordingSampler", "flush", "instrument", "uninstrument"):
        from . import setup

        return getattr(setup, name)
    raise AttributeError(f"module 'otel_llmcost' has no attribute {name!r}")
