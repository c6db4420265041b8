"""Spans shipped over OTLP to a real Arize Phoenix arrive with our costs, and Phoenix's own costs agree.

`e2e_app.py` runs under the real ``opentelemetry-instrument`` (the pipeline this package's hook builds) and
exports its traces to ``phoenix serve``, over HTTP (``/v1/traces``) and over gRPC. The spans are read back
by trace id from Phoenix's REST API, and Phoenix's own cost of each span from its GraphQL API.

Phoenix prices spans itself, from token counts and its model table. It reads the OTel GenAI attributes
(``gen_ai.request.model``, ``gen_ai.usage.input_tokens``, ``output_tokens``, ``cache_read.input_tokens``,
``cache_creation.input_tokens``) by converting them to OpenInference's ``llm.token_count.*`` when a span has
no OpenInference attributes of its own; it ignores any cost attribute on the span.

Expected costs, from the bundled table (tests/test_anthropic_native.py and tests/test_openai_chat.py work them
out): sonnet_plain $0.0084, sonnet_cache $0.026745, sonnet_stream $0.010605, each gpt-4o-mini call $0.00024.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from backends import Phoenix, PhoenixCost, PhoenixSpan, poll, run_app

ROOT_SPAN = "support ticket"  # e2e_app.ROOT_SPAN (not imported: that would import the provider SDKs here)


@dataclass(frozen=True)
class Call:
    span: str
    cost: float
    breakdown: dict[str, float]


CALLS = {
    "msg_01HCDu5LRGeP2o7s2xGmxyFE": Call("anthropic.messages.create", 0.0084, {"input": 0.00375, "output": 0.00465}),
    "msg_01Q8rN6bVtYkXh3mJp2wLsDc": Call(
        "anthropic.messages.create",
        0.026745,
        {"input": 0.001236, "cache_read": 0.003072, "cache_write": 0.014592, "output": 0.007845},
    ),
    "msg_01TzR4kPq9cYwB7nVx5mJhGa": Call("anthropic.messages.create", 0.010605, {"input": 0.0063, "output": 0.004305}),
    "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE": Call(
        "chat gpt-4o-mini", 0.00024, {"input": 0.00009, "cache_read": 0.00003, "output": 0.00012}
    ),
    "chatcmpl-CYr5aK7nWq2xT9vL4mZ1bR8pJd3sH": Call(
        "chat gpt-4o-mini", 0.00024, {"input": 0.00009, "cache_read": 0.00003, "output": 0.00012}
    ),
}
TOTAL = 0.04623

# Where Phoenix (arize-phoenix 20.26) prices a span differently, and why. sonnet_cache: Phoenix has one
# cache-write price per model (the 5-minute one, $3.75 / 1M), so it prices the 1,152 1-hour writes ($6 / 1M)
# as 5-minute ones. (It finds the cache writes at all because the cost processor forwards the Anthropic
# SDK's gen_ai.usage.cache_write.input_tokens under the conventions' gen_ai.usage.cache_creation.input_tokens.)
#   ours    0.001236 + 0.003072 + (2,048 x 3.75 + 1,152 x 6) / 1M + 0.007845 = 0.026745
#   Phoenix 0.001236 + 0.003072 + 3,200 x 3.75 / 1M + 0.007845 = 0.024153 (0.002592 less)
PHOENIX_DIFFERS = {
    "msg_01Q8rN6bVtYkXh3mJp2wLsDc": PhoenixCost(
        total=0.024153,
        by_token_type={"input": 0.001236, "cache_read": 0.003072, "cache_write": 0.012, "output": 0.007845},
    ),
}


@dataclass(frozen=True)
class Shipped:
    """The spans of one run of the app, as Phoenix gives them back."""

    phoenix: Phoenix
    root: PhoenixSpan
    calls: dict[str, PhoenixSpan]


@pytest.fixture(scope="module", params=["http/protobuf", "grpc"])
def shipped(request: pytest.FixtureRequest, phoenix: Phoenix) -> Shipped:
    protocol = request.param
    project = "otel-llmcost-e2e-" + protocol.replace("/", "-")
    run = run_app(
        OTEL_SERVICE_NAME="otel-llmcost-e2e",
        OTEL_RESOURCE_ATTRIBUTES=f"openinference.project.name={project}",
        OTEL_EXPORTER_OTLP_ENDPOINT=phoenix.http_endpoint if protocol == "http/protobuf" else phoenix.grpc_endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL=protocol,
        OTEL_METRICS_EXPORTER="none",  # Phoenix takes no metrics
    )
    assert run.ids == list(CALLS)
    assert "Traceback" not in run.stderr, run.stderr

    spans = phoenix.wait_for_spans(project, run.trace_id, count=1 + len(CALLS))
    assert sorted(span.name for span in spans) == sorted([ROOT_SPAN, *(call.span for call in CALLS.values())])
    (root,) = [span for span in spans if span.name == ROOT_SPAN]
    calls = {span.attributes["gen_ai.response.id"]: span for span in spans if span is not root}
    return Shipped(phoenix, root, calls)


def test_every_call_arrives_with_its_cost(shipped: Shipped) -> None:
    assert set(shipped.calls) == set(CALLS)
    for response_id, call in CALLS.items():
        attributes = shipped.calls[response_id].attributes
        assert shipped.calls[response_id].parent_id == shipped.root.span_id
        assert attributes["gen_ai.usage.cost.amount"] == call.cost, response_id
        assert attributes["gen_ai.usage.cost.currency"] == "USD"
        assert attributes["gen_ai.usage.cost"] == call.cost  # the default alias
        assert attributes["llmcost.status"] == "priced"
        breakdown = {
            key.removeprefix("llmcost.cost."): value
            for key, value in attributes.items()
            if key.startswith("llmcost.cost.")
        }
        assert breakdown == call.breakdown, response_id


def test_the_root_span_carries_the_total_of_its_calls(shipped: Shipped) -> None:
    assert shipped.root.attributes["llmcost.subtree.cost"] == TOTAL
    assert shipped.root.attributes["llmcost.subtree.calls"] == len(CALLS)
    assert "gen_ai.usage.cost.amount" not in shipped.root.attributes


def phoenix_costs(shipped: Shipped) -> dict[str, PhoenixCost]:
    """Phoenix's cost of each call, once it has priced them all (bounded poll)."""

    def priced() -> dict[str, PhoenixCost] | None:
        costs = {response_id: shipped.phoenix.cost(span) for response_id, span in shipped.calls.items()}
        if any(cost is None or cost.total is None for cost in costs.values()):
            return None
        return {response_id: cost for response_id, cost in costs.items() if cost is not None}

    return poll(priced, timeout=30.0, what="Phoenix to price every call", context=shipped.phoenix.log_tail)


def test_phoenix_prices_each_call_as_we_do_or_as_documented(shipped: Shipped) -> None:
    costs = phoenix_costs(shipped)

    for response_id, call in CALLS.items():
        theirs = costs[response_id]
        if response_id in PHOENIX_DIFFERS:
            documented = PHOENIX_DIFFERS[response_id]
            assert theirs.total == pytest.approx(documented.total, rel=1e-9), response_id
            assert theirs.total != pytest.approx(call.cost, rel=1e-9)
            for token_type, cost in documented.by_token_type.items():
                assert theirs.by_token_type[token_type] == pytest.approx(cost, rel=1e-9), (response_id, token_type)
            continue
        # Phoenix adds floats; our amounts are exact decimals.
        assert theirs.total == pytest.approx(call.cost, rel=1e-9), response_id
        for token_type, cost in call.breakdown.items():
            assert theirs.by_token_type[token_type] == pytest.approx(cost, rel=1e-9), (response_id, token_type)
