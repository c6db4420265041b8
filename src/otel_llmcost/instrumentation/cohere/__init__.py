"""The Cohere instrumentor: a GenAI span with usage for every paid call of the ``cohere`` SDK's v2 client (5.x+).

    from otel_llmcost.instrumentation.cohere import CohereInstrumentor

    CohereInstrumentor().instrument(tracer_provider=provider)

Or with no code: ``opentelemetry-instrument`` finds it under the entry point ``llmcost_cohere``. Neither
importing this module nor instrumenting imports ``cohere``: the SDK is patched when the application imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._instrumentor import Instrumentor, Options

if TYPE_CHECKING:
    from .._adapter import Adapter
    from .._patches import Patch

__all__ = ["CohereInstrumentor"]


class CohereInstrumentor(Instrumentor):
    """Traces the Cohere SDK's v2 client (``cohere.ClientV2``, ``client.v2``): chat, chat_stream, embed, rerank.

    Usage is what Cohere bills (``billed_units``), not the tokens the model consumed (``tokens``).
    `instrument` takes, besides ``tracer_provider`` and ``meter_provider``: ``capture_content`` (bool) and
    ``providers`` (``{"host": "provider"}`` for a base URL that is not Cohere's own API).
    """

    sdk = "cohere"

    dependencies = ("cohere >= 5.0",)

    def provider(self, options: Options) -> tuple[Adapter, Iterable[Patch]]:
        from ... import _attributes as a
        from .._endpoints import Endpoints
        from ._adapter import CohereAdapter
        from ._patches import PATCHES

        endpoints = Endpoints(options.providers, default=a.GenAiProviderNameValues.COHERE)
        return CohereAdapter(endpoints), PATCHES
