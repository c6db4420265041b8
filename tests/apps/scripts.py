"""Running any app of this folder in a subprocess, timed, the way `launch.run_app` runs ``llm_calls.py``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass

from apps.launch import APPS, opentelemetry_instrument


@dataclass(frozen=True)
class Finished:
    """A finished app: exit code, its last stdout line as JSON (when it is), stderr, and when it ended."""

    returncode: int
    output: dict[str, object]
    stdout: str
    stderr: str
    ended_at: float


def run_script(
    script: str, *arguments: str, environment: dict[str, str], zero_code: bool = False, timeout: float = 60
) -> Finished:
    """Runs ``apps/<script>`` with ``arguments``; under ``opentelemetry-instrument`` when ``zero_code``."""
    command = [sys.executable, str(APPS / script), *arguments]
    if zero_code:
        command = [*opentelemetry_instrument(), *command]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout, check=False)
    ended_at = time.time()
    lines = done.stdout.strip().splitlines()
    try:
        output = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        output = {}
    return Finished(done.returncode, output if isinstance(output, dict) else {}, done.stdout, done.stderr, ended_at)
