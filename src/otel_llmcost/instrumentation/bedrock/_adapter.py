"""botocore's answers to the framework: a client's endpoint, an error's type, a result's kind, other tracers.

Imported when the application imports ``botocore`` (the instrumentor's post-import hook), never before.

Other GenAI tracers of Bedrock: when one of them traces a call, ours steps aside (`_others`) and the processor
prices their span:

- ``opentelemetry-instrumentation-botocore`` wraps ``BaseClient._make_api_call``, as we do, and emits GenAI
  spans for the Bedrock Runtime operations; so does the official ``opentelemetry-instrumentation-genai-bedrock``;
- OpenInference and OpenLIT replace the operation's method on each client they see created (``client.converse``)
  with functions of their own modules.

OpenLLMetry's ``opentelemetry-instrumentation-bedrock`` also replaces the client's methods, but its spans name
the model without its vendor and inference-profile prefix (``claude-sonnet-4-5-20250929-v1:0`` for
``us.anthropic.claude-sonnet-4-5-20250929-v1:0``), which no price entry matches and which has lost its region.
So ours does not step aside for it: its span wraps ours, and the processor prices ours and marks theirs
``duplicate``. One call, one priced span.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from botocore.eventstream import EventStream  # pyright: ignore[reportMissingTypeStubs]
from botocore.exceptions import ClientError  # pyright: ignore[reportMissingTypeStubs]

from ... import _attributes as a
from .._adapter import Kind
from .._endpoints import Endpoint, Endpoints
from .._others import traced_elsewhere
from ._call import Call
from ._read import mapping

__all__ = ["GENAI_TRACERS", "BedrockAdapter"]

GENAI_TRACERS: Final = (
    # The official botocore instrumentation: its wrapper is a method of its instrumentor, in the package's
    # __init__, and its bedrock extension makes GenAI spans of Bedrock Runtime calls.
    "opentelemetry.instrumentation.botocore",
    "opentelemetry.instrumentation.genai.bedrock",  # the official GenAI Bedrock instrumentation
    "openinference.instrumentation.bedrock",  # OpenInference (Arize)
    "openlit.instrumentation.bedrock",  # OpenLIT
)
"""The modules whose wrappers emit GenAI spans for Bedrock calls (a module name prefix each)."""


def _theirs(function: object) -> bool:
    """Whether a client's own method was put there by a GenAI tracer.

    Its module is read from the function's globals: ``functools.wraps`` copies ``__module__`` from the
    method it wraps (``botocore.client``).
    """
    function = getattr(function, "__func__", function)
    module = getattr(function, "__globals__", {}).get("__name__")
    return isinstance(module, str) and module.startswith(GENAI_TRACERS)


class BedrockAdapter:
    """The `Adapter` of ``botocore``'s ``bedrock-runtime`` clients."""

    __slots__ = ("_endpoints", "_last")

    def __init__(self, providers: Mapping[str, str] | None) -> None:
        self._endpoints = Endpoints(providers, default=a.GenAiProviderNameValues.AWS_BEDROCK)
        self._last: tuple[object, Endpoint] | None = None

    def endpoint(self, instance: Any) -> Endpoint:
        # botocore keeps the endpoint URL as a string, which Endpoints parses on every call: an application's
        # clients have one or a few, so the last one answers most calls.
        url: object = instance.meta.endpoint_url
        last = self._last
        if last is not None and last[0] == url:
            return last[1]
        found = self._endpoints.of(url)
        self._last = (url, found)
        return found

    def error_type(self, error: BaseException) -> str:
        """The AWS error code (``ThrottlingException``, ``ValidationException``), else the class name."""
        if isinstance(error, ClientError):
            response: object = getattr(error, "response", None)
            code = mapping(mapping(response).get("Error")).get("Code")
            if isinstance(code, str) and code:
                return code
        return type(error).__qualname__

    def kind(self, result: object) -> Kind:
        return Kind.STREAM if isinstance(result, EventStream) else Kind.PLAIN

    def traced_elsewhere(self, instance: Any, wrapped: Any) -> bool:
        if not isinstance(wrapped, Call):
            return traced_elsewhere(instance, wrapped, GENAI_TRACERS)
        if traced_elsewhere(instance, wrapped.wrapped, GENAI_TRACERS):
            return True
        # A tracer that replaced the operation's method on this client (OpenLLMetry, genai-bedrock).
        method: object = getattr(instance, "__dict__", {}).get(wrapped.method)
        return method is not None and _theirs(method)
