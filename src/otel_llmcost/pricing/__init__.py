"""Prices for GenAI calls: the price table, matching a model to a price, and the cost of a usage.

Standard library only, so it can be used without OpenTelemetry::

    from otel_llmcost.pricing import Usage, price

    cost = price(Usage.from_totals(input_tokens=1200, output_tokens=300), provider="openai", model="gpt-4o")
    cost.total_usd  # Decimal('0.0060000'): exact (trailing zeros come from the token count)

The bundled table loads lazily, on the first call, with no network. Override files in the same format
come from the ``OTEL_LLMCOST_PRICING_FILE`` variable or `PriceTable.load`.

For a pricing engine that prices many calls alike (the cost processor): `PriceTable.plan` resolves how calls
to a model are priced once, `Plan.prices` gives a tier's `Applied` prices, and `TokenRates` is the exact
arithmetic of their tokens that `Plan.cost` uses.
"""

from ..usage import TOKEN_UNITS, RequestContext, Usage
from ._compute import Applied, TokenRates
from ._errors import PriceFileError, PricingError
from ._load import check_provider_file
from ._model import Conversion, Cost
from ._table import PRICING_FILE_ENV, Plan, PriceTable, default_table, environment_files, price

__all__ = [
    "PRICING_FILE_ENV",
    "TOKEN_UNITS",
    "Applied",
    "Conversion",
    "Cost",
    "Plan",
    "PriceFileError",
    "PriceTable",
    "PricingError",
    "RequestContext",
    "TokenRates",
    "Usage",
    "check_provider_file",
    "default_table",
    "environment_files",
    "price",
]
