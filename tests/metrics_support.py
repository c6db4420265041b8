"""What the tests that read metrics share: the data points an in-memory reader holds, by metric name.

No tests here.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.metrics.export import InMemoryMetricReader


def metric_points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    """Each metric's data points that ``reader`` holds (over every resource and scope, in order), by its name."""
    found: dict[str, list[Any]] = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found.setdefault(metric.name, []).extend(metric.data.data_points)
    return found


def cost_points(reader: InMemoryMetricReader) -> list[Any]:
    """The data points of the cost counter (``llmcost.cost``) that ``reader`` holds."""
    return metric_points(reader).get("llmcost.cost", [])
