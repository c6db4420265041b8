"""A real LangChain agent under the official ``opentelemetry-instrumentation-genai-langchain``.

``langchain.agents.create_agent`` runs its LangGraph loop: ``ChatOpenAI`` calls the model through the real openai
SDK (faked at its HTTP transport), the tool runs, the model answers. The official instrumentation's callback
handler makes an ``invoke_agent`` span, an ``execute_tool`` span, and a ``chat`` span of its own around each model
call, with the usage LangChain reports; the OpenAI instrumentor (ours, the official genai-openai, or both) makes
the call's span inside it. Each call must be priced once (the outer LangChain ``chat`` span is the duplicate),
and the agent's span must carry the section path and the subtree total.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

import otel_llmcost
from agents_support import (
    AGENT_USD,
    ANSWER,
    INVOICE,
    LLM_TRACERS,
    OURS,
    QUESTION,
    assert_priced_once,
    llm_tracers,
    replay,
    usd,
)
from attribution_support import Attributed, attributed  # noqa: F401 - the fixture

langchain_agents = pytest.importorskip(
    "langchain.agents", reason="langchain is not installed (the interop extra has it)"
)
langchain_openai = pytest.importorskip(
    "langchain_openai", reason="langchain-openai is not installed (the interop extra has it)"
)
official_langchain = pytest.importorskip(
    "opentelemetry.instrumentation.genai.langchain",
    reason="opentelemetry-instrumentation-genai-langchain is not installed (the interop extra has it)",
)
from langchain_core.tools import tool  # noqa: E402 - after the check that langchain is here

SCOPE = "opentelemetry.instrumentation.genai.langchain"


@pytest.fixture
def instrumented(attributed: Attributed) -> Iterator[Attributed]:  # noqa: F811 - the fixture above
    instrumentor = official_langchain.LangChainInstrumentor()
    instrumentor.instrument(tracer_provider=attributed.tracer_provider)
    yield attributed
    instrumentor.uninstrument()


@tool
def get_invoice(month: str) -> str:
    """The invoice lines of a month (YYYY-MM)."""
    assert month == "2026-11"
    return INVOICE


@pytest.mark.parametrize("names", LLM_TRACERS, ids="+".join)
def test_the_agents_spans_carry_the_path_and_the_subtree_total_and_each_call_is_priced_once(
    instrumented: Attributed, names: tuple[str, ...]
) -> None:
    turns = replay()
    model = langchain_openai.ChatOpenAI(
        model="gpt-4o-mini",
        api_key="test-no-key",
        http_client=httpx2.Client(transport=httpx2.MockTransport(turns)),
        max_retries=0,
    )
    agent = langchain_agents.create_agent(
        model, tools=[get_invoice], system_prompt="Answer billing questions.", name="billing_assistant"
    )
    # Our own workflow section around theirs: the paths join.
    with (
        llm_tracers(instrumented.tracer_provider, names),
        otel_llmcost.section("support", kind="workflow", tracer_provider=instrumented.tracer_provider),
    ):
        result = agent.invoke({"messages": [{"role": "user", "content": QUESTION}]})

    assert result["messages"][-1].content == ANSWER
    assert len(turns.requests) == 2
    spans = list(instrumented.exporter.get_finished_spans())
    # The official genai-openai adds no span inside LangChain's chat span (opentelemetry-util-genai opens no
    # inference inside another): LangChain's is the call's only span, and priced. Ours adds its span inside,
    # which is priced, and LangChain's is the duplicate. With both, ours steps aside for the official one.
    official = "official" in names
    calls = assert_priced_once(spans, SCOPE if official else OURS)
    (agent_span,) = [span for span in spans if span.name == "invoke_agent billing_assistant"]
    (tool_span,) = [span for span in spans if span.name == "execute_tool get_invoice"]
    (workflow,) = [span for span in spans if span.name == "invoke_workflow support"]
    theirs = [span for span in spans if span.instrumentation_scope and span.instrumentation_scope.name == SCOPE]
    assert sorted(span.name for span in theirs) == [
        "chat gpt-4o-mini",
        "chat gpt-4o-mini",
        "execute_tool get_invoice",
        "invoke_agent billing_assistant",
    ]
    for span in theirs:
        attributes = span.attributes or {}
        if span.name.startswith("chat ") and not official:
            # The same usage as our span inside it: a duplicate, priced for nothing.
            assert (attributes["llmcost.status"], attributes["llmcost.reason"]) == ("duplicate", "duplicate_nested")
        elif not span.name.startswith("chat "):
            assert "gen_ai.usage.cost.amount" not in attributes
    for call in calls:
        assert (call.attributes or {})["llmcost.section.path"] == "support/billing_assistant"
    assert (tool_span.attributes or {})["llmcost.section.path"] == "support/billing_assistant/get_invoice"
    assert (agent_span.attributes or {})["llmcost.section.path"] == "support/billing_assistant"
    for span in (agent_span, workflow):
        assert usd(span, "llmcost.subtree.cost") == AGENT_USD
        assert (span.attributes or {})["llmcost.subtree.calls"] == 2
    assert "llmcost.subtree.cost" not in (tool_span.attributes or {})
