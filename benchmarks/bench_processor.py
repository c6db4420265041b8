"""What CostSpanProcessor adds per span, against the same pipeline without it, in one run.

Targets (issue 2): at most 10 microseconds per priced span (copy, look-up, metrics), nothing measurable for
spans it passes through, and under 100 ms for the first price look-up (the table load), measured in a fresh
interpreter. Issue 9: the same 10 microseconds on spans of realistic size, the Anthropic SDK's own (anthropic
2.x traces itself): the attributes of its span for a recorded call with prompt caching, with and without content
capture, replayed span after span (each with its own response id).

``--on-end`` measures ``on_end`` alone on pre-made ended spans of each kind: a small hand-made one and native spans
of realistic size (the Anthropic SDK's own, with and without content capture, and with WIDE plain attributes more;
OpenLLMetry's, OpenInference's and the official ``opentelemetry-instrumentation-genai-openai``'s, for one recorded
chat completion): the best round's microseconds per span and, when ``valgrind`` is installed, callgrind's
instructions per span (which a busy machine does not move), with a microsecond estimate from them at the rate the
small span's timing gives in the same run. With ``--baseline-src DIR`` (a ``src`` holding another version's
``otel_llmcost``, such as ``git archive main src``), each kind is measured with that version too, in the same run.
Each kind runs in a process of its own.

The pipelines take turns, round by round; two readings are printed: the best round of each (the cost of the
code when nothing else ran) and the median of the differences between rounds taken side by side (the steadier
one on a busy machine). ``BENCH_SPANS`` and ``BENCH_ROUNDS`` make a run shorter. Run: ``make bench`` (or
``python benchmarks/bench_processor.py``; ``python benchmarks/bench_processor.py --on-end [--baseline-src DIR]``).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from _callgrind import sections
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.trace import SpanKind

from otel_llmcost import CostSpanProcessor
from otel_llmcost.pricing import default_table

GENAI = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.cache_read.input_tokens": 400,
    "gen_ai.usage.output_tokens": 200,
    "server.address": "api.openai.com",
    "server.port": 443,
}
PLAIN = {"http.request.method": "GET", "url.full": "https://example.com/", "http.response.status_code": 200}
RECORDING = Path(__file__).resolve().parents[1] / "tests" / "recordings" / "anthropic" / "sonnet_cache.json"
SPANS = 10_000
ROUNDS = 16


class Sink(SpanProcessor):
    """The exporting processor's stand-in: takes the span and does nothing, so only our work is measured."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        return None


def per_span_ns(processors: tuple[SpanProcessor, ...], attributes: Mapping[str, Any]) -> list[list[float]]:
    """Nanoseconds per span through each pipeline, for each round; the pipelines take turns, in a rotating order.

    Turns keep a change in the machine's load from landing on one side only.
    """
    tracers = []
    for processor in processors:
        provider = TracerProvider()
        provider.add_span_processor(processor)
        tracers.append(provider.get_tracer("bench"))
    sides = list(range(len(tracers)))
    rounds: list[list[float]] = [[] for _ in sides]
    for round_ in range(ROUNDS):
        shift = round_ % len(sides)
        for side in sides[shift:] + sides[:shift]:
            tracer = tracers[side]
            started = time.perf_counter_ns()
            for index in range(SPANS):
                # A new response id per call, as in real traffic (a repeated one would be a duplicate).
                extra = {"gen_ai.response.id": f"r{side}-{round_}-{index}"}
                span = tracer.start_span("chat gpt-4o-mini", kind=SpanKind.CLIENT, attributes={**attributes, **extra})
                span.end()
            rounds[side].append((time.perf_counter_ns() - started) / SPANS)
    return rounds


def added(without: list[float], with_: list[float]) -> tuple[float, float, float, float]:
    """(best without, best with, best - best, median of the differences of the rounds side by side), in ns."""
    return (
        min(without),
        min(with_),
        min(with_) - min(without),
        statistics.median(b - a for a, b in zip(without, with_, strict=True)),
    )


class Forwarder(SpanProcessor):
    """A processor that hands every span to the next one and does nothing else: what any wrapper adds at least."""

    def __init__(self, next_processor: SpanProcessor) -> None:
        self._next = next_processor

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self._next.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self._next.on_end(span)


