"""What the OpenAI instrumentor plus CostSpanProcessor add to a call and to each streamed chunk, in one run.

Four pipelines over the same recorded responses (no network: a mock transport):
  bare         the openai SDK alone
  floor        the SDK inside one hand-made span (what any tracing costs at least)
  instrumented the SDK with OpenAIInstrumentor, spans priced by CostSpanProcessor
Targets (issue 3): the instrumented overhead per call at most 1.5x the floor's, and under 2 microseconds
per streamed chunk. Rounds alternate between pipelines and each number is the best of its rounds.
Run: ``make bench`` (or ``python benchmarks/bench_openai.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx2
import openai
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider

from otel_llmcost import CostSpanProcessor
from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

ROUNDS = 7
CALLS = 300
CHUNKS = 2000
COMPLETION = {
    "id": "chatcmpl-bench",
    "object": "chat.completion",
    "created": 1795356363,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hello!"}, "logprobs": None, "finish_reason": "stop"}
    ],
    "usage": {
        "prompt_tokens": 1000,
        "completion_tokens": 200,
        "total_tokens": 1200,
        "prompt_tokens_details": {"cached_tokens": 400},
        "completion_tokens_details": {"reasoning_tokens": 0},
    },
}
MESSAGES = [{"role": "user", "content": "Say hello."}]


class Sink(SpanProcessor):
    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        return None


def stream_body(chunks: int) -> bytes:
    base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1795356363, "model": "gpt-4o-mini"}
    lines = []
    for index in range(chunks):
        delta = {"role": "assistant", "content": ""} if index == 0 else {"content": "tok"}
        lines.append({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    lines.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    usage = {"prompt_tokens": 10, "completion_tokens": chunks, "total_tokens": 10 + chunks}
    lines.append({**base, "choices": [], "usage": usage})
    return b"".join(b"data: " + json.dumps(line).encode() + b"\n\n" for line in lines) + b"data: [DONE]\n\n"


STREAM = stream_body(CHUNKS)


def handler(request: httpx2.Request) -> httpx2.Response:
    if json.loads(request.content).get("stream"):
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=STREAM)
    return httpx2.Response(200, json=COMPLETION)


def client() -> openai.OpenAI:
    return openai.OpenAI(api_key="bench", http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))


def call(sdk: openai.OpenAI) -> None:
    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]


def stream(sdk: openai.OpenAI) -> None:
    for _ in sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    ):
        pass


def timed(work: Callable[[], None], repeat: int) -> float:
    started = time.perf_counter_ns()
    for _ in range(repeat):
        work()
    return (time.perf_counter_ns() - started) / repeat


def main() -> None:
    sdk = client()
    floor_provider = TracerProvider()
    floor_provider.add_span_processor(Sink())
    floor_tracer = floor_provider.get_tracer("floor")

    def floor_call() -> None:
        with floor_tracer.start_as_current_span("chat gpt-4o-mini"):
            call(sdk)

    def floor_stream() -> None:
        with floor_tracer.start_as_current_span("chat gpt-4o-mini"):
            stream(sdk)

    provider = TracerProvider()
    provider.add_span_processor(CostSpanProcessor(Sink(), meter_provider=MeterProvider()))
    instrumentor = OpenAIInstrumentor()
    best: dict[str, float] = {}

    def record(name: str, value: float) -> None:
        best[name] = min(best.get(name, float("inf")), value)

    for _ in range(ROUNDS):
        record("call: bare", timed(lambda: call(sdk), CALLS))
        record("call: floor", timed(floor_call, CALLS))
        record("stream: bare", timed(lambda: stream(sdk), 3))
        record("stream: floor", timed(floor_stream, 3))
        instrumentor.instrument(tracer_provider=provider, meter_provider=MeterProvider())
        record("call: instrumented", timed(lambda: call(sdk), CALLS))
        record("stream: instrumented", timed(lambda: stream(sdk), 3))
        instrumentor.uninstrument()

    floor_overhead = best["call: floor"] - best["call: bare"]
    instrumented_overhead = best["call: instrumented"] - best["call: bare"]
    per_chunk = (best["stream: instrumented"] - best["stream: floor"]) / CHUNKS
    for name, value in best.items():
        print(f"{name + ' (us)':<50} {value / 1000:10.1f}")
    print(f"{'per call: floor overhead (us)':<50} {floor_overhead / 1000:10.2f}")
    print(f"{'per call: instrumented overhead (us)':<50} {instrumented_overhead / 1000:10.2f}")
    ratio = instrumented_overhead / floor_overhead
    print(f"{'per call: instrumented / floor overhead (target <= 1.5)':<50} {ratio:10.2f}")
    print(f"{'per chunk: instrumented over floor (us, target < 2)':<50} {per_chunk / 1000:10.3f}")


if __name__ == "__main__":
    main()
