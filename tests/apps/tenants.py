"""An application that serves two tenants and counts the cost per tenant with ``metric_attributes``.

    python tenants.py

``otel_llmcost.instrument(metric_attributes=("tenant.id",))``; each request is a span with ``tenant.id`` around
the calls it makes: acme makes an anthropic and an openai call, globex an anthropic call with a cache read.
"""

from __future__ import annotations

from fake_clients import anthropic_client, call_anthropic, call_openai, openai_client


def main() -> None:
    from opentelemetry import trace

    import otel_llmcost

    otel_llmcost.instrument(metric_attributes=("tenant.id",))
    tracer = trace.get_tracer("tenants")
    with tracer.start_as_current_span("handle request", attributes={"tenant.id": "acme"}):
        call_anthropic(anthropic_client("sonnet_plain"))
        call_openai(openai_client())
    with tracer.start_as_current_span("handle request", attributes={"tenant.id": "globex"}):
        call_anthropic(anthropic_client("sonnet_cache"))
    print("{}", flush=True)


if __name__ == "__main__":
    main()
