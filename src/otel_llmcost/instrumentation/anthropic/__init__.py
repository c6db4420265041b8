"""The Anthropic instrumentor: a GenAI span with usage for every paid call of the ``anthropic`` SDK (0.40 to 2.x).

    from otel_llmcost.instrumentation.anthropic import AnthropicInstrumentor

    AnthropicInstrumentor().instrument(tracer_provider=provider)

Or with no code: ``opentelemetry-instrument python app.py`` finds it under the ``opentelemetry_instrumentor``
entry point ``llmcost_anthropic``. Neither importing this module nor instrumenting imports ``anthropic``: the SDK
is patched when the application imports it.

Recent SDKs trace their own calls (1.17 and 2.x do, 0.40 does not); a client whose tracing is on keeps its own
span (priced by `CostSpanProcessor`) and gets none of ours; ours only fills what that span misses (the output of
a stream left early). Clients whose tracing is off (``open_telemetry=False``,
``ANTHROPIC_OPEN_TELEMETRY=false``) and every client of SDKs that do not trace themselves are traced here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._instrumentor import Instrumentor, Options

if TYPE_CHECKING:
    from .._adapter import Adapter
    from .._patches import Patch

__all__ = ["AnthropicInstrumentor"]


class AnthropicInstrumentor(Instrumentor):
    """Traces the Anthropic SDK's Messages API: create, stream, parse (and their beta twins).

    `instrument` takes, besides ``tracer_provider`` and ``meter_provider``, ``capture_content`` (bool: record
    prompts and completions on spans; by default ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``
    decides, off when unset) and ``providers`` (``gen_ai.provider.name`` by base URL host).
    """

    sdk = "anthropic"

    dependencies = ("anthropic >= 0.40",)

    def provider(self, options: Options) -> tuple[Adapter, Iterable[Patch]]:
        from ._adapter import AnthropicAdapter
        from ._patches import PATCHES

        return AnthropicAdapter(options.providers), PATCHES
