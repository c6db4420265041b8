"""What the OpenAI instrumentor plus CostSpanProcessor add to a call and to each streamed chunk, in one run.

Five pipelines make the same call over recorded responses (no network: a mock transport), in one process:
  bare         the openai SDK alone
  floor        the SDK inside one hand-made span, through a TracerProvider with a no-op processor (what any
               tracing costs at least)
  required     the SDK inside one hand-made span that carries what the instrumentor's span carries for this
               call, plus the three GenAI histogram records the instrumentor makes: what the OpenTelemetry SDK
               itself spends on the span and metrics the conventions ask for, with no code of ours
  instrumentor the SDK with OpenAIInstrumentor, its spans going to the no-op processor (ours, without pricing)
  instrumented the SDK with OpenAIInstrumentor, spans priced by CostSpanProcessor in front of the no-op one
Targets (issue 3): the instrumented overhead per call at most 1.5x the floor's, and under 2 microseconds per
streamed chunk.

For comparison with the field, the same call is then measured under each other OpenAI instrumentor that is
installed (the official genai-openai, OpenLLMetry, OpenInference: ``pip install -e '.[interop]'``, as ``make test``
does), alone and with CostSpanProcessor pricing its spans, with the bare SDK and the floor alongside.

The machine may be busy with other work, so the pipelines take turns of ``TURN`` calls (who goes first
rotates), with the instrumentor installed all along: the bare, floor and required pipelines call a client and
resource whose classes hold the SDK's own functions, taken before the instrumentor wrapped them. Two readings
are printed: the best round (the cost of the code when nothing else ran) and the median of the differences
between turns taken side by side (what is left when the load changes: on a busy machine it is the steadier
one). Per chunk, an instrumented stream and a floor one are read a chunk each in turn (see `in_turns`).
Run: ``make bench`` (or ``python benchmarks/bench_openai.py``).
"""

from __future__ import annotations

import functools
import gc
import importlib
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator

import httpx2
import openai
from openai._base_client import BaseClient, SyncAPIClient
from openai.resources.chat.completions import Completions
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # pyright: ignore[reportMissingTypeStubs]
from opentelemetry.metrics import Meter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.trace import SpanKind, Tracer

from otel_llmcost import CostSpanProcessor
from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

ROUNDS = 30
CALLS = 100
TURN = 10
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
# What the instrumentor's span and metrics carry for COMPLETION (checked against an exported span).
REQUEST_ATTRIBUTES = {
    "openai.api.type": "chat_completions",
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "server.address": "api.openai.com",
    "server.port": 443,
}
RESPONSE_ATTRIBUTES = {
    "gen_ai.response.id": "chatcmpl-bench",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.response.finish_reasons": ["stop"],
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 200,
    "gen_ai.usage.cache_read.input_tokens": 400,
}
METRIC_ATTRIBUTES = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "server.address": "api.openai.com",
    "server.port": 443,
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
}


class BareOpenAI(openai.OpenAI):
    """A client that builds its requests with the SDK's own function, even while the instrumentor wraps it."""

    _build_request = BaseClient._build_request
    request = SyncAPIClient.request  # OpenInference wraps OpenAI.request


class BareCompletions(Completions):
    """Chat completions whose ``create`` is the SDK's own, even while the instrumentor wraps it."""

    create = Completions.create


class Sink(SpanProcessor):
    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        return None


class Switch(SpanProcessor):
    """Hands spans to the no-op processor, or to CostSpanProcessor when ``priced``: one instrumentor, two pipelines.

    `use` puts the chosen processor's own ``on_start`` and ``on_end`` on the instance, so that the switch adds no
    call of its own to a span (the required pipeline's provider calls its sink directly too).
    """

    def __init__(self) -> None:
        self.sink = Sink()
        self.cost = CostSpanProcessor(Sink(), meter_provider=MeterProvider())
        self.use(self.sink)

    def use(self, processor: SpanProcessor) -> None:
        self.on_start = processor.on_start
        self.on_end = processor.on_end


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


RESPONSE_IDS = itertools.count()


