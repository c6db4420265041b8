"""A fresh install, offline: a stream without usage is still counted, from the encodings the package ships.

tiktoken's cache is an empty folder, its memory is empty, and every socket refuses: the estimate comes from
the package alone. When no estimate can be made, the span says why.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import tiktoken
from opentelemetry.sdk.trace import ReadableSpan

from openai_support import MESSAGES, Traced, client, openai_recording
from otel_llmcost.tokens import _estimate

if TYPE_CHECKING:
    from conftest import Tracing


class Refused(OSError):
    pass


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[object]:
    """No network, an empty tiktoken cache and memory; returns the connection attempts made."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise Refused("no network on a fresh offline install")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    monkeypatch.setattr(_estimate, "_loaded", {})
    monkeypatch.setattr(_estimate, "_unusable", set())
    return attempts


def usage_of(span: ReadableSpan) -> dict[str, object]:
    return {
        key: value
        for key, value in (span.attributes or {}).items()
        if key.startswith(("gen_ai.usage.", "llmcost.usage.", "llmcost.reason"))
    }


def test_a_stream_without_usage_is_estimated_offline(traced: Traced, offline: list[object], tmp_path: Path) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    list(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))

    # o200k_base, the OpenAI cookbook's way: input = 3 (reply primer) + 3 (per message) + 1 ("user")
    # + 8 (the question) = 15; output = the 22 tokens of the answer the stream delivered.
    assert usage_of(traced.span()) == {
        "gen_ai.usage.input_tokens": 15,
        "gen_ai.usage.output_tokens": 22,
        "llmcost.usage.status": "estimated",
    }
    assert offline == []
    assert list(tmp_path.iterdir()) == []


def test_an_offline_estimate_is_priced(priced: Tracing, offline: list[object]) -> None:
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    list(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))

    attributes = dict(priced.exporter.get_finished_spans()[0].attributes or {})
    assert attributes["llmcost.status"] == "estimated"
    # gpt-4o-mini: 15 * 0.15/1e6 + 22 * 0.60/1e6
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(15 * 0.15 / 1e6 + 22 * 0.60 / 1e6, rel=1e-12)
    assert offline == []


def test_when_no_estimate_is_possible_the_span_says_why(
    traced: Traced, offline: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_estimate, "_BUNDLED", {})  # as if the package shipped no encoding
    sdk, _ = client(openai_recording("chat_stream_no_usage"))

    list(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))

    # 20 chunks carried text: at least 20 output tokens; nothing is known of the input.
    assert usage_of(traced.span()) == {
        "gen_ai.usage.input_tokens": 0,
        "gen_ai.usage.output_tokens": 20,
        "llmcost.usage.status": "partial",
        "llmcost.reason": "estimate_unavailable",
        "llmcost.reason.detail": (
            "the tiktoken encoding of 'gpt-4o-mini-2024-07-18' (o200k_base) is not bundled and not in tiktoken's "
            "cache, so its tokens could not be counted (estimates never download)"
        ),
    }
    assert offline == []
