"""The Google Gen AI instrumentor: a GenAI span with usage for every paid call of ``google-genai`` (1.11 to 3.x).

    from otel_llmcost.instrumentation.google_genai import GoogleGenAIInstrumentor

    GoogleGenAIInstrumentor().instrument(tracer_provider=provider)

Or with no code: ``opentelemetry-instrument python app.py`` finds it under the ``opentelemetry_instrumentor``
entry point ``llmcost_google_genai``. Importing this module does not import ``google.genai``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # pyright: ignore[reportMissingTypeStubs]

from .._genai import Telemetry, content_capture_from_env

if TYPE_CHECKING:
    from ._patches import Applied

__all__ = ["GoogleGenAIInstrumentor"]

_VERSION = "0.1.0"


class GoogleGenAIInstrumentor(BaseInstrumentor):  # pyright: ignore[reportUntypedBaseClass]
    """Traces google-genai's paid calls: ``generate_content`` (streamed or not, chats included), embeddings.

    The Gemini Developer API's calls are ``gcp.gemini``, Vertex AI's (``Client(vertexai=True)``) ``gcp.vertex_ai``.
    `instrument` takes, besides ``tracer_provider`` and ``meter_provider``, ``capture_content`` (bool): record
    prompts and answers on spans; by default ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` decides.
    """

    # Class defaults, not __init__: BaseInstrumentor is a singleton.
    _applied: Applied | None = None
    _telemetry: Telemetry | None = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("google-genai >= 1.11",)

    def _instrument(self, **kwargs: Any) -> None:
        from ._patches import PATCHES, apply
        from ._wrap import Setup

        capture = kwargs.get("capture_content")
        telemetry = Telemetry(
            __name__,
            _VERSION,
            tracer_provider=kwargs.get("tracer_provider"),
            meter_provider=kwargs.get("meter_provider"),
            capture_content=capture if isinstance(capture, bool) else content_capture_from_env(),
        )
        self._telemetry = telemetry
        self._applied = apply(PATCHES, Setup(telemetry))

    def _uninstrument(self, **kwargs: Any) -> None:
        if self._telemetry is not None:
            self._telemetry.active = False
            self._telemetry = None
        if self._applied is not None:
            self._applied.remove()
            self._applied = None