def handler(request: httpx2.Request) -> httpx2.Response:
    if json.loads(request.content).get("stream"):
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=STREAM)
    # A new id per response, as in real traffic: the processor prices each call (a repeated id is a duplicate).
    return httpx2.Response(200, json={**COMPLETION, "id": f"chatcmpl-bench-{next(RESPONSE_IDS)}"})


def transport() -> httpx2.Client:
    return httpx2.Client(transport=httpx2.MockTransport(handler))


def call(completions: Completions) -> None:
    completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]


def open_stream(completions: Completions) -> Iterator[object]:
    return iter(
        completions.create(
            model="gpt-4o-mini",
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        )
    )


def required(completions: Completions, tracer: Tracer, meter: Meter, metrics: bool = True) -> Callable[[], None]:
    """A call with the span and metrics the instrumentor makes, made by hand: the OpenTelemetry SDK's share.

    Without ``metrics``, the span alone (the ``attributed`` pipeline of `bench_instructions.py`).
    """
    duration = meter.create_histogram("gen_ai.client.operation.duration", unit="s")
    token_usage = meter.create_histogram("gen_ai.client.token.usage", unit="{token}")

    def required_call() -> None:
        span = tracer.start_span("chat gpt-4o-mini", kind=SpanKind.CLIENT, attributes=dict(REQUEST_ATTRIBUTES))
        started = time.perf_counter()
        with trace.use_span(span, end_on_exit=False):
            call(completions)
        span.set_attributes(RESPONSE_ATTRIBUTES)
        span.end()
        if not metrics:
            return
        duration.record(time.perf_counter() - started, METRIC_ATTRIBUTES)
        token_usage.record(1000, {**METRIC_ATTRIBUTES, "gen_ai.token.type": "input"})
        token_usage.record(200, {**METRIC_ATTRIBUTES, "gen_ai.token.type": "output"})

    return required_call


def in_turns(traced: Iterator[object], baseline: Iterator[object]) -> float:
    """The median over chunks of the time to read one from ``traced`` minus one from ``baseline``, read in turns.

    A chunk costs the SDK some 75 microseconds to parse, so a difference of one or two is only seen side by
    side. The streams' ends (the span, usage and metrics: a per-call cost) are one chunk each, left out by the
    median.
    """
    clock = time.perf_counter_ns
    differences: list[int] = []
    for index in range(CHUNKS):
        if index % 2:
            started = clock()
            next(traced)
            middle = clock()
            next(baseline)
            differences.append((middle - started) - (clock() - middle))
        else:
            started = clock()
            next(baseline)
            middle = clock()
            next(traced)
            differences.append((clock() - middle) - (middle - started))
    for _ in traced:  # the finish and usage chunks: the traced call ends here
        pass
    for _ in baseline:
        pass
    return statistics.median(differences)


