"""A real LlamaIndex agent under the official ``opentelemetry-instrumentation-genai-llama-index``.

A ``FunctionAgent`` runs its workflow: ``llama_index.llms.openai.OpenAI`` calls the model through the real openai
SDK (faked at its HTTP transport), the tool runs, the model answers. The official instrumentation's span handler
makes the ``invoke_agent`` and ``execute_tool`` spans; the OpenAI instrumentor (ours, the official genai-openai,
or both) makes each call's span. The agent's span must carry the section path and the subtree total, and each
call must be priced once.

llama-index-llms-openai 0.8 requires openai below 3, so `make test`'s environment (openai 3.x) skips this file;
``scripts/interop_llamaindex.sh`` runs it in an environment of its own with openai 2.x.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterator
from typing import Any

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

SKIP = "scripts/interop_llamaindex.sh runs it (llama-index-llms-openai 0.8 needs openai below 3)"
agent_workflow = pytest.importorskip("llama_index.core.agent.workflow", reason=f"llama-index is not installed: {SKIP}")
llama_openai = pytest.importorskip(
    "llama_index.llms.openai", reason=f"llama-index-llms-openai is not installed: {SKIP}"
)
official_llama_index = pytest.importorskip(
    "opentelemetry.instrumentation.genai.llama_index",
    reason=f"opentelemetry-instrumentation-genai-llama-index is not installed: {SKIP}",
)
import openai  # noqa: E402

# llama-index-workflows reads an agent's steps with inspect.getmembers, which touches every deprecated attribute
# of its pydantic models (`__fields__`, `__fields_set__`, `model_computed_fields` on an instance...); not ours.
pytestmark = pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning")
SCOPE = "opentelemetry.instrumentation.genai.llama_index"
# The HTTP package of the installed SDK: httpx2 from openai 3.0, httpx before.
http: Any = importlib.import_module("httpx2" if "httpx2" in vars(openai._base_client) else "httpx")


@pytest.fixture
def instrumented(attributed: Attributed) -> Iterator[Attributed]:  # noqa: F811 - the fixture above
    instrumentor = official_llama_index.LlamaIndexInstrumentor()
    instrumentor.instrument(tracer_provider=attributed.tracer_provider)
    yield attributed
    instrumentor.uninstrument()


def get_invoice(month: str) -> str:
    """The invoice lines of a month (YYYY-MM)."""
    assert month == "2026-11"
    return INVOICE


@pytest.mark.parametrize("names", LLM_TRACERS, ids="+".join)
def test_the_agents_spans_carry_the_path_and_the_subtree_total_and_each_call_is_priced_once(
    instrumented: Attributed, names: tuple[str, ...]
) -> None:
    turns = replay(http)
    client = http.AsyncClient(transport=http.MockTransport(turns))
    llm = llama_openai.OpenAI(model="gpt-4o-mini", api_key="test-no-key", async_http_client=client, max_retries=0)
    agent = agent_workflow.FunctionAgent(
        name="billing_assistant",
        description="Answers billing questions.",
        system_prompt="Answer billing questions.",
        tools=[get_invoice],
        llm=llm,
        streaming=False,
    )

    async def run() -> Any:
        async with client:  # closed inside the loop: its transport's async generators end there
            return await agent.run(user_msg=QUESTION)

    with llm_tracers(instrumented.tracer_provider, names):
        result = asyncio.run(run())

    assert str(result) == ANSWER
    assert len(turns.requests) == 2
    spans = list(instrumented.exporter.get_finished_spans())
    calls = assert_priced_once(spans, OFFICIAL_OPENAI if "official" in names else OURS)
    theirs = [span for span in spans if span.instrumentation_scope and span.instrumentation_scope.name == SCOPE]
    (agent_span,) = [span for span in theirs if span.name == "invoke_agent billing_assistant"]
    (tool_span,) = [span for span in theirs if span.name == "execute_tool get_invoice"]
    for span in theirs:
        assert "gen_ai.usage.cost.amount" not in (span.attributes or {})
    for call in calls:
        assert (call.attributes or {})["llmcost.section.path"] == "billing_assistant"
    assert (tool_span.attributes or {})["llmcost.section.path"] == "billing_assistant/get_invoice"
    assert usd(agent_span, "llmcost.subtree.cost") == AGENT_USD
    assert (agent_span.attributes or {})["llmcost.subtree.calls"] == 2
    assert "llmcost.subtree.cost" not in (tool_span.attributes or {})
