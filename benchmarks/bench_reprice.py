"""``otel-llmcost reprice`` against reading and writing the same files with the JSON library alone, in one run.

Target (issue 14): re-pricing 1,000,000 spans takes at most 2x the time of ``json.loads`` + ``json.dumps`` of
every line of the same files, with flat memory. The spans are made by the library itself (the cost processor
in front of the file exporter, batches of 512 spans a line, half of them GenAI calls of six models with
varied usage, half other spans), then repeated to the size asked. Both sides run as child processes, taking
turns; the time of each and its peak resident memory are printed, with the ratio.

Run: ``python benchmarks/bench_reprice.py [SPANS]`` (1,000,000 by default; about 1.4 GB of files in a temporary
folder, removed after).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from otel_llmcost import CostSpanProcessor
from otel_llmcost.export import FileSpanExporter

TEMPLATE_SPANS = 8192
ROUNDS = 2
MODELS = [
    ("anthropic", "claude-sonnet-4-5"),
    ("anthropic", "claude-haiku-4-5"),
    ("openai", "gpt-4o-mini"),
    ("openai", "gpt-4o"),
    ("openai", "o4-mini"),
    ("gcp.gemini", "gemini-2.5-flash"),
]

JSON_ALONE = """
import json, sys
from pathlib import Path
source, target = Path(sys.argv[1]), Path(sys.argv[2])
target.mkdir(parents=True, exist_ok=True)
dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
for path in sorted(source.iterdir()):
    with path.open(encoding="utf-8") as lines, (target / path.name).open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(dumps(json.loads(line)))
            out.write("\\n")
"""


def make_template(folder: Path) -> Path:
    """``TEMPLATE_SPANS`` spans priced by the processor and written by the file exporter: one file."""
    rng = random.Random(14)
    provider = TracerProvider(resource=Resource.create({"service.name": "bench"}))
    exporter = FileSpanExporter(folder)
    provider.add_span_processor(CostSpanProcessor(BatchSpanProcessor(exporter, max_export_batch_size=512)))
    tracer = provider.get_tracer("bench")
    for index in range(TEMPLATE_SPANS // 2):
        with tracer.start_as_current_span("invoke_agent helper", attributes={"gen_ai.operation.name": "invoke_agent"}):
            name, model = MODELS[index % len(MODELS)]
            input_tokens = rng.randrange(100, 20_000)
            attributes = {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": name,
                "gen_ai.request.model": model,
                "gen_ai.response.model": model,
                "gen_ai.response.id": f"resp_{index}",
                "gen_ai.usage.input_tokens": input_tokens,
                "gen_ai.usage.cache_read.input_tokens": rng.randrange(0, input_tokens // 2),
                "gen_ai.usage.output_tokens": rng.randrange(10, 2_000),
                "server.address": "api.example.com",
                "server.port": 443,
                "llmcost.customer.id": f"customer-{index % 20}",
            }
            with tracer.start_as_current_span(f"chat {model}", attributes=attributes):
                pass
    provider.shutdown()
    (path,) = folder.iterdir()
    return path


def make_input(template: Path, folder: Path, spans: int) -> int:
    """The template's lines repeated until ``spans`` spans, in files of about 100 MB; the number of bytes."""
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    per_line = TEMPLATE_SPANS / len(lines)
    wanted = int(spans / per_line)
    folder.mkdir(parents=True)
    written = number = 0
    out = None
    for index in range(wanted):
        if out is None or out.tell() > 100_000_000:
            if out is not None:
                out.close()
            number += 1
            out = (folder / f"spans-{number:03}.jsonl").open("w", encoding="utf-8")
        line = lines[index % len(lines)]
        out.write(line)
        written += len(line)
    if out is not None:
        out.close()
    return written


def run(command: list[str]) -> tuple[float, float, int]:
    """Runs ``command``: its wall-clock seconds, CPU seconds and peak resident memory in MB (from wait4's
    accounting of that child alone). CPU time is the steadier reading on a machine that others share."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{command[0]} failed with status {status}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main() -> None:
    spans = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    command = Path(sys.executable).with_name("otel-llmcost")
    work = Path(tempfile.mkdtemp(prefix="bench-reprice-"))
    try:
        template = make_template(work / "template")
        source = work / "in"
        size = make_input(template, source, spans)
        print(f"{spans:,} spans (half GenAI calls), {size / 1e6:,.0f} MB of OTLP JSON lines in {source}")
        sides = {
            "json alone": [sys.executable, "-c", JSON_ALONE, str(source), str(work / "out-json")],
            "reprice": [str(command), "reprice", str(source), "--out", str(work / "out-reprice"), "--format", "json"],
        }
        walls: dict[str, list[float]] = {name: [] for name in sides}
        cpus: dict[str, list[float]] = {name: [] for name in sides}
        peaks: dict[str, int] = {}
        for _ in range(ROUNDS):
            for name, argv in sides.items():
                shutil.rmtree(Path(argv[-1] if name == "json alone" else argv[4]), ignore_errors=True)
                wall, cpu, peak = run(argv)
                walls[name].append(wall)
                cpus[name].append(cpu)
                peaks[name] = max(peaks.get(name, 0), peak)
        for name in sides:
            rounds = ", ".join(f"{value:.1f}" for value in walls[name])
            print(
                f"{name:<11} wall best {min(walls[name]):6.1f} s ({rounds}), CPU best {min(cpus[name]):6.1f} s,"
                f" {spans / min(cpus[name]):>9,.0f} spans per CPU second, peak memory {peaks[name]} MB"
            )
        wall_ratio = min(walls["reprice"]) / min(walls["json alone"])
        cpu_ratio = min(cpus["reprice"]) / min(cpus["json alone"])
        print(f"reprice / json alone: {wall_ratio:.2f}x wall-clock, {cpu_ratio:.2f}x CPU time (target <= 2x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
