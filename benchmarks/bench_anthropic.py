"""Instructions per Anthropic call of each pipeline, counted by valgrind's callgrind, beside the "required" one.

Pipelines, each making the same ``messages.create`` call over a recorded response (a mock transport, no network):
  bare          the anthropic SDK alone, its own tracing off
  required      the SDK inside one hand-made CLIENT span carrying what our span carries for this call, plus the
                GenAI histogram records (duration, input and output tokens): the OpenTelemetry SDK's own work
  instrumented  AnthropicInstrumentor (the SDK's tracing off), spans priced by CostSpanProcessor
  native        the SDK's own tracing (anthropic 2.x), spans priced by CostSpanProcessor
  native-bare   the SDK's own tracing, spans straight to the no-op processor: ``native - native-bare`` is what
                CostSpanProcessor adds to a real SDK call (issue 9: at most 10 microseconds)
  native-batched
                ``native`` with CostSpanProcessor pricing in batches (``batched=True``, its default in front
                of a BatchSpanProcessor): a span's end queues it, every 64th prices the queue in a row, and a
                timer thread prices what waits a second; every count and time includes all of it (a section or
                round ends by settling the queue, ``force_flush``, inside the count)
  native-batched-no-timer the same with the timer thread held off: what the timer costs a loop that never lets it run
  openllmetry   OpenLLMetry's instrumentor, spans priced by CostSpanProcessor (when installed)
Every span goes to a no-op processor (behind CostSpanProcessor where priced). Each pipeline runs in a process
of its own under callgrind with instrumentation off (start-up and imports run uninstrumented, several times
faster); once it has made a warm-up call, ``callgrind_control`` switches instrumentation on, and the
instructions of a section of 0 calls and of one of CALLS calls are read; their difference over CALLS is the
count per call. The ratio printed is (pipeline - bare) / (required - bare).

With ``--baseline-src DIR`` (a ``src`` holding another version's ``otel_llmcost``, such as ``git archive main src
pricing``), ``native`` is counted with that version too, in the same run.

``--timed`` times instead of counting (no valgrind): ``native`` and ``native-bare`` side by side in one process,
ROUNDS interleaved rounds of ROUND_CALLS calls each (1,200 calls a side), and prints the median over the rounds of
the per-call difference, with the best rounds; with ``--baseline-src``, the same in a process for that version.
Wall times move with the machine's load (printed); the instruction counts do not.

``--in-batch`` times the pricing of each queued span by its place in its batch (this version only).

``--least`` times, as ``--on-end`` does, CostSpanProcessor in batches beside hand-made processors in its place:
``native-forward``, which only hands each span on (what any processor's hooks cost here), ``native-least``, the
least a pricing processor must do (`_least_processors`), and a ladder from the one to ours: each of
``native-least-read``, ``-lookup``, ``-quote`` and ``-claim`` does what the one before it does with one more piece of
ours in place of the least's (see `LADDER`). What is between the least and CostSpanProcessor is the work of its
features, not of running after the SDK's call; the ladder says which feature. With ``--baseline-src``, that
version's CostSpanProcessor takes its turn too: ``benchmarks/compile_hot_path.py`` builds one with its hot path
compiled.

``--on-end`` times CostSpanProcessor's own ``on_end`` and ``on_start`` inside real ``native`` calls
(``perf_counter_ns`` around each, ROUNDS x ROUND_CALLS calls a process, PROCESSES processes a version, taken in
turns), per version: the processor's share of a call where
it runs after the SDK's few million instructions, its code and data cold in the caches. ``--cache-sim`` counts
``native`` and ``native-bare`` under callgrind's cache simulation and prints what the processor adds per call:
instructions and the misses of the first-level instruction (I1mr) and data (D1mr, D1mw) caches and of the last
level (ILmr, DLmr, DLmw).

``--parts`` counts each part of the pricing of the SDK's own span alone, with callgrind, on spans made by real
calls (`parts_child`); with ``--baseline-src``, that version's too, side by side.

Every call's response has an id of its own (the recording's, its tail numbered), as real responses do: with one id
for all, every call after the first would be priced as a duplicate response.

Needs ``valgrind`` on the PATH (not for ``--timed``). Run: ``python benchmarks/bench_anthropic.py
[--timed | --on-end | --in-batch | --least | --cache-sim | --parts] [--baseline-src DIR]``.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from _callgrind import section_events, sections

PIPELINES = (
    "bare",
    "required",
    "instrumented",
    "native",
    "native-bare",
    "native-batched",
    "native-batched-no-timer",
    "openllmetry",
)
TIMED = ("native", "native-bare", "native-batched", "native-batched-no-timer")
LADDER = ("read", "lookup", "quote", "claim")
"""The steps from the least pricing processor to ours, each with the ones before it: ``read``, the span read by
`read_tokens` and copied as ours copies it; ``lookup``, the plan looked up (`Pricer._lookup`); ``quote``, the tier's
quote writing the cost attributes and the `Decimal` amount in place of the least's arithmetic; ``claim``, the
response id claimed. What CostSpanProcessor does beyond: its cost metrics, roll-ups, and the checks that send a span
another way."""
LEAST = ("native-forward", "native-least", *(f"native-least-{step}" for step in LADDER), "native-batched-no-timer")
"""The pipelines `least_report` times, each in processes of its own, in turns."""
CALLS = 50
ROUNDS = 12
ROUND_CALLS = 100
PROCESSES = 5
RECORDING = Path(__file__).parents[1] / "tests" / "recordings" / "anthropic" / "sonnet_cache.json"
MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]
MODEL = "claude-sonnet-4-5"
CACHE_EVENTS = ("Ir", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw")
# What our span carries for sonnet_cache (checked against an exported span by tests/test_anthropic_messages.py).
REQUEST = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "anthropic",
    "gen_ai.request.model": MODEL,
    "gen_ai.request.max_tokens": 1024,
    "server.address": "api.anthropic.com",
    "server.port": 443,
}
RESPONSE = {
    "gen_ai.response.id": "msg_01Q8rN6bVtYkXh3mJp2wLsDc",
    "gen_ai.response.model": "claude-sonnet-4-5-20250929",
    "gen_ai.response.finish_reasons": ["end_turn"],
    "anthropic.usage.cache_creation.ephemeral_5m_input_tokens": 2048,
    "anthropic.response.service_tier": "standard",
    "gen_ai.usage.input_tokens": 13852,
    "gen_ai.usage.output_tokens": 523,
    "gen_ai.usage.cache_read.input_tokens": 10240,
    "gen_ai.usage.cache_creation.input_tokens": 3200,
    "anthropic.usage.cache_creation.ephemeral_1h_input_tokens": 1152,
}


class Pipeline(NamedTuple):
    call: Callable[[], None]
    """Makes one ``messages.create`` call."""
    settle: Callable[[], object]
    """Does what the pipeline left for later (the tracer provider's ``force_flush``)."""
    release: Callable[[], None]
    """Frees the spans the sink keeps (after `settle`): a section's or round's end, outside its count."""


def make_call(
    pipeline: str,
    timings: dict[str, list[int]] | None = None,
    places: list[list[int]] | None = None,
    model: str = MODEL,
) -> Pipeline:
    """``pipeline``, warmed up by one call.

    ``timings``: CostSpanProcessor's ``on_start`` and ``on_end`` append their nanoseconds per span there.
    ``places``: in batches, the nanoseconds each queued span's pricing took, by its place in its batch.
    ``model``: the model asked for, and answered by (the recorded response's model replaced by it).
    """
    import anthropic
    import httpx2
    from opentelemetry.context import Context
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
    from opentelemetry.trace import SpanKind

    from otel_llmcost import CostSpanProcessor
    from otel_llmcost.instrumentation.anthropic import AnthropicInstrumentor

    warnings.simplefilter("ignore")

    class Sink(SpanProcessor):
        """Keeps the spans it is handed until they are released, as a BatchSpanProcessor keeps them until its
        export: no pipeline frees its spans inside the call that made them."""

        def __init__(self) -> None:
            self.held: list[ReadableSpan] = []

        def on_start(self, span: Span, parent_context: Context | None = None) -> None:
            return None

        def on_end(self, span: ReadableSpan) -> None:
            self.held.append(span)

    recording = json.loads(RECORDING.read_text(encoding="utf-8"))
    body = json.dumps({**recording["body"], **({"model": model} if model != MODEL else {})}).encode()
    headers = recording["headers"]
    # Each response its own id, of the recorded one's length: the recorded id with its tail numbered.
    recorded_id = recording["body"]["id"].encode()
    numbers = itertools.count()

    def respond(request: object) -> Any:
        number = b"%08d" % next(numbers)
        return httpx2.Response(
            200, headers=headers, content=body.replace(recorded_id, recorded_id[: -len(number)] + number)
        )

    transport = httpx2.MockTransport(respond)
    provider = TracerProvider()
    meters = MeterProvider()
    sink = Sink()
    if pipeline in ("bare", "required", "native-bare"):
        provider.add_span_processor(sink)
    elif pipeline == "native-forward" or pipeline.startswith("native-least"):
        step = pipeline.removeprefix("native-least").removeprefix("-") if pipeline != "native-forward" else ""
        forward, least = _least_processors(sink, step)
        processor = forward if pipeline == "native-forward" else least
        if timings is not None:
            _time_hooks(processor, timings)
        provider.add_span_processor(processor)
    else:
        options: Any = {"batched": True} if pipeline in ("native-batched", "native-batched-no-timer") else {}
        processor = CostSpanProcessor(sink, meter_provider=meters, **options)
        if pipeline == "native-batched-no-timer":
            deferred = processor._deferred  # pyright: ignore[reportPrivateUsage]
            assert deferred is not None
            deferred._delay = 3600.0  # pyright: ignore[reportPrivateUsage] - the timer held off
        if timings is not None:
            _time_hooks(processor, timings)
        if places is not None:
            _time_places(processor, places)
        provider.add_span_processor(processor)
    tracing: Any = {"tracer_provider": provider} if pipeline.startswith("native") else False
    client = anthropic.Anthropic(
        api_key="bench", http_client=httpx2.Client(transport=transport), max_retries=0, open_telemetry=tracing
    )
    if pipeline == "instrumented":
        AnthropicInstrumentor().instrument(tracer_provider=provider, meter_provider=meters)
    elif pipeline == "openllmetry":
        from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor as OpenLLMetry

        OpenLLMetry().instrument(tracer_provider=provider, meter_provider=meters)

    def call() -> None:
        client.messages.create(model=model, max_tokens=1024, messages=MESSAGES)

    if pipeline == "required":
        tracer = provider.get_tracer("bench")
        meter = meters.get_meter("bench")
        duration = meter.create_histogram("gen_ai.client.operation.duration", unit="s")
        tokens = meter.create_histogram("gen_ai.client.token.usage", unit="{token}")
        metric = {**REQUEST, "gen_ai.response.model": RESPONSE["gen_ai.response.model"]}
        inner = call

        def call() -> None:
            with tracer.start_as_current_span(f"chat {MODEL}", kind=SpanKind.CLIENT, attributes=dict(REQUEST)) as span:
                inner()
                span.set_attributes(RESPONSE)
            duration.record(0.5, metric)
            tokens.record(13852, {**metric, "gen_ai.token.type": "input"})
            tokens.record(523, {**metric, "gen_ai.token.type": "output"})

    call()
    provider.force_flush()
    sink.held.clear()
    return Pipeline(call, provider.force_flush, sink.held.clear)


def _least_processors(sink: Any, step: str = "") -> tuple[Any, Any]:
    """Two hand-made processors in front of ``sink``: one that only hands each span on, and one that does the least
    a pricing processor must (see ``--least``), with our pieces up to ``step`` of `LADDER` in place of its own."""
    from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor

    from otel_llmcost import CostSpanProcessor
    from otel_llmcost.processor import _processor
    from otel_llmcost.processor._tracking import Tracker
    from otel_llmcost.usage import read_tokens

    ours = set(LADDER[: LADDER.index(step) + 1]) if step else set[str]()
    pricer = CostSpanProcessor(SpanProcessor(), batched=False)._pricer  # pyright: ignore[reportPrivateUsage]
    table = pricer.table()
    tracker = Tracker()

    class Forward(SpanProcessor):
        def on_start(self, span: Any, parent_context: Any = None) -> None:
            sink.on_start(span, parent_context)

        def on_end(self, span: Any) -> None:
            sink.on_end(span)

    class Copy(ReadableSpan):
        pass

    # The five counts the SDK's span reports, and Claude Sonnet 4.5's prices per token in units of 1E-8 dollars.
    keys = (
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_write.input_tokens",
        "anthropic.usage.cache_creation.ephemeral_1h_input_tokens",
        "gen_ai.usage.output_tokens",
    )
    fixed = {
        "llmcost.status": "priced",
        "gen_ai.usage.cost.currency": "USD",
        "gen_ai.usage.cost.source": "local",
        "llmcost.price.entry": "anthropic/claude-sonnet-4-5",
        "llmcost.price.table_version": "least",
        "llmcost.price.effective_date": "2025-09-29",
    }

    class Least(SpanProcessor):
        """Remembers open spans by id (roll-ups need them), queues ended spans and prices them 64 at a time: per
        span, the five counts split into buckets and priced in integers, and a copy with the attributes
        CostSpanProcessor adds, of the same values. No other names read, no checks, no look-up, no `Decimal`, no
        duplicates, no metrics: it prices this one call's span and nothing else. On a step of the ladder, our pieces
        up to that step do their parts in place of its own."""

        def __init__(self) -> None:
            self.open: dict[int, Any] = {}
            self.queued: list[Any] = []

        def on_start(self, span: Any, parent_context: Any = None) -> None:
            self.open[span.context.span_id] = span
            sink.on_start(span, parent_context)

        def on_end(self, span: Any) -> None:
            self.queued.append(span)
            if len(self.queued) >= 64:
                self.force_flush()

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            queued, self.queued = self.queued, []
            for span in queued:
                span_id = span.context.span_id
                self.open.pop(span_id, None)
                attributes = span._attributes._dict
                if "read" in ours:
                    provider, request, response, response_id, _, context, tokens = read_tokens(attributes)  # pyright: ignore[reportGeneralTypeIssues, reportOptionalIterable]
                    copied = _processor._own_attributes(attributes)  # pyright: ignore[reportPrivateUsage]
                    plain, read, write, write_1h, out = (tokens[index] for index in (0, 1, 2, 3, 7))
                else:
                    total_input, read, cache_write, write_1h, out = (attributes.get(key, 0) for key in keys)
                    plain, write = total_input - read - cache_write, cache_write - write_1h
                    copied = dict(attributes)
                    copied["gen_ai.usage.cache_creation.input_tokens"] = cache_write
                    provider = request = response = response_id = context = tokens = None
                if "lookup" in ours:
                    plan = pricer._lookup(table, provider, request, response, context, span.start_time)  # pyright: ignore[reportPrivateUsage, reportArgumentType]
                if "quote" in ours:
                    plan.pick(tokens).write(tokens, "priced", copied)  # pyright: ignore[reportAttributeAccessIssue, reportPossiblyUnbound, reportUnknownMemberType]
                else:
                    plain, read, write, out = plain * 300, read * 30, write * 375 + write_1h * 600, out * 1500
                    copied.update(fixed)
                    copied["gen_ai.usage.cost.amount"] = copied["gen_ai.usage.cost"] = (
                        plain + read + write + out
                    ) / 1e8
                    copied["llmcost.price.model"] = attributes.get("gen_ai.response.model")
                    copied["llmcost.cost.input"] = plain / 1e8
                    copied["llmcost.cost.cache_read"] = read / 1e8
                    copied["llmcost.cost.cache_write"] = write / 1e8
                    copied["llmcost.cost.output"] = out / 1e8
                if "claim" in ours:
                    tracker.claim_response(pricer.canonical_provider(provider), response_id, span_id)  # pyright: ignore[reportArgumentType]
                if "read" in ours:
                    sink.on_end(_processor._with_attributes(span, copied))  # pyright: ignore[reportPrivateUsage]
                    continue
                copy = object.__new__(Copy)
                state = span.__dict__.copy()
                state["_attributes"] = copied
                copy.__dict__ = state
                sink.on_end(copy)
            return True

    return Forward(), Least()


def _time_hooks(processor: Any, timings: dict[str, list[int]]) -> None:
    """Replaces ``processor``'s ``on_start`` and ``on_end`` on the instance by the same, timed into ``timings``."""
    clock = time.perf_counter_ns
    for hook in ("on_start", "on_end"):
        method, spent = getattr(processor, hook), timings.setdefault(hook, [])

        def timed_hook(*args: Any, method: Any = method, spent: list[int] = spent, **kwargs: Any) -> None:
            started = clock()
            method(*args, **kwargs)
            spent.append(clock() - started)

        setattr(processor, hook, timed_hook)


def _time_places(processor: Any, places: list[list[int]]) -> None:
    """Times the pricing of each span ``processor`` queued, into ``places`` by the span's place in its batch."""
    deferred = processor._deferred  # pyright: ignore[reportPrivateUsage]
    handle, after, clock, place = deferred._handle, deferred._after, time.perf_counter_ns, [0]  # pyright: ignore[reportPrivateUsage]

    def timed_handle(span: Any) -> None:
        started = clock()
        handle(span)
        spent = clock() - started
        while len(places) <= place[0]:
            places.append([])
        places[place[0]].append(spent)
        place[0] += 1

    def batch_ended() -> None:
        place[0] = 0
        after()

    deferred._handle, deferred._after = timed_handle, batch_ended  # pyright: ignore[reportPrivateUsage]


def in_batch_report() -> None:
    """The pricing of each span in batches, by its place in the batch (``native-batched-no-timer``, ROUNDS x
    ROUND_CALLS real calls): the first spans of a batch run with the pricing's code out of the caches."""
    places: list[list[int]] = []
    call, settle, release = make_call("native-batched-no-timer", places=places)
    places.clear()  # the warm-up call's
    for _ in range(ROUNDS):
        gc.collect()
        for _ in range(ROUND_CALLS):
            call()
        settle()
        release()
    print(f"each queued span's pricing by its place in its batch, {ROUNDS * ROUND_CALLS} real calls (us)")
    for first, last in ((0, 0), (1, 1), (2, 2), (3, 3), (4, 15), (16, 31), (32, 63), (64, 10**6)):
        spent = [ns for found in places[first : last + 1] for ns in found]
        if spent:
            where = f"{first}" if first == last else f"{first}-{min(last, len(places) - 1)}"
            median, mean = statistics.median(spent) / 1000, statistics.fmean(spent) / 1000
            print(f"place {where:<6} median {median:7.2f}  mean {mean:7.2f}")


def count_sections(
    times: int, step: Callable[[int], object], settle: Callable[[], object], release: Callable[[], object]
) -> None:
    """The two sections `sections` counts: ``step`` (given its index) run no times, then ``times`` times, each
    section ending with ``settle``; ``release`` runs after each, with counting off."""
    for section in (0, times):
        # Collections are left out: where one falls depends on every allocation before it, and it moved the count
        # per call by thousands of instructions between two processes of the same code.
        gc.collect()
        gc.disable()
        print("ready", flush=True)
        sys.stdin.readline()
        for index in range(section):
            step(index)
        settle()
        print("done", flush=True)
        sys.stdin.readline()
        release()
        gc.enable()


def run(pipeline: str, calls: int) -> None:
    """Makes ``calls`` calls through ``pipeline`` (after one warm-up call), in the sections `sections` counts."""
    call, settle, release = make_call(pipeline)
    count_sections(calls, lambda _: call(), settle, release)


def timed(pipelines: list[str]) -> None:
    """In this process: ``pipelines`` in interleaved rounds, each round ending by settling its pipeline (inside
    the time); prints, per pipeline, the microseconds per call of its best round and the median of its rounds'
    differences from ``native-bare`` (0 for that one)."""
    calls = {pipeline: make_call(pipeline) for pipeline in pipelines}
    rounds: dict[str, list[float]] = {pipeline: [] for pipeline in calls}
    for round_ in range(ROUNDS):
        order = list(calls) if round_ % 2 == 0 else list(reversed(calls))
        for pipeline in order:
            call, settle, release = calls[pipeline]
            gc.collect()  # each round starts with a clean heap: a collection lands inside a round by its own calls
            started = time.perf_counter_ns()
            for _ in range(ROUND_CALLS):
                call()
            settle()
            rounds[pipeline].append((time.perf_counter_ns() - started) / ROUND_CALLS / 1000)
            release()
    without = rounds["native-bare"]
    for pipeline, with_ in rounds.items():
        median = statistics.median(a - b for a, b in zip(with_, without, strict=True))
        print(f"{pipeline} {min(with_):.2f} {median:.2f}", flush=True)


def on_end_child(pipeline: str) -> None:
    """In this process: ROUNDS x ROUND_CALLS calls of ``pipeline`` with its processor's hooks timed; prints the
    median and mean microseconds of ``on_end`` and of ``on_start`` per call. In batches, ``on_end`` mostly only
    queues the span, and every 64th prices the queue: the mean is the cost per call, and it includes the time of
    each round's closing ``force_flush``, which prices the spans a round leaves queued."""
    timings: dict[str, list[int]] = {}
    call, settle, release = make_call(pipeline, timings)
    for spent in timings.values():
        spent.clear()  # the warm-up call's
    settled = 0
    for _ in range(ROUNDS):
        gc.collect()
        for _ in range(ROUND_CALLS):
            call()
        started = time.perf_counter_ns()
        settle()
        settled += time.perf_counter_ns() - started
        release()
    ends, starts = timings["on_end"], timings["on_start"]
    end_mean = (sum(ends) + settled) / len(ends)
    print(
        f"{statistics.median(ends) / 1000:.2f} {end_mean / 1000:.2f}",
        f"{statistics.median(starts) / 1000:.2f} {statistics.fmean(starts) / 1000:.2f}",
        len(ends),
    )


def on_end_report(baseline_src: str | None) -> None:
    """`on_end_child` in a process per version, PROCESSES times each, interleaved; each child's median of
    ``on_end``, and the lowest of them per version (one child's median moves by several microseconds)."""
    print(f"CostSpanProcessor's hooks inside {ROUNDS * ROUND_CALLS} real native calls a process (us per call)")
    medians: dict[str, list[float]] = {}
    means: dict[str, list[float]] = {}
    for _ in range(PROCESSES):
        for version, pipeline, env in runs(baseline_src):
            command = [sys.executable, __file__, "--on-end-child", pipeline]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0 and "batched" in done.stderr:
                continue  # a baseline from before the batches (CostSpanProcessor takes no ``batched``)
            done.check_returncode()
            end_median, end_mean, start_median, start_mean, spans = done.stdout.split()
            version = f"{version} {pipeline}"
            medians.setdefault(version, []).append(float(end_median))
            means.setdefault(version, []).append(float(end_mean))
            print(
                f"{version:<27} on_end median {end_median:>6} mean {end_mean:>6}  "
                f"on_start median {start_median:>5} mean {start_mean:>5}  ({spans} spans)",
                flush=True,
            )
    for version, found in medians.items():
        print(
            f"{version:<27} on_end, the lowest of {len(found)} processes' medians {min(found):.2f} us, "
            f"of their means {min(means[version]):.2f} us"
        )
    print(f"load average: {os.getloadavg()[0]:.1f}")


def least_report(baseline_src: str | None) -> None:
    """`on_end_child` for each of `LEAST` in a process of its own, PROCESSES times each, in turns: the lowest mean of
    each (``on_end`` and ``on_start`` together, per call), and what each adds over ``native-forward``'s. With
    ``baseline_src``, that version's CostSpanProcessor takes its turn too, last (``baseline``)."""
    print(f"hooks inside {ROUNDS * ROUND_CALLS} real native calls a process, on_end + on_start (us per call)")
    envs = versions(baseline_src)
    turns = [(pipeline, pipeline, envs["this"]) for pipeline in LEAST]
    if "baseline" in envs:
        turns.append(("baseline", "native-batched-no-timer", envs["baseline"]))
    means: dict[str, list[float]] = {}
    for _ in range(PROCESSES):
        for name, pipeline, env in turns:
            command = [sys.executable, __file__, "--on-end-child", pipeline]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            _, end_mean, _, start_mean, _ = done.stdout.split()
            means.setdefault(name, []).append(float(end_mean) + float(start_mean))
    lowest = {pipeline: min(found) for pipeline, found in means.items()}
    forward, previous = lowest["native-forward"], None
    for pipeline, found in means.items():
        every = ", ".join(f"{mean:.2f}" for mean in found)
        step = "" if previous is None else f", {lowest[pipeline] - lowest[previous]:+5.2f} over the line above"
        print(
            f"{pipeline:<24} lowest mean of {len(found)} processes {lowest[pipeline]:6.2f}, "
            f"{lowest[pipeline] - forward:+6.2f} over native-forward{step}  (all: {every})"
        )
        previous = pipeline
    least = lowest["native-least"] - forward
    for name, pipeline in (("CostSpanProcessor", "native-batched-no-timer"), ("the baseline's", "baseline")):
        if pipeline in lowest:
            print(f"{name} adds {(lowest[pipeline] - forward) / least:.2f}x what the least pricing processor adds")
    print(f"load average: {os.getloadavg()[0]:.1f}")


def cache_report(baseline_src: str | None) -> None:
    """What CostSpanProcessor adds per real call (``native - native-bare``) in callgrind's cache simulation."""
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: nothing to count")
        return
    env = versions(baseline_src)
    counted: dict[str, dict[str, int]] = {}
    for name, pipeline, version in [
        ("native-bare", "native-bare", "this"),
        ("native", "native", "this"),
        ("native-batched", "native-batched", "this"),
        ("native-batched-no-timer", "native-batched-no-timer", "this"),
        *([("baseline native", "native", "baseline")] if "baseline" in env else []),
    ]:
        found = section_events(
            [sys.executable, __file__, pipeline, str(CALLS)],
            env[version],
            name,
            options=["--cache-sim=yes"],
            events=CACHE_EVENTS,
        )
        assert found is not None
        counted[name] = found
    print(f"per call ({CALLS} calls), {' '.join(f'{event:>10}' for event in CACHE_EVENTS)}")
    bare = counted["native-bare"]
    for name, found in counted.items():
        print(f"{name:<28} {' '.join(f'{found[event] / CALLS:>10,.1f}' for event in CACHE_EVENTS)}")
        if name != "native-bare":
            added = " ".join(f"{(found[event] - bare[event]) / CALLS:>+10,.1f}" for event in CACHE_EVENTS)
            print(f"{'  added by the processor':<28} {added}")


def per_call(pipeline: str, env: Mapping[str, str]) -> float:
    """The instructions callgrind counts per call of ``pipeline``: (CALLS calls - 0 calls) / CALLS."""
    count = sections([sys.executable, __file__, pipeline, str(CALLS)], env, pipeline)
    assert count is not None
    return count / CALLS


def versions(baseline_src: str | None) -> dict[str, dict[str, str]]:
    """The environment of a child for this ``otel_llmcost``, and for ``baseline_src``'s when given."""
    here = str(Path(__file__).parent)
    found = {"this": {**os.environ, "PYTHONPATH": os.pathsep.join([here, *sys.path[1:]])}}
    if baseline_src is not None:
        path = os.pathsep.join([str(Path(baseline_src).resolve()), here, *sys.path[1:]])
        found["baseline"] = {**os.environ, "PYTHONPATH": path}
    return found


def runs(baseline_src: str | None) -> list[tuple[str, str, dict[str, str]]]:
    """(version, pipeline, environment) of each priced pipeline to time: each version's ``native`` and
    ``native-batched-no-timer`` (a baseline older than the batches skips the latter: see `on_end_report`)."""
    return [
        (version, pipeline, env)
        for version, env in versions(baseline_src).items()
        for pipeline in ("native", "native-batched-no-timer")
    ]


def timed_report(baseline_src: str | None) -> None:
    """`timed` in a process per version; the processor's cost per real SDK call, in microseconds."""
    print(f"{ROUNDS} interleaved rounds of {ROUND_CALLS} calls a pipeline, settled inside each round (us per call)")
    for version, env in versions(baseline_src).items():
        done = subprocess.run(
            [sys.executable, __file__, "--timed-child", *TIMED], env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0 and "batched" in done.stderr:
            # A baseline from before the batches (CostSpanProcessor takes no ``batched``): its two pipelines only.
            command = [sys.executable, __file__, "--timed-child", "native", "native-bare"]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        done.check_returncode()
        for line in done.stdout.splitlines():
            pipeline, best, median = line.split()
            print(
                f"{version:<9} {pipeline:<18} best round {best:>7}  median of differences from native-bare "
                f"{float(median):+6.2f}",
                flush=True,
            )
    print(f"load average: {os.getloadavg()[0]:.1f}")


PARTS = ("on_end", "read_tokens", "write", "lookup", "pick", "amounts", "copy", "claim", "on_end_unknown")
UNKNOWN_MODEL = "claude-unreleased-9"
"""A model the price table does not know: ``on_end_unknown`` is ``on_end`` on the spans of calls to it."""
PART_SPANS = 40


def parts_child(part: str) -> None:
    """In this process: ``part`` of the processor's pricing of the SDK's own spans, run on PART_SPANS spans made by
    real calls (and on none) in the sections `sections` counts. Each part's inputs are made beforehand from the
    same spans; ``on_end`` is the whole of it, on spans the processor has not seen (``on_end_unknown`` the same,
    on the spans of calls to a model the table does not know)."""
    from opentelemetry.sdk.trace import SpanProcessor

    from otel_llmcost import CostSpanProcessor

    unknown = part == "on_end_unknown"
    call, _, release = make_call("native-bare", model=UNKNOWN_MODEL if unknown else MODEL)
    held: list[Any] = release.__self__  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    for _ in range(2 * PART_SPANS + 3):
        call()
    spans = list(held)  # pyright: ignore[reportUnknownArgumentType]
    processor = CostSpanProcessor(SpanProcessor(), batched=False)
    for span in spans[:3]:
        processor.on_end(span)  # the table loaded, the plan and its quotes made
    pricer, spans = processor._pricer, spans[3 : 3 + PART_SPANS]  # pyright: ignore[reportPrivateUsage]
    if part in ("on_end", "on_end_unknown"):  # the whole of it: any version has it
        count_sections(PART_SPANS, lambda index: processor.on_end(spans[index]), lambda: None, lambda: None)
        return
    from otel_llmcost._spans import plain_attributes
    from otel_llmcost.processor import _processor
    from otel_llmcost.usage import read_tokens

    # The attributes as the processor reads them (the span's own dict, not the read-only view of `attributes`).
    attributes = [plain_attributes(span) for span in spans]
    reads = [read_tokens(found) for found in attributes]
    assert all(read is not None for read in reads), "the SDK's span takes the quick path"
    table = pricer.table()
    assert table is not None
    plan = pricer._lookup(table, *reads[0][:3], reads[0][5], spans[0].start_time)  # pyright: ignore[reportPrivateUsage, reportOptionalSubscript, reportArgumentType]
    quote = plan.pick(reads[0][6])  # pyright: ignore[reportOptionalSubscript, reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    rates = quote._rates  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    tracker = processor._tracker  # pyright: ignore[reportPrivateUsage]
    work: dict[str, Callable[[int], object]] = {
        "read_tokens": lambda index: read_tokens(attributes[index]),
        "write": lambda index: pricer.write(
            *reads[index][:3],  # pyright: ignore[reportOptionalSubscript]
            *reads[index][5:],  # pyright: ignore[reportOptionalSubscript, reportArgumentType]
            spans[index].start_time,
            _processor._own_attributes,  # pyright: ignore[reportPrivateUsage]
            attributes[index],
        ),  # pyright: ignore[reportOptionalSubscript, reportArgumentType]
        "lookup": lambda index: pricer._lookup(table, *reads[index][:3], reads[index][5], spans[index].start_time),  # pyright: ignore[reportPrivateUsage, reportOptionalSubscript, reportArgumentType]
        "pick": lambda index: plan.pick(reads[index][6]),  # pyright: ignore[reportOptionalSubscript, reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownLambdaType]
        "amounts": lambda index: rates.amounts(reads[index][6]),  # pyright: ignore[reportOptionalSubscript, reportUnknownMemberType, reportUnknownLambdaType]
        "copy": lambda index: _processor._with_attributes(  # pyright: ignore[reportPrivateUsage]
            spans[index],
            _processor._own_attributes(attributes[index]),  # pyright: ignore[reportPrivateUsage]
        ),
        "claim": lambda index: tracker.claim_response(
            pricer.canonical_provider(reads[index][0]),  # pyright: ignore[reportOptionalSubscript]
            reads[index][3],  # pyright: ignore[reportOptionalSubscript, reportArgumentType]
            index,
        ),
    }
    count_sections(PART_SPANS, work[part], lambda: None, lambda: None)


def parts_report(baseline_src: str | None) -> None:
    """The instructions of each part of the pricing of the SDK's own span, per span (see `parts_child`), for this
    version and ``baseline_src``'s when given (``-`` for a part the baseline's code cannot run)."""
    found = versions(baseline_src)
    print(f"instructions per span of each part of pricing the SDK's own span ({PART_SPANS} spans, each part alone)")
    print(f"{'part':<15} {'  '.join(f'{version:>9}' for version in found)}")
    for part in PARTS:
        counts: list[str] = []
        for env in found.values():
            try:
                count = sections([sys.executable, __file__, "--parts-child", part], env, part)
            except RuntimeError:
                count = None  # a baseline whose code this part cannot run
            counts.append("-" if count is None else f"{count / PART_SPANS:,.0f}")
        print(f"{part:<15} {'  '.join(f'{count:>9}' for count in counts)}", flush=True)


def main(baseline_src: str | None) -> None:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: nothing to count")
        return
    env = versions(baseline_src)
    counted: dict[str, float] = {}
    for pipeline in PIPELINES:
        if pipeline == "openllmetry" and importlib.util.find_spec("opentelemetry.instrumentation.anthropic") is None:
            continue
        counted[pipeline] = per_call(pipeline, env["this"])
        print(f"{pipeline}: {counted[pipeline]:,.0f} instructions per call", flush=True)
    bare = counted["bare"]
    required = counted["required"] - bare
    for pipeline, count in counted.items():
        ratio = f"{(count - bare) / required:>8.2f}x required" if pipeline != "bare" else ""
        print(f"{'instructions per call: ' + pipeline:<40} {count:>12,.0f}  {count - bare:>+10,.0f}  {ratio}")
    added = counted["native"] - counted["native-bare"]
    print(f"CostSpanProcessor per real SDK call (native - native-bare): {added:,.0f} instructions")
    if "baseline" in env:
        native = per_call("native", env["baseline"])
        print(
            f"the same with the baseline's otel_llmcost: native {native:,.0f}, "
            f"added {native - counted['native-bare']:,.0f} instructions"
        )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in PIPELINES:
        run(sys.argv[1], int(sys.argv[2]))
    elif sys.argv[1:2] == ["--timed-child"]:
        warnings.simplefilter("ignore")
        timed(sys.argv[2:])
    elif sys.argv[1:2] == ["--parts-child"]:
        warnings.simplefilter("ignore")
        parts_child(sys.argv[2])
    elif sys.argv[1:2] == ["--on-end-child"]:
        warnings.simplefilter("ignore")
        on_end_child(sys.argv[2])
    else:
        parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
        parser.add_argument("--timed", action="store_true", help="time native against native-bare side by side")
        parser.add_argument("--on-end", action="store_true", help="time the processor's hooks inside real calls")
        parser.add_argument("--cache-sim", action="store_true", help="count cache misses the processor adds per call")
        parser.add_argument("--in-batch", action="store_true", help="time each span's pricing by its place in a batch")
        parser.add_argument("--parts", action="store_true", help="count each part of pricing the SDK's own span")
        parser.add_argument("--least", action="store_true", help="time the least a pricing processor does beside ours")
        parser.add_argument("--baseline-src", help="a src directory with another version of otel_llmcost")
        arguments = parser.parse_args()
        if arguments.parts:
            parts_report(arguments.baseline_src)
        elif arguments.timed:
            timed_report(arguments.baseline_src)
        elif arguments.in_batch:
            in_batch_report()
        elif arguments.least:
            least_report(arguments.baseline_src)
        elif arguments.on_end:
            on_end_report(arguments.baseline_src)
        elif arguments.cache_sim:
            cache_report(arguments.baseline_src)
        else:
            main(arguments.baseline_src)
