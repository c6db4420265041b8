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
