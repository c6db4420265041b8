"""Running the apps of this folder in a subprocess, as a user runs them, with their telemetry sent to a receiver."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

APPS = Path(__file__).parent
LLM_CALLS = APPS / "llm_calls.py"
# A distribution with a configurator and a distro, like opentelemetry-distro's or a vendor's.
OTHER_DISTRO = APPS / "other_distro"


@dataclass(frozen=True)
class Run:
    """A finished app: its exit code, what it printed as JSON (``id``, ``processors``), and its stderr."""

    returncode: int
    output: dict[str, object]
    stderr: str


def opentelemetry_instrument() -> list[str]:
    """The ``opentelemetry-instrument`` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("opentelemetry-instrument")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from opentelemetry.instrumentation.auto_instrumentation import run; run()"]


def other_instrumentations() -> list[str]:
    """The names of the installed instrumentations that are not this package's.

    The test environment has third-party GenAI instrumentations for the interop tests; the zero-code tests
    turn them off, so that an app's spans are this package's and the SDK's own.
    """
    names = {entry_point.name for entry_point in entry_points(group="opentelemetry_instrumentor")}
    return sorted(name for name in names if not name.startswith("llmcost_"))


def configurator_installed() -> bool:
    """Whether an ``opentelemetry_configurator`` (opentelemetry-distro's, a vendor's) is installed."""
    return bool(entry_points(group="opentelemetry_configurator"))


def app_environment(**variables: str) -> dict[str, str]:
    """This process's environment without any ``OTEL_*`` variable or ``PYTHONPATH``, plus ``variables``."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("OTEL_") and key != "PYTHONPATH"
    }
    environment.update(variables)
    return environment


def run_app(*arguments: str, environment: dict[str, str], zero_code: bool = False) -> Run:
    """Runs ``llm_calls.py`` with ``arguments``; under ``opentelemetry-instrument`` when ``zero_code``."""
    command = [sys.executable, str(LLM_CALLS), *arguments]
    if zero_code:
        command = [*opentelemetry_instrument(), *command]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    last_line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
    return Run(done.returncode, json.loads(last_line), done.stderr)
