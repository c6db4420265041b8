"""Instructions per Gemini call of the Google Gen AI instrumentor plus CostSpanProcessor, beside the "required"
pipeline and the official instrumentor, counted by valgrind's callgrind (same run, same machine).

Pipelines, each making the same ``models.generate_content`` call over a recorded response (no network: an
``httpx.MockTransport``), one process each:

  bare             google-genai alone
  required         the SDK inside one hand-made span with the attributes our span carries for this call, plus
                   the three GenAI histogram records: what the OpenTelemetry SDK itself spends on the telemetry
                   the conventions ask for, with no code of ours
  instrumented     the SDK with GoogleGenAIInstrumentor, spans priced by CostSpanProcessor
  official         the official opentelemetry-instrumentation-google-genai (when installed), spans not priced
  official-priced  the official instrumentor, spans priced by CostSpanProcessor

Each runs ``bench_google_genai.py PIPELINE N`` under callgrind once, collecting only inside the ``exec`` that
runs the N = CALLS calls (``--collect-atstart=no --toggle-collect=_operator_call``: not ``exec``, which every
import runs), after one warm-up call: start-up and imports are not counted. The ratio printed is each pipeline's
instructions over the bare SDK's, divided by the required pipeline's. Needs ``valgrind``; a few minutes.
Run: ``python benchmarks/bench_google_genai.py``.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import operator
import os
import shutil
import sys
from typing import Any

from _callgrind import whole_run

PIPELINES = ("bare", "required", "instrumented", "official", "official-priced")
CALLS = 100
OFFICIAL = "opentelemetry.instrumentation.google_genai"
RESPONSE = {
    "candidates": [{"content": {"parts": [{"text": "Hello!"}], "role": "model"}, "finishReason": "STOP", "index": 0}],
    "usageMetadata": {
        "promptTokenCount": 1200,
        "candidatesTokenCount": 300,
        "totalTokenCount": 2000,
        "thoughtsTokenCount": 500,
    },
    "modelVersion": "gemini-2.5-flash",
    "responseId": "bench-response",
}
# What GoogleGenAIInstrumentor's span and metrics carry for RESPONSE.
REQUEST_ATTRIBUTES = {
    "gen_ai.operation.name": "generate_content",
    "gen_ai.provider.name": "gcp.gemini",
    "gen_ai.request.model": "gemini-2.5-flash",
    "server.address": "generativelanguage.googleapis.com",
    "server.port": 443,
}
RESPONSE_ATTRIBUTES = {
    "gen_ai.response.id": "bench-response",
    "gen_ai.response.model": "gemini-2.5-flash",
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.usage.input_tokens": 1200,
    "gen_ai.usage.output_tokens": 800,
    "gen_ai.usage.reasoning.output_tokens": 500,
}


def _run(pipeline: str, calls: int) -> None:
    """Make ``calls`` calls through ``pipeline``, after one warm-up call."""
    import httpx
    from google import genai
    from google.genai import types
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
    from opentelemetry.trace import SpanKind

    from otel_llmcost import CostSpanProcessor

    body = json.dumps(RESPONSE).encode()
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"content-type": "application/json"}, content=body)
    )
    client = genai.Client(api_key="bench", http_options=types.HttpOptions(client_args={"transport": transport}))

    class Sink(SpanProcessor):
        def on_start(self, span: Span, parent_context: Any = None) -> None:
            return None

        def on_end(self, span: ReadableSpan) -> None:
            return None

    tracer_provider = TracerProvider()
    meter_provider = MeterProvider()
    priced = pipeline in ("instrumented", "official-priced")
    tracer_provider.add_span_processor(CostSpanProcessor(Sink(), meter_provider=meter_provider) if priced else Sink())
    call = lambda: client.models.generate_content(model="gemini-2.5-flash", contents="Say hello.")  # noqa: E731
    if pipeline == "required":
        tracer = tracer_provider.get_tracer("bench")
        meter = meter_provider.get_meter("bench")
        duration = meter.create_histogram("gen_ai.client.operation.duration", unit="s")
        token_usage = meter.create_histogram("gen_ai.client.token.usage", unit="{token}")
        metric = {**REQUEST_ATTRIBUTES, "gen_ai.response.model": "gemini-2.5-flash"}
        sdk_call = call

        def call() -> Any:
            with tracer.start_as_current_span(
                "generate_content gemini-2.5-flash", kind=SpanKind.CLIENT, attributes=REQUEST_ATTRIBUTES
            ) as span:
                result = sdk_call()
                span.set_attributes(RESPONSE_ATTRIBUTES)
            duration.record(0.5, metric)
            token_usage.record(1200, {**metric, "gen_ai.token.type": "input"})
            token_usage.record(800, {**metric, "gen_ai.token.type": "output"})
            return result

    elif pipeline == "instrumented":
        from otel_llmcost.instrumentation.google_genai import GoogleGenAIInstrumentor

        GoogleGenAIInstrumentor().instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    elif pipeline.startswith("official"):
        from opentelemetry.instrumentation.google_genai import GoogleGenAiSdkInstrumentor

        GoogleGenAiSdkInstrumentor().instrument(
            tracer_provider=tracer_provider, meter_provider=meter_provider, skip_dep_check=True
        )
    call()
    # As bench_openai.py does: what the imports left is frozen, so that a collection a call's garbage triggers
    # does not walk google-genai's whole object graph (a cost of the heap, not of the call).
    gc.collect()
    gc.freeze()

    def loop() -> None:
        for _ in range(calls):
            call()

    operator.call(loop)  # callgrind counts inside operator.call only: nothing else calls it


def instructions(pipeline: str, calls: int) -> int:
    """The instructions callgrind counts in ``calls`` calls of ``pipeline``."""
    argv = [sys.executable, __file__, pipeline, str(calls)]
    return whole_run(argv, os.environ, options=("--collect-atstart=no", "--toggle-collect=_operator_call"))


def main() -> None:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: nothing to count")
        return
    per_call: dict[str, float] = {}
    for pipeline in PIPELINES:
        if pipeline.startswith("official") and importlib.util.find_spec(OFFICIAL) is None:
            continue
        per_call[pipeline] = instructions(pipeline, CALLS) / CALLS
    bare = per_call["bare"]
    required = per_call["required"] - bare
    for pipeline, count in per_call.items():
        line = f"{'instructions per Gemini call: ' + pipeline:<50} {count:>12,.0f}  {count - bare:>+10,.0f}"
        if pipeline != "bare":
            line += f"  {(count - bare) / required:>6.2f}x required"
        print(line)


if __name__ == "__main__":
    if len(sys.argv) == 3:
        _run(sys.argv[1], int(sys.argv[2]))
    else:
        main()
