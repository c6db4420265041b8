"""The cost processor and exporter: GenAI spans in, priced copies out."""

from ._exporter import CostSpanExporter
from ._processor import CostSpanProcessor

__all__ = ["CostSpanExporter", "CostSpanProcessor"]
