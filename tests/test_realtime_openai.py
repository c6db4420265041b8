"""OpenAI Realtime sessions through the real openai SDK against a loopback WebSocket server replaying a recording.

One session span (INTERNAL, ``realtime {model}``) from connect to close; one priced ``chat`` span per response,
its child, ended at ``response.done``. Prices: gpt-realtime, per million tokens: text input $4, cached input
$0.40 (text and audio alike), text output $16, audio input $32, audio output $64 (openai.com/api/pricing).
"""

from __future__ import annotations

import asyncio
import copy
import gc
import inspect
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

import openai
import pytest
from opentelemetry.trace import SpanKind, StatusCode

from openai_support import instrumented_on
from otel_llmcost.instrumentation.openai import OpenAIInstrumentor
from realtime_support import (
    assert_uninstrument_restores,
    attributes,
    cancelled_once_started,
    recording,
    replaying,
    respond,
    respond_async,
    session_spans,
)

if TYPE_CHECKING:
    from conftest import Tracing

realtime = pytest.importorskip("openai.resources.realtime.realtime", reason="this openai has no GA Realtime API")

SCRIPT = recording("openai_session.json")
M = Decimal(10) ** 6
# Response 1: 200 text + 1000 audio in, none cached; 60 text + 240 audio out.
COST_1 = 200 * Decimal(4) / M + 1000 * Decimal(32) / M + 60 * Decimal(16) / M + 240 * Decimal(64) / M
# Response 2: 400 text + 1700 audio in, of which 256 text + 768 audio cached; 90 text + 320 audio out.
COST_2 = (
    (400 - 256) * Decimal(4) / M
    + (1700 - 768) * Decimal(32) / M
    + (256 + 768) * Decimal("0.40") / M
    + 90 * Decimal(16) / M
    + 320 * Decimal(64) / M
)
# Response 3: 650 text + 2400 audio in, of which 448 text + 1600 audio cached; 180 text out.
COST_3 = (650 - 448) * Decimal(4) / M + (2400 - 1600) * Decimal(32) / M + (448 + 1600) * Decimal("0.40") / M
COST_3 += 180 * Decimal(16) / M
SESSION_ID = "sess_CkR3aQ7mZ2xT9vB4nW1yE"


@pytest.fixture
def priced(tracing: Tracing) -> Iterator[Tracing]:
    """The OpenAI instrumentor on ``tracing``, with the loopback server named as OpenAI (a proxy's address)."""
    with instrumented_on(tracing, providers={"127.0.0.1": "openai"}):
        yield tracing


def _assert_three_priced(tracing: Tracing, port: int) -> None:
    session, responses = session_spans(tracing)
    assert session.name == "realtime gpt-realtime"
    assert [span.name for span in responses] == ["chat gpt-realtime"] * 3
    assert all(span.parent is not None and span.parent.span_id == session.context.span_id for span in responses)
    costs = [attributes(span)["gen_ai.usage.cost.amount"] for span in responses]
    assert costs == [float(COST_1), float(COST_2), float(COST_3)]
    assert attributes(session) == {
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-realtime",
        "server.address": "127.0.0.1",
        "server.port": port,
        "gen_ai.conversation.id": SESSION_ID,
        "llmcost.subtree.cost": float(COST_1 + COST_2 + COST_3),
        "llmcost.subtree.calls": 3,
    }
    second = attributes(responses[1])
    assert {key: second[key] for key in second if key.startswith("gen_ai.") and "cost" not in key} == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-realtime",
        "gen_ai.conversation.id": SESSION_ID,
        "gen_ai.response.id": "resp_CkR3c2Xw4",
        "gen_ai.response.model": "gpt-realtime-2025-08-28",
        "gen_ai.response.finish_reasons": ("completed",),
        "gen_ai.usage.input_tokens": 2100,
        "gen_ai.usage.output_tokens": 410,
        "gen_ai.usage.cache_read.input_tokens": 1024,
        "gen_ai.usage.text.input_tokens": 400,
        "gen_ai.usage.text.output_tokens": 90,
        "gen_ai.usage.audio.input_tokens": 1700,
        "gen_ai.usage.audio.cache_read.input_tokens": 768,
        "gen_ai.usage.audio.output_tokens": 320,
    }


def test_a_session_of_three_responses_sums_to_the_session_span(priced: Tracing) -> None:
    with replaying(SCRIPT) as server:
        client = openai.OpenAI(api_key="sk-test", websocket_base_url=server.url + "/v1")
        with client.realtime.connect(model="gpt-realtime") as connection:
            respond(connection, 3)
    assert [message["type"] for message in server.received] == ["response.create"] * 3
    _assert_three_priced(priced, server.port)


