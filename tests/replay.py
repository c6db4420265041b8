"""Recorded provider responses replayed through the SDKs' own HTTP clients: no network, ever.

``recordings/<provider>/<name>.json`` holds a response's status, headers and JSON body; a streamed body is
``<name>.sse`` beside it, byte for byte as the API sent it.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx2

RECORDINGS = Path(__file__).parent / "recordings"


def recorded(provider: str, name: str) -> httpx2.Response:
    """The recorded response ``name`` of ``provider``, as the API sent it."""
    directory = RECORDINGS / provider
    recording = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
    stream = directory / f"{name}.sse"
    content = stream.read_bytes() if stream.exists() else json.dumps(recording["body"]).encode()
    return httpx2.Response(recording["status"], headers=recording["headers"], content=content)


class Replay:
    """A transport handler (for ``httpx2.MockTransport``) that answers each request with the next response."""

    def __init__(self, *responses: httpx2.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return self.responses.pop(0)
