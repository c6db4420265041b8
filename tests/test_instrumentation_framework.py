"""The provider framework: SDKs patched when the application imports them, and a stream's usage settled one way."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types import CompletionUsage

from instrumentor_support import run_fresh
from openai_support import MESSAGES, client, instrumented, openai_recording
from otel_llmcost.instrumentation._read import field, fields
from otel_llmcost.instrumentation._reading import settled
from otel_llmcost.instrumentation.openai import _chat
from otel_llmcost.usage import Usage

_PRELUDE = """
import sys
import wrapt
from opentelemetry.sdk.trace import TracerProvider
from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

def wrapped():
    import openai.resources.chat.completions as chat
    return isinstance(vars(chat.Completions)["create"], wrapt.FunctionWrapper)
"""


def _run(script: str) -> str:
    """``script`` in a fresh interpreter (where ``openai`` is not imported yet); what it printed."""
    return run_fresh(
        script, prelude=_PRELUDE, environment={"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none"}
    )


def test_instrumenting_does_not_import_the_sdk_and_its_import_patches_it() -> None:
    printed = _run(
        """
        OpenAIInstrumentor().instrument(tracer_provider=TracerProvider())
        print("openai" in sys.modules, wrapped())
        """
    )
    assert printed == "False True"


def test_instrumenting_after_the_sdk_was_imported_patches_it_at_once() -> None:
    printed = _run(
        """
        import openai
        before = wrapped()
        OpenAIInstrumentor().instrument(tracer_provider=TracerProvider())
        print(before, wrapped())
        """
    )
    assert printed == "False True"


def test_uninstrument_before_the_import_leaves_the_sdk_unpatched() -> None:
    printed = _run(
        """
        OpenAIInstrumentor().instrument(tracer_provider=TracerProvider())
        OpenAIInstrumentor().uninstrument()
        print(wrapped())
        """
    )
    assert printed == "False"


def test_instrumenting_again_before_the_import_patches_once() -> None:
    printed = _run(
        """
        OpenAIInstrumentor().instrument(tracer_provider=TracerProvider())
        OpenAIInstrumentor().uninstrument()
        OpenAIInstrumentor().instrument(tracer_provider=TracerProvider())
        import openai.resources.chat.completions as chat
        create = vars(chat.Completions)["create"]
        # One wrapper of ours, over the SDK's own function.
        print(isinstance(create, wrapt.FunctionWrapper), isinstance(create.__wrapped__, wrapt.FunctionWrapper))
        OpenAIInstrumentor().uninstrument()
        print(wrapped())
        """
    )
    assert printed == "True False\nFalse"


def test_the_setup_instrument_imports_no_sdk() -> None:
    printed = _run(
        """
        import otel_llmcost
        otel_llmcost.instrument(setup_sdk=False)
        sdks = ("openai", "anthropic", "google.genai", "mistralai", "cohere")
        print(sorted(name for name in sdks if name in sys.modules))
        """
    )
    assert printed == "[]"


def test_a_stream_with_its_usage_reported_ends_with_it() -> None:
    reported = Usage.from_totals(input_tokens=12, output_tokens=3)
    reading = settled({}, reported, lambda: pytest.fail("nothing to count"), 5, model="gpt-4o-mini")
    assert (reading.usage, reading.usage_status) == (reported, "reported")


def test_a_stream_without_usage_ends_with_its_counted_tokens_as_estimated() -> None:
    reading = settled({}, None, lambda: (40, 7), 5, model="gpt-4o-mini")
    assert (reading.usage, reading.usage_status) == (Usage.from_totals(input_tokens=40, output_tokens=7), "estimated")


def test_a_stream_without_usage_or_encoding_ends_with_one_token_per_piece_as_partial() -> None:
    attributes: dict[str, Any] = {}
    reading = settled(attributes, None, lambda: None, 5, model="claude-unknown")
    assert (reading.usage, reading.usage_status) == (Usage.from_totals(output_tokens=5), "partial")
    assert attributes["llmcost.reason"] == "estimate_unavailable"


def test_a_stream_with_nothing_received_ends_with_no_usage() -> None:
    reading = settled({}, None, lambda: None, 0, model=None)
    assert (reading.usage, reading.usage_status) == (None, "partial")


def test_our_failure_reading_a_streams_end_still_ends_its_span(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(_chat.ChatStream, "_reading", broken)
    with instrumented() as traced:
        sdk, _ = client(openai_recording("chat_gpt_4o_mini_stream"))
        chunks = list(
            sdk.chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
            )
        )
        assert chunks
        attributes = dict(traced.span().attributes or {})
        assert attributes["gen_ai.request.model"] == "gpt-4o-mini"
        assert "gen_ai.usage.input_tokens" not in attributes


def test_the_fields_of_an_sdk_model_and_its_extras_are_read_from_its_dicts() -> None:
    # `field` and `fields` read pydantic's instance dict and ``__pydantic_extra__`` rather than getattr (which
    # raises and catches inside pydantic for a missing name): a pydantic upgrade that moves them fails here.
    usage = CompletionUsage.model_validate(
        {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500, "cost": 0.0042}
    )
    assert (field(usage, "prompt_tokens"), field(usage, "cost"), field(usage, "missing")) == (1200, 0.0042, None)
    values = fields(usage)
    assert (values["prompt_tokens"], values["completion_tokens"], values["cost"]) == (1200, 300, 0.0042)
    assert field({"cost": 0.5}, "cost") == 0.5


def test_every_max_tokens_name_of_a_surface_is_a_sampling_parameter() -> None:
    # sampling_attributes returns at once for a call that names none of _SAMPLING: a name missing there is lost.
    from otel_llmcost.instrumentation.openai import _completions, _read, _responses

    for surface in (_chat, _completions, _responses):
        assert set(surface._MAX_TOKENS) <= _read._SAMPLING, surface.__name__  # pyright: ignore[reportPrivateUsage]
