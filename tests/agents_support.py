"""What the agent framework tests share: the recorded model turns of one small agent, and their prices.

No tests here. The agent answers "Why was I charged twice this month?" with one tool, ``get_invoice``: the model
asks for the tool (``recordings/agents/chat_tool_call_get_invoice``), the tool answers, the model answers
(``chat_answer_after_tool``). Both are gpt-4o-mini chat completions through the real openai SDK, faked at its
HTTP transport, so each framework's own OpenAI client code runs.

gpt-4o-mini: input $0.15, output $0.60 per million tokens.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider

from replay import Replay, recorded

QUESTION = "Why was I charged twice this month?"
ANSWER = (
    "You were charged twice in November 2026: $49.00 for the Team plan on 2026-11-01 and a prorated $12.40 when "
    "you added two seats on 2026-11-19."
)
INVOICE = json.dumps(
    [
        {"date": "2026-11-01", "amount": "49.00", "line": "Team plan"},
        {"date": "2026-11-19", "amount": "12.40", "line": "2 seats, prorated"},
    ]
)
# The tool call: 96 input and 17 output tokens.
#   96 x $0.15 / 1M + 17 x $0.60 / 1M = $0.0000144 + $0.0000102 = $0.0000246
TOOL_CALL_USD = Decimal("0.0000246")
# The answer: 142 input and 38 output tokens.
#   142 x $0.15 / 1M + 38 x $0.60 / 1M = $0.0000213 + $0.0000228 = $0.0000441
ANSWER_USD = Decimal("0.0000441")
# The agent's subtree: $0.0000246 + $0.0000441
AGENT_USD = Decimal("0.0000687")

OURS = "otel_llmcost.instrumentation.openai"
OFFICIAL_OPENAI = "opentelemetry.instrumentation.genai.openai"
# Who traces the model calls: ours, the official genai-openai, or both (ours steps aside for it).
LLM_TRACERS = [("ours",), ("official",), ("ours", "official")]


TURNS = ("chat_tool_call_get_invoice", "chat_answer_after_tool")


def replay(http: Any = None) -> Replay:
    """The agent's two model turns, in order, as responses of ``http`` (the openai SDK's HTTP package: httpx2
    for openai 3.x, the default; httpx before)."""
    responses = [recorded("agents", name) for name in TURNS]
    if http is not None:
        responses = [http.Response(r.status_code, headers=dict(r.headers), content=r.content) for r in responses]
    return Replay(*responses)


@contextmanager
def llm_tracers(tracer_provider: TracerProvider, names: tuple[str, ...]) -> Iterator[None]:
    """The OpenAI instrumentors of ``names``, on ``tracer_provider``, removed after."""
    from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor as OfficialOpenAI

    from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

    with ExitStack() as stack:
        for name in names:
            instrumentor: Any = OpenAIInstrumentor() if name == "ours" else OfficialOpenAI()
            instrumentor.instrument(tracer_provider=tracer_provider)
            stack.callback(instrumentor.uninstrument)
        yield


def usd(span: ReadableSpan, key: str) -> Decimal:
    """A money attribute of ``span``, as the decimal its float prints."""
    return Decimal(repr((span.attributes or {})[key]))


def priced(spans: list[ReadableSpan]) -> list[ReadableSpan]:
    return [span for span in spans if (span.attributes or {}).get("llmcost.status") == "priced"]


def scope(span: ReadableSpan) -> str:
    assert span.instrumentation_scope is not None
    return span.instrumentation_scope.name


def assert_priced_once(spans: list[ReadableSpan], by: str) -> list[ReadableSpan]:
    """Each model call priced once, on the span of the instrumentation scope ``by``; the priced spans, in order."""
    calls = priced(spans)
    assert [usd(span, "gen_ai.usage.cost.amount") for span in calls] == [TOOL_CALL_USD, ANSWER_USD]
    assert {scope(span) for span in calls} == {by}
    # The cost attribute is on the calls alone: summing it over the trace counts each call once.
    assert (
        sum(
            (
                usd(span, "gen_ai.usage.cost.amount")
                for span in spans
                if "gen_ai.usage.cost.amount" in (span.attributes or {})
            ),
            Decimal(0),
        )
        == AGENT_USD
    )
    return calls
