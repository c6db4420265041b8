"""The Pinecone instrumentor: a priced span for every data-plane read and write of the ``pinecone`` SDK (10.x).

    from otel_llmcost.instrumentation.pinecone import PineconeInstrumentor

    PineconeInstrumentor().instrument(tracer_provider=provider)

Or with no code: ``opentelemetry-instrument`` finds it under the entry point ``llmcost_pinecone``. The SDK's
reads go to the index's own host straight through its HTTP transport (no ``httpx.Client.send`` the HTTP
fallback would see), so its methods are wrapped: ``Index.query``, ``fetch``, ``fetch_by_metadata``, ``search``,
``list_paginated`` and their ``AsyncIndex`` twins, each priced by the read units its response reports; ``upsert``,
``update`` and ``delete``, priced by the write units counted from the request as Pinecone's cost page defines them
(its responses report none), marked ``estimated``. Neither importing this module nor instrumenting imports
``pinecone``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._instrumentor import Instrumentor, Options

if TYPE_CHECKING:
    from .._adapter import Adapter
    from .._patches import Patch

__all__ = ["PineconeInstrumentor"]


class PineconeInstrumentor(Instrumentor):
    """Traces the Pinecone SDK's index reads and writes (``Index``, ``AsyncIndex``), billed in read and write units.

    A write's units are counted from its request (the responses report none), a lower bound where the request
    cannot say (an overwritten record, the records a delete removes). `instrument` takes ``tracer_provider`` and
    ``meter_provider``.
    """

    sdk = "pinecone"

    dependencies = ("pinecone >= 10.0",)

    def provider(self, options: Options) -> tuple[Adapter, Iterable[Patch]]:
        from ._adapter import PineconeAdapter
        from ._patches import PATCHES

        return PineconeAdapter(), PATCHES
