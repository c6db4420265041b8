"""An application that forks after ``otel_llmcost.instrument()``: the parent makes a call, then each child one.

    python forked.py os.fork|process|pool|billiard

The parent calls anthropic (a recording, through a fake transport) and then starts children that call openai:

- ``os.fork``: one bare ``os.fork()``; the child returns from ``main`` and exits like a script (``sys.exit``),
  the way gunicorn's workers exit;
- ``process``: one ``multiprocessing.Process`` of the ``fork`` start method, which ends with ``os._exit``: no
  ``atexit`` handler runs;
- ``pool``: a ``multiprocessing.Pool`` of one process with ``maxtasksperchild=1`` running two tasks, so two
  children, each replaced after its task (Celery's ``max_tasks_per_child``);
- ``billiard``: the same with billiard's pool, the one Celery's prefork workers use, whose processes call
  ``os._exit`` before multiprocessing's exit finalizers; its exit hook calls ``otel_llmcost.flush()``, as a
  receiver of Celery's ``worker_process_shutdown`` signal (sent from that hook) does.

The parent waits for its children and prints JSON: its pid and the children's exit codes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys

from fake_clients import anthropic_client, call_anthropic, call_openai, openai_client


def child(_: object = None) -> int:
    call_openai(openai_client())
    return os.getpid()


def fork_children(mode: str) -> list[int]:
    """Starts the children of ``mode``; returns their exit codes (or pids, for the pools)."""
    if mode == "os.fork":
        pid = os.fork()
        if pid == 0:
            child()
            sys.exit(0)
        _, status = os.waitpid(pid, 0)
        return [os.waitstatus_to_exitcode(status)]
    if mode == "process":
        process = multiprocessing.get_context("fork").Process(target=child)
        process.start()
        process.join()
        return [process.exitcode or 0]
    if mode == "pool":
        pool = multiprocessing.get_context("fork").Pool(1, maxtasksperchild=1)
    else:
        import billiard.pool  # type: ignore[import-not-found]

        import otel_llmcost

        def on_process_exit(pid: int, exitcode: int) -> None:
            otel_llmcost.flush()

        pool = billiard.pool.Pool(1, maxtasksperchild=1, on_process_exit=on_process_exit)
    pids = [pool.apply(child, (None,)) for _ in range(2)]
    pool.close()
    pool.join()
    return pids


def main() -> None:
    import otel_llmcost

    otel_llmcost.instrument()
    call_anthropic(anthropic_client())
    children = fork_children(sys.argv[1])
    print(json.dumps({"parent": os.getpid(), "children": children}), flush=True)


if __name__ == "__main__":
    main()
