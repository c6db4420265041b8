"""A real agent on the Anthropic SDK's tool runner (``client.beta.messages.tool_runner``), priced and rolled up.

The runner loops: it sends the Messages API request, runs the ``@beta_tool`` function the model asks for, sends
its result back, and stops at the model's answer. The two turns are recorded Messages API responses
(``recordings/anthropic/haiku_tool_runner_tool_use`` with a ``tool_use`` block, ``haiku_tool_runner_answer``
the final text) replayed through the real SDK client at its HTTP transport.

anthropic 2.x traces the runner itself when it traces at all: an INTERNAL span ``anthropic.messages.tool_runner``
(``gen_ai.operation.name`` ``invoke_agent``, no ``gen_ai.agent.name``: the span name is the section's name), an
``anthropic.custom_tool_use {tool}`` span (``execute_tool``, ``gen_ai.tool.name``) around each tool run, and its
``anthropic.messages.create`` span for each model call, all under the runner's span. With its tracing off
(``ANTHROPIC_OPEN_TELEMETRY=false``) and our instrumentor on, the runner has no span: a ``section()`` of ours
around it is the agent.

Claude Haiku 4.5 (``pricing/providers/anthropic.json``): input $1, output $5 per million tokens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal

import anthropic
import httpx2
import pytest
from anthropic import beta_async_tool, beta_tool
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

import otel_llmcost
from agents_support import ANSWER, INVOICE, QUESTION, scope, usd
from attribution_support import Attributed, attributed  # noqa: F401 - the fixture
from otel_llmcost.instrumentation.anthropic import AnthropicInstrumentor
from replay import Replay, recorded

SDK = "com.anthropic.sdk.python"
OURS = "otel_llmcost.instrumentation.anthropic"
HAIKU = "claude-haiku-4-5"

# The tool call: 612 input and 78 output tokens.
#   612 x $1 / 1M + 78 x $5 / 1M = $0.000612 + $0.00039 = $0.001002
TOOL_USE_USD = Decimal("0.001002")
# The answer: 745 input and 64 output tokens.
#   745 x $1 / 1M + 64 x $5 / 1M = $0.000745 + $0.00032 = $0.001065
ANSWER_USD = Decimal("0.001065")
# The agent's subtree: $0.001002 + $0.001065
AGENT_USD = Decimal("0.002067")

TOOL_RUNS: list[str] = []


@beta_tool
def get_invoice(month: str) -> str:
    """The invoice lines of a month (YYYY-MM)."""
    TOOL_RUNS.append(month)
    return INVOICE


@pytest.fixture(autouse=True)
def no_tool_runs() -> Iterator[None]:
    TOOL_RUNS.clear()
    yield
    TOOL_RUNS.clear()


def turns() -> Replay:
    return Replay(
        recorded("anthropic", "haiku_tool_runner_tool_use"), recorded("anthropic", "haiku_tool_runner_answer")
    )


def run_agent(client: anthropic.Anthropic, replay: Replay) -> None:
    """The runner to its end: two requests, one tool run, the answer."""
    runner = client.beta.messages.tool_runner(
        model=HAIKU, max_tokens=1024, messages=[{"role": "user", "content": QUESTION}], tools=[get_invoice]
    )
    final = runner.until_done()
    assert [block.text for block in final.content if block.type == "text"] == [ANSWER]
    assert TOOL_RUNS == ["2026-11"]
    assert len(replay.requests) == 2
    # The second turn sends the tool's result back for the model's tool_use id.
    assert b'"tool_use_id":"toolu_01Q4mXb7Vn2RkT9sLc6WpZ8d"' in replay.requests[1].content


def priced_once(spans: list[ReadableSpan], by: str) -> list[ReadableSpan]:
    """Each model call priced once, on ``by``'s span; no other span has a cost. The priced spans, in order."""
    calls = [span for span in spans if (span.attributes or {}).get("llmcost.status") == "priced"]
    assert [usd(span, "gen_ai.usage.cost.amount") for span in calls] == [TOOL_USE_USD, ANSWER_USD]
    assert {scope(span) for span in calls} == {by}
    assert [span.kind for span in calls] == [SpanKind.CLIENT, SpanKind.CLIENT]
    assert [span for span in spans if "gen_ai.usage.cost.amount" in (span.attributes or {})] == calls
    return calls


