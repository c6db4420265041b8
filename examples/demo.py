"""``make demo``: the support assistant under ``opentelemetry-instrument``, its costs shipped to a local Phoenix.

1. Starts Arize Phoenix on http://127.0.0.1:6006 (from ``.e2e/phoenix-venv``, which ``make demo`` installs),
   or uses the one already answering there. It keeps running after the demo, so the traces can be looked at;
   ``make demo-stop`` stops it.
2. Runs ``examples/support_assistant.py`` under the real ``opentelemetry-instrument`` command, with OTLP over
   HTTP to Phoenix: the app has no tracing code, this package installed is all it takes.
3. Reads the trace back from Phoenix's REST API and prints each call's cost, the total per model and in
   total, as Phoenix stored them, and where to open the UI.

With ``--no-phoenix`` (or when Phoenix cannot be started) the app runs under ``opentelemetry-instrument`` with
no exporter and ``OTEL_LLMCOST_SUMMARY=true``, which prints the cost per model at exit. ``--phoenix-url`` uses
a Phoenix running elsewhere and starts none. Nothing here needs an API key or the network.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "examples" / "support_assistant.py"
STATE = REPO / ".demo"  # the log and pid of the Phoenix the demo started
PHOENIX = Path(os.environ.get("PHOENIX") or REPO / ".e2e" / "phoenix-venv" / "bin" / "phoenix")
PROJECT = "otel-llmcost-demo"
START_TIMEOUT = 180.0  # Phoenix's first start migrates its database: tens of seconds on a small machine
ARRIVAL_TIMEOUT = 60.0


class DemoError(Exception):
    """Something the demo needs did not work; the message says what and what to do."""


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def start_phoenix(url: str) -> None:
    """``phoenix serve`` at ``url`` in its own session (it outlives the demo), its working dir a temporary
    folder, its log and pid under ``.demo/``."""
    if not PHOENIX.exists():
        raise DemoError(f"Phoenix is not installed at {PHOENIX}: run `scripts/e2e/setup.sh phoenix` (or make demo)")
    parsed = urllib.parse.urlsplit(url)
    STATE.mkdir(exist_ok=True)
    log = STATE / "phoenix.log"
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "PHOENIX_"))}
    environment.update(
        PHOENIX_WORKING_DIR=tempfile.mkdtemp(prefix="otel-llmcost-phoenix-"),  # its database: a fresh one
        PHOENIX_HOST=parsed.hostname or "127.0.0.1",
        PHOENIX_PORT=str(parsed.port or 6006),
        PHOENIX_GRPC_PORT=str(free_port()),  # not 4317, which a local collector may hold; the demo sends HTTP
        PHOENIX_TELEMETRY_ENABLED="false",  # no analytics pixels
        PHOENIX_ALLOW_EXTERNAL_RESOURCES="false",  # no web fonts or other downloads: nothing leaves the machine
    )
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(PHOENIX), "serve"],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (STATE / "phoenix.pid").write_text(f"{process.pid}\n", encoding="utf-8")
    print(f"Starting Phoenix at {url} (log: {log.relative_to(REPO)}) ...", flush=True)
    deadline = time.monotonic() + START_TIMEOUT
    while not answers(url):
        if process.poll() is not None:
            tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:])
            raise DemoError(f"Phoenix exited with code {process.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            process.terminate()
            raise DemoError(f"Phoenix did not answer at {url} within {START_TIMEOUT:.0f} s (log: {log})")
        time.sleep(0.5)


def run_app(environment: Mapping[str, str]) -> str:
    """Runs the app under ``opentelemetry-instrument``, its output shown as it comes; the trace id it printed."""
    instrument = Path(sys.executable).with_name("opentelemetry-instrument")
    command = [str(instrument), sys.executable, str(APP)]
    # Your OTEL_* variables would send the demo's spans elsewhere; a list of instrumentations to skip is kept.
    app_environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OTEL_") or key == "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS"
    }
    app_environment.update(environment)
    variables = " ".join(f"{key}={value}" for key, value in environment.items())
    print(f"$ {variables} \\\n  opentelemetry-instrument python {APP.relative_to(REPO)}\n", flush=True)
    done = subprocess.run(command, env=app_environment, stdout=subprocess.PIPE, text=True, check=False)
    print(done.stdout, end="", flush=True)
    if done.returncode != 0:
        sys.exit(f"the app exited with code {done.returncode}")
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return last.removeprefix("trace ").strip() if last.startswith("trace ") else ""


def trace_spans(url: str, trace_id: str) -> list[dict[str, Any]]:
    """The spans of ``trace_id`` once its root has arrived in Phoenix and no more come."""
    query = urllib.parse.urlencode({"trace_id": trace_id, "limit": 1000})
    spans_url = f"{url}/v1/projects/{urllib.parse.quote(PROJECT)}/spans?{query}"
    deadline = time.monotonic() + ARRIVAL_TIMEOUT
    seen = -1
    while True:
        try:
            spans: list[dict[str, Any]] = get_json(spans_url)["data"]
        except (OSError, urllib.error.URLError, ValueError, KeyError):
            spans = []
        if any(span["parent_id"] is None for span in spans) and len(spans) == seen:
            return spans
        if time.monotonic() > deadline:
            raise DemoError(f"the trace {trace_id} did not arrive in Phoenix within {ARRIVAL_TIMEOUT:.0f} s")
        seen = len(spans)
        time.sleep(0.5)


def print_costs(spans: list[dict[str, Any]]) -> None:
    """Each priced call, then the totals per model and in all, from the attributes Phoenix stored."""
    row = "{:<34} {:<10} {:<26} {:>7} {:>11} {:>7} {:>12}  {}"
    total = "{:<112} {:>12.8f}"
    print(row.format("span", "provider", "model", "input", "cached r/w", "output", "cost USD", "status"))
    by_model: defaultdict[str, float] = defaultdict(float)
    calls = sorted((span for span in spans if "llmcost.status" in span["attributes"]), key=lambda s: s["start_time"])
    for span in calls:
        call = span["attributes"]
        model = str(call.get("gen_ai.response.model") or call.get("gen_ai.request.model"))
        cost = call.get("gen_ai.usage.cost.amount")  # absent when a call cannot be priced: never a made-up zero
        if isinstance(cost, (int, float)):
            by_model[model] += cost
        read = call.get("gen_ai.usage.cache_read.input_tokens", 0)
        written = call.get("gen_ai.usage.cache_creation.input_tokens", 0)
        shown = f"{cost:.8f}" if isinstance(cost, (int, float)) else "-"
        status = call["llmcost.status"] + (f" ({call['llmcost.reason']})" if "llmcost.reason" in call else "")
        print(
            row.format(
                span["name"],
                call.get("gen_ai.provider.name", ""),
                model,
                call.get("gen_ai.usage.input_tokens", 0),
                f"{read}/{written}",
                call.get("gen_ai.usage.output_tokens", 0),
                shown,
                status,
            )
        )
    print()
    for model, cost in sorted(by_model.items()):
        print(total.format(f"total {model}", cost))
    print(total.format("grand total", sum(by_model.values())))
    root = next(span for span in spans if span["parent_id"] is None)["attributes"]
    label = f"root span: llmcost.subtree.cost ({root.get('llmcost.subtree.calls', 0)} calls)"
    print(total.format(label, root.get("llmcost.subtree.cost", 0.0)))


def project_url(url: str) -> str:
    for project in get_json(f"{url}/v1/projects").get("data", []):
        if project.get("name") == PROJECT:
            return f"{url}/projects/{project['id']}"
    return url


def with_phoenix(url: str, start: bool) -> None:
    if start and not answers(url):
        start_phoenix(url)
    elif not answers(url):
        raise DemoError(f"no Phoenix answers at {url}")
    trace_id = run_app(
        {
            "OTEL_SERVICE_NAME": "support-assistant",
            "OTEL_RESOURCE_ATTRIBUTES": f"openinference.project.name={PROJECT}",  # Phoenix's project
            "OTEL_EXPORTER_OTLP_ENDPOINT": url,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_METRICS_EXPORTER": "none",  # Phoenix stores traces; the cost counter goes to a metrics backend
            "OTEL_LOGS_EXPORTER": "none",
        }
    )
    if not trace_id:
        raise DemoError("the app printed no trace id")
    print(f"\nCosts of trace {trace_id}, as Phoenix received them:\n")
    print_costs(trace_spans(url, trace_id))
    print(f"\nOpen {project_url(url)} to see the trace in Phoenix (project {PROJECT!r}).")
    if start:
        print("Phoenix keeps running for that; `make demo-stop` stops it.")


def without_phoenix() -> None:
    run_app({"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none", "OTEL_LLMCOST_SUMMARY": "true"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-phoenix", action="store_true", help="print the costs at exit, ship nothing")
    parser.add_argument("--phoenix-url", help="use the Phoenix running at this URL; start none")
    parser.add_argument("--port", type=int, default=6006, help="the port of the Phoenix to use or start (6006)")
    args = parser.parse_args()
    if args.no_phoenix:
        without_phoenix()
        return
    try:
        with_phoenix(args.phoenix_url or f"http://127.0.0.1:{args.port}", start=args.phoenix_url is None)
    except DemoError as error:
        print(f"\nPhoenix: {error}\nRunning without it: the costs are printed at exit instead.\n", file=sys.stderr)
        without_phoenix()


if __name__ == "__main__":
    main()
