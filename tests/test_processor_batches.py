"""CostSpanProcessor pricing in batches: when it does, the order and completeness of what it hands on,
and every reader of costs (flush, totals, metrics, budgets) seeing calls that ended but wait to be priced.

`tests/test_processor.py` runs all its tests in both modes; these are the ones only batches have.
"""

from __future__ import annotations

import copy
import gc
import json
import os
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx2
import openai
import pytest
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from attribution_support import GPT_4O_MINI_CALL, GPT_4O_MINI_USD, Attributed
from openai_support import instrumented_on
from otel_llmcost import AttributionSpanProcessor, BudgetExceeded, CostSpanProcessor, attribute, budget
from otel_llmcost.processor._deferred import Deferred
from otel_llmcost.setup._pipeline import Pricing, Wrapping, wrap
from replay import RECORDINGS, Replay

# A gpt-4o-mini call's span: 1,000 input x $0.15 + 200 output x $0.60 per million = $0.00027.
CALL = GPT_4O_MINI_CALL
CALL_COST = GPT_4O_MINI_USD
# The recording chat_gpt_4o_mini: 600 x 0.15 + 400 cached x 0.075 + 200 x 0.60 per million = $0.00024.
RECORDED_COST = Decimal("0.00024")
NEVER = 3600.0  # a delay the thread never reaches in a test: only a reader's settling prices the queue


class Recorder(SpanProcessor):
    """Keeps what it is handed, with the thread that handed it."""

    def __init__(self) -> None:
        self.ended: list[ReadableSpan] = []
        self.threads: list[str] = []

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        self.ended.append(span)
        self.threads.append(threading.current_thread().name)


def _pipeline(recorder: SpanProcessor, **options: Any) -> tuple[TracerProvider, CostSpanProcessor]:
    processor = CostSpanProcessor(recorder, meter_provider=MeterProvider(), **options)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    return provider, processor


def _wait_for(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the pricing thread did not hand the spans on"
        time.sleep(0.005)


def _call(provider: TracerProvider, name: str = "chat gpt-4o-mini", **extra: Any) -> None:
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes={**CALL, **extra}):
        pass


@pytest.mark.parametrize(
    ("next_processor", "batched"),
    [
        (BatchSpanProcessor(InMemorySpanExporter()), True),
        (AttributionSpanProcessor(BatchSpanProcessor(InMemorySpanExporter())), True),
        (SimpleSpanProcessor(InMemorySpanExporter()), False),
        (AttributionSpanProcessor(SimpleSpanProcessor(InMemorySpanExporter())), False),
        (Recorder(), False),
    ],
    ids=["batch", "attribution-batch", "simple", "attribution-simple", "other"],
)
def test_it_prices_in_batches_by_default_when_the_export_waits_for_a_batch(
    next_processor: SpanProcessor, batched: bool
) -> None:
    processor = CostSpanProcessor(next_processor, meter_provider=MeterProvider())
    assert (processor._deferred is not None) is batched  # pyright: ignore[reportPrivateUsage]
    flipped = CostSpanProcessor(next_processor, meter_provider=MeterProvider(), batched=not batched)
    assert (flipped._deferred is not None) is not batched  # pyright: ignore[reportPrivateUsage]
    next_processor.shutdown()


def test_the_thread_prices_the_spans_in_the_order_they_ended_and_hands_every_one_on() -> None:
    recorder = Recorder()
    provider, _ = _pipeline(recorder, batched=True)
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("agent"):
        for number in range(3):
            _call(provider, f"chat {number}", **{"gen_ai.response.id": f"chatcmpl-{number}"})
    assert recorder.ended == []  # nothing priced on the application's thread

    _wait_for(lambda: len(recorder.ended) == 4)
    assert [span.name for span in recorder.ended] == ["chat 0", "chat 1", "chat 2", "agent"]
    assert set(recorder.threads) == {"otel-llmcost pricing"}
    for span in recorder.ended[:3]:
        assert (span.attributes or {})["gen_ai.usage.cost.amount"] == float(CALL_COST)
    # The agent ended before its calls were priced: the totals of the calls below it are on its copy.
    agent = recorder.ended[3].attributes or {}
    assert (agent["llmcost.subtree.cost"], agent["llmcost.subtree.calls"]) == (float(3 * CALL_COST), 3)
    provider.shutdown()


