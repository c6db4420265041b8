"""Fuzzed response bodies and SSE streams through the real openai SDK, with every exit path.

Beyond "no exception": a call ends exactly one span, an exception the SDK raises reaches the caller as the
SDK's own (never one of ours), and the usage the SDK returned is on the span. A few dozen examples run in
``make test``; ``pytest -m fuzz_long`` (run by ``.ci/run``) tries thousands.
"""

from __future__ import annotations

import gc
import json
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_support import MESSAGES, Traced, client, instrumented

SHORT = settings(
    max_examples=25, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
LONG = settings(max_examples=1000, deadline=None, database=None, suppress_health_check=list(HealthCheck))

# Any JSON value, small.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**7) | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
counts = st.integers(0, 2_000_000)


@st.composite
def usages(draw: st.DrawFn) -> object:
    """A usage object as OpenAI and compatible servers send it, or something odd."""
    if not draw(st.integers(0, 3)):
        return draw(json_values)
    prompt, completion = draw(counts), draw(counts)
    usage: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": completion}
    if draw(st.booleans()):
        usage["total_tokens"] = prompt + completion + draw(st.sampled_from([0, 0, 0, 17]))
    if draw(st.booleans()):
        usage["prompt_tokens_details"] = draw(
            st.fixed_dictionaries({}, optional={"cached_tokens": counts | json_values, "audio_tokens": counts})
        )
    if draw(st.booleans()):
        usage["completion_tokens_details"] = draw(
            st.fixed_dictionaries({}, optional={"reasoning_tokens": counts | json_values, "audio_tokens": counts})
        )
    if draw(st.booleans()):
        usage["cost"] = draw(st.floats() | json_values)
    return usage


choice = st.fixed_dictionaries(
    {"index": st.integers(0, 2) | json_values},
    optional={
        "message": st.fixed_dictionaries({"role": st.just("assistant")}, optional={"content": st.text() | json_values}),
        "delta": st.fixed_dictionaries({}, optional={"content": st.text() | json_values, "tool_calls": json_values}),
        "finish_reason": st.sampled_from(["stop", "length", "tool_calls"]) | json_values,
    },
)
# Odd scalars weighed in on purpose: a compatible server's `"choices": 7` once dropped the usage beside it.
choices = st.lists(choice, max_size=3) | st.integers() | st.floats() | st.booleans() | json_values


@st.composite
def completions(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {"object": "chat.completion", "created": 1795356421}
    for key, value in (("id", st.text(min_size=1)), ("model", st.sampled_from(["gpt-4o-mini", "gpt-4o"]))):
        if draw(st.booleans()):
            body[key] = draw(value | json_values)
    body["choices"] = draw(choices)
    if draw(st.integers(0, 3)):
        body["usage"] = draw(usages())
    body.update(draw(st.dictionaries(st.sampled_from(["service_tier", "system_fingerprint", "x_extra"]), json_values)))
    return body


def reported(usage: object) -> tuple[int, int] | None:
    """The (prompt, completion) counts of a usage the SDK returned, when both are counts."""
    prompt = getattr(usage, "prompt_tokens", None) if not isinstance(usage, dict) else usage.get("prompt_tokens")
    completion = (
        getattr(usage, "completion_tokens", None) if not isinstance(usage, dict) else usage.get("completion_tokens")
    )
    if type(prompt) is int and type(completion) is int and prompt >= 0 and completion >= 0:
        return prompt, completion
    return None


def assert_not_ours(error: BaseException) -> None:
    """An exception that reached the caller is the SDK's (or pydantic's, or httpx's), raised there."""
    assert not type(error).__module__.startswith("otel_llmcost"), repr(error)
    frames = []
    trace = error.__traceback__
    while trace is not None:
        frames.append(trace.tb_frame.f_code.co_filename)
        trace = trace.tb_next
    assert "otel_llmcost" not in frames[-1], (repr(error), frames[-1])


def assert_usage_kept(traced: Traced, usage: tuple[int, int] | None) -> None:
    (span,) = traced.spans()  # exactly one span, ended
    if usage is None:
        return
    attributes = dict(span.attributes or {})
    prompt, completion = usage
    # The instrumentor may add to a total (cached tokens counted outside it, thinking in the total only), never
    # drop it.
    assert attributes.get("gen_ai.usage.input_tokens", -1) >= prompt, (attributes, usage)
    assert attributes.get("gen_ai.usage.output_tokens", -1) >= completion, (attributes, usage)
    assert "llmcost.usage.status" not in attributes  # reported, not estimated


def json_response(body: dict[str, Any]) -> httpx2.Response:
    return httpx2.Response(200, headers={"content-type": "application/json"}, content=json.dumps(body).encode())


def check_body(traced: Traced, body: dict[str, Any], raw: bool) -> None:
    traced.exporter.clear()
    sdk, _ = client(json_response(body))
    returned: Any = None
    try:
        if raw:
            returned = sdk.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES).parse()
        else:
            returned = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    except Exception as error:
        assert_not_ours(error)
    assert_usage_kept(traced, reported(getattr(returned, "usage", None)))


def run_bodies(profile: settings) -> None:
    with instrumented() as traced:

        @profile
        @given(body=completions(), raw=st.booleans())
        def check(body: dict[str, Any], raw: bool) -> None:
            check_body(traced, body, raw)

        check()


def test_fuzzed_response_bodies_keep_the_usage_the_sdk_returned() -> None:
    run_bodies(SHORT)


@pytest.mark.fuzz_long
def test_fuzzed_response_bodies_keep_the_usage_the_sdk_returned_long() -> None:
    run_bodies(LONG)


# --- streams -----------------------------------------------------------------------------------------------


@st.composite
def chunk_lists(draw: st.DrawFn) -> list[object]:
    """A stream's chunks: text deltas and odd chunks, maybe a last chunk with the usage."""
    base = {"id": "chatcmpl-fuzz", "object": "chat.completion.chunk", "created": 1795356421, "model": "gpt-4o-mini"}
    chunks: list[object] = []
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 4)):
            chunks.append({**base, "choices": draw(choices)})
        else:
            chunks.append(
                {**base, **draw(st.dictionaries(st.sampled_from(["choices", "usage", "x_groq"]), json_values))}
            )
    if draw(st.booleans()):
        chunks.append({**base, "choices": [], "usage": draw(usages())})
    return chunks


