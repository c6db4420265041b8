"""Instrumentors, one package per provider SDK, and what they share.

- `openai`: `OpenAIInstrumentor`, for the ``openai`` SDK and the OpenAI-compatible APIs it is pointed at.
- ``_genai``: a call's span, GenAI metrics, content capture and the guard every instrumentor uses.
- ``_stream``: the stream proxy; ``_estimate``: token counts for streams that ended without usage.

Instrumentors report what a call used; pricing it is `CostSpanProcessor`'s job.
"""
