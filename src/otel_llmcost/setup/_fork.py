"""Forked workers: their telemetry is flushed when they exit, even where ``atexit`` does not run.

After ``os.fork()`` the OpenTelemetry SDK (1.45) restarts its batch span processor's and metric reader's
threads in the child and gives it a new ``service.instance.id``; the cost processor starts the child's
totals from zero (`CostSpanProcessor` registers that itself). What is left is the child's exit:

- a child that exits normally (the end of the script, ``sys.exit``: gunicorn's workers) runs the ``atexit``
  handlers it inherited, among them the SDK's ``TracerProvider.shutdown``, which exports what is queued;
- a child of ``multiprocessing`` (``fork`` start method: ``Process``, ``Pool`` and its ``maxtasksperchild``
  replacements) ends with ``os._exit``, which runs no ``atexit`` handler, after running the exit finalizers of
  ``multiprocessing.util``: `flush_at_worker_exit` registers one there that calls `flush`;
- billiard's pool processes (Celery's prefork pool, ``max_tasks_per_child`` included) call ``os._exit`` from
  their own exit hook, before those finalizers: Celery sends ``worker_process_shutdown`` there, and a receiver
  that calls `flush` exports what the child holds (``docs/setup.md``);
- a process that dies by SIGTERM runs neither: uvicorn (0.29 and later) shuts down gracefully on SIGTERM and
  then raises the signal again with the handler it found at start, so each of its workers dies by the signal.
  `flush_at_worker_exit` therefore also handles SIGTERM where nothing else does (its disposition is still the
  default): the handler exports what is held (a few seconds at most) and raises the signal again under the
  default disposition, so the process still ends as it would have, killed by SIGTERM. An application or
  server that installs its own SIGTERM handler replaces ours and exits its own way (gunicorn's workers exit
  normally, and ``atexit`` runs; uvicorn's are flushed when their server has shut down, `_servers`);
- ``os._exit`` called directly, or a worker killed with SIGKILL, loses what was queued: nothing runs.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, ModuleType

from .._import_hooks import when_imported
from ._flush import flush
from ._once import once

__all__ = ["flush_at_worker_exit", "stop_flushing_at_sigterm"]

# multiprocessing runs the exit finalizers with a priority >= 0 first, highest first, then the others.
_EXIT_PRIORITY = 10
# How long a SIGTERM waits for the export: well inside the grace period of any orchestrator (Kubernetes: 30 s).
_SIGTERM_FLUSH_MILLIS = 3_000


class _Token:
    """What the after-fork registries hold: they keep a function only as long as its object lives."""


_token = _Token()


def _in_child(token: _Token) -> None:
    # Runs in the child after multiprocessing has cleared the finalizers it inherited from the parent.
    import multiprocessing.util

    multiprocessing.util.Finalize(None, flush, exitpriority=_EXIT_PRIORITY)


def _terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM under the default disposition: export what is held, then die by the signal as before."""
    signal.signal(signum, signal.SIG_DFL)  # first: a second SIGTERM ends the process at once
    # In a thread with a bound wait: the signal may have interrupted the main thread inside the SDK, holding a
    # lock the export needs; then the wait runs out and the process ends as it would have without us.
    flushing = threading.Thread(target=flush, args=(_SIGTERM_FLUSH_MILLIS,), name="otel-llmcost-flush", daemon=True)
    flushing.start()
    flushing.join(_SIGTERM_FLUSH_MILLIS / 1000 + 1)
    signal.raise_signal(signum)


def _flush_at_sigterm() -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set a signal handler
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminated)


def stop_flushing_at_sigterm() -> None:
    """Puts SIGTERM's default disposition back, if the handler there is still ours (`uninstrument`)."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is _terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def flush_at_worker_exit() -> None:
    """Flushes telemetry at the exit of every ``multiprocessing`` and billiard child forked from now on, and at
    a SIGTERM that nothing else handles."""
    _flush_at_sigterm()
    _flush_at_exits()


@once
def _flush_at_exits() -> None:
    from ._servers import flush_after_server_shutdown

    # When multiprocessing is imported (now, if it is already): a process that never forks need not import it.
    when_imported("multiprocessing.util", _register_after_fork)
    flush_after_server_shutdown()


def _register_after_fork(util: ModuleType) -> None:
    util.register_after_fork(_token, _in_child)
