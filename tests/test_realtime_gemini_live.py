"""Gemini Live sessions through the real google-genai SDK against a loopback WebSocket server (TLS, from a test CA
that ``SSL_CERT_FILE`` names: the SDK connects with ``wss`` only) replaying a recording.

One session span (INTERNAL, ``realtime {model}``) from connect to close; one priced ``generate_content`` span per
model turn, its child, ended at ``turnComplete``. Prices: gemini-2.5-flash-native-audio (Live API), per million
tokens: text in $0.50, audio in $3.00, text out $2.00, audio out $12.00 (ai.google.dev/gemini-api/docs/pricing).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from google import genai
from google.genai import errors, live, types
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode
from websockets.exceptions import ConnectionClosed

from instrumentor_support import instrumenting
from otel_llmcost.instrumentation.google_genai import GoogleGenAIInstrumentor
from realtime_support import (
    Replayed,
    assert_uninstrument_restores,
    attributes,
    cancelled_once_started,
    recording,
    replaying,
    session_spans,
)

if TYPE_CHECKING:
    from conftest import Tracing

SCRIPT = recording("gemini_live_session.json")
MODEL = "gemini-2.5-flash-native-audio-preview-09-2025"
M = Decimal(10) ** 6
COST_1 = 410 * Decimal("0.50") / M + 131 * Decimal(3) / M + 156 * Decimal(12) / M  # 541 in (131 audio), 156 audio out
COST_2 = 420 * Decimal("0.50") / M + 300 * Decimal(3) / M + 210 * Decimal(12) / M  # 720 in (300 audio), 210 audio out
COST_3 = 905 * Decimal("0.50") / M + 24 * Decimal(2) / M  # 905 text in, 24 text out
QUESTIONS = ("When do you open?", "And when do you close?", "On Saturday?")


@pytest.fixture
def priced(tracing: Tracing) -> Iterator[Tracing]:
    with instrumenting(GoogleGenAIInstrumentor(), tracing):
        yield tracing


def _client(server: Replayed) -> genai.Client:
    assert server.ca_file is not None  # trusted through SSL_CERT_FILE while the server runs
    return genai.Client(api_key="test-key", http_options=types.HttpOptions(base_url=server.url))


async def _ask(session: Any, question: str) -> None:
    await session.send_client_content(turns={"role": "user", "parts": [{"text": question}]}, turn_complete=True)
    async for _ in session.receive():
        pass


async def _talk(server: Replayed, questions: tuple[str, ...] = QUESTIONS) -> None:
    async with _client(server).aio.live.connect(model=MODEL, config={"response_modalities": ["AUDIO"]}) as session:
        for question in questions:
            await _ask(session, question)


def test_a_live_session_of_three_turns_sums_to_the_session_span(priced: Tracing) -> None:
    with replaying(SCRIPT, tls=True) as server:
        asyncio.run(_talk(server))
    session, turns = session_spans(priced)
    assert session.name == f"realtime {MODEL}"
    assert [span.name for span in turns] == [f"generate_content {MODEL}"] * 3
    assert all(span.parent is not None and span.parent.span_id == session.context.span_id for span in turns)
    assert [attributes(span)["gen_ai.usage.cost.amount"] for span in turns] == [
        float(COST_1),
        float(COST_2),
        float(COST_3),
    ]
    assert attributes(session) == {
        "gen_ai.provider.name": "gcp.gemini",
        "gen_ai.request.model": MODEL,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "llmcost.subtree.cost": float(COST_1 + COST_2 + COST_3),
        "llmcost.subtree.calls": 3,
    }
    first = attributes(turns[0])
    assert {key: first[key] for key in first if key.startswith("gen_ai.") and "cost" not in key} == {
        "gen_ai.operation.name": "generate_content",
        "gen_ai.provider.name": "gcp.gemini",
        "gen_ai.request.model": MODEL,
        "gen_ai.usage.input_tokens": 541,
        "gen_ai.usage.output_tokens": 156,
        "gen_ai.usage.text.input_tokens": 410,
        "gen_ai.usage.audio.input_tokens": 131,
        "gen_ai.usage.audio.output_tokens": 156,
    }


def test_usage_sent_right_after_turn_complete_is_the_turn_s(priced: Tracing) -> None:
    script = copy.deepcopy(SCRIPT)
    last = script["replies"][3]
    usage = last[-1].pop("usageMetadata")
    last.append({"usageMetadata": usage})
    with replaying(script, tls=True) as server:

        async def talk() -> None:
            async with _client(server).aio.live.connect(model=MODEL) as session:
                for question in QUESTIONS:
                    await _ask(session, question)
                await asyncio.sleep(0)
                # The usage-only message after the last turnComplete: read as the next receive's first message.
                async for _ in session.receive():
                    break

        asyncio.run(asyncio.wait_for(talk(), 10))
    _, turns = session_spans(priced)
    assert [attributes(span)["gen_ai.usage.cost.amount"] for span in turns] == [
        float(COST_1),
        float(COST_2),
        float(COST_3),
    ]


def test_the_session_ends_when_the_socket_drops_mid_turn(priced: Tracing) -> None:
    # The third turn: its first text part, then the socket is gone.
    with replaying(SCRIPT, tls=True, drop=(3, 1)) as server:

        async def talk() -> tuple[ReadableSpan, list[ReadableSpan]]:
            async with _client(server).aio.live.connect(model=MODEL) as session:
                for question in QUESTIONS[:2]:
                    await _ask(session, question)
                # google-genai raises an APIError from the ConnectionClosed; older releases, that itself.
                with pytest.raises((errors.APIError, ConnectionClosed)):
                    await _ask(session, QUESTIONS[2])
                return session_spans(priced)  # ended when the socket dropped, before the user's code left the session

        session, turns = asyncio.run(talk())
    assert len(priced.exporter.get_finished_spans()) == 4
    assert session.status.status_code is StatusCode.ERROR
    assert attributes(session)["llmcost.subtree.calls"] == 3
    cut = attributes(turns[2])
    assert cut["error.type"] == attributes(session)["error.type"]
    assert (cut["llmcost.usage.status"], cut["gen_ai.usage.output_tokens"]) == ("partial", 1)
    assert cut["gen_ai.usage.cost.amount"] == float(1 * Decimal(2) / M)  # one text piece, as text output
    assert [attributes(span)["gen_ai.usage.cost.amount"] for span in turns[:2]] == [float(COST_1), float(COST_2)]


def test_an_explicit_close_ends_the_session(priced: Tracing) -> None:
    with replaying(SCRIPT, tls=True) as server:

        async def talk() -> None:
            async with _client(server).aio.live.connect(model=MODEL) as session:
                await _ask(session, QUESTIONS[0])
                await session.close()
                assert session_spans(priced)[0].end_time is not None

        asyncio.run(talk())
    session, turns = session_spans(priced)
    assert attributes(session)["llmcost.subtree.cost"] == float(COST_1)
    assert len(turns) == 1


def test_cancelling_a_live_session_cuts_the_turn_in_flight(priced: Tracing) -> None:
    with replaying(SCRIPT, tls=True, hold=True) as server:

        async def talk(started: asyncio.Event) -> None:
            async with _client(server).aio.live.connect(model=MODEL) as session:
                for question in QUESTIONS[:2]:
                    await _ask(session, question)
                await session.send_client_content(turns={"role": "user", "parts": [{"text": QUESTIONS[2]}]})
                async for message in session.receive():
                    if message.server_content and message.server_content.generation_complete:
                        started.set()

        cancelled_once_started(talk)
    session, turns = session_spans(priced)
    assert attributes(session)["error.type"] == "CancelledError"
    cut = attributes(turns[2])
    assert (cut["error.type"], cut["llmcost.usage.status"], cut["gen_ai.usage.output_tokens"]) == (
        "CancelledError",
        "partial",
        2,
    )


def test_leaving_a_live_session_with_an_exception_is_its_error(priced: Tracing) -> None:
    with replaying(SCRIPT, tls=True) as server:

        async def talk() -> None:
            async with _client(server).aio.live.connect(model=MODEL) as session:
                await _ask(session, QUESTIONS[0])
                raise LookupError("the user's own failure")

        with pytest.raises(LookupError):
            asyncio.run(talk())
    session, turns = session_spans(priced)
    assert attributes(session)["error.type"] == "LookupError"
    assert [attributes(span)["gen_ai.usage.cost.amount"] for span in turns] == [float(COST_1)]


def test_uninstrument_restores_the_live_methods(tracing: Tracing) -> None:
    assert_uninstrument_restores(
        GoogleGenAIInstrumentor(),
        tracing,
        (live.AsyncLive, "connect"),
        (live.AsyncSession, "_receive"),
        (live.AsyncSession, "close"),
    )
