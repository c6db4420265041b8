"""A WebSocket server on loopback that replays a recorded realtime session (tests/recordings/realtime/)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from websockets.sync.server import ServerConnection, serve

RECORDINGS = Path(__file__).parent / "recordings" / "realtime"


def recording(name: str) -> dict[str, Any]:
    return json.loads((RECORDINGS / name).read_text())


class Replayed(NamedTuple):
    url: str
    """``ws://127.0.0.1:{port}``"""
    port: int
    received: list[dict[str, Any]]
    """The client's messages, parsed, in order."""


@contextmanager
def replaying(script: dict[str, Any], *, drop: tuple[int, int] | None = None, hold: bool = False) -> Iterator[Replayed]:
    """Serves ``script``: its ``connect`` events when a socket opens, then one entry of ``replies`` per client
    message. ``drop=(reply, events)``: after that many events of that reply, the socket is shut without a close
    frame (the server dropping it mid-response). ``hold``: the last reply's final event is never sent."""
    received: list[dict[str, Any]] = []

    def handler(connection: ServerConnection) -> None:
        replies = list(script["replies"])
        for event in script.get("connect", ()):
            connection.send(json.dumps(event))
        for index, message in enumerate(connection):
            received.append(json.loads(message))
            if index >= len(replies):
                continue
            events = replies[index]
            if drop is not None and index == drop[0]:
                for event in events[: drop[1]]:
                    connection.send(json.dumps(event))
                connection.socket.shutdown(socket.SHUT_RDWR)
                connection.socket.close()
                return
            if hold and index == len(replies) - 1:
                events = events[:-1]
            for event in events:
                connection.send(json.dumps(event))

    with serve(handler, "127.0.0.1", 0) as server:
        port = server.socket.getsockname()[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Replayed(f"ws://127.0.0.1:{port}", port, received)
        finally:
            server.shutdown()
            thread.join(5)
