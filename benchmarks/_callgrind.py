"""Counting instructions with valgrind's callgrind: the benchmarks' one way to do it.

`whole_run` counts a whole child process, start to exit. `sections` counts two sections of a child's work,
with counting off for the rest (start-up and imports then run several times faster): the child prints
``ready`` before each section and waits for a line, runs the section, prints a line and waits again; the
difference of the two counts is the larger section's work less the smaller's (N calls less 0, typically).
A random hash seed moves the counts by thousands, so both fix it. `section_events` is `sections` with more of
callgrind's events than instructions (``--cache-sim=yes`` adds the cache misses: I1mr, D1mr, D1mw, ILmr, DLmr,
DLmw) and extra valgrind options.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence

__all__ = ["section_events", "sections", "whole_run"]


def whole_run(argv: Sequence[str], env: Mapping[str, str], *, options: Sequence[str] = ()) -> int:
    """The instructions callgrind counts for the process ``argv``, start to exit (or as ``options``, callgrind's
    own, narrow it: ``--collect-atstart=no``, ``--toggle-collect=...``)."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *options, *argv],
        env={**env, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count for {' '.join(argv)}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def _control(pid: int, *options: str) -> str:
    return subprocess.run(["callgrind_control", *options, str(pid)], capture_output=True, text=True, check=True).stdout


def sections(argv: Sequence[str], env: Mapping[str, str], name: str, *, preamble: bool = False) -> int | None:
    """The instructions of the child ``argv``'s second section less its first (see the module's docstring).

    ``preamble``: the child first prints one line of its own, ``missing`` when it cannot run (then None).
    """
    counts = section_events(argv, env, name, preamble=preamble)
    return None if counts is None else counts["Ir"]


def section_events(
    argv: Sequence[str],
    env: Mapping[str, str],
    name: str,
    *,
    preamble: bool = False,
    options: Sequence[str] = (),
    events: Sequence[str] = ("Ir",),
) -> dict[str, int] | None:
    """Each of ``events`` in the child ``argv``'s second section less its first, by name; ``options``: more
    valgrind options (``--cache-sim=yes`` for the cache-miss events). ``preamble`` as in `sections`."""
    child = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=/dev/null", *options, *argv],
        env={**env, "PYTHONHASHSEED": "0"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    counts: list[list[int]] = []
    try:
        if preamble and child.stdout.readline().strip() == "missing":
            return None
        for _ in range(2):
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError(f"{name} did not start")
            _control(child.pid, "--instr=on")
            _control(child.pid, "--zero")
            child.stdin.write("go\n")
            child.stdin.flush()
            child.stdout.readline()
            # "  Totals:  Ir D1mr" then "   Th 1  126,952,369  4,210", a line per thread: one column per event
            # asked for, summed over the threads (a thread of the child's own does part of the section's work)
            threads = re.findall(r"Th \d+\s+([\d, ]+)", _control(child.pid, "-e", ",".join(events)))
            _control(child.pid, "--instr=off")
            if not threads:
                raise RuntimeError(f"callgrind_control printed no count for {name}")
            per_thread = [[int(column.replace(",", "")) for column in found.split()] for found in threads]
            counts.append([sum(column) for column in zip(*per_thread, strict=True)])
            child.stdin.write("next\n")
            child.stdin.flush()
    finally:
        child.stdin.close()
        child.wait()
    return {event: after - before for event, before, after in zip(events, counts[0], counts[1], strict=True)}
