"""The usage model: `Usage` and `RequestContext`, building a `Usage` from what a source reported, and `Usage` to
and from span attributes, across the naming families seen in the wild.

Every room may import it: the value types and builders use the standard library only, and the attribute keys
come from the generated constants.
"""

from ._model import (
    INPUT_TOKEN_UNITS,
    OUTPUT_TOKEN_UNITS,
    TOKEN_TOTALS,
    TOKEN_UNITS,
    TOKENS_ONLY,
    RequestContext,
    Totals,
    Usage,
    tokens_usage,
)
from ._read import INFERENCE_OPERATIONS, GenAICall, TokenCall, operation_of, read_call, read_tokens, token_call
from ._write import COST_BUCKETS, usage_attributes

__all__ = [
    "COST_BUCKETS",
    "INFERENCE_OPERATIONS",
    "INPUT_TOKEN_UNITS",
    "OUTPUT_TOKEN_UNITS",
    "TOKENS_ONLY",
    "TOKEN_TOTALS",
    "TOKEN_UNITS",
    "GenAICall",
    "RequestContext",
    "TokenCall",
    "Totals",
    "Usage",
    "operation_of",
    "read_call",
    "read_tokens",
    "token_call",
    "tokens_usage",
    "usage_attributes",
]