def sse(chunks: list[object], done: bool) -> httpx2.Response:
    events = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + ("data: [DONE]\n\n" if done else "")
    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=events.encode())


EXITS = ["all", "break", "close", "context", "dropped"]


def consume(stream: Any, exit_path: str, stop: int) -> list[Any]:
    seen: list[Any] = []
    if exit_path == "context":
        with stream:
            for index, chunk in enumerate(stream):
                seen.append(chunk)
                if index + 1 >= stop:
                    break
        return seen
    for index, chunk in enumerate(stream):
        seen.append(chunk)
        if exit_path != "all" and index + 1 >= stop:
            break
    if exit_path == "close":
        stream.close()
    return seen


def check_stream(traced: Traced, chunks: list[object], exit_path: str, stop: int, done: bool) -> None:
    traced.exporter.clear()
    sdk, _ = client(sse(chunks, done))
    seen: list[Any] = []
    try:
        stream = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        seen = consume(stream, exit_path, stop)
        del stream
    except Exception as error:
        assert_not_ours(error)
    gc.collect()  # a stream dropped unfinished ends its span when collected
    delivered = [reported(getattr(chunk, "usage", None)) for chunk in seen]
    usage = next((found for found in reversed(delivered) if found is not None), None)
    read_to_the_end = exit_path == "all" or len(seen) < stop
    assert_usage_kept(traced, usage if read_to_the_end else None)
    if usage is not None and not read_to_the_end:
        # Left early after the usage arrived: still the usage the SDK delivered.
        assert_usage_kept(traced, usage)


def run_streams(profile: settings) -> None:
    with instrumented() as traced:

        @profile
        @given(chunks=chunk_lists(), exit_path=st.sampled_from(EXITS), stop=st.integers(1, 6), done=st.booleans())
        def check(chunks: list[object], exit_path: str, stop: int, done: bool) -> None:
            check_stream(traced, chunks, exit_path, stop, done)

        check()


def test_fuzzed_streams_end_one_span_on_every_exit_and_keep_the_usage() -> None:
    run_streams(SHORT)


@pytest.mark.fuzz_long
def test_fuzzed_streams_end_one_span_on_every_exit_and_keep_the_usage_long() -> None:
    run_streams(LONG)
