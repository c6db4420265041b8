"""The AWS Bedrock instrumentor: a GenAI span with usage for every paid ``bedrock-runtime`` call of ``botocore``.

    from otel_llmcost.instrumentation.bedrock import BedrockInstrumentor

    BedrockInstrumentor().instrument(tracer_provider=provider)

Or with no code: ``opentelemetry-instrument python app.py`` finds it under the ``opentelemetry_instrumentor``
entry point ``llmcost_bedrock``. Neither importing this module nor instrumenting imports ``botocore``: it is
patched when the application imports it (``boto3`` imports it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._instrumentor import Instrumentor, Options

if TYPE_CHECKING:
    from .._adapter import Adapter
    from .._patches import Patch

__all__ = ["BedrockInstrumentor"]


class BedrockInstrumentor(Instrumentor):
    """Traces Bedrock Runtime's paid operations: ``converse``, ``converse_stream``, ``invoke_model`` and
    ``invoke_model_with_response_stream``, whatever the model family.

    `instrument` takes, besides ``tracer_provider`` and ``meter_provider``:

    - ``capture_content`` (bool): record Converse's prompts, system instructions and completions on spans
      (InvokeModel's family-specific bodies are not recorded); by default the value of
      ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` decides (off when unset).
    - ``providers`` (mapping): ``gen_ai.provider.name`` for endpoint hosts that are not Bedrock's own (a VPC
      endpoint, a proxy), as ``{"host": "provider"}``; every host is ``aws.bedrock`` otherwise.
    """

    sdk = "botocore"

    dependencies = ("botocore >= 1.34.116",)

    def provider(self, options: Options) -> tuple[Adapter, Iterable[Patch]]:
        from ._adapter import BedrockAdapter
        from ._patches import PATCHES

        return BedrockAdapter(options.providers), PATCHES
