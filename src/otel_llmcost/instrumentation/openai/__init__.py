"""The OpenAI instrumentor: a GenAI span with usage for every paid call of the ``openai`` SDK (1.40 to 3.x).

    from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=provider)

Or with no code: ``opentelemetry-instrument python app.py`` finds it under the ``opentelemetry_instrumentor``
entry point ``llmcost_openai``. Importing this module does not import ``openai``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # pyright: ignore[reportMissingTypeStubs]

from .._genai import Telemetry, content_capture_from_env, events_from_env

if TYPE_CHECKING:
    from ._patches import Applied

__all__ = ["OpenAIInstrumentor"]

_VERSION = "0.1.0"


class OpenAIInstrumentor(BaseInstrumentor):  # pyright: ignore[reportUntypedBaseClass]
    """Traces the OpenAI SDK's paid endpoints: chat completions, responses, embeddings, audio, images, moderations.

    `instrument` takes, besides ``tracer_provider`` and ``meter_provider``:

    - ``capture_content`` (bool): record prompts and completions on spans; by default the value of
      ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` decides (off when unset). Its ``event_only`` and
      ``span_and_event`` modes also emit the conventions' ``gen_ai.client.inference.operation.details`` event
      per call, with the content, to ``logger_provider`` (the global one by default).
    - ``request_stream_usage`` (bool, default off): ask providers known to accept it for a stream's usage
      (``stream_options.include_usage``) when the caller did not, and hide that extra usage-only chunk from
      the caller. Without it, a stream with no usage chunk gets an estimated usage.
    - ``providers`` (mapping): ``gen_ai.provider.name`` for base URL hosts the instrumentor does not know,
      as ``{"host": "provider"}`` or ``{"host:port": "provider"}``.
    """

    # Class defaults, not __init__: BaseInstrumentor is a singleton, and every OpenAIInstrumentor() would reset them.
    _applied: Applied | None = None
    _telemetry: Telemetry | None = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("openai >= 1.40",)

    def _instrument(self, **kwargs: Any) -> None:
        from ._patches import PATCHES, apply
        from ._providers import Endpoints
        from ._wrap import Setup

        capture = kwargs.get("capture_content")
        providers = kwargs.get("providers")
        telemetry = Telemetry(
            __name__,
            _VERSION,
            tracer_provider=kwargs.get("tracer_provider"),
            meter_provider=kwargs.get("meter_provider"),
            capture_content=capture if isinstance(capture, bool) else content_capture_from_env(),
            logger_provider=kwargs.get("logger_provider"),
            events=events_from_env(),
        )
        setup = Setup(
            telemetry,
            Endpoints(providers if isinstance(providers, Mapping) else None),  # pyright: ignore[reportUnknownArgumentType]
            request_stream_usage=kwargs.get("request_stream_usage") is True,
        )
        self._telemetry = telemetry
        self._applied = apply(PATCHES, setup)

    def _uninstrument(self, **kwargs: Any) -> None:
        if self._telemetry is not None:
            # Bound methods taken while instrumented (an SDK object's with_raw_response keeps them) call
            # through from now on.
            self._telemetry.active = False
            self._telemetry = None
        if self._applied is not None:
            self._applied.remove()
            self._applied = None