def test_flush_totals_and_the_cost_metrics_price_what_is_queued_first() -> None:
    recorder = Recorder()
    reader = InMemoryMetricReader()
    processor = CostSpanProcessor(recorder, meter_provider=MeterProvider(metric_readers=[reader]), batched=True)
    processor._deferred._delay = NEVER  # pyright: ignore[reportOptionalMemberAccess, reportPrivateUsage]
    provider = TracerProvider()
    provider.add_span_processor(processor)

    _call(provider, **{"gen_ai.response.id": "chatcmpl-a"})
    points = reader.get_metrics_data().resource_metrics[0].scope_metrics[0].metrics  # pyright: ignore[reportOptionalMemberAccess]
    (cost,) = [metric for metric in points if metric.name == "llmcost.cost"]
    assert [point.value for point in cost.data.data_points] == [float(CALL_COST)]  # pyright: ignore[reportAttributeAccessIssue]

    _call(provider, **{"gen_ai.response.id": "chatcmpl-b"})
    (total,), _ = processor.totals()
    assert (total.cost_usd, total.calls) == (2 * CALL_COST, 2)

    _call(provider, **{"gen_ai.response.id": "chatcmpl-c"})
    assert len(recorder.ended) == 2
    assert provider.force_flush()
    assert len(recorder.ended) == 3
    assert set(recorder.threads) == {threading.current_thread().name}  # settled by the readers, in this thread
    provider.shutdown()


def test_the_span_that_fills_a_batch_hands_the_queue_on_from_its_own_thread() -> None:
    handled: list[int] = []
    queue = Deferred(
        lambda span: handled.append(span.start_time or 0), batch=3, delay=NEVER, after=lambda: handled.append(0)
    )
    for number in range(1, 6):
        queue.put(ReadableSpan(name="span", start_time=number))
        if number == 2:
            assert handled == []  # two queued: the timer's, and it waits
    # The third span's end handled the three in a row, oldest first, then `after` (0); the fourth and fifth wait.
    assert handled == [1, 2, 3, 0]
    assert len(queue) == 2
    queue.settle()
    assert handled == [1, 2, 3, 0, 4, 5, 0]
    queue.stop()


def test_a_batch_sums_its_calls_into_the_cost_metrics_as_it_ends() -> None:
    # The outcomes of a batch's calls are summed when the batch ends, not left for a reader or a 256th call.
    provider, processor = _pipeline(Recorder(), batched=True)
    metrics = processor._metrics  # pyright: ignore[reportPrivateUsage]
    for number in range(64):  # a batch, at the default size
        _call(provider, **{"gen_ai.response.id": f"chatcmpl-{number}"})
    assert len(metrics._pending) == 0  # pyright: ignore[reportPrivateUsage]
    assert list(metrics._cost.values()) == [[64 * CALL_COST, 64]]  # pyright: ignore[reportPrivateUsage]
    (total,), _ = processor.totals()
    assert (total.cost_usd, total.calls) == (64 * CALL_COST, 64)
    provider.shutdown()


def test_a_failing_processor_behind_it_does_not_stop_the_thread() -> None:
    class Failing(Recorder):
        def on_end(self, span: ReadableSpan) -> None:
            super().on_end(span)
            if span.name == "chat first":
                raise RuntimeError("an exporter's bug")

    recorder = Failing()
    provider, _ = _pipeline(recorder, batched=True)
    _call(provider, "chat first", **{"gen_ai.response.id": "chatcmpl-1"})
    _call(provider, "chat second", **{"gen_ai.response.id": "chatcmpl-2"})
    _wait_for(lambda: len(recorder.ended) == 2)
    _call(provider, "chat third", **{"gen_ai.response.id": "chatcmpl-3"})
    _wait_for(lambda: len(recorder.ended) == 3)
    assert [span.name for span in recorder.ended] == ["chat first", "chat second", "chat third"]
    provider.shutdown()


