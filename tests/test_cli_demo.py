"""``otel-llmcost report`` over the spans of the README's demo app, written by ``OTEL_TRACES_EXPORTER=llmcost_file``,
gives the demo's totals per model (worked out in tests/test_demo.py) to the last digit.

The same against a real Phoenix (``report --phoenix``) is tests/e2e/test_e2e_report.py.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from apps.launch import app_environment, opentelemetry_instrument, other_instrumentations
from cli_support import run_json

EXAMPLES = Path(__file__).parents[1] / "examples"
DEMO_TOTALS = {
    # model: (calls, cost) as the demo prints them; tests/test_demo.py works them out from the table
    "claude-haiku-4-5-20251001": (1, Decimal("0.000427")),
    "claude-sonnet-4-6": (3, Decimal("0.0407964")),
    "gemini-2.5-flash": (1, Decimal("0.0003145")),
    "gpt-4o-mini-2024-07-18": (3, Decimal("0.00072")),
    "llama-3.3-70b-versatile": (1, Decimal("0.00003701")),
    "mistral-small-2506": (1, Decimal("0.0000151")),
    "text-embedding-3-small": (1, Decimal("0.00000016")),
    "us.amazon.nova-lite-v1:0": (1, Decimal("0.00004656")),
    "total": (12, Decimal("0.04235673")),
}


def test_report_of_the_demo_s_spans_gives_the_demo_s_totals(tmp_path: Path) -> None:
    folder = tmp_path / "spans"
    environment = app_environment(
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(other_instrumentations()),
        OTEL_SERVICE_NAME="support-assistant",
        OTEL_TRACES_EXPORTER="llmcost_file",
        OTEL_LLMCOST_FILE_PATH=str(folder),
        OTEL_METRICS_EXPORTER="none",
        OTEL_LOGS_EXPORTER="none",
    )
    done = subprocess.run(
        [*opentelemetry_instrument(), sys.executable, str(EXAMPLES / "support_assistant.py")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    document = run_json("report", str(folder), "--by", "model")

    found = {group["model"]: (group["calls"], Decimal(group["cost_usd"])) for group in document["groups"]}
    assert found == DEMO_TOTALS
    assert (document["unpriced"], document["estimated"]) == (0, 0)
