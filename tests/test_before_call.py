"""The framework's before-call hook: called before every traced SDK call; only a refusal reaches the caller."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
from opentelemetry.trace import StatusCode

from openai_support import MESSAGES, Traced, async_client, client, openai_recording
from otel_llmcost import BudgetExceeded, budget
from otel_llmcost import _before_call as before
from otel_llmcost.attribution import check_budget

Seen = tuple[str, "str | None", dict[str, Any], str]


class Refused(before.CallRefused):
    """A hook's refusal."""


@pytest.fixture
def hook() -> Iterator[list[Seen]]:
    """A hook that records what it is called with; the hook before the test is back after it."""
    seen: list[Seen] = []

    def record(provider: str, model: str | None, kwargs: Mapping[str, Any], operation: str) -> None:
        seen.append((provider, model, dict(kwargs), operation))

    previous = before.set_before_call(record)
    try:
        yield seen
    finally:
        before.set_before_call(previous)


@contextmanager
def _raising(error: BaseException) -> Iterator[None]:
    def hook(provider: str, model: str | None, kwargs: Mapping[str, Any], operation: str) -> None:
        raise error

    previous = before.set_before_call(hook)
    try:
        yield
    finally:
        before.set_before_call(previous)


def test_the_hook_gets_each_calls_provider_model_arguments_and_operation(traced: Traced, hook: list[Seen]) -> None:
    chat, _ = client(openai_recording("chat_deepseek_cache"), base_url="https://api.deepseek.com")
    embed, _ = async_client(openai_recording("embeddings_text_embedding_3_small"))

    chat.chat.completions.create(model="deepseek-chat", messages=MESSAGES, max_tokens=50)  # type: ignore[arg-type]
    asyncio.run(embed.embeddings.create(model="text-embedding-3-small", input="churn"))

    assert hook == [
        ("deepseek", "deepseek-chat", {"model": "deepseek-chat", "messages": MESSAGES, "max_tokens": 50}, "chat"),
        ("openai", "text-embedding-3-small", {"model": "text-embedding-3-small", "input": "churn"}, "embeddings"),
    ]


def test_a_refusal_reaches_the_caller_before_any_request_and_ends_the_span(traced: Traced) -> None:
    sdk, replay = client(openai_recording("chat_gpt_4o_mini"))
    with _raising(Refused("no")), pytest.raises(Refused):
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]

    assert replay.requests == []
    span = traced.span()
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "Refused"


def test_any_other_failure_of_the_hook_is_ours_and_the_call_goes(traced: Traced) -> None:
    sdk, replay = client(openai_recording("chat_gpt_4o_mini"))
    with _raising(RuntimeError("a bug in the hook")):
        response = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)  # type: ignore[arg-type]

    assert response.id == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
    assert len(replay.requests) == 1
    span = traced.span()
    assert span.status.status_code is StatusCode.UNSET
    assert (span.attributes or {})["gen_ai.usage.input_tokens"] == 1000


def test_a_budget_sets_the_hook_and_removing_the_last_one_unsets_it() -> None:
    assert before.hook is None
    first = budget(usd="1")
    second = budget(usd="2")
    assert before.hook is check_budget
    first.remove()
    assert before.hook is check_budget
    second.remove()
    assert before.hook is None
    assert issubclass(BudgetExceeded, before.CallRefused)
