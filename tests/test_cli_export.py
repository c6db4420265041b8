"""`FileSpanExporter` (``OTEL_TRACES_EXPORTER=llmcost_file``): OTLP JSON lines the report reads, rotated by size,
one file per process, so forked workers never interleave."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from cli_support import SHOP_CALLS, chat, emit, exporting, run_json
from otel_llmcost import CostSpanProcessor
from otel_llmcost.export import FileSpanExporter


def test_each_batch_is_one_line_of_otlp_json(tmp_path: Path) -> None:
    with exporting(tmp_path, service="shop") as tracer:
        emit(tracer, SHOP_CALLS[:1])

    (path,) = tmp_path.iterdir()
    assert path.name == f"spans-{os.getpid()}-1.jsonl"
    lines = path.read_text().splitlines()
    assert len(lines) == 2  # the simple processor exports each span alone: the call, then the agent span
    request = json.loads(lines[0])
    (resource_spans,) = request["resourceSpans"]
    resource = {item["key"]: item["value"] for item in resource_spans["resource"]["attributes"]}
    assert resource["service.name"] == {"stringValue": "shop"}
    (scope_spans,) = resource_spans["scopeSpans"]
    assert scope_spans["scope"] == {"name": "tests"}
    (span,) = scope_spans["spans"]
    agent = json.loads(lines[1])["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert len(span["traceId"]) == 32
    assert len(span["spanId"]) == 16
    assert span["parentSpanId"] == agent["spanId"]
    assert span["kind"] == 1  # SPAN_KIND_INTERNAL
    assert span["startTimeUnixNano"] == str(SHOP_CALLS[0][0])
    attributes = {item["key"]: item["value"] for item in span["attributes"]}
    assert attributes["gen_ai.usage.input_tokens"] == {"intValue": "10000"}
    assert attributes["gen_ai.usage.cost.amount"] == {"doubleValue": 0.06}  # 10000 * 3/1e6 + 2000 * 15/1e6
    assert attributes["llmcost.status"] == {"stringValue": "priced"}
    assert "parentSpanId" not in agent


def test_a_file_past_the_size_limit_is_closed_and_the_next_begins(tmp_path: Path) -> None:
    with exporting(tmp_path, max_bytes=3000) as tracer:
        emit(tracer, SHOP_CALLS)

    files = sorted(tmp_path.iterdir(), key=lambda path: int(path.stem.rsplit("-", 1)[1]))
    assert len(files) >= 3
    assert [path.name for path in files][:2] == [f"spans-{os.getpid()}-1.jsonl", f"spans-{os.getpid()}-2.jsonl"]
    assert all(path.stat().st_size <= 3000 for path in files)
    document = run_json("report", str(tmp_path))
    assert document["calls"] == 5
    assert Decimal(str(document["cost_usd"])) == Decimal("0.064405")  # as in test_cli_report


def test_a_bad_size_limit_is_an_error_that_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_LLMCOST_FILE_MAX_BYTES", "10MB")

    with pytest.raises(ValueError, match=r"OTEL_LLMCOST_FILE_MAX_BYTES='10MB' is not a whole number of bytes"):
        FileSpanExporter()


def _forked_worker(folder: str, index: int) -> None:
    provider = _PARENT_PROVIDER
    assert provider is not None
    tracer = provider.get_tracer("worker")
    with tracer.start_as_current_span(f"chat {index}", attributes=chat("openai", "gpt-4o-mini", 1000, 100)):
        pass
    provider.force_flush()
    os._exit(0)


_PARENT_PROVIDER: TracerProvider | None = None


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_forked_workers_write_files_of_their_own(tmp_path: Path) -> None:
    global _PARENT_PROVIDER
    exporter = FileSpanExporter(tmp_path)
    provider = TracerProvider()
    provider.add_span_processor(CostSpanProcessor(SimpleSpanProcessor(exporter)))
    _PARENT_PROVIDER = provider
    try:
        tracer = provider.get_tracer("parent")
        with tracer.start_as_current_span("parent", attributes=chat("openai", "gpt-4o-mini", 1, 1)):
            pass
        context = multiprocessing.get_context("fork")
        workers = [context.Process(target=_forked_worker, args=(str(tmp_path), index)) for index in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        assert [worker.exitcode for worker in workers] == [0, 0, 0]
        with tracer.start_as_current_span("after", attributes=chat("openai", "gpt-4o-mini", 1, 1)):
            pass
    finally:
        _PARENT_PROVIDER = None
        provider.shutdown()

    pids = {int(path.name.split("-")[1]) for path in tmp_path.iterdir()}
    assert len(pids) == 4
    assert len(list(tmp_path.glob(f"spans-{os.getpid()}-*.jsonl"))) == 1  # the parent's, before and after
    for path in tmp_path.iterdir():
        for line in path.read_text().splitlines():
            json.loads(line)  # whole lines only
    document = run_json("report", str(tmp_path))
    assert document["calls"] == 5
    # 3 * (1000 * 0.15/1e6 + 100 * 0.6/1e6) + 2 * (1 * 0.15/1e6 + 1 * 0.6/1e6) = 3 * 0.00021 + 2 * 0.00000075
    assert Decimal(str(document["cost_usd"])) == Decimal("0.0006315")


def test_otel_traces_exporter_llmcost_file_under_opentelemetry_instrument(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(
        textwrap.dedent(
            """
            from opentelemetry import trace

            tracer = trace.get_tracer("app")
            attributes = {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": "anthropic",
                "gen_ai.request.model": "claude-sonnet-4-5",
                "gen_ai.usage.input_tokens": 10000,
                "gen_ai.usage.output_tokens": 2000,
            }
            with tracer.start_as_current_span("chat claude-sonnet-4-5", attributes=attributes):
                pass
            """
        )
    )
    folder = tmp_path / "spans"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    environment.update(
        OTEL_TRACES_EXPORTER="llmcost_file",
        OTEL_LLMCOST_FILE_PATH=str(folder),
        OTEL_METRICS_EXPORTER="none",
        OTEL_LOGS_EXPORTER="none",
        OTEL_SERVICE_NAME="zero-code",
    )
    instrument = Path(sys.executable).with_name("opentelemetry-instrument")

    done = subprocess.run(
        [str(instrument), sys.executable, str(app)], env=environment, capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    document = run_json("report", str(folder), "--by", "service,model")
    assert [(g["service"], g["model"], g["calls"], Decimal(g["cost_usd"])) for g in document["groups"]] == [
        ("zero-code", "claude-sonnet-4-5", 1, Decimal("0.06")),  # 10000 * 3/1e6 + 2000 * 15/1e6
        ("total", None, 1, Decimal("0.06")),
    ]
