"""The OpenAI instrumentor: a GenAI span with usage for every paid call of the ``openai`` SDK (1.40 to 3.x).

    from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=provider)

Or with no code: ``opentelemetry-instrument python app.py`` finds it under the ``opentelemetry_instrumentor``
entry point ``llmcost_openai``. Neither importing this module nor instrumenting imports ``openai``: the SDK is
patched when the application imports it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from .._instrumentor import Instrumentor, Options

if TYPE_CHECKING:
    from .._adapter import Adapter
    from .._patches import Patch

__all__ = ["OpenAIInstrumentor"]


class OpenAIInstrumentor(Instrumentor):
    """Traces the OpenAI SDK's paid endpoints: chat completions, responses, embeddings, audio, images, moderations.

    `instrument` takes, besides ``tracer_provider``, ``meter_provider`` and ``logger_provider``:

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

    sdk = "openai"

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("openai >= 1.40",)

    def provider(self, options: Options) -> tuple[Adapter, Iterable[Patch]]:
        from ._adapter import OpenAIAdapter
        from ._patches import PATCHES
        from ._providers import Endpoints

        return OpenAIAdapter(Endpoints(options.providers)), PATCHES
