"""Pinecone serverless reads and writes through the real ``pinecone`` client: one span each, priced by its read
units, or by the write units counted from the request as Pinecone's cost page defines them.

The client is faked at its HTTP transport (``httpx.HTTPTransport.handle_request``, which its own retrying transport
calls) with responses shaped as Pinecone's API reference documents them (``usage.readUnits``; a write's response
reports no units).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from opentelemetry import context

from otel_llmcost.instrumentation.http_fallback import HTTPFallbackInstrumentor
from otel_llmcost.instrumentation.pinecone import PineconeInstrumentor

if TYPE_CHECKING:
    from conftest import Tracing

RECORDINGS = Path(__file__).parent / "recordings" / "nonllm"
HOST = "https://docs-example-abc123.svc.aped-4627-b74a.pinecone.io"
ANSWERS = {
    "/query": "pinecone_query",
    "/vectors/fetch": "pinecone_fetch",
    "/vectors/upsert": "pinecone_upsert",
    "/vectors/update": "pinecone_update",
    "/vectors/delete": "pinecone_delete",
}
WRITE_UNIT = D("4") / 1_000_000  # the Standard plan's $4 per million write units


@pytest.fixture
def pinecone_index(tracing: Tracing, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    seen: list[httpx.Request] = []

    def handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        seen.append(request)
        values = json.loads((RECORDINGS / f"{ANSWERS[request.url.path]}.json").read_text(encoding="utf-8"))
        return httpx.Response(values["status"], headers=values["headers"], json=values["body"], request=request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)
    token = context.attach(context.Context())  # no span another test left current
    instrumentors = [PineconeInstrumentor(), HTTPFallbackInstrumentor()]  # the fallback adds no second span
    for instrumentor in instrumentors:
        instrumentor.instrument(tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider)
    from pinecone import Pinecone

    index = Pinecone(api_key="pc-test").index(host=HOST)
    yield index
    assert seen, "the client sent nothing"
    for instrumentor in instrumentors:
        instrumentor.uninstrument()
    context.detach(token)


def spans(tracing: Tracing) -> list[dict[str, Any]]:
    return [dict(span.attributes or {}) for span in tracing.exporter.get_finished_spans()]


def test_a_query_is_priced_by_the_read_units_it_reports(tracing: Tracing, pinecone_index: Any) -> None:
    result = pinecone_index.query(vector=[0.1, 0.2, 0.3], top_k=2, namespace="example-namespace")
    assert result.usage.read_units == 6

    (attributes,) = spans(tracing)
    assert attributes["gen_ai.operation.name"] == "vector_read"
    assert attributes["gen_ai.provider.name"] == "pinecone"
    assert attributes["gen_ai.request.model"] == "serverless"
    assert attributes["server.address"] == "docs-example-abc123.svc.aped-4627-b74a.pinecone.io"
    assert attributes["llmcost.usage.read_units"] == 6
    assert "gen_ai.usage.input_tokens" not in attributes  # read units are no tokens
    assert attributes["llmcost.status"] == "priced"
    # 6 read units at the Standard plan's $16 per million
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(float(6 * D("16") / 1_000_000), abs=1e-15)
    assert attributes["llmcost.price.entry"] == "pinecone/serverless"


def test_a_fetch_is_one_span_though_it_goes_through_httpx_client_send(tracing: Tracing, pinecone_index: Any) -> None:
    result = pinecone_index.fetch(ids=["vec1", "vec2"], namespace="example-namespace")
    assert sorted(result.vectors) == ["vec1", "vec2"]

    (attributes,) = spans(tracing)
    assert attributes["llmcost.usage.read_units"] == 1
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(float(1 * D("16") / 1_000_000), abs=1e-15)


def test_an_upsert_is_priced_by_the_write_units_of_its_records_size(tracing: Tracing, pinecone_index: Any) -> None:
    # Three records, each of a 4-byte id, 768 dimensions and the 17 bytes of {"genre":"drama"}.
    records = [(f"vec{n}", [0.25] * 768, {"genre": "drama"}) for n in (1, 2, 3)]
    result = pinecone_index.upsert(vectors=records, namespace="example-namespace")
    assert result.upserted_count == 2  # the recording's; Pinecone's answer carries no write units

    (attributes,) = spans(tracing)
    assert attributes["gen_ai.operation.name"] == "vector_write"
    assert attributes["gen_ai.provider.name"] == "pinecone"
    assert attributes["gen_ai.request.model"] == "serverless"
    # 3 x (4 + 768 x 4 + 17) = 9,279 bytes = 9.279 KB: 1 WU per KB begun -> 10 (above the minimum of 5)
    assert attributes["llmcost.usage.write_units"] == 10
    assert "llmcost.usage.read_units" not in attributes
    assert attributes["llmcost.usage.status"] == "estimated"
    assert attributes["llmcost.status"] == "estimated"
    assert "no write units" in str(attributes["llmcost.reason.detail"])
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(float(10 * WRITE_UNIT), abs=1e-15)
    assert attributes["llmcost.price.entry"] == "pinecone/serverless"


def test_a_small_upsert_bills_the_minimum_of_five_write_units(tracing: Tracing, pinecone_index: Any) -> None:
    result = pinecone_index.upsert(vectors=[("vec1", [0.1, 0.2, 0.3]), ("vec2", [0.4, 0.5, 0.6])])
    assert result.upserted_count == 2

    (attributes,) = spans(tracing)
    assert attributes["llmcost.usage.write_units"] == 5  # 2 x (4 + 3 x 4) = 32 bytes: the minimum per request
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(float(5 * WRITE_UNIT), abs=1e-15)


def test_a_batched_upsert_counts_each_request_with_its_own_minimum(tracing: Tracing, pinecone_index: Any) -> None:
    records = [{"id": f"vec{n}", "values": [0.5] * 768} for n in (1, 2, 3, 4)]
    pinecone_index.upsert(vectors=records, batch_size=2, show_progress=False)

    (attributes,) = spans(tracing)  # one span for the call, whatever its requests
    # 2 requests of 2 x (4 + 768 x 4) = 6,152 bytes: 7 WUs each (the page's own row: 2 records of 3.2 KB, 7 WUs)
    assert attributes["llmcost.usage.write_units"] == 14
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(float(14 * WRITE_UNIT), abs=1e-15)


def test_an_update_is_priced_by_its_new_record_at_least_the_minimum(tracing: Tracing, pinecone_index: Any) -> None:
    pinecone_index.update(id="vec1", values=[0.5] * 2048, namespace="example-namespace")
    pinecone_index.update(id="vec2", set_metadata={"genre": "comedy"})

    big, small = spans(tracing)
    assert big["gen_ai.operation.name"] == "vector_write"
    assert big["llmcost.usage.write_units"] == 9  # 4 + 2,048 x 4 = 8,196 bytes: 9 KB begun
    assert big["gen_ai.usage.cost.amount"] == pytest.approx(float(9 * WRITE_UNIT), abs=1e-15)
    assert small["llmcost.usage.write_units"] == 5  # 4 + 18 bytes of metadata: the minimum
    assert "existing record" in str(small["llmcost.reason.detail"])


def test_a_delete_is_priced_at_the_minimum_it_bills(tracing: Tracing, pinecone_index: Any) -> None:
    assert pinecone_index.delete(ids=["vec1", "vec2"], namespace="example-namespace") is None

    (attributes,) = spans(tracing)
    assert attributes["gen_ai.operation.name"] == "vector_write"
    assert attributes["llmcost.usage.write_units"] == 5
    assert attributes["llmcost.status"] == "estimated"
    assert attributes["gen_ai.usage.cost.amount"] == pytest.approx(float(5 * WRITE_UNIT), abs=1e-15)


def test_the_asyncio_client_s_upsert_is_priced_alike(tracing: Tracing, monkeypatch: pytest.MonkeyPatch) -> None:
    async def handle_async_request(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> httpx.Response:
        values = json.loads((RECORDINGS / f"{ANSWERS[request.url.path]}.json").read_text(encoding="utf-8"))
        return httpx.Response(values["status"], headers=values["headers"], json=values["body"], request=request)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)
    token = context.attach(context.Context())
    instrumentor = PineconeInstrumentor()
    instrumentor.instrument(tracer_provider=tracing.tracer_provider, meter_provider=tracing.meter_provider)
    from pinecone import PineconeAsyncio

    async def run() -> None:
        async with PineconeAsyncio(api_key="pc-test") as client:
            index = client.IndexAsyncio(host=HOST)
            records = [(f"vec{n}", [0.25] * 768, {"genre": "drama"}) for n in (1, 2, 3)]
            await index.upsert(vectors=records, namespace="example-namespace")
            await index.delete(delete_all=True, namespace="example-namespace")
            await index.close()

    try:
        asyncio.run(run())
    finally:
        instrumentor.uninstrument()
        context.detach(token)
    upsert, delete = spans(tracing)
    assert upsert["llmcost.usage.write_units"] == 10  # 3 x (4 + 768 x 4 + 17) = 9,279 bytes
    assert upsert["gen_ai.usage.cost.amount"] == pytest.approx(float(10 * WRITE_UNIT), abs=1e-15)
    assert delete["llmcost.usage.write_units"] == 5  # deleting every record of a namespace: 5 WUs
