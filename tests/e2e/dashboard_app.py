"""The application the dashboard test runs: two tenants and customers, four priced calls and one unpriced.

    python dashboard_app.py

``otel_llmcost.instrument(metric_attributes=...)`` with tenant, customer and feature as cost-counter dimensions.
Each request is a span carrying them around the calls it makes, through the real SDKs answering from
recordings (``tests/recordings``); metrics are exported after the first call and at the end only:

- tenant ``acme``, customer ``c-1``, feature ``search``: anthropic ``sonnet_plain`` and openai ``chat_gpt_4o_mini``;
- tenant ``globex``, customer ``c-2``, feature ``support``: anthropic ``sonnet_cache``, openai
  ``chat_tool_call``, and anthropic ``unknown_model`` (``claude-experimental-preview-20261120``: unpriced).

Its telemetry goes wherever the ``OTEL_*`` variables say.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "apps"))

from fake_clients import anthropic_client, call_anthropic, call_openai, openai_client

DIMENSIONS = ("tenant.id", "llmcost.customer.id", "llmcost.feature")


def main() -> None:
    from opentelemetry import trace

    import otel_llmcost

    otel_llmcost.instrument(metric_attributes=DIMENSIONS)
    tracer = trace.get_tracer("dashboard-app")
    acme = dict(zip(DIMENSIONS, ("acme", "c-1", "search"), strict=True))
    globex = dict(zip(DIMENSIONS, ("globex", "c-2", "support"), strict=True))
    # A small call exported alone first: PromQL's increase() counts a new series' first sample only when it is
    # small beside the next one (VictoriaMetrics' rule; Prometheus extrapolates), as in a long-running process.
    with tracer.start_as_current_span("handle request", attributes=globex):
        call_openai(openai_client("chat_tool_call"))  # another response id: chat_gpt_4o_mini's would be a duplicate
    otel_llmcost.flush()
    with tracer.start_as_current_span("handle request", attributes=acme):
        call_anthropic(anthropic_client("sonnet_plain"))
        call_openai(openai_client())
    with tracer.start_as_current_span("handle request", attributes=globex):
        call_anthropic(anthropic_client("sonnet_cache"))
        call_anthropic(anthropic_client("unknown_model"), model="claude-experimental-preview")
    otel_llmcost.flush()


if __name__ == "__main__":
    main()
