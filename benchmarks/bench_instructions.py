"""Instructions per call of each pipeline of `bench_openai.py`, counted by valgrind's callgrind.

Timings on a shared or virtual machine drift by a third from one run to the next; instruction counts do
not. For each pipeline this runs ``bench_openai.py PIPELINE N`` under callgrind with N = 0 and N = CALLS
calls and divides the difference, so start-up, imports and the warm-up cancel out. Instructions are not
time (a cache miss costs more than an addition), but they are the same on every run, and they show what
share of a call's work each part is.

Needs ``valgrind`` on the PATH; takes a few minutes (the interpreter runs some 50 times slower under it).
Run: ``python benchmarks/bench_instructions.py [PIPELINE...]`` (all by default; ``bare`` is always counted).
To compare two versions of the package in one run, count each with its ``src`` first on ``PYTHONPATH``, or
pass ``--baseline-src DIR`` (a checkout's ``src``, its ``pricing`` beside it).

``--toggled`` counts the calls alone: each pipeline runs once, under callgrind with instrumentation off (start-up
and imports run several times faster), and ``callgrind_control`` switches it on around a section of 0 calls and
one of CALLS calls, after the warm-up; their difference over CALLS is the count per call. On a busy machine this
takes minutes where the whole-process counts take an hour.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import os
import shutil
import sys
from pathlib import Path

from _callgrind import sections, whole_run

# "attributed": the required pipeline's span without its three histogram records. "official": the official
# genai-openai instrumentor instead of ours (counted when it is installed).
PIPELINES = ("bare", "floor", "attributed", "required", "instrumentor", "instrumented", "official", "official-priced")
CALLS = 100
BENCH = Path(__file__).with_name("bench_openai.py")


def instructions(pipeline: str, calls: int, env: dict[str, str]) -> int:
    """The instructions callgrind counts for a whole run of ``calls`` calls of ``pipeline``."""
    return whole_run([sys.executable, str(BENCH), pipeline, str(calls)], env)


def toggled_child(pipeline: str) -> None:
    """In a process under callgrind: `bench_openai.calls_only`'s set-up and warm-up, then a section of 0 calls
    and one of CALLS calls, each between a ``ready`` and a ``done`` the parent counts around."""
    sys.path.insert(0, str(BENCH.parent))
    import bench_openai as bench_module
    from opentelemetry.sdk.metrics import MeterProvider

    official = pipeline.startswith("official")
    bench = bench_module.Bench(instrument=not official)
    bench.pipelines["attributed"] = bench_module.required(
        bench.bare, bench.tracer, MeterProvider().get_meter("a"), metrics=False
    )
    if official:
        _, module_name, _ = bench_module.OTHERS[0]
        instrumentor = importlib.import_module(module_name).OpenAIInstrumentor()
        instrumentor.instrument(tracer_provider=bench.instrumented_provider, meter_provider=MeterProvider())
        traced = bench_module.openai.OpenAI(api_key="bench", http_client=bench_module.transport()).chat.completions
        bench.pipelines["official"] = lambda: bench.priced(False, traced)
        bench.pipelines["official-priced"] = lambda: bench.priced(True, traced)
        bench.instrumentor = instrumentor
    work = bench.pipelines[pipeline]
    for _ in range(30):
        work()
    gc.collect()
    gc.freeze()
    for section in (0, CALLS):
        print("ready", flush=True)
        sys.stdin.readline()
        for _ in range(section):
            work()
        print("done", flush=True)
        sys.stdin.readline()
    bench.instrumentor.uninstrument()


def toggled(pipeline: str, env: dict[str, str]) -> float:
    """The instructions per call of ``pipeline``, counted around its calls alone (see ``--toggled``)."""
    count = sections([sys.executable, __file__, "--child", pipeline], env, pipeline)
    assert count is not None
    return count / CALLS


def counted(wanted: tuple[str, ...], use_toggles: bool, env: dict[str, str]) -> dict[str, float]:
    """Instructions per call of each pipeline in ``wanted``, with ``env``'s ``PYTHONPATH``."""
    per_call: dict[str, float] = {}
    for pipeline in wanted:
        if (
            pipeline.startswith("official")
            and importlib.util.find_spec("opentelemetry.instrumentation.genai.openai") is None
        ):
            continue
        if use_toggles:
            per_call[pipeline] = toggled(pipeline, env)
        else:
            per_call[pipeline] = (instructions(pipeline, CALLS, env) - instructions(pipeline, 0, env)) / CALLS
    return per_call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pipelines", nargs="*", help=f"of {', '.join(PIPELINES)}; all by default")
    parser.add_argument("--toggled", action="store_true", help="count the calls alone (see above)")
    parser.add_argument("--baseline-src", help="count with this src too, in the same run")
    parser.add_argument("--child", choices=PIPELINES, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        toggled_child(arguments.child)
        return
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: nothing to count")
        return
    wanted = ("bare", *(name for name in arguments.pipelines if name != "bare")) if arguments.pipelines else PIPELINES
    unknown = sorted(set(wanted) - set(PIPELINES))
    if unknown:
        raise SystemExit(f"unknown pipelines {unknown}; choose from {', '.join(PIPELINES)}")
    versions = {"": dict(os.environ)}
    if arguments.baseline_src:
        path = os.pathsep.join([str(Path(arguments.baseline_src).resolve()), os.environ.get("PYTHONPATH", "")])
        versions["baseline "] = {**os.environ, "PYTHONPATH": path}
    for version, env in versions.items():
        if version:
            print()
        report(counted(wanted, arguments.toggled, env), version)


def report(per_call: dict[str, float], version: str) -> None:
    bare = per_call["bare"]
    for pipeline, count in per_call.items():
        print(f"{version + 'instructions per call: ' + pipeline:<50} {count:>12,.0f}  {count - bare:>+10,.0f}")
    for base in ("floor", "required"):
        if base not in per_call:
            continue
        overhead = per_call[base] - bare
        for pipeline in PIPELINES[2:]:
            if pipeline in per_call and pipeline != base:
                ratio = (per_call[pipeline] - bare) / overhead
                print(f"{version + pipeline + f' overhead / {base} overhead':<50} {ratio:>12.2f}")


if __name__ == "__main__":
    main()
