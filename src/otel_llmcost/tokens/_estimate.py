"""Token counts estimated with tiktoken, for streams that ended before the API reported their usage.

The encodings every current OpenAI model uses, o200k_base and cl100k_base, ship inside the package
(``_encodings/``, tiktoken's own files, gzipped; see NOTICE) and load from there: an estimate never needs the
network and never downloads. The legacy ones (p50k_base, r50k_base) are used only when tiktoken's file cache
already holds them. tiktoken itself is imported on first use, since its import alone takes tens of
milliseconds; an encoding loads on first use too (a fraction of a second), or ahead with `prefetch`.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from typing import TYPE_CHECKING, Final, cast

from .. import _attributes as a

if TYPE_CHECKING:
    import tiktoken

_log = logging.getLogger("otel_llmcost")
_PACKAGE: Final = __name__.rpartition(".")[0]

ESTIMATE_UNAVAILABLE: Final = a.LlmcostReasonValues.ESTIMATE_UNAVAILABLE
"""The ``llmcost.reason`` of a span whose usage could not be counted, only bounded (``partial``)."""

# The bundled encodings, as tiktoken_ext/openai_public.py (tiktoken 0.7 to 0.14) builds them: the SHA-256 of
# the uncompressed file (the one tiktoken checks its download against), the split pattern, the special tokens.
_O200K_PATTERN: Final = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_CL100K_PATTERN: Final = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_BUNDLED: Final[dict[str, tuple[str, str, dict[str, int]]]] = {
    "o200k_base": (
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PATTERN,
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    ),
    "cl100k_base": (
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        _CL100K_PATTERN,
        {
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    ),
}
# Where tiktoken_ext/openai_public.py downloads the legacy encodings from (which names their file in
# tiktoken's cache), and the SHA-256 it checks: a cached file that fails the check is deleted and downloaded
# again by tiktoken, so it is checked here first.
_BLOBS: Final = {
    "p50k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/p50k_base.tiktoken",
        "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
    ),
    "r50k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/r50k_base.tiktoken",
        "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
    ),
}
# Encodings that count ordinary text exactly like one of the above: they add special tokens only.
_SAME_COUNTS: Final = {"o200k_harmony": "o200k_base", "p50k_edit": "p50k_base", "gpt2": "r50k_base"}
# For models tiktoken does not know (yet): first match wins, so the longer prefixes come first.
_PREFIXES: Final = (
    (("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "gpt-image", "gpt-realtime", "gpt-audio", "gpt-oss"), "o200k_base"),
    (("chatgpt-", "codex-", "computer-use-", "omni-", "o1", "o3", "o4"), "o200k_base"),
    (("gpt-4", "gpt-3.5", "gpt-35", "text-embedding-"), "cl100k_base"),
)
# Every current OpenAI model's encoding; for another vendor's model behind an OpenAI-compatible API it is an
# approximation, which the span says by marking the usage estimated.
_DEFAULT: Final = "o200k_base"

TOKENS_PER_MESSAGE: Final = 3
TOKENS_PER_NAME: Final = 1
REPLY_PRIMER: Final = 3

_loaded: dict[str, tiktoken.Encoding] = {}
_unusable: set[str] = set()
_loading = threading.Lock()


def encoding_name(model: str) -> str:
    """The tiktoken encoding of ``model``: tiktoken's own table, then ours, then o200k_base."""
    import tiktoken

    name = model.rsplit("/", 1)[-1].lower()  # "openai/gpt-4o" on OpenRouter
    try:
        encoding = tiktoken.encoding_name_for_model(name)
    except KeyError:
        encoding = next((e for prefixes, e in _PREFIXES if name.startswith(prefixes)), _DEFAULT)
    return _SAME_COUNTS.get(encoding, encoding)


def encoding_for(model: str) -> tiktoken.Encoding | None:
    """The encoding of ``model``: bundled, in memory or in tiktoken's cache, else None; never downloads."""
    try:
        return _encoding(encoding_name(model))
    except Exception:  # noqa: BLE001 - the one guarded place for loading encodings: no encoding, no estimate
        _log.debug("otel-llmcost could not load the tiktoken encoding of %r", model, exc_info=True)
        return None


def prefetch(encodings: Iterable[str] = ("o200k_base", "cl100k_base")) -> bool:
    """Loads ``encodings`` now, so that the first estimate does not pay for it. Never downloads.

    The bundled encodings always load; others only from tiktoken's cache. Returns whether every one loaded.
    """
    every = True
    for name in encodings:
        try:
            loaded = _encoding(name)
        except Exception:  # noqa: BLE001 - no encoding, no estimate; prefetch is best effort
            _log.debug("otel-llmcost could not load the tiktoken encoding %r", name, exc_info=True)
            loaded = None
        every = every and loaded is not None
    return every


def why_no_estimate(model: object) -> dict[str, str]:
    """The ``llmcost.reason`` and its detail for a call whose tokens could not be counted with ``model``'s encoding."""
    if not isinstance(model, str) or not model:
        detail = "the call names no model, so its tokens could not be counted"
    elif encoding_for(model) is None:
        detail = (
            f"the tiktoken encoding of {model!r} ({encoding_name(model)}) is not bundled and not in tiktoken's "
            "cache, so its tokens could not be counted (estimates never download)"
        )
    else:
        detail = "the request's input could not be read, so its tokens could not be counted"
    return {a.LLMCOST_REASON: ESTIMATE_UNAVAILABLE, a.LLMCOST_REASON_DETAIL: detail}


