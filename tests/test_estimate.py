"""Token estimates for streams that ended without usage: OpenAI's counting rules, and never a download.

The encodings are the ones the package bundles (tiktoken's own files), so the counts are the real ones; no
test here needs tiktoken's cache or the network.
"""

from __future__ import annotations

import hashlib
import socket
import tempfile
from pathlib import Path

import pytest
import requests
import tiktoken
from openai.types.chat import ChatCompletionMessage
from tiktoken_ext import openai_public

from otel_llmcost.tokens import _estimate
from otel_llmcost.tokens._estimate import (
    encoding_for,
    encoding_name,
    estimate_chat,
    estimate_text,
    prefetch,
    why_no_estimate,
)

P50K_URL = "https://openaipublic.blob.core.windows.net/encodings/p50k_base.tiktoken"

# The example of OpenAI's cookbook "How to count tokens with tiktoken", whose prompt the API counted as 129
# tokens for gpt-3.5-turbo and gpt-4 (cl100k_base) and 124 for gpt-4o and gpt-4o-mini (o200k_base).
COOKBOOK_MESSAGES = [
    {
        "role": "system",
        "content": (
            "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."
        ),
    },
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {
        "role": "system",
        "name": "example_user",
        "content": (
            "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."
        ),
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client deliverable.",
    },
]
ANSWER = "You were charged twice because your plan changed mid-cycle."  # 11 tokens in both encodings
TOOL_CALL = 'get_invoice{"invoice_id": "in_1Q2w3E"}'  # 16 tokens in both encodings
GERMAN = (
    "Ihre Rechnung wurde zweimal belastet, weil sich Ihr Tarif mitten im Zyklus geändert hat."  # o200k 18, cl100k 29
)
ENGLISH = "Nothing was billed twice: the two lines cover different days."  # 12 tokens in both encodings


class Network:
    """Records every attempt to resolve or reach a host, and refuses it."""

    def __init__(self) -> None:
        self.attempts: list[object] = []

    def refuse(self, *args: object, **kwargs: object) -> None:
        self.attempts.append(args)
        raise OSError("no network in tests")


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Network:
    network = Network()
    monkeypatch.setattr(socket.socket, "connect", network.refuse)
    monkeypatch.setattr(socket, "getaddrinfo", network.refuse)
    monkeypatch.setattr(requests, "get", network.refuse)
    return network


@pytest.fixture(autouse=True)
def fresh_encodings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Each test loads the encodings it needs; tiktoken's cache is an empty folder (returned) and its memory empty."""
    monkeypatch.setattr(_estimate, "_loaded", {})
    monkeypatch.setattr(_estimate, "_unusable", set())
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("model", "tokens"), [("gpt-3.5-turbo", 129), ("gpt-4", 129), ("gpt-4o", 124), ("gpt-4o-mini", 124)]
)
def test_chat_prompt_counts_as_the_api_counted_the_cookbook_example(model: str, tokens: int) -> None:
    assert estimate_chat(model, COOKBOOK_MESSAGES, ANSWER) == (tokens, 11)


@pytest.mark.parametrize(("model", "input_tokens"), [("gpt-4o-mini", 85), ("gpt-4-turbo", 86)])
def test_chat_counts_text_parts_names_tool_calls_and_sdk_messages(model: str, input_tokens: int) -> None:
    messages: list[object] = [
        # 3 + "system" 1 + 10
        {"role": "system", "content": "You are a billing assistant for Acme Cloud."},
        # 3 + "user" 1 + "Jordan" 1 + name 1 + 10; the image is not counted
        {
            "role": "user",
            "name": "Jordan",
            "content": [
                {"type": "text", "text": "What does line 3 of this invoice mean?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            ],
        },
        # 3 + "assistant" 1 + "get_invoice" 2 + the arguments 14
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_8xK2",
                    "type": "function",
                    "function": {"name": "get_invoice", "arguments": '{"invoice_id": "in_1Q2w3E"}'},
                }
            ],
        },
        # 3 + "tool" 1 + "call_8xK2" 6 + 7 (o200k_base) or 8 (cl100k_base)
        {"role": "tool", "tool_call_id": "call_8xK2", "content": "The first charge is prorated."},
        # 3 + "assistant" 1 + 11: a message of the SDK's, appended back as users do
        ChatCompletionMessage(role="assistant", content=ANSWER),
    ]  # + 3 to prime the reply

    assert estimate_chat(model, messages, ANSWER, tool_calls_text=TOOL_CALL) == (input_tokens, 11 + 16)


def test_text_is_counted_with_the_models_encoding() -> None:
    assert estimate_text("gpt-4.1", [GERMAN, ENGLISH]) == 18 + 12
    assert estimate_text("text-embedding-3-small", [GERMAN, ENGLISH]) == 29 + 12
    assert estimate_text("gpt-4.1", []) == 0


