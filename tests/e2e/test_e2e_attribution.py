"""The cost counter per customer in a real VictoriaMetrics equals the per-customer sum of the spans' costs.

`seed_app.py` runs the seed scenario (three customers' research assistants at once, on threads and tasks) under
the real ``opentelemetry-instrument`` with ``OTEL_LLMCOST_METRIC_ATTRIBUTES=llmcost.customer.id``; its metrics go
over OTLP/HTTP to VictoriaMetrics, its spans to an in-process `OTLPReceiver`.

Expected, by hand (`seed_scenario.EXPECTED`): cus_alpha $0.00048016, cus_beta $0.00072016, cus_gamma $0.00021016.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from backends import BackendError, VictoriaMetrics

from otlp_receiver import OTLPReceiver, otlp_receiver_fixture  # noqa: F401 - the fixture
from seed_scenario import EXPECTED, EXPECTED_BY_TENANT

APP = Path(__file__).with_name("seed_app.py")
RULES = Path(__file__).parents[2] / "alerts" / "llmcost.rules.yml"
SERVICE = "otel-llmcost-e2e-attribution"
# The counter and its customer label, as VictoriaMetrics stores them by default and with Prometheus naming.
NAMES = {
    False: ("llmcost.cost", "llmcost.customer.id", "service.name"),
    True: ("llmcost_cost_USD_total", "llmcost_customer_id", "service_name"),
}


def _run_app(**variables: str) -> list[str]:
    from apps.launch import app_environment, opentelemetry_instrument, other_instrumentations

    environment = app_environment(OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=",".join(other_instrumentations()))
    environment.update(variables)
    done = subprocess.run(
        [*opentelemetry_instrument(), sys.executable, str(APP)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise BackendError(f"{APP.name} exited with code {done.returncode}:\n{done.stderr}")
    ids: list[str] = json.loads(done.stdout.strip().splitlines()[-1])["ids"]
    return ids


def test_the_cost_counter_per_customer_equals_the_sum_of_the_span_costs(
    victoria_metrics: VictoriaMetrics, otlp_receiver: OTLPReceiver
) -> None:
    metric, customer_label, service_label = NAMES[victoria_metrics.prometheus_naming]

    ids = _run_app(
        OTEL_SERVICE_NAME=SERVICE,
        OTEL_LLMCOST_METRIC_ATTRIBUTES="llmcost.customer.id,llmcost.tenant.id",
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{otlp_receiver.endpoint}/v1/traces",
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=victoria_metrics.otlp_metrics_endpoint,
        OTEL_METRIC_EXPORT_INTERVAL="1000",
    )
    assert ids == ["chatcmpl-cus_alpha-synthesis", "chatcmpl-cus_beta-synthesis", "chatcmpl-cus_gamma-synthesis"]

    # What the spans say each customer's calls cost.
    from_spans: dict[str, Decimal] = {}
    calls = [
        span for span in otlp_receiver.spans if span.attributes.get("gen_ai.operation.name") in ("chat", "embeddings")
    ]
    assert len(calls) == 9
    for span in calls:
        assert span.attributes["llmcost.status"] == "priced"
        customer = span.attributes["llmcost.customer.id"]
        assert isinstance(customer, str)
        from_spans[customer] = from_spans.get(customer, Decimal(0)) + Decimal(
            repr(span.attributes["gen_ai.usage.cost.amount"])
        )
    assert from_spans == EXPECTED

    query = f'sum by ({customer_label}) ({{__name__="{metric}",{service_label}="{SERVICE}"}})'
    expected = {customer: float(total) for customer, total in from_spans.items()}
    series = victoria_metrics.wait_for(
        query,
        lambda result: (
            {labels.get(customer_label): value for labels, value in result} == pytest.approx(expected, rel=1e-9)
        ),
        what=f"{metric} per customer to reach {expected}",
    )
    assert {labels[customer_label]: value for labels, value in series} == pytest.approx(expected, rel=1e-9)

    if victoria_metrics.prometheus_naming:
        # The alert rules' daily spend per tenant, as the rules file writes it, sees what the spans say.
        rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"][0]["rules"]
        (daily,) = [rule["expr"] for rule in rules if rule.get("record") == "llmcost:cost_usd:increase1d_by_tenant"]
        by_tenant = {tenant: float(total) for tenant, total in EXPECTED_BY_TENANT.items()}
        series = victoria_metrics.wait_for(
            daily,
            lambda result: (
                {labels.get("llmcost_tenant_id"): value for labels, value in result if labels}
                == pytest.approx(by_tenant, rel=1e-9)
            ),
            what=f"the daily spend per tenant to reach {by_tenant}",
        )
        assert {labels["llmcost_tenant_id"]: value for labels, value in series if labels} == pytest.approx(
            by_tenant, rel=1e-9
        )