def _encoding(name: str) -> tiktoken.Encoding | None:
    encoding = _loaded.get(name)
    if encoding is not None:
        return encoding
    with _loading:  # two streams ending together load it once
        encoding = _loaded.get(name)
        if encoding is None:
            if name in _BUNDLED:
                encoding = _bundled(name)
            elif _is_cached(name):
                import tiktoken

                encoding = tiktoken.get_encoding(name)
            if encoding is not None:
                _loaded[name] = encoding
    return encoding


def _bundled(name: str) -> tiktoken.Encoding:
    """Bundled encoding ``name``, parsed as tiktoken.load.load_tiktoken_bpe parses its files.

    Raises:
        ValueError: the file is not the one tiktoken publishes (its SHA-256 differs).
    """
    import tiktoken

    sha256, pattern, special_tokens = _BUNDLED[name]
    packed = resources.files(_PACKAGE).joinpath("_encodings").joinpath(f"{name}.tiktoken.gz").read_bytes()
    contents = gzip.decompress(packed)
    if hashlib.sha256(contents).hexdigest() != sha256:
        raise ValueError(f"the bundled encoding {name} is damaged: reinstall otel-llmcost")
    ranks: dict[bytes, int] = {}
    for line in contents.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return tiktoken.Encoding(name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=special_tokens)


def estimate_text(model: str, texts: Iterable[str]) -> int | None:
    """The number of tokens of ``texts`` together (Responses API input or output text), or None."""
    encoding = encoding_for(model)
    if encoding is None:
        return None
    return sum(len(encoding.encode_ordinary(text)) for text in texts)


def estimate_chat(
    model: str, messages: Iterable[object], completion_text: str, *, tool_calls_text: str = ""
) -> tuple[int, int] | None:
    """(input tokens, output tokens) of a chat completion, counted the way OpenAI's cookbook counts them, or None.

    Each message costs 3 tokens plus its fields' tokens (+1 for a ``name``), and the reply is primed with 3.
    Of a content given as a list of parts only the text is counted: images, audio and files are not, nor are
    tool definitions or a response format's schema, so the input is a lower bound in those cases.

    Args:
        model: the model asked for (or answering); picks the encoding.
        messages: the request's messages, as mappings (or SDK models with ``model_dump``).
        completion_text: the text the stream delivered.
        tool_calls_text: the tool calls' names and arguments the stream delivered, concatenated.
    """
    encoding = encoding_for(model)
    if encoding is None:
        return None
    count = encoding.encode_ordinary
    input_tokens = REPLY_PRIMER
    for message in messages:
        input_tokens += TOKENS_PER_MESSAGE
        for key, text in _texts(message):
            input_tokens += len(count(text)) + (TOKENS_PER_NAME if key == "name" else 0)
    output_tokens = len(count(completion_text)) + (len(count(tool_calls_text)) if tool_calls_text else 0)
    return input_tokens, output_tokens


def _texts(message: object) -> Iterator[tuple[str, str]]:
    """The (field, text) pairs of a chat message that the model reads as text."""
    fields = _mapping(message)
    if fields is None:
        dump = getattr(message, "model_dump", None)
        fields = _mapping(dump(exclude_none=True)) if callable(dump) else None
    for key, value in (fields or {}).items():
        if isinstance(value, str):
            yield key, value
        elif key == "content":
            for part in _mappings(value):
                text = part.get("text", part.get("refusal"))
                if isinstance(text, str):
                    yield key, text
        elif key == "tool_calls":
            for call in _mappings(value):
                yield from _function(key, call.get("function"))
        elif key == "function_call":
            yield from _function(key, value)


def _function(key: str, function: object) -> Iterator[tuple[str, str]]:
    fields = _mapping(function) or {}
    for field in ("name", "arguments"):
        text = fields.get(field)
        if isinstance(text, str):
            yield key, text


def _mapping(value: object) -> Mapping[str, object] | None:
    return cast("Mapping[str, object]", value) if isinstance(value, Mapping) else None


def _mappings(values: object) -> Iterator[Mapping[str, object]]:
    if isinstance(values, list):
        for value in cast("list[object]", values):
            fields = _mapping(value)
            if fields is not None:
                yield fields


def _cache_dir() -> str:
    """tiktoken's cache folder, chosen as tiktoken/load.py chooses it; empty when caching is off."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        return os.environ["TIKTOKEN_CACHE_DIR"]
    if "DATA_GYM_CACHE_DIR" in os.environ:
        return os.environ["DATA_GYM_CACHE_DIR"]
    return os.path.join(tempfile.gettempdir(), "data-gym-cache")


def _is_cached(name: str) -> bool:
    """Whether tiktoken would load encoding ``name`` from its cache, with no download."""
    blob = _BLOBS.get(name)
    directory = _cache_dir()
    if blob is None or not directory:
        return False
    url, sha256 = blob
    path = os.path.join(directory, hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest())
    if path in _unusable:
        return False
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return False
    if hashlib.sha256(data).hexdigest() != sha256:
        _unusable.add(path)
        return False
    return True