def test_unknown_model_is_counted_with_o200k_base() -> None:
    assert estimate_text("llama-3.3-70b-versatile", [GERMAN]) == 18
    assert estimate_chat("deepseek-chat", [{"role": "user", "content": ENGLISH}], ANSWER) == (3 + 1 + 12 + 3, 11)


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("o3", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("gpt-image-1", "o200k_base"),
        ("gpt-realtime", "o200k_base"),
        ("codex-mini-latest", "o200k_base"),
        ("gpt-oss-120b", "o200k_base"),  # o200k_harmony: the same counts for ordinary text
        ("openai/gpt-4o", "o200k_base"),
        ("GPT-4o", "o200k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("gpt-35-turbo", "cl100k_base"),
        ("text-embedding-3-large", "cl100k_base"),
        ("davinci-002", "cl100k_base"),
        ("mixtral-8x7b-32768", "o200k_base"),
    ],
)
def test_encoding_name_of_a_model(model: str, encoding: str) -> None:
    assert encoding_name(model) == encoding


def test_encodings_load_from_the_package_with_no_network_and_no_cache(network: Network, fresh_encodings: Path) -> None:
    o200k = encoding_for("gpt-4o")
    cl100k = encoding_for("gpt-4")

    assert o200k is not None
    assert cl100k is not None
    assert (o200k.name, cl100k.name) == ("o200k_base", "cl100k_base")
    assert (o200k.n_vocab, cl100k.n_vocab) == (200019, 100277)  # tiktoken's own counts for the two encodings
    assert encoding_for("gpt-5") is o200k  # loaded once, then kept
    assert network.attempts == []
    assert list(fresh_encodings.iterdir()) == []  # nothing written to tiktoken's cache either


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_bundled_encodings_are_the_ones_tiktoken_builds(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The split pattern, special tokens and file hash match tiktoken_ext's constructor for the encoding."""
    ours = _estimate.encoding_for("gpt-4o" if name == "o200k_base" else "gpt-4")
    assert ours is not None
    asked: list[tuple[str, str | None]] = []

    def load(path: str, expected_hash: str | None = None) -> dict[bytes, int]:
        asked.append((path, expected_hash))
        return {}

    monkeypatch.setattr(openai_public, "load_tiktoken_bpe", load)
    theirs = getattr(openai_public, name)()

    assert ours._pat_str == theirs["pat_str"]  # pyright: ignore[reportPrivateUsage]
    assert ours._special_tokens == theirs["special_tokens"]  # pyright: ignore[reportPrivateUsage]
    assert asked == [(f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken", _BUNDLED_SHA[name])]


_BUNDLED_SHA = {
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
}


def test_a_damaged_bundled_file_gives_no_estimate_and_no_download(
    network: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(_estimate._BUNDLED, "o200k_base", ("0" * 64, "", {}))  # pyright: ignore[reportPrivateUsage]

    assert encoding_for("gpt-4o") is None
    assert estimate_text("gpt-4o", [ENGLISH]) is None
    assert network.attempts == []


def test_legacy_encodings_are_used_only_from_tiktokens_cache(network: Network) -> None:
    assert encoding_name("text-davinci-003") == "p50k_base"
    assert encoding_for("text-davinci-003") is None
    assert estimate_text("text-davinci-003", [ENGLISH]) is None
    assert why_no_estimate("text-davinci-003") == {
        "llmcost.reason": "estimate_unavailable",
        "llmcost.reason.detail": (
            "the tiktoken encoding of 'text-davinci-003' (p50k_base) is not bundled and not in tiktoken's cache, "
            "so its tokens could not be counted (estimates never download)"
        ),
    }
    assert network.attempts == []


def test_no_estimate_and_no_download_when_the_cached_legacy_file_is_corrupt(
    network: Network, fresh_encodings: Path
) -> None:
    cached = fresh_encodings / hashlib.sha1(P50K_URL.encode(), usedforsecurity=False).hexdigest()
    cached.write_bytes(b"not an encoding\n")

    assert encoding_for("text-davinci-003") is None
    assert encoding_for("text-davinci-003") is None
    assert cached.read_bytes() == b"not an encoding\n"  # tiktoken would have deleted it and downloaded again
    assert network.attempts == []


def test_cache_folder_falls_back_to_data_gym_then_the_temporary_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(tmp_path / "gym"))
    assert _estimate._cache_dir() == str(tmp_path / "gym")  # pyright: ignore[reportPrivateUsage]

    monkeypatch.delenv("DATA_GYM_CACHE_DIR")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert _estimate._cache_dir() == str(tmp_path / "data-gym-cache")  # pyright: ignore[reportPrivateUsage]


def test_no_legacy_estimate_when_tiktokens_cache_is_off(network: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")

    assert encoding_for("text-davinci-003") is None
    assert encoding_for("gpt-4o") is not None  # bundled: the cache does not matter
    assert network.attempts == []


def test_prefetch_loads_the_bundled_encodings_and_never_downloads(network: Network) -> None:
    assert prefetch() is True
    assert set(_estimate._loaded) == {"o200k_base", "cl100k_base"}  # pyright: ignore[reportPrivateUsage]
    assert prefetch(("p50k_base",)) is False
    assert network.attempts == []


def test_why_no_estimate_names_what_was_missing() -> None:
    assert (
        why_no_estimate(None)["llmcost.reason.detail"] == "the call names no model, so its tokens could not be counted"
    )
    assert why_no_estimate("gpt-4o")["llmcost.reason.detail"] == (
        "the request's input could not be read, so its tokens could not be counted"
    )
