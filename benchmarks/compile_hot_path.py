"""Builds a copy of otel_llmcost whose hot path is compiled with mypyc, for the benchmarks to time beside this one.

Issue 9 asks CostSpanProcessor to add at most 10 microseconds to a real call. This is the trial of the one lever a
pure-Python processor does not have: it compiles the modules a priced span runs through (`MODULES`) into C
extensions in a copy of ``src`` and ``pricing``, and leaves the rest as Python. The package itself is not built this
way; the copy exists to be measured:

    python benchmarks/compile_hot_path.py /tmp/compiled
    python benchmarks/bench_anthropic.py --least --baseline-src /tmp/compiled/src
    python benchmarks/bench_anthropic.py --parts --baseline-src /tmp/compiled/src

Needs mypy (``pip install mypy``, which brings mypyc) and a C compiler. mypyc does what mypy's types say, so the
copy needs two changes that the Python code does not (`EDITS`): a compiled class cannot be weakly referenced, so a
forked child's reset holds its object strongly (in the copy, a processor is never freed: fine for a benchmark), and
a compiled subclass of a Python class must be made through its own ``__new__``. mypy also reads some annotations
that pyright accepts as errors; the copy's ``mypy.ini`` switches those codes off (`DISABLED`). The
``otel-llmcost`` queue (``processor/_deferred.py``) stays Python: a registry holds it weakly.

The copy passes the processor's, pricing's and usage's tests, but for those that replace a method with
``monkeypatch`` (a compiled caller does not see the replacement) and those that drop a processor without a shutdown
(the copy never frees one).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
MODULES = (
    "otel_llmcost/_spans.py",
    "otel_llmcost/usage/_read.py",
    "otel_llmcost/usage/_model.py",
    "otel_llmcost/pricing/_compute.py",
    "otel_llmcost/processor/_quote.py",
    "otel_llmcost/processor/_pricer.py",
    "otel_llmcost/processor/_processor.py",
    "otel_llmcost/processor/_tracking.py",
    "otel_llmcost/processor/_metrics.py",
)
"""What a priced span runs through, from `CostSpanProcessor.on_end` to the copy it hands on."""
EDITS = {
    "otel_llmcost/processor/_tracking.py": (
        """    method = weakref.WeakMethod(reset)  # pyright: ignore[reportArgumentType]

    def after_in_child() -> None:
        bound = method()
        if bound is not None:
            bound()""",
        """    def after_in_child() -> None:
        reset()""",
    ),
    "otel_llmcost/processor/_processor.py": (
        "copy = object.__new__(_PricedSpan)",
        "copy = _PricedSpan.__new__(_PricedSpan)",
    ),
}
"""File -> (the text, what the copy has instead)."""
DISABLED = ("attr-defined", "misc", "assignment", "arg-type", "index", "union-attr")
"""The mypy error codes the copy switches off: annotations that pyright checks and mypy reads otherwise (a
``**counts`` into ``Usage.from_reported``, a `Usage` where a sequence of counts is typed), and the named private
reads of the speed helpers (``span._attributes._dict``)."""


def build(target: Path, mypyc: str) -> Path:
    """Copies ``src`` and ``pricing`` into ``target`` (replacing those two only), edits the copy, compiles `MODULES`
    there; returns its ``src``."""
    for part in ("src", "pricing"):
        shutil.rmtree(target / part, ignore_errors=True)
        shutil.copytree(ROOT / part, target / part, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    src = target / "src"
    for name, (old, new) in EDITS.items():
        path = src / name
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"{name} no longer has the text this trial edits; update EDITS in {__file__}: {old!r}")
        path.write_text(text.replace(old, new), encoding="utf-8")
    (src / "mypy.ini").write_text(
        "[mypy]\n"
        f"python_executable = {sys.executable}\n"
        "ignore_missing_imports = True\n"
        f"disable_error_code = {', '.join(DISABLED)}\n",
        encoding="utf-8",
    )
    subprocess.run([mypyc, *MODULES], cwd=src, check=True)
    print(f"compiled {len(list((src / 'otel_llmcost').rglob('*.so')))} modules in {src}")
    return src


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("target", type=Path, help="where to build the copy (its src and pricing are replaced)")
    parser.add_argument("--mypyc", default=shutil.which("mypyc") or "mypyc", help="the mypyc command")
    arguments = parser.parse_args()
    if shutil.which(arguments.mypyc) is None:
        raise SystemExit(f"{arguments.mypyc} not found: pip install mypy (it brings mypyc), or pass --mypyc PATH")
    found = build(arguments.target.resolve(), arguments.mypyc)
    print(f"then: python benchmarks/bench_anthropic.py --least --baseline-src {found}")
