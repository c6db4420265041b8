"""Instrumentors, one package per provider SDK, on a framework they share (``docs/adding-a-provider.md``).

- `openai`: `OpenAIInstrumentor`, for the ``openai`` SDK and the OpenAI-compatible APIs it is pointed at.

The framework, one concept per module:

- ``_instrumentor``: the instrumentor base; a provider's patch table is applied when the SDK is imported.
- ``_patches``: patch tables, applied and removed; ``_wrap``: the per-call wrappers, which call the
  before-call hook (``otel_llmcost._before_call``, set by a budget) before the SDK.
- ``_adapter``: the four questions only an SDK answers; ``_surface``: what an API surface answers.
- ``_genai``: a call's span and GenAI metrics, content capture; ``_guard``: the one guarded place.
- ``_stream``: the stream proxy; ``_reading``: a stream read into its call, and its usage settled (token
  counts for streams that ended without usage come from `otel_llmcost.tokens`).
- ``_raw`` and ``_body``: raw responses whose body the user reads; ``_read``: fields of SDK objects.
- ``_endpoints``: base URLs to provider, address and port; ``_others``: other GenAI instrumentors.

Instrumentors report what a call used; pricing it is `CostSpanProcessor`'s job.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = ["INSTRUMENTORS", "Ours"]


class Ours(NamedTuple):
    """One of this package's instrumentors, as `otel_llmcost.instrument` finds it without importing it."""

    instrumentor: str
    """Where the class is, as in an entry point (``"otel_llmcost.instrumentation.openai:OpenAIInstrumentor"``)."""
    modules: tuple[str, ...]
    """The modules whose import applies it: the class's ``sdk``, then its ``also``."""


INSTRUMENTORS: Final[dict[str, Ours]] = {
    "openai": Ours("otel_llmcost.instrumentation.openai:OpenAIInstrumentor", ("openai",)),
    "anthropic": Ours("otel_llmcost.instrumentation.anthropic:AnthropicInstrumentor", ("anthropic",)),
    "google_genai": Ours("otel_llmcost.instrumentation.google_genai:GoogleGenAIInstrumentor", ("google.genai",)),
    "bedrock": Ours("otel_llmcost.instrumentation.bedrock:BedrockInstrumentor", ("botocore",)),
    "http": Ours(
        "otel_llmcost.instrumentation.http_fallback:HTTPFallbackInstrumentor", ("httpx", "httpx2", "requests")
    ),
    "mistralai": Ours("otel_llmcost.instrumentation.mistralai:MistralInstrumentor", ("mistralai", "mistralai.client")),
    "cohere": Ours("otel_llmcost.instrumentation.cohere:CohereInstrumentor", ("cohere",)),
    "pinecone": Ours("otel_llmcost.instrumentation.pinecone:PineconeInstrumentor", ("pinecone",)),
}
"""This package's instrumentors by provider name, the entry point's name without ``llmcost_`` (``pyproject.toml``
declares the same entry points, and a test checks that the three agree). `otel_llmcost.instrument` reads this,
not the installed distributions' entry points, and imports an instrumentor only once its SDK is imported."""
