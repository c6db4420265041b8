"""``otel-llmcost report --phoenix`` over the trace the README's demo shipped to a real Phoenix gives the totals
per model the demo prints (tests/e2e/test_e2e_demo.py), to the last digit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal

from backends import REPO, Phoenix

DEMO = REPO / "examples" / "demo.py"
PROJECT = "otel-llmcost-demo"


def test_report_from_phoenix_gives_the_demo_s_totals_per_model(phoenix: Phoenix) -> None:
    from test_e2e_demo import other_instrumentations

    environment = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    environment["OTEL_PYTHON_DISABLED_INSTRUMENTATIONS"] = other_instrumentations()
    # The session's Phoenix may hold other runs of the demo: the report reads the spans of this one only.
    since = datetime.now(timezone.utc).isoformat()
    demo = subprocess.run(
        [sys.executable, str(DEMO), "--phoenix-url", phoenix.http_endpoint],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr
    printed = {
        line.removeprefix("total ").rsplit(maxsplit=1)[0].strip(): Decimal(line.rsplit(maxsplit=1)[1])
        for line in demo.stdout.splitlines()
        if line.startswith(("total ", "grand total"))
    }
    command = os.path.join(os.path.dirname(sys.executable), "otel-llmcost")

    done = subprocess.run(
        [
            command,
            "report",
            "--phoenix",
            phoenix.http_endpoint,
            "--project",
            PROJECT,
            "--since",
            since,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["calls"], report["unpriced"], report["estimated"]) == (12, 0, 0)
    # The demo prints eight decimals; the report gives the exact sums.
    assert {group["model"]: Decimal(group["cost_usd"]).quantize(Decimal("1e-8")) for group in report["groups"]} == {
        ("total" if model == "grand total" else model): cost for model, cost in printed.items()
    }
    assert printed["grand total"] == Decimal("0.04235673")
