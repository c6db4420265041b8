"""The README's demo runs as `make demo` runs it, and prints the costs it should."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).parents[1] / "examples" / "demo.py"


def test_the_demo_prices_every_call_and_the_totals_add_up() -> None:
    done = subprocess.run([sys.executable, "-W", "error", str(DEMO)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    calls = [line for line in lines if line.endswith("  priced")]
    assert len(calls) == 8
    totals = {
        line.rsplit(maxsplit=1)[0].strip(): line.rsplit(maxsplit=1)[1] for line in lines if line.startswith("total ")
    }
    assert totals == {
        "total claude-haiku-4-5-20251001": "0.00042700",
        "total claude-sonnet-4-6": "0.04079640",
        "total gpt-4o-mini-2024-07-18": "0.00072000",
        "total text-embedding-3-small": "0.00000016",
    }
    (grand,) = [line for line in lines if line.startswith("grand total")]
    (subtree,) = [line for line in lines if line.startswith("answer_ticket span")]
    assert grand.split()[-1] == subtree.split()[-1] == "0.04194356"
