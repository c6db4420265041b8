"""Pinecone serverless reads through the real ``pinecone`` client: one span each, priced by its read units.

The client is faked at its HTTP transport (``httpx.HTTPTransport.handle_request``, which its own retrying transport
calls) with responses shaped as Pinecone's API reference documents them (``usage.readUnits``).
"""

from __future__ import annotations

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
ANSWERS = {"/query": "pinecone_query", "/vectors/fetch": "pinecone_fetch", "/vectors/upsert": "pinecone_upsert"}


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


def test_an_upsert_reports_no_write_units_and_gets_no_span(tracing: Tracing, pinecone_index: Any) -> None:
    result = pinecone_index.upsert(vectors=[("vec1", [0.1, 0.2, 0.3]), ("vec2", [0.4, 0.5, 0.6])])
    assert result.upserted_count == 2
    assert spans(tracing) == []
