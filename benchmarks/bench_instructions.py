"""Instructions per call of each pipeline of `bench_openai.py`, counted by valgrind's callgrind.

Timings on a shared or virtual machine drift by a third from one run to the next; instruction counts do
not. For each pipeline this runs ``bench_openai.py PIPELINE N`` under callgrind with N = 0 and N = CALLS
calls and divides the difference, so start-up, imports and the warm-up cancel out. Instructions are not
time (a cache miss costs more than an addition), but they are the same on every run, and they show what
share of a call's work each part is.

Needs ``valgrind`` on the PATH; takes a few minutes (the interpreter runs some 50 times slower under it).
Run: ``python benchmarks/bench_instructions.py [PIPELINE...]`` (all by default; ``bare`` is always counted).
To compare two versions of the package in one run, count each with its ``src`` first on ``PYTHONPATH``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# "attributed": the required pipeline's span without its three histogram records. "official": the official
# genai-openai instrumentor instead of ours (counted when it is installed).
PIPELINES = ("bare", "floor", "attributed", "required", "instrumentor", "instrumented", "official", "official-priced")
CALLS = 100
BENCH = Path(__file__).with_name("bench_openai.py")


def instructions(pipeline: str, calls: int, directory: str) -> int:
    """The instructions callgrind counts for a whole run of ``calls`` calls of ``pipeline``."""
    out = Path(directory) / f"{pipeline}.{calls}.out"
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, str(BENCH)]
    done = subprocess.run(
        [*command, pipeline, str(calls)],
        env={**os.environ, "PYTHONHASHSEED": "0"},  # a random seed moves the counts by thousands per call
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count for {pipeline}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: nothing to count")
        return
    wanted = ("bare", *(name for name in sys.argv[1:] if name != "bare")) if len(sys.argv) > 1 else PIPELINES
    unknown = sorted(set(wanted) - set(PIPELINES))
    if unknown:
        raise SystemExit(f"unknown pipelines {unknown}; choose from {', '.join(PIPELINES)}")
    per_call: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as directory:
        for pipeline in wanted:
            if (
                pipeline.startswith("official")
                and importlib.util.find_spec("opentelemetry.instrumentation.genai.openai") is None
            ):
                continue
            per_call[pipeline] = (
                instructions(pipeline, CALLS, directory) - instructions(pipeline, 0, directory)
            ) / CALLS
    bare = per_call["bare"]
    for pipeline, count in per_call.items():
        print(f"{'instructions per call: ' + pipeline:<50} {count:>12,.0f}  {count - bare:>+10,.0f}")
    for base in ("floor", "required"):
        if base not in per_call:
            continue
        overhead = per_call[base] - bare
        for pipeline in PIPELINES[2:]:
            if pipeline in per_call and pipeline != base:
                ratio = (per_call[pipeline] - bare) / overhead
                print(f"{pipeline + f' overhead / {base} overhead':<50} {ratio:>12.2f}")


if __name__ == "__main__":
    main()
