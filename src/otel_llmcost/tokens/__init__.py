"""Token counts with tiktoken, from the encodings the package ships: never downloaded.

Instrumentors estimate the usage of a stream that ended before the provider reported it; budgets count a
call's input before it goes out. Both use these counts, so this small room sits below both.
"""

from ._estimate import (
    ESTIMATE_UNAVAILABLE,
    encoding_for,
    encoding_name,
    estimate_chat,
    estimate_text,
    prefetch,
    why_no_estimate,
)

__all__ = [
    "ESTIMATE_UNAVAILABLE",
    "encoding_for",
    "encoding_name",
    "estimate_chat",
    "estimate_text",
    "prefetch",
    "why_no_estimate",
]
