"""The instrumentor itself: its one table of patches, uninstrument, suppression, fail-open, metrics, entry point."""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
from pathlib import Path
from typing import Any

import openai
import pytest
import wrapt
from opentelemetry.instrumentation.utils import suppress_instrumentation

from openai_support import MESSAGES, OPENAI_SERVER, async_client, client, instrumented, openai_recording
from otel_llmcost.instrumentation._genai import SECONDS_BUCKETS, TOKEN_BUCKETS, Telemetry
from otel_llmcost.instrumentation._patches import Patch, apply
from otel_llmcost.instrumentation._surface import Setup
from otel_llmcost.instrumentation._wrap import sync_method
from otel_llmcost.instrumentation.openai import OpenAIInstrumentor, _chat
from otel_llmcost.instrumentation.openai._adapter import OpenAIAdapter
from otel_llmcost.instrumentation.openai._patches import PATCHES
from otel_llmcost.instrumentation.openai._providers import Endpoints

CHAT_METRIC = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    **OPENAI_SERVER,
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
}


def _originals() -> dict[tuple[type, str], object]:
    """Every method of the table the installed SDK has, as its class holds it now."""
    found: dict[tuple[type, str], object] = {}
    for patch in PATCHES:
        owner_name, attribute = patch.name.rsplit(".", 1)
        try:
            owner: Any = importlib.import_module(patch.module)
            for part in owner_name.split("."):
                owner = getattr(owner, part)
        except (ImportError, AttributeError):
            continue  # not in this SDK version
        found[(owner, attribute)] = vars(owner).get(attribute)
    return found


def test_the_dependency_is_openai_1_40_or_later() -> None:
    assert tuple(OpenAIInstrumentor().instrumentation_dependencies()) == ("openai >= 1.40",)


def test_instrument_wraps_each_method_of_the_table_on_its_class() -> None:
    before = _originals()
    with instrumented():
        for (owner, attribute), original in before.items():
            current = vars(owner)[attribute]
            assert isinstance(current, wrapt.FunctionWrapper), (owner, attribute)
            # A method the class inherits (the Realtime connection's close, in openai 3.x) is wrapped on it too.
            assert current.__wrapped__ is (original if original is not None else getattr(owner.__base__, attribute))
    assert (
        openai.resources.chat.completions.Completions.create
        is before[(openai.resources.chat.completions.Completions, "create")]
    )


def test_uninstrument_restores_every_original() -> None:
    before = _originals()
    original_create = openai.resources.chat.completions.Completions.create
    with instrumented():
        pass
    assert _originals() == before
    assert openai.resources.chat.completions.Completions.create is original_create
    assert not isinstance(vars(openai.resources.chat.completions.Completions)["create"], wrapt.BaseObjectProxy)


def test_a_client_made_before_instrument_is_traced_until_uninstrument() -> None:
    sdk, _ = client(
        openai_recording("chat_gpt_4o_mini"), openai_recording("chat_gpt_4o_mini"), openai_recording("chat_gpt_4o_mini")
    )
    with instrumented() as traced:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        raw_create = sdk.chat.completions.with_raw_response.create  # cached by the SDK, bound to our wrapper
        assert len(traced.spans()) == 1
    sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    raw_create(model="gpt-4o-mini", messages=MESSAGES).parse()
    assert len(traced.spans()) == 1


def test_instrument_again_after_uninstrument() -> None:
    with instrumented() as first:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini"))
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    with instrumented() as second:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini"))
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert len(first.spans()) == 1
    assert len(second.spans()) == 1


def test_suppressed_instrumentation_makes_no_span() -> None:
    with instrumented() as traced:
        sdk, replay = client(openai_recording("chat_gpt_4o_mini"))
        with suppress_instrumentation():
            completion = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        assert completion.id == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
        assert len(replay.requests) == 1
        assert traced.spans() == []


def test_suppressed_async_instrumentation_makes_no_span() -> None:
    with instrumented() as traced:
        sdk, _ = async_client(openai_recording("chat_gpt_4o_mini"))

        async def call() -> None:
            with suppress_instrumentation():
                await sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

        asyncio.run(call())
        assert traced.spans() == []


def test_a_method_missing_from_the_sdk_is_skipped_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    setup = Setup(Telemetry("test", "0"), OpenAIAdapter(Endpoints()))
    patches = (
        Patch(
            "openai.resources.chat.completions",
            "Completions.no_such_method",
            lambda setup: sync_method(setup, _chat.CHAT_COMPLETIONS),
        ),
        Patch(
            "openai.resources.no_such_module", "Thing.create", lambda setup: sync_method(setup, _chat.CHAT_COMPLETIONS)
        ),
        Patch(
            "openai.resources.chat.completions",
            "NoSuchClass.create",
            lambda setup: sync_method(setup, _chat.CHAT_COMPLETIONS),
        ),
        Patch(
            "openai.resources.embeddings", "Embeddings.create", lambda setup: sync_method(setup, _chat.CHAT_COMPLETIONS)
        ),
    )
    original = vars(openai.resources.embeddings.Embeddings)["create"]
    with caplog.at_level(logging.DEBUG, logger="otel_llmcost"):
        applied = apply(patches, setup)
    try:
        assert applied.names == ("openai.resources.embeddings.Embeddings.create",)
        assert "skips openai.resources.chat.completions.Completions.no_such_method" in caplog.text
    finally:
        applied.remove()
    assert vars(openai.resources.embeddings.Embeddings)["create"] is original


