"""The seed scenario (`seed_scenario.py`) on a test's tracer provider: every call priced under its section path and
customer, each agent's subtree total the sum of its calls, and the cost counter per customer the same."""

from __future__ import annotations

from decimal import Decimal

from opentelemetry.sdk.trace import ReadableSpan

from attribution_support import Attributed
from openai_support import instrumented_on
from seed_scenario import EXPECTED, TENANTS, run_scenario


def _spans_by_id(attributed: Attributed) -> dict[int, ReadableSpan]:
    return {span.context.span_id: span for span in attributed.exporter.get_finished_spans() if span.context}


def _agent_of(span: ReadableSpan, spans: dict[int, ReadableSpan]) -> ReadableSpan:
    while span.name != "invoke_agent research_assistant":
        assert span.parent is not None, span.name
        span = spans[span.parent.span_id]
    return span


def test_three_customers_assistants_at_once_every_call_priced_under_its_section_and_customer(
    attributed: Attributed,
) -> None:
    with instrumented_on(attributed):
        answers = run_scenario(attributed.tracer_provider)
    assert answers == ["chatcmpl-cus_alpha-synthesis", "chatcmpl-cus_beta-synthesis", "chatcmpl-cus_gamma-synthesis"]
    spans = _spans_by_id(attributed)
    calls = [
        span
        for span in spans.values()
        if (span.attributes or {}).get("gen_ai.operation.name") in ("chat", "embeddings")
    ]
    assert len(calls) == 9
    by_customer: dict[str, list[Decimal]] = {}
    for call in calls:
        attributes = call.attributes or {}
        assert attributes["llmcost.status"] == "priced", call.name  # none missing, none a duplicate
        customer = attributes["llmcost.customer.id"]
        assert isinstance(customer, str)
        agent = _agent_of(call, spans)
        assert (agent.attributes or {})["llmcost.customer.id"] == customer
        assert attributes["llmcost.tenant.id"] == TENANTS[customer]
        response_id = attributes.get("gen_ai.response.id")
        if attributes["gen_ai.operation.name"] == "embeddings" or response_id == f"chatcmpl-{customer}-analysis":
            assert attributes["llmcost.section.path"] == "research_assistant/llm_analysis"
        else:
            assert response_id == f"chatcmpl-{customer}-synthesis"
            assert attributes["llmcost.section.path"] == "research_assistant/synthesize"
        amount = attributes["gen_ai.usage.cost.amount"]
        assert isinstance(amount, float)
        by_customer.setdefault(customer, []).append(Decimal(repr(amount)))

    assert {customer: sum(amounts, Decimal(0)) for customer, amounts in by_customer.items()} == EXPECTED
    agents = [span for span in spans.values() if span.name == "invoke_agent research_assistant"]
    assert {
        (agent.attributes or {})["llmcost.customer.id"]: (
            (agent.attributes or {})["llmcost.subtree.cost"],
            (agent.attributes or {})["llmcost.subtree.calls"],
        )
        for agent in agents
    } == {customer: (float(total), 3) for customer, total in EXPECTED.items()}
    counter = attributed.cost_by("llmcost.customer.id")
    assert counter == EXPECTED