def anthropic_span_attributes(content: bool) -> dict[str, Any] | None:
    """The attributes of the Anthropic SDK's own span for the recorded call `RECORDING` (None without the SDK).

    ``content``: the client records content (``content_mode``), as an application that captures messages does.
    """
    if importlib.util.find_spec("anthropic") is None or importlib.util.find_spec("httpx2") is None:
        return None
    import anthropic
    import httpx2
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    recording = json.loads(RECORDING.read_text(encoding="utf-8"))
    body = json.dumps(recording["body"]).encode()
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    transport = httpx2.MockTransport(lambda _: httpx2.Response(200, headers=recording["headers"], content=body))
    traces: dict[str, Any] = {"content_mode": "content"} if content else {}
    client = anthropic.Anthropic(
        api_key="bench-no-key",
        http_client=httpx2.Client(transport=transport),
        open_telemetry={"tracer_provider": provider, "traces": traces},  # pyright: ignore[reportArgumentType]
        max_retries=0,
    )
    client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        system="You are the billing assistant of a software company.",
        stop_sequences=["END"],
        messages=[{"role": "user", "content": "Why was I charged twice this month?"}],
    )
    (span,) = exporter.get_finished_spans()
    return dict(span.attributes or {})


OPENAI_INSTRUMENTORS = {
    "openllmetry": "opentelemetry.instrumentation.openai",
    "openinference": "openinference.instrumentation.openai",
    # The official one: opentelemetry-instrumentation-genai-openai, openai-v2's successor (the interop extra).
    "official": "opentelemetry.instrumentation.genai.openai",
}
KINDS = ("small", "anthropic", "anthropic-wide", "anthropic-content", "openllmetry", "openinference", "official")
WIDE = 40
"""The plain attributes the ``anthropic-wide`` span has besides the Anthropic SDK's own (an application's tags):
the processor's work should not grow with them."""
ON_END_SPANS = 500
ON_END_ROUNDS = 10
COUNTED_SPANS = 200


def openai_span_attributes(instrumentor: str) -> dict[str, Any] | None:
    """The attributes of the span another OpenAI instrumentor (`OPENAI_INSTRUMENTORS`) makes for one recorded chat
    completion, with its defaults (OpenLLMetry and OpenInference record the messages; None when not installed)."""
    module = OPENAI_INSTRUMENTORS[instrumentor]
    if importlib.util.find_spec("openai") is None or importlib.util.find_spec(module) is None:
        return None
    import httpx2
    import openai
    from bench_openai import COMPLETION
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    other = importlib.import_module(module).OpenAIInstrumentor()
    other.instrument(tracer_provider=provider)
    try:
        transport = httpx2.MockTransport(lambda _: httpx2.Response(200, json=COMPLETION))
        client = openai.OpenAI(api_key="bench-no-key", http_client=httpx2.Client(transport=transport), max_retries=0)
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "system", "content": "You are the billing assistant of a software company."},
                {"role": "user", "content": "Why was I charged twice this month?"},
            ],
        )
    finally:
        other.uninstrument()
    (span,) = exporter.get_finished_spans()
    return dict(span.attributes or {})


def kind_attributes(kind: str) -> dict[str, Any] | None:
    """The attributes of a span of ``kind`` (one of `KINDS`); None when what makes it is not installed."""
    if kind == "small":
        return dict(GENAI)
    if kind.startswith("anthropic"):
        attributes = anthropic_span_attributes(kind.endswith("content"))
        if attributes is not None and kind.endswith("wide"):
            attributes.update({f"app.tag_{index}": f"value {index}" for index in range(WIDE)})
        return attributes
    return openai_span_attributes(kind)


def ended_spans(attributes: Mapping[str, Any], count: int, first: int) -> list[ReadableSpan]:
    """``count`` ended spans with ``attributes``, each with its own response id when they have one (numbered from
    ``first``), as in real traffic: a repeated id would be a duplicate."""
    provider = TracerProvider()
    provider.add_span_processor(Sink())
    tracer = provider.get_tracer("bench")
    spans: list[ReadableSpan] = []
    for index in range(first, first + count):
        own = dict(attributes)
        if "gen_ai.response.id" in own:
            own["gen_ai.response.id"] = f"resp-{index}"
        span = tracer.start_span("chat", kind=SpanKind.CLIENT, attributes=own)
        span.end()
        spans.append(span)
    return spans


