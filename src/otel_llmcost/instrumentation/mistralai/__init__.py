"""The Mistral instrumentor: a GenAI span with usage for every paid call of the ``mistralai`` SDK (1.x to 3.x).

    from otel_llmcost.instrumentation.mistralai import MistralInstrumentor

    MistralInstrumentor().instrument(tracer_provider=provider)

Or with no code: ``opentelemetry-instrument`` finds it under the entry point ``llmcost_mistralai``. Neither
importing this module nor instrumenting imports ``mistralai``: the SDK is patched when the application imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ... import _attributes as a
from .._endpoints import Endpoints
from .._instrumentor import Instrumentor, Options

if TYPE_CHECKING:
    from .._adapter import Adapter
    from .._patches import Patch

__all__ = ["MistralInstrumentor"]


class MistralInstrumentor(Instrumentor):
    """Traces the Mistral SDK's paid endpoints: chat (``complete``, ``stream``), FIM, agents, embeddings, OCR.

    When the SDK's own tracing (mistralai 3.x, ``MISTRAL_SDK_TELEMETRY`` or ``configure_telemetry``) is on
    for a client, its spans are the call's and ours steps aside: the cost processor prices them.

    `instrument` takes, besides ``tracer_provider`` and ``meter_provider``: ``capture_content`` (bool) and
    ``providers`` (``{"host": "provider"}`` for a server URL that is not Mistral's own API).
    """

    sdk = "mistralai"
    # mistralai 3.x's top module is a namespace package, imported with no code of the SDK's run yet: its client
    # package is the one to wait for there (mistralai 1.x's top module is a regular package).
    also = ("mistralai.client",)

    dependencies = ("mistralai >= 1.0",)

    def provider(self, options: Options) -> tuple[Adapter, Iterable[Patch]]:
        from ._adapter import MistralAdapter
        from ._patches import PATCHES

        endpoints = Endpoints(options.providers, default=a.GenAiProviderNameValues.MISTRAL_AI)
        return MistralAdapter(endpoints), PATCHES
