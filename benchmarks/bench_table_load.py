#!/usr/bin/env python3
"""Import plus first price, with this checkout's price table against main's, in one run.

Each sample is a fresh interpreter that imports ``otel_llmcost.pricing``, points the loader at a table
directory and prices one call (``openai`` / ``gpt-4o-mini``, then a second provider). It reports the
median wall time and the peak of memory allocated by Python (tracemalloc, in separate runs so that tracing
does not slow the timed ones). The samples of the two tables are interleaved, so that the machine's load
weighs on both alike.

    python benchmarks/bench_table_load.py                       # this loader, main's table vs this table
    python benchmarks/bench_table_load.py --baseline-src ../main/src   # main's loader with main's table

The baseline table is ``git archive <ref> pricing`` (default ``main``) unpacked into a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import json, sys, time
trace = sys.argv[2] == "trace"
if trace:
    import tracemalloc
    tracemalloc.start()
start = time.perf_counter()
from pathlib import Path
from otel_llmcost.pricing import Usage, _table
_table.bundled_pricing_dir = lambda: Path(sys.argv[1])
usage = Usage.from_totals(input_tokens=1200, output_tokens=300)
first = _table.price(usage, provider="openai", model="gpt-4o-mini")
first_done = time.perf_counter()
second = _table.price(usage, provider="anthropic", model="claude-sonnet-4-5")
done = time.perf_counter()
assert first.status == "priced" and second.status == "priced", (first, second)
peak = tracemalloc.get_traced_memory()[1] if trace else 0
import otel_llmcost
print(json.dumps({"first": first_done - start, "second": done - start, "peak": peak, "src": otel_llmcost.__file__}))
"""


def sample(src: Path, table: Path, mode: str) -> dict[str, float]:
    """One fresh interpreter's times (seconds) and peak allocated memory (bytes)."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(table), mode],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
    ).stdout
    result = json.loads(out)
    if not Path(result.pop("src")).resolve().is_relative_to(src.resolve()):
        raise SystemExit(f"the loader did not come from {src}: is another copy installed in editable mode?")
    return result


def baseline_table(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "pricing"], check=True, capture_output=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into / "pricing"


def count(table: Path) -> tuple[int, int]:
    files = sorted((table / "providers").glob("*.json"))
    entries = sum(len(json.loads(path.read_text(encoding="utf-8"))["models"]) for path in files)
    return len(files), entries


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ref", default="main", help="the git ref whose pricing/ is the baseline table")
    parser.add_argument("--baseline-src", type=Path, help="the src/ of the baseline loader (default: this one)")
    parser.add_argument("--runs", type=int, default=15, help="samples per table and measure")
    args = parser.parse_args()
    src = ROOT / "src"
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "baseline": (args.baseline_src or src, baseline_table(args.ref, Path(tmp))),
            "this": (src, ROOT / "pricing"),
        }
        results: dict[str, dict[str, list[float]]] = {name: {"first": [], "second": [], "peak": []} for name in cases}
        for _ in range(args.runs):
            for name, (code, table) in cases.items():
                timed = sample(code, table, "time")
                results[name]["first"].append(timed["first"])
                results[name]["second"].append(timed["second"])
                results[name]["peak"].append(sample(code, table, "trace")["peak"])
        print(f"{args.runs} fresh interpreters per table; medians")
        print(
            f"  {'table':<9} {'files':>5} {'entries':>7} {'import+1st price':>17} {'+2nd provider':>14} {'peak MiB':>9}"
        )
        medians: dict[str, tuple[float, float, float]] = {}
        for name, (_, table) in cases.items():
            files, entries = count(table)
            first, second, peak = (statistics.median(results[name][key]) for key in ("first", "second", "peak"))
            medians[name] = (first, second, peak)
            times = f"{first * 1e3:>14.1f} ms {second * 1e3:>11.1f} ms"
            print(f"  {name:<9} {files:>5} {entries:>7} {times} {peak / 2**20:>9.2f}")
        base, this = medians["baseline"], medians["this"]
        print(
            f"  this/baseline: import+first price {this[0] / base[0]:.3f}x, with a second provider "
            f"{this[1] / base[1]:.3f}x, peak memory {this[2] / base[2]:.3f}x (target: within 1.10x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
