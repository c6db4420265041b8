"""The cost processor and exporter: GenAI spans in, priced copies out.

`CostTotal` and `UnpricedTotal` are what `CostSpanProcessor.totals` reports (the cost summary at exit).
"""

from ._exporter import CostSpanExporter
from ._metrics import CostTotal, UnpricedTotal
from ._processor import CostSpanProcessor

__all__ = ["CostSpanExporter", "CostSpanProcessor", "CostTotal", "UnpricedTotal"]
