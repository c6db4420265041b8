"""Recorded provider responses replayed through the SDKs' own HTTP clients: no network, ever.

``recordings/<provider>/<name>.json`` holds a response's status, headers and JSON body; a streamed body is
``<name>.sse`` beside it, byte for byte as the API sent it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2

RECORDINGS = Path(__file__).parent / "recordings"


def recorded(provider: str, name: str, *, http: Any = httpx2, live: bool = False) -> Any:
    """The recorded response ``name`` of ``provider``, as the API sent it: a response of ``http``, httpx2 or the
    httpx an SDK is on. ``live``: its body still to be read, as from a socket."""
    directory = RECORDINGS / provider
    recording = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
    stream = directory / f"{name}.sse"
    content = stream.read_bytes() if stream.exists() else json.dumps(recording["body"]).encode()
    return http.Response(
        recording["status"], headers=recording["headers"], content=iter([content]) if live else content
    )


class Replay:
    """A transport handler (for ``httpx2.MockTransport`` or ``httpx.MockTransport``) that answers each request with
    the next response, and keeps the requests."""

    def __init__(self, *responses: Any) -> None:
        self.responses = list(responses)
        self.requests: list[Any] = []

    def __call__(self, request: Any) -> Any:
        self.requests.append(request)
        return self.responses.pop(0)
