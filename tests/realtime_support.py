"""A WebSocket server on loopback that replays a recorded realtime session (tests/recordings/realtime/), and what
the realtime tests (tests/test_realtime_*.py) read of their spans and do with the OpenAI SDK's connections."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest
import trustme
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind
from websockets.sync.server import ServerConnection, serve

if TYPE_CHECKING:
    from conftest import Tracing

RECORDINGS = Path(__file__).parent / "recordings" / "realtime"
_CA_ENV = "SSL_CERT_FILE"


def recording(name: str) -> dict[str, Any]:
    return json.loads((RECORDINGS / name).read_text())


class Replayed(NamedTuple):
    url: str
    """``ws://127.0.0.1:{port}``, or ``https://127.0.0.1:{port}`` with TLS (google-genai makes it ``wss``)."""
    port: int
    received: list[dict[str, Any]]
    """The client's messages, parsed, in order."""
    ca_file: str | None
    """With TLS: the test CA's certificate (PEM), which ``SSL_CERT_FILE`` names while the server runs: google-genai's
    socket trusts what that variable names (older releases take no SSL context of their own)."""


@contextmanager
def replaying(
    script: dict[str, Any],
    *,
    drop: tuple[int, int] | None = None,
    hold: bool = False,
    tls: bool = False,
    again: dict[str, Any] | None = None,
) -> Iterator[Replayed]:
    """Serves ``script``: its ``connect`` events when a socket opens, then one entry of ``replies`` per client
    message. ``drop=(reply, events)``: after that many events of that reply, the socket is shut without a close
    frame (the server dropping it mid-response; a socket the client opens again is served ``again``, else the
    script, from its start, and not dropped). ``hold``: the last reply's final event is never sent. ``tls``: the
    server speaks TLS with a certificate for 127.0.0.1 from a test CA (google-genai connects with ``wss`` only)."""
    received: list[dict[str, Any]] = []
    connections: list[ServerConnection] = []

    def handler(connection: ServerConnection) -> None:
        connections.append(connection)
        first = len(connections) == 1
        served = script if first or again is None else again
        replies = list(served["replies"])
        for event in served.get("connect", ()):
            connection.send(json.dumps(event))
        for index, message in enumerate(connection):
            received.append(json.loads(message))
            if index >= len(replies):
                continue
            events = replies[index]
            if drop is not None and index == drop[0] and first:
                for event in events[: drop[1]]:
                    connection.send(json.dumps(event))
                connection.socket.shutdown(socket.SHUT_RDWR)
                connection.socket.close()
                return
            if hold and index == len(replies) - 1:
                events = events[:-1]
            for event in events:
                connection.send(json.dumps(event))

    server_context: ssl.SSLContext | None = None
    ca_file: str | None = None
    if tls:
        authority = trustme.CA()
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1").configure_cert(server_context)
        ca_file = str(Path(tempfile.mkdtemp(prefix="realtime-ca-")) / "ca.pem")
        authority.cert_pem.write_to_path(ca_file)
    with serve(handler, "127.0.0.1", 0, ssl=server_context) as server:
        port = server.socket.getsockname()[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        trusted = os.environ.get(_CA_ENV)
        if ca_file is not None:
            os.environ[_CA_ENV] = ca_file
        try:
            yield Replayed(f"{'https' if tls else 'ws'}://127.0.0.1:{port}", port, received, ca_file)
        finally:
            if ca_file is not None:
                if trusted is None:
                    del os.environ[_CA_ENV]
                else:
                    os.environ[_CA_ENV] = trusted
                shutil.rmtree(Path(ca_file).parent, ignore_errors=True)
            server.shutdown()
            thread.join(5)


def session_spans(tracing: Tracing) -> tuple[ReadableSpan, list[ReadableSpan]]:
    """The one session span (INTERNAL) that ended, and the calls' spans (CLIENT) in the order they ended."""
    spans = tracing.exporter.get_finished_spans()
    sessions = [span for span in spans if span.kind is SpanKind.INTERNAL]
    assert len(sessions) == 1, [span.name for span in spans]
    return sessions[0], [span for span in spans if span.kind is SpanKind.CLIENT]


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def respond(connection: Any, times: int = 1) -> None:
    """On an OpenAI Realtime connection (GA or beta): ``times`` responses, each created, then its events read up
    to its ``response.done``."""
    for _ in range(times):
        connection.response.create()
        for event in connection:
            if event.type == "response.done":
                break


async def respond_async(connection: Any, times: int = 1) -> None:
    """`respond`, on an asynchronous connection."""
    for _ in range(times):
        await connection.response.create()
        async for event in connection:
            if event.type == "response.done":
                break


def assert_uninstrument_restores(instrumentor: Any, tracing: Tracing, *methods: tuple[type, str]) -> None:
    """Instrumenting with ``instrumentor`` replaces the first of ``methods`` (each a class and a name in its
    ``vars``); uninstrumenting restores every one."""
    originals = [vars(owner)[name] for owner, name in methods]
    instrumentor.instrument(tracer_provider=tracing.tracer_provider)
    first, name = methods[0]
    assert vars(first)[name] is not originals[0]
    instrumentor.uninstrument()
    assert [vars(owner)[name] for owner, name in methods] == originals


def cancelled_once_started(talk: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Runs ``talk(started)`` as a task, cancels it once it sets ``started`` (within 10 s), and expects it to end
    cancelled."""

    async def cancel() -> None:
        started = asyncio.Event()
        task = asyncio.create_task(talk(started))
        await asyncio.wait_for(started.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel())
