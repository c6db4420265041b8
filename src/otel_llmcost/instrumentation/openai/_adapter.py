"""The OpenAI SDK's answers to the framework: a client's endpoint, an error's type, a result's kind, other tracers.

Imported when the application imports ``openai`` (the instrumentor's post-import hook), never before.

Other GenAI tracers of the ``openai`` SDK: when one of them traces a call, ours steps aside (`_others`):

- methods they do not wrap (the Responses API under the official instrumentor, audio, images) stay ours;
- to have ours trace everything instead, turn theirs off: all three register the entry point ``openai``, so
  ``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=openai`` does it (ours is ``llmcost_openai``).
"""

from __future__ import annotations

from typing import Any, Final

import openai
from openai._base_client import BaseClient
from openai._legacy_response import LegacyAPIResponse
from openai._response import BaseAPIResponse

from ..._bounded import remember
from .._adapter import Kind, response_kind
from .._endpoints import Endpoint, Endpoints
from .._others import traced_elsewhere

__all__ = ["GENAI_TRACERS", "OpenAIAdapter", "base_url"]

GENAI_TRACERS: Final = (
    "opentelemetry.instrumentation.genai.openai",  # the official OpenTelemetry instrumentation (wraps from __init__)
    "opentelemetry.instrumentation.openai_v2.",  # its name before 1.3 (opentelemetry-instrumentation-openai-v2)
    "opentelemetry.instrumentation.openai.",  # OpenLLMetry (Traceloop)
    "openinference.instrumentation.openai.",  # OpenInference (Arize)
    "openlit.instrumentation.openai.",  # OpenLIT
)
"""The modules whose wrappers emit GenAI spans for OpenAI calls (a module name prefix each)."""

_STREAMS: Final = (openai.Stream, openai.AsyncStream)
_MAX_KINDS: Final = 256

# The SDK's own ``base_url`` properties, each of which answers ``_configured_base_url`` in openai 3.x.
_SDK_BASE_URLS: Final = frozenset(
    vars(cls)["base_url"] for cls in (BaseClient, openai.OpenAI, openai.AsyncOpenAI) if "base_url" in vars(cls)
)


def base_url(client: object) -> object:
    """A client's base URL, as its ``base_url`` property answers.

    In openai 3.x that property imports a module on every read (some 12,000 instructions, a tenth of what
    tracing a call costs); it answers the client's private ``_configured_base_url``, which is read directly when
    the client's class has one of the SDK's own properties. Any other property (the module-level client's, which
    answers from ``openai.base_url``; a subclass's) and an SDK without that attribute are asked as before.
    `tests/test_openai_base_url.py` fails if an SDK release moves the attribute.
    """
    if getattr(type(client), "base_url", None) in _SDK_BASE_URLS:
        configured = getattr(client, "_configured_base_url", None)
        if configured is not None:
            return configured
    sdk_client: Any = client
    return sdk_client.base_url


class OpenAIAdapter:
    """The `Adapter` of the ``openai`` SDK (1.40 to 3.x)."""

    __slots__ = ("_endpoints", "_kinds")

    def __init__(self, endpoints: Endpoints) -> None:
        self._endpoints = endpoints
        self._kinds: dict[type, Kind] = {}

    def endpoint(self, instance: Any) -> Endpoint:
        return self._endpoints.of(base_url(instance._client))

    def endpoint_of(self, url: object) -> Endpoint:
        """Where a URL other than the client's base URL goes (its ``websocket_base_url``, for Realtime)."""
        return self._endpoints.of(url)

    def error_type(self, error: BaseException) -> str:
        """The API's error code (``rate_limit_exceeded``, ``invalid_api_key``), else the exception's class name."""
        if isinstance(error, openai.APIError):
            code = error.code
            if isinstance(code, str) and code:
                return code
        return type(error).__qualname__

    def kind(self, result: object) -> Kind:
        # A result's kind is its class's: remembered per class (an isinstance that fails on a pydantic model, as
        # three do for every parsed result, looks its __class__ up the slow way).
        cls = type(result)
        found = self._kinds.get(cls)
        if found is None:
            # Bounded: parse() results of models an application makes on the fly.
            found = remember(self._kinds, cls, self._kind_of(result), _MAX_KINDS)
        return found

    # with_raw_response's responses are read (unless a stream); with_streaming_response's are read later.
    _kind_of = response_kind(_STREAMS, LegacyAPIResponse, BaseAPIResponse)

    def traced_elsewhere(self, instance: Any, wrapped: Any) -> bool:
        return traced_elsewhere(instance, wrapped, GENAI_TRACERS)
