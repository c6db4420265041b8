"""A real OpenAI Agents SDK agent under the official ``opentelemetry-instrumentation-genai-openai-agents``.

The SDK's own run loop calls the model through the real openai SDK (``OpenAIChatCompletionsModel`` on an
``AsyncOpenAI`` client faked at its HTTP transport), runs the tool, and calls the model again. The official
instrumentation turns the SDK's trace into ``invoke_workflow`` / ``invoke_agent`` / ``execute_tool`` spans and
leaves the model calls to an OpenAI instrumentor (ours, the official genai-openai, or both). The cost processor
and the attribution processor must treat those spans as sections: a path on every call and a subtree total on
the agent, each call priced once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx2
import openai
import pytest

from agents_support import (
    AGENT_USD,
    ANSWER,
    INVOICE,
    LLM_TRACERS,
    OFFICIAL_OPENAI,
    OURS,
    QUESTION,
    assert_priced_once,
    llm_tracers,
    replay,
    usd,
)
from attribution_support import Attributed, attributed  # noqa: F401 - the fixture

agents = pytest.importorskip("agents", reason="the OpenAI Agents SDK is not installed (the interop extra has it)")
official_agents = pytest.importorskip(
    "opentelemetry.instrumentation.genai.openai_agents",
    reason="opentelemetry-instrumentation-genai-openai-agents is not installed (the interop extra has it)",
)

SCOPE = "opentelemetry.instrumentation.genai.openai_agents"


@pytest.fixture
def instrumented(attributed: Attributed) -> Iterator[Attributed]:  # noqa: F811 - the fixture above
    instrumentor = official_agents.OpenAIAgentsInstrumentor()
    # Without this the SDK would also send its trace to OpenAI's tracing backend.
    instrumentor.instrument(tracer_provider=attributed.tracer_provider, disable_openai_trace_export=True)
    yield attributed
    instrumentor.uninstrument()


@agents.function_tool
def get_invoice(month: str) -> str:
    """The invoice lines of a month (YYYY-MM)."""
    assert month == "2026-11"
    return INVOICE


@pytest.mark.parametrize("names", LLM_TRACERS, ids="+".join)
def test_the_agents_spans_carry_the_path_and_the_subtree_total_and_each_call_is_priced_once(
    instrumented: Attributed, names: tuple[str, ...]
) -> None:
    turns = replay()
    client = openai.AsyncOpenAI(
        api_key="test-no-key", http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(turns)), max_retries=0
    )
    agent = agents.Agent(
        name="billing_assistant",
        instructions="Answer billing questions.",
        tools=[get_invoice],
        model=agents.OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=client),
    )

    async def run() -> Any:
        async with client:  # closed inside the loop: its transport's async generators end there
            return await agents.Runner.run(agent, QUESTION)

    with llm_tracers(instrumented.tracer_provider, names):
        result = asyncio.run(run())

    assert result.final_output == ANSWER
    assert len(turns.requests) == 2
    spans = list(instrumented.exporter.get_finished_spans())
    calls = assert_priced_once(spans, OFFICIAL_OPENAI if "official" in names else OURS)
    by_name = {span.name: span for span in spans if span.name.startswith(("invoke_", "execute_tool"))}
    assert sorted(by_name) == [
        "execute_tool get_invoice",
        "invoke_agent billing_assistant",
        "invoke_workflow Agent workflow",
    ]
    agent_span, tool, workflow = (
        by_name["invoke_agent billing_assistant"],
        by_name["execute_tool get_invoice"],
        by_name["invoke_workflow Agent workflow"],
    )
    for span in (agent_span, tool, workflow):
        assert span.instrumentation_scope is not None
        assert span.instrumentation_scope.name == SCOPE
        assert "gen_ai.usage.cost.amount" not in (span.attributes or {})
    # Both calls are the agent's own turns, under the workflow the SDK opens around a run.
    for call in calls:
        assert (call.attributes or {})["llmcost.section.path"] == "Agent workflow/billing_assistant"
        assert call.parent is not None
        assert call.parent.span_id == agent_span.context.span_id
    assert (tool.attributes or {})["llmcost.section.path"] == "Agent workflow/billing_assistant/get_invoice"
    for span in (agent_span, workflow):
        assert usd(span, "llmcost.subtree.cost") == AGENT_USD
        assert (span.attributes or {})["llmcost.subtree.calls"] == 2
    # The tool calls no model.
    assert "llmcost.subtree.cost" not in (tool.attributes or {})