def test_after_shutdown_a_span_that_ends_is_priced_on_the_spot() -> None:
    recorder = Recorder()
    provider, processor = _pipeline(recorder, batched=True)
    _call(provider, **{"gen_ai.response.id": "chatcmpl-1"})
    processor.shutdown()
    assert len(recorder.ended) == 1  # shutting down priced and handed on what was queued
    _call(provider, **{"gen_ai.response.id": "chatcmpl-2"})
    assert len(recorder.ended) == 2
    assert (recorder.ended[1].attributes or {})["gen_ai.usage.cost.amount"] == float(CALL_COST)


@pytest.fixture
def in_batches() -> Iterator[Attributed]:
    """`attribution_support`'s pipeline, pricing in batches with a timer that never fires in time."""
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader as Reader

    exporter = InMemorySpanExporter()
    metric_reader = Reader()
    meter_provider = MeterProvider(metric_readers=[metric_reader])
    processor = CostSpanProcessor(
        AttributionSpanProcessor(SimpleSpanProcessor(exporter)),
        meter_provider=meter_provider,
        metric_attributes=["llmcost.customer.id"],
        batched=True,
    )
    processor._deferred._delay = NEVER  # pyright: ignore[reportOptionalMemberAccess, reportPrivateUsage]
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(processor)
    attributed = Attributed(tracer_provider, exporter, meter_provider, metric_reader)
    with instrumented_on(attributed):
        yield attributed
    tracer_provider.shutdown()
    meter_provider.shutdown()


def _chat(response_id: str) -> httpx2.Response:
    recording: dict[str, Any] = json.loads((RECORDINGS / "openai" / "chat_gpt_4o_mini.json").read_text("utf-8"))
    body = copy.deepcopy(recording["body"])
    body["id"] = response_id
    return httpx2.Response(recording["status"], headers=recording["headers"], content=json.dumps(body).encode())