@pytest.mark.parametrize("ours_too", [False, True], ids=["sdk", "sdk+ours"])
def test_the_sdks_runner_span_is_the_agent_with_the_path_and_the_subtree_total(
    attributed: Attributed,  # noqa: F811
    ours_too: bool,
) -> None:
    replay = turns()
    client = anthropic.Anthropic(
        api_key="test-no-key",
        http_client=httpx2.Client(transport=httpx2.MockTransport(replay)),
        open_telemetry={"tracer_provider": attributed.tracer_provider},
        max_retries=0,
    )
    # With ours on too, ours steps aside for the SDK's own span of each call.
    instrumentor = AnthropicInstrumentor()
    if ours_too:
        instrumentor.instrument(tracer_provider=attributed.tracer_provider)
    try:
        # Our own workflow section around the runner: the paths join.
        with otel_llmcost.section("support", kind="workflow", tracer_provider=attributed.tracer_provider):
            run_agent(client, replay)
    finally:
        if ours_too:
            instrumentor.uninstrument()

    spans = list(attributed.exporter.get_finished_spans())
    assert [span.name for span in spans if scope(span) == OURS] == []
    assert sorted(span.name for span in spans if scope(span) == SDK) == [
        "anthropic.custom_tool_use get_invoice",
        "anthropic.messages.create",
        "anthropic.messages.create",
        "anthropic.messages.tool_runner",
    ]
    calls = priced_once(spans, SDK)
    (runner,) = [span for span in spans if span.name == "anthropic.messages.tool_runner"]
    (tool,) = [span for span in spans if span.name == "anthropic.custom_tool_use get_invoice"]
    (workflow,) = [span for span in spans if span.name == "invoke_workflow support"]
    assert (runner.attributes or {})["gen_ai.operation.name"] == "invoke_agent"
    assert (tool.attributes or {})["gen_ai.operation.name"] == "execute_tool"
    # The calls and the tool run are the runner's children, the runner the workflow's.
    assert runner.context is not None
    assert workflow.context is not None
    assert {span.parent.span_id for span in [*calls, tool] if span.parent} == {runner.context.span_id}
    assert runner.parent is not None
    assert runner.parent.span_id == workflow.context.span_id

    for call in calls:
        assert (call.attributes or {})["llmcost.section.path"] == "support/anthropic.messages.tool_runner"
        assert (call.attributes or {})["llmcost.section.name"] == "anthropic.messages.tool_runner"
    assert (runner.attributes or {})["llmcost.section.path"] == "support/anthropic.messages.tool_runner"
    assert (tool.attributes or {})["llmcost.section.path"] == "support/anthropic.messages.tool_runner/get_invoice"
    assert (tool.attributes or {})["llmcost.section.name"] == "get_invoice"
    for span in (runner, workflow):
        assert usd(span, "llmcost.subtree.cost") == AGENT_USD
        assert (span.attributes or {})["llmcost.subtree.calls"] == 2
    # The tool run made no call: no total on it.
    assert "llmcost.subtree.cost" not in (tool.attributes or {})


def test_with_the_sdks_tracing_off_our_section_around_the_runner_is_the_agent(
    attributed: Attributed,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY", "false")
    replay = turns()
    client = anthropic.Anthropic(
        api_key="test-no-key", http_client=httpx2.Client(transport=httpx2.MockTransport(replay)), max_retries=0
    )
    instrumentor = AnthropicInstrumentor()
    instrumentor.instrument(tracer_provider=attributed.tracer_provider)
    try:
        provider = attributed.tracer_provider
        with (
            otel_llmcost.section("support", kind="workflow", tracer_provider=provider),
            otel_llmcost.section("billing_assistant", kind="agent", tracer_provider=provider),
        ):
            run_agent(client, replay)
    finally:
        instrumentor.uninstrument()

    spans = list(attributed.exporter.get_finished_spans())
    # The SDK traced nothing, the runner and its tool run included.
    assert [span.name for span in spans if scope(span) == SDK] == []
    calls = priced_once(spans, OURS)
    (agent,) = [span for span in spans if span.name == "invoke_agent billing_assistant"]
    (workflow,) = [span for span in spans if span.name == "invoke_workflow support"]
    assert agent.context is not None
    assert {call.parent.span_id for call in calls if call.parent} == {agent.context.span_id}
    for call in calls:
        assert (call.attributes or {})["llmcost.section.path"] == "support/billing_assistant"
    for span in (agent, workflow):
        assert usd(span, "llmcost.subtree.cost") == AGENT_USD
        assert (span.attributes or {})["llmcost.subtree.calls"] == 2


@beta_async_tool(name="get_invoice")
async def get_invoice_async(month: str) -> str:
    """The invoice lines of a month (YYYY-MM)."""
    TOOL_RUNS.append(month)
    return INVOICE


def test_the_async_runner_is_the_agent_too(attributed: Attributed) -> None:  # noqa: F811
    replay = turns()
    client = anthropic.AsyncAnthropic(
        api_key="test-no-key",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(replay)),
        open_telemetry={"tracer_provider": attributed.tracer_provider},
        max_retries=0,
    )

    async def run() -> None:
        with otel_llmcost.section("support", kind="workflow", tracer_provider=attributed.tracer_provider):
            runner = client.beta.messages.tool_runner(
                model=HAIKU,
                max_tokens=1024,
                messages=[{"role": "user", "content": QUESTION}],
                tools=[get_invoice_async],
            )
            final = await runner.until_done()
        assert [block.text for block in final.content if block.type == "text"] == [ANSWER]

    asyncio.run(run())

    assert TOOL_RUNS == ["2026-11"]
    assert len(replay.requests) == 2
    spans = list(attributed.exporter.get_finished_spans())
    calls = priced_once(spans, SDK)
    (runner,) = [span for span in spans if span.name == "anthropic.messages.tool_runner"]
    (tool,) = [span for span in spans if span.name == "anthropic.custom_tool_use get_invoice"]
    for call in calls:
        assert (call.attributes or {})["llmcost.section.path"] == "support/anthropic.messages.tool_runner"
    assert (tool.attributes or {})["llmcost.section.path"] == "support/anthropic.messages.tool_runner/get_invoice"
    assert usd(runner, "llmcost.subtree.cost") == AGENT_USD
    assert (runner.attributes or {})["llmcost.subtree.calls"] == 2
