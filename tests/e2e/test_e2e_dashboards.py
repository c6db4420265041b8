"""Every PromQL expression of the Grafana dashboard, run against a real VictoriaMetrics fed by a real run of the
library, returns the numbers the calls cost; the dashboard's metric names are the ones the server stores.

`dashboard_app.py` makes four priced calls and one unpriced, for two tenants, customers and features, with
``otel_llmcost.instrument(metric_attributes=...)``; its metrics go over OTLP/HTTP to a VictoriaMetrics started
with ``-opentelemetry.usePrometheusNaming`` (the OpenTelemetry-to-Prometheus translation a Prometheus user
sees); its spans go to files (``OTEL_TRACES_EXPORTER=llmcost_file``) that ``otel-llmcost report`` reads.

The calls (their costs are worked out in docs/e2e.md):

- acme / c-1 / search: anthropic ``sonnet_plain`` $0.0084; openai ``chat_gpt_4o_mini`` $0.00024
  (600 * 0.15/1e6 + 400 * 0.075/1e6 + 200 * 0.60/1e6)
- globex / c-2 / support: anthropic ``sonnet_cache`` $0.026745; openai ``chat_tool_call`` $0.0000246
  (96 * 0.15/1e6 + 17 * 0.60/1e6);
  anthropic ``unknown_model`` (claude-experimental-preview-20261120): unpriced
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from backends import REPO, VictoriaMetrics, http_json

DASHBOARD = REPO / "dashboards" / "grafana-ai-spend.json"
APP = Path(__file__).with_name("dashboard_app.py")
SERVICE = "otel-llmcost-e2e-dashboards"
ANTHROPIC = 0.0084 + 0.026745  # 0.035145
OPENAI = 0.00024 + 0.0000246  # 0.0002646
ACME = 0.0084 + 0.00024  # 0.00864
GLOBEX = 0.026745 + 0.0000246  # 0.0267696

# What each panel's query returns for the run: the value of each series, by its legend label.
EXPECTED: dict[str, dict[str, float]] = {
    "Spend in the time range": {"spend": ANTHROPIC + OPENAI},  # 0.0354096
    "Priced calls": {"calls": 2},  # the openai calls; the anthropic SDK's own tracing records no metrics
    "Unpriced calls": {"unpriced": 1},
    "Cost per call": {"openai": OPENAI / 2},
    "Spend over time by provider": {"anthropic": ANTHROPIC, "openai": OPENAI},
    "Spend over time by model": {"claude-sonnet-4-5": ANTHROPIC, "gpt-4o-mini": OPENAI},
    "Spend by tenant": {"acme": ACME, "globex": GLOBEX},
    "Spend by customer": {"c-1": ACME, "c-2": GLOBEX},
    "Spend by feature": {"search": ACME, "support": GLOBEX},
    "Tokens by type": {"input": 1000 + 96, "output": 200 + 17},  # the two openai responses' prompt and completion
    "Unpriced calls by model and reason": {"anthropic claude-experimental-preview unknown_model": 1},
}


def _dashboard() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return document


def _promql(expression: str) -> str:
    """The expression as Grafana sends it for a dashboard over the last hour, with every value selected."""
    for variable, value in (("$__rate_interval", "1h"), ("$__range", "1h"), ("$provider", ".*"), ("$model", ".*")):
        expression = expression.replace(variable, value)
    return expression


def _label(legend: str, labels: dict[str, str]) -> str:
    if legend in ("", "__auto"):
        return " ".join(value for key, value in sorted(labels.items()) if key != "__name__")
    return re.sub(r"\{\{(\w+)\}\}", lambda match: labels.get(match.group(1), ""), legend)


def test_the_dashboard_has_panels_a_datasource_variable_and_no_hard_coded_uid() -> None:
    dashboard = _dashboard()

    assert "uid" not in dashboard
    variables = {variable["name"]: variable for variable in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    assert [panel["title"] for panel in dashboard["panels"]] == list(EXPECTED)
    for panel in dashboard["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
    text = DASHBOARD.read_text()
    uids = re.findall(r'"uid":\s*"([^"]*)"', text)
    assert set(uids) == {"${datasource}"}


@pytest.fixture(scope="module")
def dashboard_victoria_metrics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VictoriaMetrics]:
    """A VictoriaMetrics of the dashboard's own, under Prometheus naming: the dashboard's panels sum over every
    service, and the session's shared one holds the other end-to-end apps' costs too."""
    from conftest import require_victoria_metrics

    require_victoria_metrics()
    server = VictoriaMetrics(tmp_path_factory.mktemp("dashboard-vm"), prometheus_naming=True).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fed(
    dashboard_victoria_metrics: VictoriaMetrics, tmp_path_factory: pytest.TempPathFactory
) -> tuple[VictoriaMetrics, Path]:
    """VictoriaMetrics under Prometheus naming, after one run of `dashboard_app.py`; and the app's span files."""
    victoria_metrics = dashboard_victoria_metrics
    from apps.launch import app_environment

    spans = tmp_path_factory.mktemp("dashboard-app") / "spans"
    environment = app_environment(
        OTEL_SERVICE_NAME=SERVICE,
        OTEL_TRACES_EXPORTER="llmcost_file",
        OTEL_LLMCOST_FILE_PATH=str(spans),
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=victoria_metrics.otlp_metrics_endpoint,
        OTEL_METRIC_EXPORT_INTERVAL="600000",  # the app flushes: after its first call and at its end
        OTEL_LOGS_EXPORTER="none",
    )
    done = subprocess.run(
        [sys.executable, str(APP)], env=environment, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    total = EXPECTED["Spend in the time range"]["spend"]
    victoria_metrics.wait_for(
        f'sum(llmcost_cost_USD_total{{service_name="{SERVICE}"}})',
        lambda result: len(result) == 1 and result[0][1] == pytest.approx(total, rel=1e-9),
        what=f"the cost counter to reach {total}",
    )
    return victoria_metrics, spans


def test_every_dashboard_query_returns_what_the_calls_cost(fed: tuple[VictoriaMetrics, Path]) -> None:
    victoria_metrics, _ = fed

    for panel in _dashboard()["panels"]:
        (target,) = panel["targets"]
        answer = victoria_metrics.query(_promql(target["expr"]))
        found = {_label(target["legendFormat"], labels): value for labels, value in answer}
        assert found == pytest.approx(EXPECTED[panel["title"]], rel=1e-9), panel["title"]


def test_the_dashboard_s_metric_names_are_the_ones_prometheus_naming_gives(fed: tuple[VictoriaMetrics, Path]) -> None:
    victoria_metrics, _ = fed
    url = f"http://127.0.0.1:{victoria_metrics.port}/api/v1/label/__name__/values"
    stored = set(http_json(url)["data"])
    used = set(re.findall(r"\b(llmcost_\w+|gen_ai_\w+)[{[]", DASHBOARD.read_text()))
    # The OpenTelemetry-to-Prometheus translation: dots to underscores, the unit appended (USD; a {call} is an
    # annotation and is dropped; s becomes seconds), _total on monotonic sums, _bucket/_sum/_count on histograms.
    assert used == {
        "llmcost_cost_USD_total",
        "llmcost_unpriced_calls_total",
        "gen_ai_client_operation_duration_seconds_count",
        "gen_ai_client_token_usage_sum",
    }
    assert used <= stored, sorted(used - stored)
    docs = (REPO / "docs" / "dashboards.md").read_text()
    assert set(re.findall(r"\b(llmcost_\w+_total|gen_ai_client_\w+_(?:sum|count|bucket))\b", docs)) <= stored


def test_report_over_the_same_run_gives_the_same_totals(fed: tuple[VictoriaMetrics, Path]) -> None:
    victoria_metrics, spans = fed
    command = Path(sys.executable).with_name("otel-llmcost")

    done = subprocess.run(
        [str(command), "report", str(spans), "--by", "model", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )

    report = json.loads(done.stdout)
    by_model = {group["model"]: group for group in report["groups"]}
    counter = {
        labels["gen_ai_response_model"]: value
        for labels, value in victoria_metrics.query(
            f'sum by (gen_ai_response_model) (llmcost_cost_USD_total{{service_name="{SERVICE}"}})'
        )
    }
    assert {model: float(group["cost_usd"]) for model, group in by_model.items() if group["cost_usd"]} == (
        pytest.approx({**counter, "total": ANTHROPIC + OPENAI}, rel=1e-9)
    )
    assert (report["calls"], report["unpriced"]) == (5, 1)