def on_end_child(kind: str, counted: bool) -> None:
    """In a process of its own: ``on_end`` of spans of ``kind``; prints their attribute count, then either the
    best round's nanoseconds per span, or (``counted``, under callgrind) waits for the parent to count a section
    of 0 spans and one of `COUNTED_SPANS` (see `instructions_per_on_end`)."""
    attributes = kind_attributes(kind)
    if attributes is None:
        print("missing", flush=True)
        return
    default_table()
    processor = CostSpanProcessor(Sink(), meter_provider=MeterProvider(metric_readers=[InMemoryMetricReader()]))
    for span in ended_spans(attributes, 50, -50):  # warm-up: the plan and quote of the model, the shape
        processor.on_end(span)
    print(len(attributes), flush=True)
    if counted:
        spans = ended_spans(attributes, COUNTED_SPANS, 0)
        # The heap so far out of the collector's reach: a collection then walks only what on_end made, and the
        # count does not jump by whole collections of the set-up's objects.
        gc.collect()
        gc.freeze()
        for section in (spans[:0], spans):
            print("ready", flush=True)
            sys.stdin.readline()
            for span in section:
                processor.on_end(span)
            print("done", flush=True)
            sys.stdin.readline()
        return
    best = float("inf")
    for round_ in range(ON_END_ROUNDS):
        spans = ended_spans(attributes, ON_END_SPANS, round_ * ON_END_SPANS)
        gc.collect()
        started = time.perf_counter_ns()
        for span in spans:
            processor.on_end(span)
        best = min(best, (time.perf_counter_ns() - started) / ON_END_SPANS)
    print(best, flush=True)


def instructions_per_on_end(kind: str, env: Mapping[str, str]) -> float | None:
    """Callgrind's instructions per ``on_end`` of a span of ``kind``: (`COUNTED_SPANS` spans - 0 spans) / their
    number, counted in a child whose set-up runs with instrumentation off."""
    count = sections([sys.executable, __file__, "--child", kind, "--counted"], env, kind, preamble=True)
    return None if count is None else count / COUNTED_SPANS


def on_end_report(baseline_src: str | None, kinds: Sequence[str] = KINDS) -> None:
    """`on_end` per span of ``kinds``, timed and counted, with this ``otel_llmcost`` and with ``baseline_src``'s."""
    benchmarks = str(Path(__file__).parent)
    versions = {"this": os.pathsep.join([benchmarks, *sys.path[1:]])}
    if baseline_src is not None:
        versions["baseline"] = os.pathsep.join([str(Path(baseline_src).resolve()), benchmarks, *sys.path[1:]])
    counting = shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None
    rows: dict[tuple[str, str], tuple[int, float, float | None]] = {}
    for kind in kinds:
        for version, path in versions.items():
            env = {**os.environ, "PYTHONPATH": path}
            command = [sys.executable, __file__, "--child", kind]
            out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout.split()
            if out[0] == "missing":
                break
            counted = instructions_per_on_end(kind, env) if counting else None
            rows[kind, version] = (int(out[0]), float(out[1]) / 1000, counted)
            print(
                f"{kind:<18} {version:<9} {out[0]:>3} attributes  best {float(out[1]) / 1000:6.2f} us"
                + (f"  {counted:>9,.0f} instructions" if counted is not None else ""),
                flush=True,
            )
    if not counting or ("small", "this") not in rows:
        return
    attributes, small_us, small_counted = rows["small", "this"]
    assert small_counted is not None
    rate = small_counted / small_us
    print(f"\ninstructions per microsecond (the small span, this version, this run): {rate:,.0f}")
    print(f"{'span':<18} {'version':<9} {'attributes':>10} {'instructions':>13} {'estimate us':>12} {'best us':>8}")
    for (kind, version), (attributes, best, counted) in rows.items():
        assert counted is not None
        print(f"{kind:<18} {version:<9} {attributes:>10} {counted:>13,.0f} {counted / rate:>12.2f} {best:>8.2f}")
    print(f"load average: {os.getloadavg()[0]:.1f}")


def best_of(function: Callable[[], object], loops: int = 20_000) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter_ns()
        for _ in range(loops):
            function()
        best = min(best, (time.perf_counter_ns() - started) / loops)
    return best


def cold_first_lookup_ms() -> tuple[float, float]:
    """In a fresh interpreter: (import of otel_llmcost.pricing, first price look-up = table load + pricing).

    Byte-code caching is allowed (as on users' machines); one warm-up run writes the caches.
    """
    code = (
        "import time; t0=time.perf_counter();"
        "from otel_llmcost.pricing import Usage, price;"
        "t1=time.perf_counter();"
        "price(Usage(input=1), provider='openai', model='gpt-4o');"
        "t2=time.perf_counter();"
        "print((t1-t0)*1000, (t2-t1)*1000)"
    )
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    runs: list[tuple[float, float]] = []
    for _ in range(6):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
        first, second = out.split()
        runs.append((float(first), float(second)))
    runs = runs[1:]
    return min(run[0] for run in runs), min(run[1] for run in runs)