def test_an_async_session_of_three_responses(priced: Tracing) -> None:
    async def talk(url: str) -> None:
        client = openai.AsyncOpenAI(api_key="sk-test", websocket_base_url=url + "/v1")
        async with client.realtime.connect(model="gpt-realtime") as connection:
            await respond_async(connection, 3)

    with replaying(SCRIPT) as server:
        asyncio.run(talk(server.url))
    _assert_three_priced(priced, server.port)


def test_the_session_ends_when_the_socket_drops_mid_response(priced: Tracing) -> None:
    from websockets.exceptions import ConnectionClosedError

    # The third response: created, its item, two text deltas; then the socket is gone.
    with replaying(SCRIPT, drop=(2, 4)) as server:
        client = openai.OpenAI(api_key="sk-test", websocket_base_url=server.url + "/v1")
        with client.realtime.connect(model="gpt-realtime") as connection:
            respond(connection, 2)
            connection.response.create()
            with pytest.raises(ConnectionClosedError):
                list(connection)
            # Ended when the socket dropped, before the user's code left the session.
            session, responses = session_spans(priced)
    assert len(priced.exporter.get_finished_spans()) == 4  # nothing ended twice
    assert session.status.status_code is StatusCode.ERROR
    assert attributes(session)["error.type"] == "ConnectionClosedError"
    assert attributes(session)["llmcost.subtree.calls"] == 3
    assert attributes(session)["llmcost.subtree.cost"] == float(COST_1 + COST_2 + 2 * Decimal(16) / M)
    cut = attributes(responses[2])
    assert cut["error.type"] == "ConnectionClosedError"
    assert cut["llmcost.usage.status"] == "partial"
    assert cut["gen_ai.usage.output_tokens"] == 2  # a lower bound: one token per piece of text received
    assert (cut["llmcost.status"], cut["llmcost.reason"]) == ("partial", "estimate_unavailable")
    assert cut["gen_ai.usage.cost.amount"] == float(2 * Decimal(16) / M)  # the two pieces, as text output
    assert [attributes(span).get("gen_ai.usage.cost.amount") for span in responses[:2]] == [
        float(COST_1),
        float(COST_2),
    ]


def test_leaving_the_session_mid_response_cuts_that_response(priced: Tracing) -> None:
    with replaying(SCRIPT, hold=True) as server:
        client = openai.OpenAI(api_key="sk-test", websocket_base_url=server.url + "/v1")
        with client.realtime.connect(model="gpt-realtime") as connection:
            for index in range(3):
                connection.response.create()
                for event in connection:
                    if event.type == "response.done" or (index == 2 and event.type == "response.output_text.delta"):
                        break
    session, responses = session_spans(priced)
    assert session.status.status_code is StatusCode.UNSET
    assert "error.type" not in attributes(session)
    cut = attributes(responses[2])
    assert (cut["error.type"], cut["llmcost.usage.status"], cut["gen_ai.usage.output_tokens"]) == (
        "session_closed",
        "partial",
        1,
    )


def test_an_explicit_close_ends_the_session(priced: Tracing) -> None:
    with replaying(SCRIPT) as server:
        client = openai.OpenAI(api_key="sk-test", websocket_base_url=server.url + "/v1")
        connection = client.realtime.connect(model="gpt-realtime").enter()
        respond(connection)
        assert priced.exporter.get_finished_spans()[0].name == "chat gpt-realtime"
        connection.close()
        session, responses = session_spans(priced)
        connection.close()  # a second close ends nothing twice
    assert len(priced.exporter.get_finished_spans()) == 2
    assert attributes(session)["llmcost.subtree.cost"] == float(COST_1)
    assert [attributes(span)["gen_ai.usage.cost.amount"] for span in responses] == [float(COST_1)]


def test_an_exception_leaving_the_session_is_its_error(priced: Tracing) -> None:
    with replaying(SCRIPT) as server:
        client = openai.OpenAI(api_key="sk-test", websocket_base_url=server.url + "/v1")

        def talk() -> None:
            with client.realtime.connect(model="gpt-realtime") as connection:
                connection.response.create()
                for event in connection:
                    if event.type == "response.created":
                        raise KeyError("the user's own failure")

        with pytest.raises(KeyError):
            talk()
    session, responses = session_spans(priced)
    assert attributes(session)["error.type"] == "KeyError"
    assert attributes(responses[0])["error.type"] == "KeyError"
    assert attributes(responses[0])["llmcost.usage.status"] == "partial"


