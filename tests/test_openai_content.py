"""Prompts and completions on spans: only when asked, in the conventions' message format, bounded in size."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from openai_support import MESSAGES, body, client, instrumented, openai_recording
from otel_llmcost.instrumentation._genai import CONTENT_LIMIT_BYTES, bounded_json, content_capture_from_env

ANSWER = (
    "You were charged twice because your plan changed mid-cycle. The first charge, $12.40, is the prorated"
    " remainder of the Starter plan from November 1 to November 14. The second, $38.00, is the Team plan from"
    " the upgrade on November 14 to the end of the billing period. Nothing was billed twice: the two lines cover"
    " different days. From December on you will see a single Team plan charge."
)
INPUT = [{"role": "user", "parts": [{"type": "text", "content": "Why was I charged twice this month?"}]}]
OUTPUT = [{"role": "assistant", "parts": [{"type": "text", "content": ANSWER}], "finish_reason": "stop"}]
CONTENT_KEYS = ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")


def _content(attributes: Any) -> dict[str, Any]:
    return {key: json.loads(attributes[key]) for key in CONTENT_KEYS if key in attributes}


def _chat(**options: Any) -> dict[str, Any]:
    with instrumented(**options) as traced:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini"))
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        return dict(traced.span().attributes or {})


@pytest.fixture
def no_content_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    return monkeypatch


def test_content_is_off_by_default(no_content_env: pytest.MonkeyPatch) -> None:
    assert _content(_chat()) == {}


@pytest.mark.parametrize(
    ("value", "captured"),
    [
        ("true", True),
        ("True", True),
        ("span_only", True),
        ("SPAN_AND_EVENT", True),
        (" span_only ", True),
        ("false", False),
        ("NO_CONTENT", False),
        ("event_only", False),  # asks for events, which this instrumentor does not emit
        ("", False),
        ("yes", False),
    ],
)
def test_the_environment_variable_turns_content_on(
    no_content_env: pytest.MonkeyPatch, value: str, captured: bool
) -> None:
    no_content_env.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", value)

    assert content_capture_from_env() is captured
    assert _content(_chat()) == ({"gen_ai.input.messages": INPUT, "gen_ai.output.messages": OUTPUT} if captured else {})


def test_the_option_overrides_the_environment(no_content_env: pytest.MonkeyPatch) -> None:
    no_content_env.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    assert _content(_chat(capture_content=False)) == {}
    no_content_env.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "false")
    assert _content(_chat(capture_content=True))["gen_ai.input.messages"] == INPUT


def test_content_is_compact_json_of_the_conventions_message_format() -> None:
    attributes = _chat(capture_content=True)

    assert attributes["gen_ai.input.messages"] == (
        '[{"role":"user","parts":[{"type":"text","content":"Why was I charged twice this month?"}]}]'
    )
    assert json.loads(str(attributes["gen_ai.output.messages"])) == OUTPUT


def test_tool_calls_and_their_results() -> None:
    messages: list[Any] = [
        {"role": "system", "content": "You are the billing assistant."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Show my invoice"},
                {"type": "image_url", "image_url": {"url": "data:,"}},
            ],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_invoice", "arguments": '{"month":"2026-10"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"total":38.0}'},
    ]
    with instrumented(capture_content=True) as traced:
        sdk, _ = client(openai_recording("chat_tool_call"))
        sdk.chat.completions.create(model="gpt-4o-mini", messages=messages)
        content = _content(traced.span().attributes)

    assert content == {
        "gen_ai.input.messages": [
            {"role": "system", "parts": [{"type": "text", "content": "You are the billing assistant."}]},
            {"role": "user", "parts": [{"type": "text", "content": "Show my invoice"}, {"type": "image_url"}]},
            {
                "role": "assistant",
                "parts": [
                    {"type": "tool_call", "id": "call_1", "name": "get_invoice", "arguments": {"month": "2026-10"}}
                ],
            },
            {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": '{"total":38.0}'}]},
        ],
        "gen_ai.output.messages": [
            {
                "role": "assistant",
                "parts": [
                    {
                        "type": "tool_call",
                        "id": "call_Q8wL2xV4nR7cT1mZ9bK3sJ6d",
                        "name": "get_invoice",
                        "arguments": {"month": "2026-11"},  # a JSON object, as the message schema says
                    }
                ],
                "finish_reason": "tool_calls",
            }
        ],
    }


def test_a_streamed_completion_is_captured_whole() -> None:
    with instrumented(capture_content=True) as traced:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini_stream"))
        list(
            sdk.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
            )
        )
        content = _content(traced.span().attributes)

    assert content == {"gen_ai.input.messages": INPUT, "gen_ai.output.messages": OUTPUT}


def test_responses_input_instructions_and_output() -> None:
    with instrumented(capture_content=True) as traced:
        sdk, _ = client(openai_recording("responses_gpt_4o_mini"))
        sdk.responses.create(
            model="gpt-4o-mini",
            instructions="You are the billing assistant of Acme Cloud. Answer in two sentences.",
            input=[
                {"role": "user", "content": [{"type": "input_text", "text": "Why was I charged twice this month?"}]}
            ],
        )
        content = _content(traced.span().attributes)

    assert content == {
        "gen_ai.input.messages": INPUT,
        "gen_ai.system_instructions": [
            {"type": "text", "content": "You are the billing assistant of Acme Cloud. Answer in two sentences."}
        ],
        "gen_ai.output.messages": [
            {
                "role": "assistant",
                "parts": [
                    {
                        "type": "text",
                        "content": "Your plan changed on November 14, so November shows a prorated Starter charge"
                        " and a Team charge. Nothing was billed twice.",
                    }
                ],
                "finish_reason": "stop",
            }
        ],
    }


def test_content_is_bounded_and_stays_json() -> None:
    long_question = "Why " * 20_000
    with instrumented(capture_content=True) as traced:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini"))
        sdk.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": long_question}])
        captured = str((traced.span().attributes or {})["gen_ai.input.messages"])

    assert len(captured.encode()) <= CONTENT_LIMIT_BYTES
    (message,) = json.loads(captured)
    content = message["parts"][0]["content"]
    assert content.endswith("…[truncated]")
    assert long_question.startswith(content.removesuffix("…[truncated]"))
    assert len(content) > CONTENT_LIMIT_BYTES - 200


def test_bounded_json_cuts_the_text_when_even_empty_strings_do_not_fit() -> None:
    many = [{"role": "user", "parts": []}] * 10
    limited = bounded_json(many, limit=60)

    assert len(limited.encode()) <= 60
    assert limited.endswith("…[truncated]")
    assert bounded_json(["é" * 10], limit=1000) == '["éééééééééé"]'


def test_messages_the_sdk_must_consume_are_not_read() -> None:
    def messages() -> Iterator[dict[str, str]]:
        yield {"role": "user", "content": "Why was I charged twice this month?"}

    with instrumented(capture_content=True) as traced:
        sdk, replay = client(openai_recording("chat_gpt_4o_mini"))
        sdk.chat.completions.create(model="gpt-4o-mini", messages=messages())
        content = _content(traced.span().attributes)

    assert body(replay.requests[0])["messages"] == MESSAGES
    assert content == {"gen_ai.output.messages": OUTPUT}
