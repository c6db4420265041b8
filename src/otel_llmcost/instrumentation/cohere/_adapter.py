"""The Cohere SDK's answers to the framework: a client's endpoint, an error's type, a result's kind, other tracers.

Imported when the application imports ``cohere``, never before. ``chat_stream`` is a generator function (an
async generator function on the async client): its result is the stream, and the HTTP request starts when it is
first read.

When OpenLLMetry's ``opentelemetry-instrumentation-cohere`` (which wraps ``ClientV2``'s methods), OpenInference's
or OpenLIT's wrapper traces a call, ours steps aside (`_others`): one span per call, priced by the processor.
Except for embed and rerank under OpenLLMetry: its spans of those carry no usage (0.62), so that ours, beside
theirs, is the call's one priced span.
"""

from __future__ import annotations

import inspect
from typing import Any, Final

from cohere.core.api_error import ApiError
from cohere.v2.client import V2Client

from .._adapter import Kind
from .._endpoints import Endpoint, Endpoints
from .._others import traced_elsewhere

__all__ = ["GENAI_TRACERS", "CohereAdapter"]

_UNPRICED_BY_OPENLLMETRY: Final = frozenset({V2Client.embed.__name__, V2Client.rerank.__name__})
"""The methods whose OpenLLMetry spans carry no usage."""
_PRICED_TRACERS: Final = (
    "openinference.instrumentation.cohere.",
    "openlit.instrumentation.cohere.",
)

GENAI_TRACERS: Final = (
    "opentelemetry.instrumentation.cohere",  # OpenLLMetry (Traceloop): its wrappers are in the package itself
    "openinference.instrumentation.cohere.",  # OpenInference (Arize)
    "openlit.instrumentation.cohere.",  # OpenLIT
)
"""The modules whose wrappers emit GenAI spans for Cohere calls (a module name prefix each)."""


class CohereAdapter:
    """The `Adapter` of the ``cohere`` SDK's v2 client."""

    __slots__ = ("_endpoints",)

    def __init__(self, endpoints: Endpoints) -> None:
        self._endpoints = endpoints

    def endpoint(self, instance: Any) -> Endpoint:
        # ``ClientV2`` keeps its wrapper itself; ``client.v2`` (a ``V2Client``) in its raw client.
        wrapper = getattr(instance, "_client_wrapper", None) or instance._raw_client._client_wrapper
        return self._endpoints.of(wrapper.get_base_url())

    def error_type(self, error: BaseException) -> str:
        """The exception's class name (``TooManyRequestsError``, ``UnauthorizedError``), ``ApiError`` included."""
        if isinstance(error, ApiError) and type(error) is ApiError and error.status_code is not None:
            return str(error.status_code)
        return type(error).__qualname__

    def kind(self, result: object) -> Kind:
        return Kind.STREAM if inspect.isgenerator(result) or inspect.isasyncgen(result) else Kind.PLAIN

    def traced_elsewhere(self, instance: Any, wrapped: Any) -> bool:
        if getattr(wrapped, "__name__", None) in _UNPRICED_BY_OPENLLMETRY:
            return traced_elsewhere(instance, wrapped, _PRICED_TRACERS)
        return traced_elsewhere(instance, wrapped, GENAI_TRACERS)
