"""What ``import otel_llmcost; otel_llmcost.instrument()`` adds to an application's start-up.

Each run is a fresh interpreter that never imports a provider SDK (the SDKs are patched when the application
imports them, so an SDK the application does not use costs nothing). The three ``OTEL_*_EXPORTER`` variables
are ``none``: the exporters' own imports are not ours. The baseline is ``import opentelemetry.sdk.trace``
alone, run interleaved with ours in the same process tree, so that both see the same machine. Each child
reports its peak resident set; the wall time of the whole child is measured here.

Run: ``python benchmarks/bench_startup.py [RUNS]`` (15 runs each by default). The target: at most +50 ms and
+3 MB over the baseline.

On a busy machine wall times move with the load; ``python benchmarks/bench_startup.py --instructions`` counts
instead the instructions each program runs, whole interpreter included (valgrind's callgrind, one run each, a
fixed hash seed), so that the ratio of ours to the baseline can be read whatever else the machine does. To
turn instructions into time, divide the baseline's count by its minimum time on a quiet machine (about 4.7
million instructions per millisecond on the machine of docs/performance.md).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time

from _callgrind import whole_run

SDKS = ("openai", "anthropic", "google.genai", "mistralai", "cohere", "groq", "boto3", "botocore")
_REPORT = (
    "import resource, sys\n"
    f"loaded = [name for name in {SDKS!r} if name in sys.modules]\n"
    "assert not loaded, f'a provider SDK was imported: {loaded}'\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
)
PROGRAMS = {
    "baseline: import opentelemetry.sdk.trace": "import opentelemetry.sdk.trace\n",
    "ours: import otel_llmcost; otel_llmcost.instrument()": "import otel_llmcost\notel_llmcost.instrument()\n",
    # The instrumentors alone (found by entry point, instrumented), without the SDK pipeline: where it goes.
    "instrumentors only: instrument(setup_sdk=False)": (
        "import otel_llmcost\notel_llmcost.instrument(setup_sdk=False)\n"
    ),
}
# Bytecode is written (by the warm-up run) and read, as for an installed package: compiling our modules on
# every start-up would measure the compiler.
ENVIRONMENT = {
    **{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"},
    "OTEL_TRACES_EXPORTER": "none",
    "OTEL_METRICS_EXPORTER": "none",
    "OTEL_LOGS_EXPORTER": "none",
}


def run(program: str) -> tuple[float, int]:
    """Seconds of wall time of one interpreter running ``program``, and its peak RSS in kB."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", program + _REPORT], env=ENVIRONMENT, capture_output=True, text=True, check=True
    )
    elapsed = time.perf_counter() - started
    return elapsed, int(done.stdout.strip().splitlines()[-1])


def instructions(program: str) -> int:
    """The instructions callgrind counts for one interpreter running ``program``, start to exit."""
    return whole_run([sys.executable, "-c", program + _REPORT], ENVIRONMENT)


def count_instructions() -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: nothing to count")
    for program in PROGRAMS.values():  # write the bytecode first, not counted
        run(program)
    counts = {name: instructions(program) for name, program in PROGRAMS.items()}
    base, *others = PROGRAMS
    for name, count in counts.items():
        print(f"{name:<55} {count:>14,} instructions")
    for name in others:
        print(
            f"{'added by ' + name.split(':')[0]:<55} {counts[name] - counts[base]:>+14,} instructions"
            f"  ({counts[name] / counts[base]:.2f}x the baseline)"
        )


def main() -> None:
    if sys.argv[1:] == ["--instructions"]:
        count_instructions()
        return
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    times: dict[str, list[float]] = {name: [] for name in PROGRAMS}
    rss: dict[str, list[int]] = {name: [] for name in PROGRAMS}
    for program in PROGRAMS.values():  # warm the file and bytecode caches, not counted
        run(program)
    for _ in range(runs):
        for name, program in PROGRAMS.items():
            elapsed, peak = run(program)
            times[name].append(elapsed)
            rss[name].append(peak)
    for name in PROGRAMS:
        print(
            f"{name:<55} min {min(times[name]) * 1e3:7.1f} ms  median {statistics.median(times[name]) * 1e3:7.1f} ms"
            f"  max RSS {max(rss[name]) / 1024:6.1f} MB"
        )
    base, *others = PROGRAMS
    for name in others:
        print(
            f"{'added by ' + name.split(':')[0]:<55} min {(min(times[name]) - min(times[base])) * 1e3:+7.1f} ms"
            f"  median {(statistics.median(times[name]) - statistics.median(times[base])) * 1e3:+7.1f} ms"
            f"  max RSS {(max(rss[name]) - max(rss[base])) / 1024:+6.1f} MB"
        )


if __name__ == "__main__":
    main()