def test_a_wrapper_added_on_top_of_ours_survives_uninstrument() -> None:
    calls: list[str] = []

    def theirs(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        calls.append("theirs")
        return wrapped(*args, **kwargs)

    original = vars(openai.resources.chat.completions.Completions)["create"]
    with instrumented() as traced:
        wrapt.wrap_function_wrapper(openai.resources.chat.completions.Completions, "create", theirs)
    try:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini"))
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        assert calls == ["theirs"]
        assert traced.spans() == []  # ours stays under theirs, and calls straight through
    finally:
        ours = vars(openai.resources.chat.completions.Completions)["create"].__wrapped__
        openai.resources.chat.completions.Completions.create = ours.__wrapped__
    assert vars(openai.resources.chat.completions.Completions)["create"] is original


def test_our_failure_reading_a_response_never_reaches_the_user(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(_chat.ChatCompletions, "response", broken)
    with instrumented() as traced, caplog.at_level(logging.DEBUG, logger="otel_llmcost"):
        sdk, replay = client(openai_recording("chat_gpt_4o_mini"))
        completion = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

        assert completion.id == "chatcmpl-CYr4hT2mKq8vN1xZ7bW3pLd9sF6aE"
        assert len(replay.requests) == 1
        # The span still ends, with what was known at the start.
        assert dict(traced.span().attributes or {})["gen_ai.request.model"] == "gpt-4o-mini"
    assert "RuntimeError: a bug of ours" in caplog.text


def test_our_failure_starting_a_span_still_calls_the_sdk_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(_chat.ChatCompletions, "request", broken)
    with instrumented() as traced:
        sdk, replay = client(openai_recording("chat_gpt_4o_mini"))
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

        assert len(replay.requests) == 1
        assert traced.spans() == []


def test_our_failure_reading_a_stream_never_reaches_the_user(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(_chat.ChatStream, "chunk", broken)
    with instrumented() as traced:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini_stream"))
        chunks = list(
            sdk.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
            )
        )
        assert len(chunks) == 71
        assert dict(traced.span().attributes or {})["llmcost.usage.status"] == "estimated"


def test_duration_and_token_histograms_follow_the_conventions() -> None:
    with instrumented() as traced:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini"))
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        histograms = traced.histograms()

    (duration,) = histograms["gen_ai.client.operation.duration"]
    assert duration.count == 1
    assert tuple(duration.explicit_bounds) == SECONDS_BUCKETS
    assert dict(duration.attributes or {}) == CHAT_METRIC
    tokens = {
        dict(point.attributes or {})["gen_ai.token.type"]: point for point in histograms["gen_ai.client.token.usage"]
    }
    assert sorted(tokens) == ["input", "output"]
    assert (tokens["input"].sum, tokens["output"].sum) == (1000, 200)
    assert tuple(tokens["input"].explicit_bounds) == TOKEN_BUCKETS
    assert dict(tokens["output"].attributes or {}) == {**CHAT_METRIC, "gen_ai.token.type": "output"}
    assert "gen_ai.client.operation.time_to_first_chunk" not in histograms


def test_estimated_tokens_stay_off_the_token_histogram() -> None:
    with instrumented() as traced:
        sdk, _ = client(openai_recording("chat_stream_no_usage"))
        list(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))
        histograms = traced.histograms()

    assert "gen_ai.client.token.usage" not in histograms
    (first_chunk,) = histograms["gen_ai.client.operation.time_to_first_chunk"]
    assert tuple(first_chunk.explicit_bounds) == SECONDS_BUCKETS


def test_embeddings_record_input_tokens_only() -> None:
    with instrumented() as traced:
        sdk, _ = client(openai_recording("embeddings_text_embedding_3_small"))
        sdk.embeddings.create(model="text-embedding-3-small", input="Why was I charged twice this month?")
        (point,) = traced.histograms()["gen_ai.client.token.usage"]

    assert dict(point.attributes or {})["gen_ai.token.type"] == "input"
    assert point.sum == 8


def test_the_entry_point_is_registered_under_our_own_name() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    entry_points = pyproject["project"]["entry-points"]["opentelemetry_instrumentor"]
    assert entry_points["llmcost_openai"] == "otel_llmcost.instrumentation.openai:OpenAIInstrumentor"
    assert all(name.startswith("llmcost_") for name in entry_points)  # never a name of the official packages
    module, _, name = entry_points["llmcost_openai"].partition(":")
    assert getattr(__import__(module, fromlist=[name]), name) is OpenAIInstrumentor


def test_importing_the_instrumentor_does_not_import_openai() -> None:
    import subprocess

    code = "import sys, otel_llmcost.instrumentation.openai; print('openai' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