def test_cancelling_an_async_session_ends_it(priced: Tracing) -> None:
    async def talk(url: str, waiting: asyncio.Event) -> None:
        client = openai.AsyncOpenAI(api_key="sk-test", websocket_base_url=url + "/v1")
        async with client.realtime.connect(model="gpt-realtime") as connection:
            for index in range(3):
                await connection.response.create()
                async for event in connection:
                    if index == 2 and event.type == "response.output_text.delta":
                        waiting.set()
                    if event.type == "response.done":
                        break

    with replaying(SCRIPT, hold=True) as server:
        cancelled_once_started(lambda waiting: talk(server.url, waiting))
    session, responses = session_spans(priced)
    assert attributes(session)["error.type"] == "CancelledError"
    assert len(responses) == 3
    cut = attributes(responses[2])
    assert (cut["error.type"], cut["llmcost.usage.status"]) == ("CancelledError", "partial")
    assert cut["gen_ai.usage.output_tokens"] >= 1
    assert attributes(session)["llmcost.subtree.calls"] == 3


def test_a_connection_never_closed_ends_its_session_when_collected(priced: Tracing) -> None:
    with replaying(SCRIPT) as server:
        client = openai.OpenAI(api_key="sk-test", websocket_base_url=server.url + "/v1")
        manager = client.realtime.connect(model="gpt-realtime")
        connection = manager.enter()
        respond(connection)
        socket = connection._connection  # closed by the test, not the connection object: it is dropped
        del connection, manager
        gc.collect()
        session, responses = session_spans(priced)
        socket.close()
    assert attributes(session)["llmcost.subtree.cost"] == float(COST_1)
    assert len(responses) == 1


def test_uninstrument_restores_connect_and_the_connection_methods(tracing: Tracing) -> None:
    assert_uninstrument_restores(
        OpenAIInstrumentor(),
        tracing,
        (realtime.Realtime, "connect"),
        (realtime.AsyncRealtime, "connect"),
        (realtime.RealtimeConnection, "recv_bytes"),
    )
    assert "close" not in vars(realtime.RealtimeConnection) or not hasattr(
        vars(realtime.RealtimeConnection)["close"], "__wrapped__"
    )


def test_a_reconnecting_session_goes_on_after_the_drop(priced: Tracing) -> None:
    if "on_reconnecting" not in inspect.signature(realtime.Realtime.connect).parameters:
        pytest.skip("this openai does not reconnect")
    # The new socket answers with another response (another id: the processor prices a response id once).
    again = json.loads(json.dumps(SCRIPT).replace("resp_CkR3c1Zq8", "resp_CkR3d4Mn2"))
    with replaying(SCRIPT, drop=(1, 3), again=again) as server:
        client = openai.OpenAI(api_key="sk-test", websocket_base_url=server.url + "/v1")
        with client.realtime.connect(model="gpt-realtime", on_reconnecting=lambda event: None, initial_delay=0.01) as (
            connection
        ):
            respond(connection)
            connection.response.create()
            for event in connection:  # the drop, then the SDK's new socket says session.created
                if event.type == "session.created":
                    connection.response.create()
                if event.type == "response.done":
                    break
            assert not [span for span in priced.exporter.get_finished_spans() if span.kind is SpanKind.INTERNAL]
    session, responses = session_spans(priced)
    assert "error.type" not in attributes(session)
    cut = attributes(responses[1])
    assert (cut["error.type"], cut["llmcost.usage.status"], cut["gen_ai.usage.output_tokens"]) == (
        "ConnectionClosedError",
        "partial",
        1,
    )
    # The new socket's first response is priced in the same session.
    assert [attributes(responses[index]).get("gen_ai.usage.cost.amount") for index in (0, 2)] == [float(COST_1)] * 2
    assert attributes(session)["llmcost.subtree.calls"] == 3


def test_a_failed_response_has_the_api_s_error_code(priced: Tracing) -> None:
    script = copy.deepcopy(SCRIPT)
    done = script["replies"][0][-1]["response"]
    done["status"] = "failed"
    done["status_details"] = {
        "type": "failed",
        "error": {"type": "server_error", "code": "rate_limit_exceeded", "message": "Slow down."},
    }
    with replaying(script) as server:
        client = openai.OpenAI(api_key="sk-test", websocket_base_url=server.url + "/v1")
        with client.realtime.connect(model="gpt-realtime") as connection:
            respond(connection)
    session, responses = session_spans(priced)
    failed = attributes(responses[0])
    assert (failed["error.type"], failed["gen_ai.response.finish_reasons"]) == ("rate_limit_exceeded", ("failed",))
    assert responses[0].status.status_code is StatusCode.ERROR
    assert failed["gen_ai.usage.cost.amount"] == float(COST_1)  # what it reported, billed all the same
    assert "error.type" not in attributes(session)
