"""The Google Gen AI instrumentor: a GenAI span with usage for every paid call of ``google-genai`` (1.11 to 3.x).

    from otel_llmcost.instrumentation.google_genai import GoogleGenAIInstrumentor

    GoogleGenAIInstrumentor().instrument(tracer_provider=provider)

Or with no code: ``opentelemetry-instrument python app.py`` finds it under the ``opentelemetry_instrumentor``
entry point ``llmcost_google_genai``. Neither importing this module nor instrumenting imports ``google.genai``:
the SDK is patched when the application imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._instrumentor import Instrumentor, Options

if TYPE_CHECKING:
    from .._adapter import Adapter
    from .._patches import Patch

__all__ = ["GoogleGenAIInstrumentor"]


class GoogleGenAIInstrumentor(Instrumentor):
    """Traces google-genai's paid calls: ``generate_content`` (streamed or not, chats included), embeddings, Imagen.

    Calls to the Gemini Developer API are ``gcp.gemini``, to Vertex AI (``Client(vertexai=True)``)
    ``gcp.vertex_ai``. `instrument` takes, besides ``tracer_provider`` and ``meter_provider``:

    - ``capture_content`` (bool): record prompts and answers on spans; by default the value of
      ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` decides (off when unset).
    - ``providers`` (mapping): ``gen_ai.provider.name`` for base URL hosts (a gateway), as ``{"host": "provider"}``.
    """

    sdk = "google.genai"

    dependencies = ("google-genai >= 1.11",)

    def provider(self, options: Options) -> tuple[Adapter, Iterable[Patch]]:
        from ._adapter import GoogleGenAIAdapter
        from ._patches import PATCHES

        return GoogleGenAIAdapter(options.providers), PATCHES