def test_a_budget_counts_the_calls_that_wait_to_be_priced(in_batches: Attributed) -> None:
    replay = Replay(*(_chat(f"chatcmpl-{number}") for number in range(3)))
    client = openai.OpenAI(
        api_key="test", max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(replay))
    )

    def ask() -> str:
        messages: Any = [{"role": "user", "content": "Summarise the churn report."}]
        return client.chat.completions.create(model="gpt-4o-mini", messages=messages, max_tokens=16000).id

    # The worst case of this call: 14 input tokens and 16,000 output = 14 x 0.15 + 16,000 x 0.60 per million
    # = $0.0096021; the recording costs RECORDED_COST (as in tests/test_budget.py).
    with budget(usd="0.01", per="customer", on_exceed="raise") as limit, attribute(customer="cus_1"):
        assert ask() == "chatcmpl-0"  # 0 + 0.0096021 <= 0.01
        assert in_batches.exporter.get_finished_spans() == ()  # priced later, not on this thread
        assert ask() == "chatcmpl-1"  # 0.00024 + 0.0096021 <= 0.01: the first call's cost counted, not its worst case
        with pytest.raises(BudgetExceeded) as refused:
            ask()  # 0.00048 + 0.0096021 > 0.01
        assert refused.value.spent_usd == 2 * RECORDED_COST
        assert limit.spent_usd("cus_1") == 2 * RECORDED_COST
    assert len(replay.requests) == 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_leaves_the_parents_queue_to_the_parent_and_prices_its_own() -> None:
    recorder = Recorder()
    provider, processor = _pipeline(recorder, batched=True)
    processor._deferred._delay = NEVER  # pyright: ignore[reportOptionalMemberAccess, reportPrivateUsage]
    _call(provider, "chat in the parent", **{"gen_ai.response.id": "chatcmpl-parent"})
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        try:
            provider.force_flush()  # the parent's queued span is not the child's to hand on
            _call(provider, "chat in the child", **{"gen_ai.response.id": "chatcmpl-child"})
            provider.force_flush()
            found = [(span.name, (span.attributes or {}).get("gen_ai.usage.cost.amount")) for span in recorder.ended]
            os.write(write, json.dumps(found).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        reported = json.loads(pipe.read())
    os.waitpid(child, 0)
    assert reported == [["chat in the child", float(CALL_COST)]]
    provider.force_flush()
    assert [span.name for span in recorder.ended] == ["chat in the parent"]
    provider.shutdown()


def test_spans_ended_by_many_threads_at_once_are_each_priced_once_by_one_timer() -> None:
    recorder = Recorder()
    provider, processor = _pipeline(recorder, batched=True)
    start = threading.Barrier(8)

    def calls(thread: int) -> None:
        start.wait()
        for number in range(50):
            _call(provider, f"chat {thread}-{number}", **{"gen_ai.response.id": f"chatcmpl-{thread}-{number}"})

    threads = [threading.Thread(target=calls, args=(thread,)) for thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    provider.force_flush()
    assert sorted(span.name for span in recorder.ended) == sorted(f"chat {t}-{n}" for t in range(8) for n in range(50))
    (total,), _ = processor.totals()
    assert (total.cost_usd, total.calls) == (400 * CALL_COST, 400)
    timers = [thread for thread in threading.enumerate() if thread.name == "otel-llmcost pricing"]
    assert processor._deferred._timer in timers  # pyright: ignore[reportOptionalMemberAccess, reportPrivateUsage]
    provider.shutdown()


def test_the_timer_ends_once_its_processor_is_dropped_without_a_shutdown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("otel_llmcost.processor._deferred._IDLE", 0.05)
    # Providers that are not shut down at exit: an atexit hook would keep them, and so the processor, alive.
    meters = MeterProvider(shutdown_on_exit=False)
    processor = CostSpanProcessor(Recorder(), meter_provider=meters, batched=True)
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(processor)
    _call(provider, **{"gen_ai.response.id": "chatcmpl-1"})
    provider.force_flush()
    timer = processor._deferred._timer  # pyright: ignore[reportOptionalMemberAccess, reportPrivateUsage]
    assert timer is not None
    assert timer.is_alive()
    del provider, processor, meters
    gc.collect()
    timer.join(10)
    assert not timer.is_alive()


def test_a_processor_dropped_without_a_shutdown_hands_on_what_it_queued() -> None:
    meters = MeterProvider(shutdown_on_exit=False)
    recorder = Recorder()
    processor = CostSpanProcessor(recorder, meter_provider=meters, batched=True)
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(processor)
    for number in range(3):
        _call(provider, name=f"chat {number}", **{"gen_ai.response.id": f"chatcmpl-{number}"})
    assert recorder.ended == []  # queued, a batch short
    del provider, processor, meters  # the meters read its totals: they hold it too
    gc.collect()
    assert [span.name for span in recorder.ended] == ["chat 0", "chat 1", "chat 2"]
    assert [(span.attributes or {}).get("gen_ai.usage.cost") for span in recorder.ended] == [float(CALL_COST)] * 3


@pytest.mark.parametrize(
    ("kinds", "batched"),
    [
        (["batch"], True),
        (["batch", "batch"], True),
        (["batch", "simple"], False),
        (["simple"], False),
        ([], False),
    ],
)
def test_the_set_up_routes_price_in_batches_when_every_exporting_processor_exports_in_batches(
    kinds: list[str], batched: bool
) -> None:
    exporting = [
        BatchSpanProcessor(InMemorySpanExporter()) if kind == "batch" else SimpleSpanProcessor(InMemorySpanExporter())
        for kind in kinds
    ]
    # `instrument()` and `opentelemetry-instrument`, with OTEL_TRACES_EXPORTER naming one or more exporters.
    made = Pricing().processor(exporting)
    assert (made._deferred is not None) is batched  # pyright: ignore[reportPrivateUsage]
    # The same processors on a provider of the application's own, wrapped.
    provider = TracerProvider()
    for processor in exporting:
        provider.add_span_processor(processor)
    wrapping = wrap(provider, Pricing())
    if exporting:
        assert isinstance(wrapping, Wrapping)
        assert (wrapping.cost._deferred is not None) is batched  # pyright: ignore[reportPrivateUsage]
    provider.shutdown()
