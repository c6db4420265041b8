"""Odd response bodies from OpenAI-compatible servers: each part is read on its own, so the usage the SDK
returned is never dropped because another field has an unexpected shape."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from openai_support import MESSAGES, Traced, client

# chat_gpt_4o_mini's usage: 1,000 prompt tokens of which 400 cached, 200 completion tokens.
USAGE = {
    "prompt_tokens": 1000,
    "completion_tokens": 200,
    "total_tokens": 1200,
    "prompt_tokens_details": {"cached_tokens": 400},
}
USAGE_ATTRIBUTES = {
    "gen_ai.usage.input_tokens": 1000,
    "gen_ai.usage.output_tokens": 200,
    "gen_ai.usage.cache_read.input_tokens": 400,
}


def completion(choices: object) -> httpx2.Response:
    body = {
        "id": "chatcmpl-odd",
        "object": "chat.completion",
        "created": 1795356421,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": choices,
        "usage": USAGE,
    }
    return httpx2.Response(200, headers={"content-type": "application/json"}, content=json.dumps(body).encode())


def stream(*chunks: dict[str, Any]) -> httpx2.Response:
    base = {"id": "chatcmpl-odd", "object": "chat.completion.chunk", "created": 1795356421, "model": "gpt-4o-mini"}
    events = "".join(f"data: {json.dumps({**base, **chunk})}\n\n" for chunk in chunks) + "data: [DONE]\n\n"
    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=events.encode())


def usage_of(traced: Traced) -> dict[str, object]:
    return {key: value for key, value in (traced.span().attributes or {}).items() if key.startswith("gen_ai.usage.")}


ODD_CHOICES = [
    {"0": {"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}},
    7,
    "stop",
    None,
    [None, 3, {"finish_reason": 5}],
]


@pytest.mark.parametrize("choices", ODD_CHOICES, ids=["object", "number", "string", "null", "odd-items"])
def test_choices_that_are_not_a_list_of_choices_keep_the_usage(traced: Traced, choices: object) -> None:
    sdk, _ = client(completion(choices))

    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert usage_of(traced) == USAGE_ATTRIBUTES
    assert "gen_ai.response.finish_reasons" not in (traced.span().attributes or {})


@pytest.mark.parametrize("choices", ODD_CHOICES, ids=["object", "number", "string", "null", "odd-items"])
def test_streamed_choices_that_are_not_a_list_of_choices_keep_the_usage(traced: Traced, choices: object) -> None:
    sdk, _ = client(
        stream(
            {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}, "finish_reason": None}]},
            {"choices": choices},
            {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
            {"choices": [], "usage": USAGE},
        )
    )

    list(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))

    assert usage_of(traced) == USAGE_ATTRIBUTES
    assert traced.span().attributes["gen_ai.response.finish_reasons"] == ("stop",)  # type: ignore[index]


def test_a_chunk_with_odd_choices_and_the_usage_keeps_the_usage(traced: Traced) -> None:
    sdk, _ = client(stream({"choices": [{"index": 0, "delta": {"content": "Hi"}}]}, {"choices": 7, "usage": USAGE}))

    list(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))

    assert usage_of(traced) == USAGE_ATTRIBUTES
