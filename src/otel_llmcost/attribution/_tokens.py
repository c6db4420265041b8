"""Input tokens counted with tiktoken for a budget's worst case, from encodings in memory or in tiktoken's cache.

A budget is checked on the application's path, where a download has no place: an encoding that is not cached
yet is not fetched, and the count falls back to one token per UTF-8 byte, which no tokenizer exceeds.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import tiktoken

__all__ = ["count_tokens"]

_log = logging.getLogger("otel_llmcost")

# Where tiktoken loads each encoding from (tiktoken_ext/openai_public.py): its cache file is named by the
# URL's SHA-1.
_URLS: Final = {
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}
_CL100K_PREFIXES: Final = ("gpt-4-", "gpt-4", "gpt-3.5", "gpt-35", "text-embedding-")
_O200K_PREFIXES: Final = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4")
_loaded: dict[str, tiktoken.Encoding] = {}


def _encoding_name(model: str) -> str:
    name = model.rsplit("/", 1)[-1].lower()
    if name.startswith(_O200K_PREFIXES):
        return "o200k_base"
    return "cl100k_base" if name.startswith(_CL100K_PREFIXES) else "o200k_base"


def _cached(name: str) -> bool:
    directory = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    if directory is None:
        directory = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    path = os.path.join(directory, hashlib.sha1(_URLS[name].encode(), usedforsecurity=False).hexdigest())
    return os.path.isfile(path)


def _encoding(model: str) -> tiktoken.Encoding | None:
    name = _encoding_name(model)
    encoding = _loaded.get(name)
    if encoding is None and _cached(name):
        try:
            import tiktoken

            encoding = _loaded[name] = tiktoken.get_encoding(name)
        except Exception:  # noqa: BLE001 - the one guarded place for loading an encoding: bytes are the bound
            _log.debug("otel-llmcost could not load the tiktoken encoding %r", name, exc_info=True)
            return None
    return encoding


def count_tokens(model: str, texts: Iterable[str]) -> int:
    """The tokens of ``texts`` for ``model``: tiktoken's count, else one per UTF-8 byte."""
    encoding = _encoding(model)
    if encoding is None:
        return sum(len(text.encode()) for text in texts)
    return sum(len(encoding.encode_ordinary(text)) for text in texts)
