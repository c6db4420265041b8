"""End-to-end tests against real backends: skipped unless `scripts/e2e/setup.sh` installed them.

``OTEL_LLMCOST_E2E=1`` (what `scripts/e2e/run.sh` sets, for CI) turns every such skip into a failure, so a
run that was meant to reach the backends cannot pass without them; ``OTEL_LLMCOST_E2E=0`` skips the tests
even when the backends are there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from backends import PHOENIX, VICTORIA_METRICS, Phoenix, VictoriaMetrics

SETUP = "scripts/e2e/setup.sh"


def _switch() -> str:
    return os.environ.get("OTEL_LLMCOST_E2E", "").strip().lower()


def unavailable(reason: str) -> None:
    """Skips the test, or fails it when ``OTEL_LLMCOST_E2E=1`` says the backends must be there."""
    if _switch() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (OTEL_LLMCOST_E2E=1 requires it)", pytrace=False)
    pytest.skip(reason)


def _require(executable: Path, what: str, variable: str) -> None:
    if _switch() in ("0", "false", "no"):
        pytest.skip("OTEL_LLMCOST_E2E=0")
    if not entry_points(group="opentelemetry_pre_instrument", name="llmcost"):
        unavailable("otel-llmcost is not installed here (its entry points are missing): pip install -e .")
    if not os.access(executable, os.X_OK):
        unavailable(f"{what} is not installed at {executable}: run {SETUP} (or set {variable})")


def require_victoria_metrics() -> None:
    """Skips (or, with OTEL_LLMCOST_E2E=1, fails) a test that needs VictoriaMetrics where it is not installed."""
    _require(VICTORIA_METRICS, "VictoriaMetrics", "OTEL_LLMCOST_E2E_VICTORIA_METRICS")


@pytest.fixture(scope="session")
def phoenix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Phoenix]:
    """``phoenix serve`` on free ports of 127.0.0.1, its working dir a temporary folder; stopped after."""
    _require(PHOENIX, "Arize Phoenix", "OTEL_LLMCOST_E2E_PHOENIX")
    server = Phoenix(tmp_path_factory.mktemp("phoenix")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=[False, True], ids=["as-is", "prometheus-naming"])
def victoria_metrics(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VictoriaMetrics]:
    """VictoriaMetrics on a free port of 127.0.0.1, storing OTLP names as they are (its default) or converted
    to Prometheus names (``-opentelemetry.usePrometheusNaming``); its data in a temporary folder."""
    require_victoria_metrics()
    server = VictoriaMetrics(tmp_path_factory.mktemp("victoria-metrics"), prometheus_naming=request.param).start()
    yield server
    server.stop()
