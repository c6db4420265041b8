"""The cost counter shipped over OTLP to a real VictoriaMetrics adds up to what the calls cost.

`e2e_app.py` runs under the real ``opentelemetry-instrument`` and exports its metrics over OTLP/HTTP to
VictoriaMetrics' ``/opentelemetry/v1/metrics``; a PromQL query at ``/api/v1/query`` is polled until it returns
the expected totals. Its traces go to an in-process `OTLPReceiver`: the cost metrics come from the cost span
processor, which sits in front of a span exporter.

VictoriaMetrics keeps OTLP names as they are by default (``llmcost.cost``, labels ``gen_ai.provider.name``...);
with ``-opentelemetry.usePrometheusNaming`` it converts them the way the OpenTelemetry-to-Prometheus
specification says: ``llmcost_cost_USD_total`` (unit ``USD``, a monotonic sum), labels ``gen_ai_provider_name``.

Expected: anthropic $0.0084 + $0.026745 + $0.010605 = $0.04575; openai 2 x $0.00024 = $0.00048; $0.04623 in all.
"""

from __future__ import annotations

import pytest
from backends import VictoriaMetrics, run_app

from otlp_receiver import OTLPReceiver, otlp_receiver_fixture  # noqa: F401 - the fixture

# The names of the cost counter and of its labels, as VictoriaMetrics stores them.
AS_IS = {
    "metric": "llmcost.cost",
    "provider": "gen_ai.provider.name",
    "service": "service.name",
    "status": "llmcost.status",
}
PROMETHEUS = {
    "metric": "llmcost_cost_USD_total",
    "provider": "gen_ai_provider_name",
    "service": "service_name",
    "status": "llmcost_status",
}
BY_PROVIDER = {"anthropic": 0.04575, "openai": 0.00048}
TOTAL = 0.04623
SERVICE = "otel-llmcost-e2e-metrics"


def test_the_cost_counter_reaches_victoria_metrics_with_the_expected_totals(
    victoria_metrics: VictoriaMetrics, otlp_receiver: OTLPReceiver
) -> None:
    names = PROMETHEUS if victoria_metrics.prometheus_naming else AS_IS
    metric, provider, service, status = names["metric"], names["provider"], names["service"], names["status"]

    run_app(
        OTEL_SERVICE_NAME=SERVICE,
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{otlp_receiver.endpoint}/v1/traces",
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=victoria_metrics.otlp_metrics_endpoint,
        OTEL_METRIC_EXPORT_INTERVAL="1000",
    )

    selector = f'{{__name__="{metric}",{service}="{SERVICE}"}}'
    # A periodic export during the run may have stored a partial total first: wait for the final one.
    victoria_metrics.wait_for(
        f"sum({selector})",
        lambda result: len(result) == 1 and result[0][1] == pytest.approx(TOTAL, rel=1e-9),
        what=f"sum of {metric} to reach {TOTAL}",
    )
    series = victoria_metrics.query(selector)
    assert {labels[provider]: value for labels, value in series} == pytest.approx(BY_PROVIDER, rel=1e-9)
    assert {labels[status] for labels, _ in series} == {"priced"}
    assert len(otlp_receiver.spans) == 1 + 5  # the root span and the five calls
