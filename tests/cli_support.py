"""What the command's tests share: the installed console script, and spans the library really priced and exported.

Spans are made by a tracer provider with the cost processor in front of `FileSpanExporter`, as an application
with ``OTEL_TRACES_EXPORTER=llmcost_file`` makes them, so the report reads what the library writes.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Tracer, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.util.types import AttributeValue

from otel_llmcost import CostSpanProcessor
from otel_llmcost.export import FileSpanExporter

COMMAND = Path(sys.executable).with_name("otel-llmcost")
"""The console script pip installed with the package."""

DAY1 = 1_796_601_600 * 10**9  # 2026-12-07T00:00:00Z
DAY2 = DAY1 + 86_400 * 10**9  # 2026-12-08
HOUR = 3_600 * 10**9


def run(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs the installed ``otel-llmcost`` with ``args``; its exit code, stdout and stderr."""
    return subprocess.run(
        [str(COMMAND), *args], capture_output=True, text=True, check=False, env=dict(env) if env else None, timeout=120
    )


def run_json(*args: str) -> dict[str, object]:
    done = run(*args, "--format", "json")
    assert done.returncode == 0, done.stderr
    document: dict[str, object] = json.loads(done.stdout)
    return document


def chat(
    provider: str,
    model: str,
    input_tokens: int,
    output_tokens: int,
    **extra: AttributeValue,
) -> dict[str, AttributeValue]:
    """The attributes of a chat span, as the GenAI conventions name them."""
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.request.model": model,
        "gen_ai.usage.input_tokens": input_tokens,
        "gen_ai.usage.output_tokens": output_tokens,
        **extra,
    }


@contextmanager
def exporting(folder: Path, service: str = "shop", max_bytes: int | None = None) -> Iterator[Tracer]:
    """A tracer whose spans are priced and written to ``folder`` as OTLP JSON lines; flushed on exit."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(CostSpanProcessor(SimpleSpanProcessor(FileSpanExporter(folder, max_bytes))))
    try:
        yield provider.get_tracer("tests")
    finally:
        provider.shutdown()


def emit(tracer: Tracer, calls: Sequence[tuple[int, Mapping[str, AttributeValue]]]) -> None:
    """One span per ``(start time ns, attributes)``, each one second long, under an agent span."""
    with tracer.start_as_current_span("invoke_agent helper", start_time=calls[0][0]):
        for start, attributes in calls:
            span = tracer.start_span(f"chat {attributes.get('gen_ai.request.model')}", start_time=start)
            span.set_attributes(dict(attributes))
            span.end(end_time=start + 10**9)


SHOP_CALLS: list[tuple[int, Mapping[str, AttributeValue]]] = [
    # 10000 * 3/1e6 + 2000 * 15/1e6 = 0.03 + 0.03 = 0.06
    (DAY1 + HOUR, chat("anthropic", "claude-sonnet-4-5", 10000, 2000, **{"llmcost.customer.id": "acme"})),
    # 1200 * 0.15/1e6 + 300 * 0.6/1e6 = 0.00018 + 0.00018 = 0.00036
    (DAY1 + 2 * HOUR, chat("openai", "gpt-4o-mini", 1200, 300, **{"llmcost.customer.id": "acme"})),
    # 2000 * 1/1e6 + 400 * 5/1e6 = 0.002 + 0.002 = 0.004
    (DAY2 + HOUR, chat("anthropic", "claude-haiku-4-5", 2000, 400, **{"llmcost.customer.id": "globex"})),
    # counted with tiktoken: 100 * 0.15/1e6 + 50 * 0.6/1e6 = 0.000015 + 0.00003 = 0.000045
    (DAY2 + 2 * HOUR, chat("openai", "gpt-4o-mini", 100, 50, **{"llmcost.usage.status": "estimated"})),
    # a model no table knows: unpriced, no amount
    (DAY2 + 3 * HOUR, chat("openai", "gpt-nonexistent", 500, 10, **{"llmcost.customer.id": "globex"})),
]
"""Five calls over two days: three priced, one estimated, one unpriced."""


def shop_spans(folder: Path) -> Path:
    """``folder`` with the five calls of `SHOP_CALLS` in it, priced by the processor and written as OTLP JSON lines."""
    with exporting(folder) as tracer:
        emit(tracer, SHOP_CALLS)
    return folder


def exported_spans(folder: Path) -> dict[str, dict[str, Any]]:
    """Each span's attributes (plain values), by span name."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.rglob("*.json*")):
        text = gzip.decompress(path.read_bytes()).decode() if path.name.endswith(".gz") else path.read_text()
        for line in text.splitlines():
            for resource in json.loads(line)["resourceSpans"]:
                for scope in resource["scopeSpans"]:
                    for span in scope["spans"]:
                        found[span["name"]] = {
                            item["key"]: next(iter(item["value"].values())) for item in span["attributes"]
                        }
    return found
