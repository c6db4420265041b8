"""A web app served by gunicorn (WSGI, ``application``) or uvicorn (ASGI, ``asgi``) with several workers.

    gunicorn --preload --workers 2 --max-requests 3 served:application
    uvicorn --workers 2 served:asgi

``otel_llmcost.instrument()`` runs when the module is imported: with ``--preload`` that is in gunicorn's master,
before it forks the workers (the case that loses telemetry when a pipeline's threads do not survive the fork);
uvicorn's workers are spawned and import it each. Every request makes one openai call (the recording
``chat_gpt_4o_mini``, $0.00024, with an id of its own, through a fake transport) and answers with the worker's pid.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpx2
import openai
from fake_clients import MESSAGES, recorded

import otel_llmcost

otel_llmcost.instrument()
BODY = recorded("openai", "chat_gpt_4o_mini").json()
CALLS = itertools.count(1)


def answer(request: httpx2.Request) -> httpx2.Response:
    """The recording, with an id of its own: each call is another call (the same id twice is one call)."""
    return httpx2.Response(200, json={**BODY, "id": f"chatcmpl-{os.getpid()}-{next(CALLS)}"})


CLIENT = openai.OpenAI(api_key="test-no-key", http_client=httpx2.Client(transport=httpx2.MockTransport(answer)))


def call_openai(client: openai.OpenAI) -> None:
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    call_openai(CLIENT)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Connection", "close")])
    return [str(os.getpid()).encode()]


async def asgi(
    scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Callable[[dict[str, Any]], Awaitable[None]]
) -> None:
    if scope["type"] != "http":
        return
    call_openai(CLIENT)
    body = str(os.getpid()).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})
