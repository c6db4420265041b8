"""Input tokens counted for a budget's worst case, with the encodings the package ships.

A budget is checked on the application's path, where a download has no place: the encodings come from
`otel_llmcost.tokens` (bundled, or already in tiktoken's cache), and a model with none counts one token per
UTF-8 byte, which no tokenizer exceeds.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..tokens import encoding_for

__all__ = ["count_tokens"]


def count_tokens(model: str, texts: Iterable[str]) -> int:
    """The tokens of ``texts`` for ``model``: tiktoken's count, else one per UTF-8 byte."""
    encoding = encoding_for(model)
    if encoding is None:
        return sum(len(text.encode()) for text in texts)
    return sum(len(encoding.encode_ordinary(text)) for text in texts)
