"""The usage model: `Usage` to and from span attributes, across the naming families seen in the wild."""

from ..pricing import Usage
from ._read import INFERENCE_OPERATIONS, GenAICall, operation_of, read_call
from ._write import usage_attributes

__all__ = ["INFERENCE_OPERATIONS", "GenAICall", "Usage", "operation_of", "read_call", "usage_attributes"]
