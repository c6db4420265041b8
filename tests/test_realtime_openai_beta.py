"""OpenAI Realtime through ``client.beta.realtime.connect`` (the only Realtime surface of openai 1.5x to 1.10x,
still in 3.x), against a loopback WebSocket server replaying the beta API's events.

Prices: gpt-4o-realtime-preview (2024-12-17 and later snapshots), per million tokens: text input $5, cached
input $2.50 (text and audio alike), text output $20, audio input $40, audio output $80 (openai.com/api/pricing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

import openai
import pytest

from openai_support import instrumented_on
from realtime_support import attributes, recording, replaying, respond, respond_async, session_spans

if TYPE_CHECKING:
    from conftest import Tracing

pytest.importorskip("openai.resources.beta.realtime.realtime", reason="this openai has no beta Realtime API")

SCRIPT = recording("openai_beta_session.json")
M = Decimal(10) ** 6
COST_1 = 200 * Decimal(5) / M + 1000 * Decimal(40) / M + 60 * Decimal(20) / M + 240 * Decimal(80) / M
COST_2 = (
    (400 - 256) * Decimal(5) / M
    + (1700 - 768) * Decimal(40) / M
    + (256 + 768) * Decimal("2.50") / M
    + 90 * Decimal(20) / M
    + 320 * Decimal(80) / M
)
COST_3 = (650 - 448) * Decimal(5) / M + (2400 - 1600) * Decimal(40) / M + (448 + 1600) * Decimal("2.50") / M
COST_3 += 180 * Decimal(20) / M


@pytest.fixture
def priced(tracing: Tracing) -> Iterator[Tracing]:
    """The OpenAI instrumentor on ``tracing``, with the loopback server named as OpenAI (a proxy's address)."""
    with instrumented_on(tracing, providers={"127.0.0.1": "openai"}):
        yield tracing


def test_a_beta_session_of_three_responses_sums_to_the_session_span(priced: Tracing) -> None:
    with replaying(SCRIPT) as server:
        client = openai.OpenAI(api_key="sk-test", websocket_base_url=server.url + "/v1")
        with client.beta.realtime.connect(model="gpt-4o-realtime-preview") as connection:
            respond(connection, 3)
    session, responses = session_spans(priced)
    assert [attributes(span)["gen_ai.usage.cost.amount"] for span in responses] == [
        float(COST_1),
        float(COST_2),
        float(COST_3),
    ]
    assert [attributes(span)["gen_ai.response.model"] for span in responses] == [
        "gpt-4o-realtime-preview-2025-06-03"
    ] * 3
    assert attributes(session)["llmcost.subtree.cost"] == float(COST_1 + COST_2 + COST_3)
    assert attributes(session)["gen_ai.conversation.id"] == "sess_BkR3aQ7mZ2xT9vB4nW1yE"


def test_a_beta_session_ends_when_the_socket_drops(priced: Tracing) -> None:
    from websockets.exceptions import ConnectionClosedError

    with replaying(SCRIPT, drop=(1, 3)) as server:
        client = openai.OpenAI(api_key="sk-test", websocket_base_url=server.url + "/v1")
        with client.beta.realtime.connect(model="gpt-4o-realtime-preview") as connection:
            respond(connection)
            connection.response.create()
            with pytest.raises(ConnectionClosedError):
                list(connection)
            ended = priced.exporter.get_finished_spans()
    assert [span.name for span in ended] == ["chat gpt-4o-realtime-preview"] * 2 + ["realtime gpt-4o-realtime-preview"]
    cut = attributes(ended[1])
    assert (cut["error.type"], cut["llmcost.usage.status"], cut["gen_ai.usage.output_tokens"]) == (
        "ConnectionClosedError",
        "partial",
        1,
    )
    assert attributes(ended[2])["error.type"] == "ConnectionClosedError"


def test_an_async_beta_session(priced: Tracing) -> None:
    async def talk(url: str) -> None:
        client = openai.AsyncOpenAI(api_key="sk-test", websocket_base_url=url + "/v1")
        async with client.beta.realtime.connect(model="gpt-4o-realtime-preview") as connection:
            await respond_async(connection, 3)

    with replaying(SCRIPT) as server:
        asyncio.run(talk(server.url))
    session, responses = session_spans(priced)
    assert [attributes(span)["gen_ai.usage.cost.amount"] for span in responses] == [
        float(COST_1),
        float(COST_2),
        float(COST_3),
    ]
    assert attributes(session)["llmcost.subtree.cost"] == float(COST_1 + COST_2 + COST_3)
