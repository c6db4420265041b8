"""The HTTP fallback: calls to a known LLM API made without an SDK instrumentor get a priced span all the same.

A call made with plain ``httpx``, ``httpx2`` or ``requests`` (LiteLLM's own handlers, a hand-written client, a
framework we do not know) to a known host (``_hosts``) and billed path (``_formats``) becomes a GenAI CLIENT
span with the usage the response reports, for JSON bodies and server-sent event streams, without reading or
delaying the body the caller reads. A call that an SDK instrumentor (ours or another) or an SDK's native tracing
already covers gets nothing more. The non-LLM AI APIs whose SDKs use these clients (speech, embeddings and
rerank, images: ``_services``) are priced the same way, in the units they bill.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._instrumentor import Instrumentor, Options

if TYPE_CHECKING:
    from .._adapter import Adapter
    from .._patches import Patch

__all__ = ["HTTPFallbackInstrumentor"]


class HTTPFallbackInstrumentor(Instrumentor):
    """Traces calls to known LLM APIs made with ``httpx``, ``httpx2`` or ``requests`` directly.

    `instrument` takes ``tracer_provider``, ``meter_provider`` and ``providers`` (a mapping of host, or
    ``host:port``, to ``gen_ai.provider.name``, for gateways and servers the fallback does not know; those are
    then looked at too). The HTTP clients are patched when the first of them is imported.
    """

    sdk = "httpx"
    also = ("httpx2", "requests")

    def provider(self, options: Options) -> tuple[Adapter, Iterable[Patch]]:
        from ._patches import FallbackAdapter, patches

        adapter = FallbackAdapter(options.providers)
        return adapter, patches(adapter)
