"""`section`: agent, tool, workflow and step spans; the path on the spans inside; errors; four kinds of function."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from attribution_support import GPT_4O_MINI_COST, Attributed
from otel_llmcost import section


def test_agent_tool_and_workflow_sections_follow_the_genai_agent_conventions(attributed: Attributed) -> None:
    provider = attributed.tracer_provider
    with section("support", kind="workflow", tracer_provider=provider):
        with section("research_assistant", kind="agent", agent_id="asst_42", tracer_provider=provider):
            with section("synthesize", kind="tool", tracer_provider=provider):
                with section("draft", tracer_provider=provider):
                    attributed.call()

    spans = attributed.spans()
    assert dict(spans["invoke_workflow support"].attributes or {}) == {
        "gen_ai.operation.name": "invoke_workflow",
        "llmcost.section.path": "support",
        "llmcost.section.name": "support",
        "llmcost.subtree.cost": GPT_4O_MINI_COST,
        "llmcost.subtree.calls": 1,
    }
    assert dict(spans["invoke_agent research_assistant"].attributes or {}) == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "research_assistant",
        "gen_ai.agent.id": "asst_42",
        "llmcost.section.path": "support/research_assistant",
        "llmcost.section.name": "research_assistant",
        "llmcost.subtree.cost": GPT_4O_MINI_COST,
        "llmcost.subtree.calls": 1,
    }
    assert dict(spans["execute_tool synthesize"].attributes or {}) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "synthesize",
        "llmcost.section.path": "support/research_assistant/synthesize",
        "llmcost.section.name": "synthesize",
        "llmcost.subtree.cost": GPT_4O_MINI_COST,
        "llmcost.subtree.calls": 1,
    }
    step = spans["draft"]
    assert dict(step.attributes or {}) == {
        "llmcost.section.path": "support/research_assistant/synthesize/draft",
        "llmcost.section.name": "draft",
        "llmcost.subtree.cost": GPT_4O_MINI_COST,
        "llmcost.subtree.calls": 1,
    }
    assert {span.kind for name, span in spans.items() if name != "chat gpt-4o-mini"} == {SpanKind.INTERNAL}
    call = spans["chat gpt-4o-mini"].attributes or {}
    assert call["llmcost.section.path"] == "support/research_assistant/synthesize/draft"
    assert call["llmcost.section.name"] == "draft"
    assert call["gen_ai.usage.cost.amount"] == GPT_4O_MINI_COST  # 1000 * 0.15/1e6 + 200 * 0.60/1e6
    assert "llmcost.subtree.cost" not in call
    # The parent chain is the nesting.
    assert spans["chat gpt-4o-mini"].parent is not None
    assert spans["chat gpt-4o-mini"].parent.span_id == step.context.span_id


def test_section_spans_never_carry_a_cost_of_their_own(attributed: Attributed) -> None:
    with section("research_assistant", kind="agent", tracer_provider=attributed.tracer_provider):
        attributed.call("chat one")
        attributed.call("chat two")

    agent = attributed.spans()["invoke_agent research_assistant"].attributes or {}
    assert not [key for key in agent if key.startswith("gen_ai.usage.cost")]
    assert agent["llmcost.subtree.cost"] == 2 * 1000 * 0.15 / 1e6 + 2 * 200 * 0.60 / 1e6
    assert agent["llmcost.subtree.calls"] == 2


def test_a_section_whose_code_raises_ends_with_error_and_reraises_the_same_exception(attributed: Attributed) -> None:
    failure = KeyError("no such document")

    def analyse() -> None:
        with section("llm_analysis", kind="tool", tracer_provider=attributed.tracer_provider):
            attributed.call()
            raise failure

    with pytest.raises(KeyError) as raised:
        analyse()

    assert raised.value is failure
    tool = attributed.spans()["execute_tool llm_analysis"]
    assert tool.status.status_code is StatusCode.ERROR
    assert (tool.attributes or {})["error.type"] == "KeyError"
    assert (tool.attributes or {})["llmcost.subtree.cost"] == GPT_4O_MINI_COST


def test_a_decorated_function_is_a_section_per_call(attributed: Attributed) -> None:
    @section("synthesize", kind="tool", tracer_provider=attributed.tracer_provider)
    def synthesize(text: str) -> str:
        attributed.call(f"chat {text}")
        return text.upper()

    assert synthesize("a") == "A"
    assert synthesize("b") == "B"

    tools = [span for span in attributed.exporter.get_finished_spans() if span.name == "execute_tool synthesize"]
    assert len(tools) == 2
    assert tools[0].context.span_id != tools[1].context.span_id
    assert [(span.attributes or {})["llmcost.subtree.calls"] for span in tools] == [1, 1]


def test_a_decorated_coroutine_is_a_section_and_tasks_keep_their_own_paths(attributed: Attributed) -> None:
    provider = attributed.tracer_provider

    @section("analyse", kind="tool", tracer_provider=provider)
    async def analyse(name: str) -> str:
        await asyncio.sleep(0)
        attributed.call(f"chat {name}")
        return name

    @section("research_assistant", kind="agent", tracer_provider=provider)
    async def assistant() -> list[str]:
        return list(await asyncio.gather(analyse("x"), analyse("y")))

    assert asyncio.run(assistant()) == ["x", "y"]
    spans = attributed.exporter.get_finished_spans()
    calls = {span.name: span.attributes or {} for span in spans if span.name.startswith("chat")}
    assert {name: attributes["llmcost.section.path"] for name, attributes in calls.items()} == {
        "chat x": "research_assistant/analyse",
        "chat y": "research_assistant/analyse",
    }
    agent = next(span for span in spans if span.name == "invoke_agent research_assistant")
    assert (agent.attributes or {})["llmcost.subtree.calls"] == 2


def test_a_decorated_generator_is_one_section_and_the_caller_is_outside_it_between_items(
    attributed: Attributed,
) -> None:
    provider = attributed.tracer_provider

    @section("stream_answers", tracer_provider=provider)
    def answers() -> Iterator[int]:
        for number in range(3):
            attributed.call(f"chat {number}")
            yield number

    seen: list[int] = []
    with section("outer", tracer_provider=provider):
        for number in answers():
            attributed.call(f"between {number}")  # the caller's own path, not the generator's
            seen.append(number)

    assert seen == [0, 1, 2]
    spans = attributed.spans()
    assert (spans["stream_answers"].attributes or {})["llmcost.subtree.calls"] == 3
    assert (spans["chat 2"].attributes or {})["llmcost.section.path"] == "outer/stream_answers"
    assert (spans["between 0"].attributes or {})["llmcost.section.path"] == "outer"
    assert (spans["outer"].attributes or {})["llmcost.subtree.calls"] == 6


def test_a_generator_left_early_ends_its_section_without_error(attributed: Attributed) -> None:
    @section("stream_answers", tracer_provider=attributed.tracer_provider)
    def answers() -> Iterator[int]:
        yield 1
        yield 2

    generator = answers()
    assert next(generator) == 1
    generator.close()

    span = attributed.spans()["stream_answers"]
    assert span.status.status_code is StatusCode.UNSET
    assert span.end_time is not None


def test_an_error_inside_a_decorated_generator_ends_its_section_with_error(attributed: Attributed) -> None:
    @section("stream_answers", tracer_provider=attributed.tracer_provider)
    def answers() -> Iterator[int]:
        yield 1
        raise ValueError("bad chunk")

    with pytest.raises(ValueError, match="bad chunk"):
        list(answers())

    span = attributed.spans()["stream_answers"]
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "ValueError"


def test_a_decorated_async_generator_is_one_section(attributed: Attributed) -> None:
    provider = attributed.tracer_provider

    @section("stream_answers", kind="agent", tracer_provider=provider)
    async def answers() -> AsyncIterator[int]:
        for number in range(2):
            await asyncio.sleep(0)
            attributed.call(f"chat {number}")
            yield number

    async def consume() -> list[int]:
        return [number async for number in answers()]

    assert asyncio.run(consume()) == [0, 1]
    spans = attributed.spans()
    assert (spans["chat 1"].attributes or {})["llmcost.section.path"] == "stream_answers"
    assert (spans["invoke_agent stream_answers"].attributes or {})["llmcost.subtree.calls"] == 2


def test_async_with_is_a_section(attributed: Attributed) -> None:
    async def run() -> None:
        async with section("plan", tracer_provider=attributed.tracer_provider):
            attributed.call()

    asyncio.run(run())
    assert (attributed.spans()["chat gpt-4o-mini"].attributes or {})["llmcost.section.path"] == "plan"


def test_a_section_needs_a_name_and_a_known_kind() -> None:
    with pytest.raises(ValueError, match="needs a name"):
        section("")
    with pytest.raises(ValueError, match="'step', 'agent', 'tool' or 'workflow'"):
        section("x", kind="crew")  # pyright: ignore[reportArgumentType]


def test_agent_and_tool_spans_of_other_instrumentations_are_sections_too(attributed: Attributed) -> None:
    # Shaped as the GenAI agent span conventions have them, which the official LangChain, LlamaIndex and
    # OpenAI Agents instrumentations follow: the operation and the agent's or tool's name set at start.
    tracer = attributed.tracer_provider.get_tracer("a framework's instrumentation")
    with section("support", kind="workflow", tracer_provider=attributed.tracer_provider):
        agent = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "research_bot"}
        with tracer.start_as_current_span("invoke_agent research_bot", attributes=agent):
            tool = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"}
            with tracer.start_as_current_span("execute_tool search", attributes=tool):
                attributed.call()
            with tracer.start_as_current_span(
                "invoke_workflow", attributes={"gen_ai.operation.name": "invoke_workflow"}
            ):
                attributed.call("chat in a workflow")

    spans = attributed.spans()
    paths = {name: (span.attributes or {}).get("llmcost.section.path") for name, span in spans.items()}
    assert paths == {
        "invoke_workflow support": "support",
        "invoke_agent research_bot": "support/research_bot",
        "execute_tool search": "support/research_bot/search",
        "chat gpt-4o-mini": "support/research_bot/search",
        "invoke_workflow": "support/research_bot/invoke_workflow",
        "chat in a workflow": "support/research_bot/invoke_workflow",
    }
    assert (spans["chat gpt-4o-mini"].attributes or {})["llmcost.section.name"] == "search"
    foreign = spans["invoke_agent research_bot"].attributes or {}
    assert (foreign["llmcost.subtree.cost"], foreign["llmcost.subtree.calls"]) == (2 * GPT_4O_MINI_COST, 2)
    assert (spans["execute_tool search"].attributes or {})["llmcost.subtree.cost"] == GPT_4O_MINI_COST