def main() -> None:
    meters = MeterProvider(metric_readers=[InMemoryMetricReader()])
    default_table()  # the one-time load is measured separately below
    genai = added(*per_span_ns((Sink(), CostSpanProcessor(Sink(), meter_provider=meters)), GENAI))
    plain_rounds = per_span_ns((Sink(), Forwarder(Sink()), CostSpanProcessor(Sink(), meter_provider=meters)), PLAIN)
    plain = added(plain_rounds[0], plain_rounds[2])
    forwarding = added(plain_rounds[0], plain_rounds[1])
    native: dict[str, tuple[float, float, float, float]] = {}
    for content in (False, True):
        attributes = anthropic_span_attributes(content)
        if attributes is not None:
            name = f"Anthropic SDK's own span, {len(attributes)} attributes{', content' if content else ''}"
            native[name] = added(*per_span_ns((Sink(), CostSpanProcessor(Sink(), meter_provider=meters)), attributes))

    # Here, not at the top: the ``--on-end`` children run with a baseline's ``src`` too, which may not have these.
    from otel_llmcost._spans import plain_attributes
    from otel_llmcost.processor._processor import priced_copy
    from otel_llmcost.usage import read_call

    provider = TracerProvider()
    span = provider.get_tracer("b").start_span("s", attributes=GENAI)
    span.end()
    readable = span._readable_span()  # pyright: ignore[reportPrivateUsage]
    attributes = plain_attributes(readable)
    call = read_call(attributes)
    table = default_table()
    assert call.usage is not None
    usage = call.usage
    parts = {
        "read attributes": best_of(lambda: read_call(attributes)),
        "price look-up": best_of(
            lambda: table.price(usage, provider="openai", model="gpt-4o-mini-2024-07-18", context=call.context)
        ),
        "copy span": best_of(lambda: priced_copy(readable, {"llmcost.status": "priced"})),
    }
    imported, first = cold_first_lookup_ms()
    results = {
        "priced span: pipeline without the processor, best round (ns)": round(genai[0]),
        "priced span: pipeline with the processor, best round (ns)": round(genai[1]),
        "priced span: added per span, best - best (us)": round(genai[2] / 1000, 2),
        "priced span: added per span, median side by side (us)": round(genai[3] / 1000, 2),
        "priced span: ratio to the pipeline without (best rounds)": round(genai[1] / genai[0], 2),
        **{
            f"{name}: {what}": value
            for name, found in native.items()
            for what, value in (
                ("pipeline without the processor, best round (ns)", round(found[0])),
                ("added per span, best - best (us)", round(found[2] / 1000, 2)),
                ("added per span, median side by side (us)", round(found[3] / 1000, 2)),
            )
        },
        "pass-through span: pipeline without, best round (ns)": round(plain[0]),
        "pass-through span: pipeline with, best round (ns)": round(plain[1]),
        "pass-through span: added per span, best - best (us)": round(plain[2] / 1000, 2),
        "pass-through span: added per span, median side by side (us)": round(plain[3] / 1000, 2),
        "pass-through span: ratio to the pipeline without (best rounds)": round(plain[1] / plain[0], 2),
        "pass-through span: a processor that only forwards, added, best - best (us)": round(forwarding[2] / 1000, 2),
        "pass-through span: a processor that only forwards, added, median (us)": round(forwarding[3] / 1000, 2),
        **{f"part: {name} (us)": round(value / 1000, 2) for name, value in parts.items()},
        "fresh interpreter: import otel_llmcost.pricing (ms)": round(imported, 1),
        "fresh interpreter: first price look-up, table load included (ms)": round(first, 1),
    }
    width = max(len(name) for name in results)
    for name, value in results.items():
        print(f"{name:<{width}}  {value}")
    print(json.dumps({"targets": {"added_per_priced_span_us": 10, "first_lookup_ms": 100}}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--on-end", action="store_true", help="on_end alone on pre-made spans of each kind")
    parser.add_argument("--baseline-src", help="a src directory with another version of otel_llmcost")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=KINDS, help="the span kinds (all by default)")
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--counted", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        on_end_child(arguments.child, arguments.counted)
    elif arguments.on_end:
        on_end_report(arguments.baseline_src, arguments.kinds)
    else:
        main()