class Bench:
    """The five pipelines, the instrumentor installed once; `round` makes ``CALLS`` calls with each, in turns."""

    instrumentor: BaseInstrumentor

    def __init__(self, instrument: bool = True) -> None:
        bare = BareCompletions(BareOpenAI(api_key="bench", http_client=transport()))
        provider = TracerProvider()
        provider.add_span_processor(Sink())
        tracer = provider.get_tracer("floor")
        self.switch = Switch()
        self.instrumented_provider = TracerProvider()
        self.instrumented_provider.add_span_processor(self.switch)
        self.instrumentor = OpenAIInstrumentor()
        if instrument:
            self.instrumentor.instrument(tracer_provider=self.instrumented_provider, meter_provider=MeterProvider())
        traced = openai.OpenAI(api_key="bench", http_client=transport()).chat.completions
        self.bare, self.traced, self.tracer = bare, traced, tracer

        def floor() -> None:
            with tracer.start_as_current_span("chat gpt-4o-mini"):
                call(bare)

        self.pipelines: dict[str, Callable[[], None]] = {
            "bare": lambda: call(bare),
            "floor": floor,
            "required": required(bare, tracer, MeterProvider().get_meter("required")),
            "instrumentor": lambda: self.priced(False),
            "instrumented": lambda: self.priced(True),
        }

    def priced(self, priced: bool, completions: Completions | None = None) -> None:
        self.switch.use(self.switch.cost if priced else self.switch.sink)
        call(completions or self.traced)

    def round(self) -> dict[str, list[float]]:
        """Nanoseconds per call of each pipeline, per turn of ``TURN`` calls; the i-th turns were side by side."""
        clock = time.perf_counter_ns
        names = list(self.pipelines)
        times: dict[str, list[float]] = {name: [] for name in names}
        for index in range(CALLS // TURN):
            shift = index % len(names)
            for name in names[shift:] + names[:shift]:
                work = self.pipelines[name]
                started = clock()
                for _ in range(TURN):
                    work()
                times[name].append((clock() - started) / TURN)
        return times

    def chunk(self) -> float:
        """Per chunk, an instrumented (and priced) stream over a floor one, read in turns."""
        span = self.tracer.start_span("chat gpt-4o-mini")
        with trace.use_span(span, end_on_exit=False):
            floor = open_stream(self.bare)
        self.switch.use(self.switch.cost)
        try:
            return in_turns(open_stream(self.traced), floor)
        finally:
            span.end()


def run(rounds: int) -> tuple[list[dict[str, list[float]]], list[float]]:
    bench = Bench()
    try:
        bench.round()  # warm-up: first imports, caches and the price table load are not measured
        bench.chunk()
        return [bench.round() for _ in range(rounds)], [bench.chunk() for _ in range(rounds)]
    finally:
        bench.instrumentor.uninstrument()


# Other OpenAI instrumentors: (label, module, the module prefix of their wrappers).
OTHERS = (
    ("official", "opentelemetry.instrumentation.genai.openai", "opentelemetry.instrumentation.genai.openai"),
    ("OpenLLMetry", "opentelemetry.instrumentation.openai", "opentelemetry.instrumentation.openai."),
    ("OpenInference", "openinference.instrumentation.openai", "openinference.instrumentation.openai."),
)
OTHER_ROUNDS = 10


def take_off(prefix: str) -> None:
    """Removes the wrappers from ``prefix`` left on the SDK's classes (OpenLLMetry's uninstrument leaves them)."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("openai."):
            continue
        for cls in list(vars(module).values()):
            if not isinstance(cls, type):
                continue
            for attribute, value in list(vars(cls).items()):
                wrapper = getattr(value, "_self_wrapper", None)
                if wrapper is not None and getattr(wrapper, "__module__", "").startswith(prefix):
                    setattr(cls, attribute, value.__wrapped__)


def run_others(rounds: int) -> dict[str, list[dict[str, list[float]]]]:
    """For each other instrumentor installed: rounds of the bare SDK, the floor, it alone and it priced by us."""
    measured: dict[str, list[dict[str, list[float]]]] = {}
    for label, module_name, prefix in OTHERS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        bench = Bench(instrument=False)
        instrumentor: BaseInstrumentor = module.OpenAIInstrumentor()
        instrumentor.instrument(tracer_provider=bench.instrumented_provider, meter_provider=MeterProvider())
        try:
            traced = openai.OpenAI(api_key="bench", http_client=transport()).chat.completions
            bench.pipelines = {
                "bare": bench.pipelines["bare"],
                "floor": bench.pipelines["floor"],
                "instrumented": functools.partial(bench.priced, False, traced),
                "priced": functools.partial(bench.priced, True, traced),
            }
            bench.round()
            measured[label] = [bench.round() for _ in range(rounds)]
        finally:
            instrumentor.uninstrument()
            take_off(prefix)
    return measured


def best(rounds: list[dict[str, list[float]]], name: str, baseline: str) -> float:
    """The best round's mean of ``name`` minus the best round's mean of ``baseline``."""
    return min(statistics.fmean(times[name]) for times in rounds) - min(
        statistics.fmean(times[baseline]) for times in rounds
    )


def paired(rounds: list[dict[str, list[float]]], name: str, baseline: str) -> float:
    """The median of ``name`` minus ``baseline`` over the turns taken side by side, in every round."""
    return statistics.median(x - y for times in rounds for x, y in zip(times[name], times[baseline], strict=True))


def overheads(
    rounds: list[dict[str, list[float]]], reading: Callable[[list[dict[str, list[float]]], str, str], float]
) -> dict[str, float]:
    """What each pipeline adds per call over the bare SDK, by one `reading` (`best` or `paired`), and the ratios."""
    floor = reading(rounds, "floor", "bare")
    sdk_share = reading(rounds, "required", "bare")
    instrumented = reading(rounds, "instrumented", "bare")
    return {
        "per call: floor overhead (us)": floor / 1000,
        "per call: required span and metrics, by hand (us)": sdk_share / 1000,
        "per call: instrumentor overhead, no pricing (us)": reading(rounds, "instrumentor", "bare") / 1000,
        "per call: instrumented overhead (us)": instrumented / 1000,
        "per call: required / floor overhead (no code of ours)": sdk_share / floor,
        "per call: instrumented / floor overhead (target <= 1.5)": instrumented / floor,
    }


def report(rounds: list[dict[str, list[float]]], chunks: list[float]) -> None:
    print(f"{'':<62} {'best round':>12} {'median':>12}")
    for name in rounds[0]:
        best_mean = min(statistics.fmean(times[name]) for times in rounds)
        median = statistics.median(value for times in rounds for value in times[name])
        print(f"{'call: ' + name + ' (us)':<62} {best_mean / 1000:12.1f} {median / 1000:12.1f}")
    print(f"{'':<62} {'best - best':>12} {'side by side':>12}")
    by_best, by_pairs = overheads(rounds, best), overheads(rounds, paired)
    for key, value in by_best.items():
        print(f"{key:<62} {value:12.2f} {by_pairs[key]:12.2f}")
    # Each round's number is already the median of its chunks read side by side.
    name = "per chunk: instrumented over floor (us, target < 2)"
    print(f"{name:<62} {min(chunks) / 1000:12.2f} {statistics.median(chunks) / 1000:12.2f}")


def report_others(measured: dict[str, list[dict[str, list[float]]]]) -> None:
    """Each other instrumentor's overhead per call (side by side with the bare SDK), alone and priced by us."""
    if not measured:
        print("other instrumentors: none installed (pip install -e '.[interop]')")
        return
    print(f"{'other instrumentors, side by side (us over bare)':<62} {'alone':>12} {'priced':>12} {'/ floor':>8}")
    for label, rounds in measured.items():
        floor = paired(rounds, "floor", "bare")
        alone = paired(rounds, "instrumented", "bare")
        priced = paired(rounds, "priced", "bare")
        print(f"{label:<62} {alone / 1000:12.2f} {priced / 1000:12.2f} {alone / floor:8.2f}")


def calls_only(pipeline: str, calls: int) -> None:
    """A warm-up, then ``calls`` calls of one pipeline and nothing else: what `bench_instructions.py` counts.

    ``pipeline`` is one of `Bench`'s, ``attributed``, or ``official`` / ``official-priced``: the official
    genai-openai instrumentor (instead of ours), alone or priced by CostSpanProcessor.
    """
    official = pipeline.startswith("official")
    bench = Bench(instrument=not official)
    bench.pipelines["attributed"] = required(bench.bare, bench.tracer, MeterProvider().get_meter("a"), metrics=False)
    if official:
        _, module_name, _ = OTHERS[0]
        instrumentor: BaseInstrumentor = importlib.import_module(module_name).OpenAIInstrumentor()
        instrumentor.instrument(tracer_provider=bench.instrumented_provider, meter_provider=MeterProvider())
        traced = openai.OpenAI(api_key="bench", http_client=transport()).chat.completions
        bench.pipelines["official"] = functools.partial(bench.priced, False, traced)
        bench.pipelines["official-priced"] = functools.partial(bench.priced, True, traced)
        bench.instrumentor = instrumentor  # uninstrumented below
    try:
        work = bench.pipelines[pipeline]
        for _ in range(30):
            work()
        # The heap so far (modules, the SDK's classes, the price table) goes out of the collector's reach: a full
        # collection then walks only what the calls made, and the count stops jumping by whole collections.
        gc.collect()
        gc.freeze()
        for _ in range(calls):
            work()
    finally:
        bench.instrumentor.uninstrument()


def main() -> None:
    if len(sys.argv) == 3:
        calls_only(sys.argv[1], int(sys.argv[2]))
        return
    report(*run(ROUNDS))
    report_others(run_others(OTHER_ROUNDS))


if __name__ == "__main__":
    main()
