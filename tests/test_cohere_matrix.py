"""One Cohere call, one priced span, with ours, OpenLLMetry's ``opentelemetry-instrumentation-cohere``, or both
(in either order). Cohere's SDK has no tracing of its own.

OpenLLMetry 0.62 declares ``cohere < 6``: on a newer SDK ``instrument()`` steps aside unless told to skip that
check, as it is here, so that the wrappers it would put on meet ours. Its chat spans carry the billed units;
its embed and rerank spans no usage at all: for those, ours traces beside it and is the call's priced span.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import cohere
import pytest
from opentelemetry.instrumentation.cohere import CohereInstrumentor as OpenLLMetryCohere

from instrumentor_support import instrumenting
from otel_llmcost.instrumentation.cohere import CohereInstrumentor
from test_cohere_calls import MESSAGES, MODEL, client, cost, recording

if TYPE_CHECKING:
    from conftest import Tracing


def ours(tracing: Tracing) -> AbstractContextManager[object]:
    return instrumenting(CohereInstrumentor(), tracing)


@contextmanager
def openllmetry(tracing: Tracing) -> Iterator[None]:
    """OpenLLMetry's instrumentor on, then off. Its ``uninstrument`` sets each method it unwraps on the class it
    wrapped (``ClientV2``), where it was inherited: those copies are removed, so that the next test starts clean."""
    classes = (cohere.ClientV2, cohere.AsyncClientV2, cohere.Client, cohere.AsyncClient)
    before = {cls: set(vars(cls)) for cls in classes}
    instrumentor = OpenLLMetryCohere()
    instrumentor.instrument(tracer_provider=tracing.tracer_provider, skip_dep_check=True)
    try:
        yield
    finally:
        instrumentor.uninstrument()
        for cls, names in before.items():
            for name in set(vars(cls)) - names:
                delattr(cls, name)


def chat(sdk: Any) -> None:
    sdk.chat(model=MODEL, messages=MESSAGES)


def chat_stream(sdk: Any) -> None:
    assert len(list(sdk.chat_stream(model=MODEL, messages=MESSAGES))) == 8


def embed(sdk: Any) -> None:
    sdk.embed(
        model="embed-v4.0",
        texts=["Why was I charged twice this month?"],
        input_type="search_query",
        embedding_types=["float"],
    )


def rerank(sdk: Any) -> None:
    sdk.rerank(model="rerank-v3.5", query="double charge", documents=["Refund policy", "Billing FAQ"])


CALLS: list[tuple[str, Callable[[Any], None], str, Decimal]] = [
    ("chat", chat, "chat_command_a", Decimal("0.007")),  # 1800 * 2.50/1e6 + 250 * 10.00/1e6
    ("chat_stream", chat_stream, "chat_command_a_stream", Decimal("0.007")),  # the same billed units
    ("embed", embed, "embed_v4", Decimal("0.00036")),  # 3000 * 0.12/1e6
    ("rerank", rerank, "rerank_v35", Decimal("0.002")),  # 1 search unit * 2.00/1e3
]
ORDERS = {"ours": ("ours",), "openllmetry": ("openllmetry",), "ours,openllmetry": ("ours", "openllmetry")}
ORDERS["openllmetry,ours"] = ("openllmetry", "ours")


@pytest.mark.parametrize("order", list(ORDERS))
@pytest.mark.parametrize(("name", "call", "recorded", "expected"), CALLS, ids=[call[0] for call in CALLS])
def test_one_call_is_one_priced_span(
    tracing: Tracing, order: str, name: str, call: Callable[[Any], None], recorded: str, expected: Decimal
) -> None:
    with ExitStack() as stack:
        for tracer in ORDERS[order]:
            stack.enter_context((ours if tracer == "ours" else openllmetry)(tracing))
        sdk, replay = client(recording(recorded))
        call(sdk)

    assert len(replay.requests) == 1
    spans = list(tracing.exporter.get_finished_spans())
    priced = [dict(span.attributes or {}) for span in spans if "gen_ai.usage.cost.amount" in (span.attributes or {})]
    if order == "openllmetry" and name in ("embed", "rerank"):
        # Theirs alone: a span with no usage, which nothing can price; that is why ours traces beside it.
        assert len(spans) == 1
        assert priced == []
        return
    assert len(priced) == 1, [(span.name, dict(span.attributes or {})) for span in spans]
    assert cost(priced[0]) == expected
    if name.startswith("chat"):
        assert len(spans) == 1  # theirs or ours, never both
