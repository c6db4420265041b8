"""The README's demo, ``examples/demo.py``, against a real Phoenix: what it prints is what Phoenix stored.

It runs the support assistant under ``opentelemetry-instrument``, ships the trace over OTLP/HTTP to Phoenix
(``--phoenix-url``: the session's Phoenix, so the demo starts none), reads it back from Phoenix's REST API and
prints each call's cost and the totals. The expected figures are worked out in tests/test_demo.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points

from backends import REPO, Phoenix

DEMO = REPO / "examples" / "demo.py"


def other_instrumentations() -> str:
    names = {entry_point.name for entry_point in entry_points(group="opentelemetry_instrumentor")}
    return ",".join(sorted(name for name in names if not name.startswith("llmcost_")))


def test_the_demo_prints_the_costs_phoenix_received_and_where_to_look(phoenix: Phoenix) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    environment["OTEL_PYTHON_DISABLED_INSTRUMENTATIONS"] = other_instrumentations()  # a demo user has only ours
    done = subprocess.run(
        [sys.executable, str(DEMO), "--phoenix-url", phoenix.http_endpoint],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    trace_id = next(line for line in lines if line.startswith("trace ")).removeprefix("trace ")
    assert f"Costs of trace {trace_id}, as Phoenix received them:" in lines
    calls = [line.split() for line in lines if line.endswith("  priced")]
    assert [(call[0], call[-2]) for call in calls] == [
        ("embeddings", "0.00000016"),
        ("anthropic.messages.create", "0.00042700"),
        ("anthropic.messages.create", "0.02961000"),
        ("anthropic.messages.create", "0.00484320"),
        ("anthropic.messages.create", "0.00634320"),
        ("chat", "0.00024000"),
        ("chat", "0.00024000"),
        ("chat", "0.00024000"),
        ("generate_content", "0.00031450"),
        ("chat", "0.00003701"),
        ("chat", "0.00004656"),  # Bedrock
        ("chat", "0.00001510"),  # the HTTP fallback
    ]
    totals = {
        line.rsplit(maxsplit=1)[0].strip(): line.rsplit(maxsplit=1)[1]
        for line in lines
        if line.startswith(("total ", "grand total", "root span"))
    }
    assert totals == {
        "total claude-haiku-4-5-20251001": "0.00042700",
        "total claude-sonnet-4-6": "0.04079640",
        "total gemini-2.5-flash": "0.00031450",
        "total gpt-4o-mini-2024-07-18": "0.00072000",
        "total llama-3.3-70b-versatile": "0.00003701",
        "total mistral-small-2506": "0.00001510",
        "total text-embedding-3-small": "0.00000016",
        "total us.amazon.nova-lite-v1:0": "0.00004656",
        "grand total": "0.04235673",
        "root span: llmcost.subtree.cost (12 calls)": "0.04235673",
    }
    (where,) = [line for line in lines if line.startswith("Open ")]
    assert where.startswith(f"Open {phoenix.http_endpoint}/projects/")
    assert where.endswith("to see the trace in Phoenix (project 'otel-llmcost-demo').")
