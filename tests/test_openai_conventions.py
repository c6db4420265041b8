"""What the GenAI conventions and the official OpenAI instrumentation record, recorded the same way here."""

from __future__ import annotations

import json

import httpx2

from openai_support import MESSAGES, Traced, body, client, openai_recording


def test_parameters_passed_through_extra_body_are_request_parameters(traced: Traced) -> None:
    sdk, replay = client(openai_recording("chat_gpt_4o_mini"))

    sdk.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, extra_body={"service_tier": "flex", "temperature": 0.2, "seed": 7}
    )

    attributes = dict(traced.span().attributes or {})
    assert body(replay.requests[0])["service_tier"] == "flex"  # what the SDK sent
    assert attributes["openai.request.service_tier"] == "flex"
    assert attributes["gen_ai.request.temperature"] == 0.2
    assert attributes["gen_ai.request.seed"] == 7


def test_extra_body_wins_over_a_named_parameter_as_in_the_sdks_body(traced: Traced) -> None:
    sdk, replay = client(openai_recording("chat_gpt_4o_mini"))

    sdk.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, service_tier="priority", extra_body={"service_tier": "flex"}
    )

    assert body(replay.requests[0])["service_tier"] == "flex"
    assert (traced.span().attributes or {})["openai.request.service_tier"] == "flex"


def _responses_ending_in(output: list[dict[str, object]]) -> httpx2.Response:
    recorded = json.loads(openai_recording("responses_gpt_4o_mini").content)
    recorded["output"] = output
    return httpx2.Response(200, headers={"content-type": "application/json"}, content=json.dumps(recorded).encode())


FUNCTION_CALL = {
    "type": "function_call",
    "id": "fc_0c4f8e2a6b1d39e70068c9b2a5d3f48195e7a1c3b5d7f9e3",
    "call_id": "call_8xK2",
    "name": "get_invoice",
    "arguments": '{"invoice_id": "in_1Q2w3E"}',
    "status": "completed",
}


def test_a_responses_call_that_ends_in_a_function_call_finishes_with_tool_calls(traced: Traced) -> None:
    sdk, _ = client(_responses_ending_in([FUNCTION_CALL]))

    sdk.responses.create(model="gpt-4o-mini", input="What is on invoice in_1Q2w3E?")

    assert (traced.span().attributes or {})["gen_ai.response.finish_reasons"] == ("tool_calls",)


def test_a_responses_call_that_ends_in_text_finishes_with_stop(traced: Traced) -> None:
    sdk, _ = client(openai_recording("responses_gpt_4o_mini"))

    sdk.responses.create(model="gpt-4o-mini", input="Why was I charged twice?")

    assert (traced.span().attributes or {})["gen_ai.response.finish_reasons"] == ("stop",)


def test_tool_call_arguments_are_json_objects_unless_cut_short() -> None:
    from otel_llmcost.instrumentation.openai._content import tool_call_part

    assert tool_call_part("call_1", "get_invoice", '{"invoice_id": "in_1"}')["arguments"] == {"invoice_id": "in_1"}
    assert tool_call_part("call_1", "get_invoice", '{"invoice_id": "in')["arguments"] == '{"invoice_id": "in'
