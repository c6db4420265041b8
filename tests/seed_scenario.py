"""The seed scenario: three customers' research assistants at once, on threads and tasks, through the openai SDK.

No tests here: `test_attribution_seed.py` runs it on a test's tracer provider, and `e2e/seed_app.py` under
``opentelemetry-instrument``, shipping to a real VictoriaMetrics.

The agent ``research_assistant`` has two tools: ``llm_analysis`` (an embeddings call and a chat call) and
``synthesize`` (a chat call). Each customer's calls answer from recordings (``chat_gpt_4o_mini`` and
``embeddings_text_embedding_3_small``) given a response id and a usage of that customer's own, so that every
cost says whose it is. ``cus_alpha`` runs on a pool thread (its attribution carried by `in_context`),
``cus_beta`` on another, ``cus_gamma`` in asyncio tasks on a third; the first request of each waits until
all three are in flight. ``cus_alpha`` and ``cus_beta`` are tenant ``acme``'s customers, ``cus_gamma`` is
``globex``'s.
"""

from __future__ import annotations

import asyncio
import copy
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx2
import openai
from opentelemetry.trace import TracerProvider

from otel_llmcost import attribute, in_context, section
from replay import RECORDINGS

QUESTION = "Which of our plans did churned customers use most?"
# (prompt tokens, of which cached, completion tokens) of each customer's chat calls, and what one costs at
# gpt-4o-mini's $0.15 input, $0.075 cached input and $0.60 output per million tokens.
CHAT_USAGE = {
    "cus_alpha": (1000, 400, 200),  # 600 * 0.15/1e6 + 400 * 0.075/1e6 + 200 * 0.60/1e6 = $0.00024
    "cus_beta": (2000, 0, 100),  # 2000 * 0.15/1e6 + 100 * 0.60/1e6 = $0.00036
    "cus_gamma": (500, 0, 50),  # 500 * 0.15/1e6 + 50 * 0.60/1e6 = $0.000105
}
EMBEDDING_COST = Decimal("0.00000016")  # 8 tokens * $0.02/1e6 (text-embedding-3-small)
# One assistant run: one embeddings call and two chat calls.
EXPECTED = {
    "cus_alpha": EMBEDDING_COST + 2 * Decimal("0.00024"),  # $0.00048016
    "cus_beta": EMBEDDING_COST + 2 * Decimal("0.00036"),  # $0.00072016
    "cus_gamma": EMBEDDING_COST + 2 * Decimal("0.000105"),  # $0.00021016
}
TENANTS = {"cus_alpha": "acme", "cus_beta": "acme", "cus_gamma": "globex"}
EXPECTED_BY_TENANT = {
    "acme": EXPECTED["cus_alpha"] + EXPECTED["cus_beta"],  # $0.00120032
    "globex": EXPECTED["cus_gamma"],  # $0.00021016
}


def _recording(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((RECORDINGS / "openai" / f"{name}.json").read_text(encoding="utf-8"))
    return found


def _response(recording: dict[str, Any], body: dict[str, Any]) -> httpx2.Response:
    return httpx2.Response(recording["status"], headers=recording["headers"], content=json.dumps(body).encode())


def _answers(customer: str) -> list[httpx2.Response]:
    """The customer's three responses, in the order the assistant calls: embeddings, analysis, synthesis."""
    embedding = _recording("embeddings_text_embedding_3_small")
    chat = _recording("chat_gpt_4o_mini")
    prompt, cached, completion = CHAT_USAGE[customer]
    responses = [_response(embedding, embedding["body"])]
    for step in ("analysis", "synthesis"):
        body = copy.deepcopy(chat["body"])
        body["id"] = f"chatcmpl-{customer}-{step}"
        body["usage"].update(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)
        body["usage"]["prompt_tokens_details"]["cached_tokens"] = cached
        responses.append(_response(chat, body))
    return responses


class _Server:
    """Answers each customer's embeddings request, and its chat requests in order; the first request of each
    waits until all three are in flight."""

    def __init__(self) -> None:
        self.all_in_flight = threading.Barrier(3, timeout=30)
        self.requests: dict[str, int] = {}

    def handler(self, customer: str) -> Callable[[httpx2.Request], httpx2.Response]:
        embedding, *chats = _answers(customer)

        def answer(request: httpx2.Request) -> httpx2.Response:
            self.requests[customer] = self.requests.get(customer, 0) + 1
            if self.requests[customer] == 1:
                self.all_in_flight.wait()
            # By path: the async assistant's embeddings and analysis requests are in flight at once.
            return embedding if request.url.path.endswith("/embeddings") else chats.pop(0)

        return answer


def run_scenario(provider: TracerProvider | None = None) -> list[str]:
    """Runs the three assistants at once; returns each one's answer id (alpha, beta, gamma)."""
    server = _Server()

    @section("research_assistant", kind="agent", tracer_provider=provider)
    def research_assistant(client: openai.OpenAI) -> str:
        with section("llm_analysis", kind="tool", tracer_provider=provider):
            client.embeddings.create(model="text-embedding-3-small", input=QUESTION)
            analysis = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": QUESTION}]
            )
        with section("synthesize", kind="tool", tracer_provider=provider):
            answer = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": analysis.choices[0].message.content or ""}]
            )
        return answer.id

    @section("research_assistant", kind="agent", tracer_provider=provider)
    async def async_research_assistant(client: openai.AsyncOpenAI) -> str:
        with section("llm_analysis", kind="tool", tracer_provider=provider):
            # Two tasks, each with a copy of the tool's context.
            _, analysis = await asyncio.gather(
                client.embeddings.create(model="text-embedding-3-small", input=QUESTION),
                _after_the_embedding(
                    client.chat.completions.create(
                        model="gpt-4o-mini", messages=[{"role": "user", "content": QUESTION}]
                    )
                ),
            )
        with section("synthesize", kind="tool", tracer_provider=provider):
            answer = await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": analysis.choices[0].message.content or ""}]
            )
        return answer.id

    def sync_client(customer: str) -> openai.OpenAI:
        transport = httpx2.MockTransport(server.handler(customer))
        return openai.OpenAI(api_key="test", max_retries=0, http_client=httpx2.Client(transport=transport))

    def gamma() -> str:
        @attribute(customer="cus_gamma", tenant="globex")
        async def run() -> str:
            transport = httpx2.MockTransport(server.handler("cus_gamma"))
            client = openai.AsyncOpenAI(
                api_key="test", max_retries=0, http_client=httpx2.AsyncClient(transport=transport)
            )
            return await asyncio.create_task(async_research_assistant(client))

        return asyncio.run(run())

    def beta() -> str:
        with attribute(customer="cus_beta", tenant="acme"):
            return research_assistant(sync_client("cus_beta"))

    with ThreadPoolExecutor(max_workers=3) as pool:
        with attribute(customer="cus_alpha", tenant="acme"):
            alpha_run = pool.submit(in_context(research_assistant), sync_client("cus_alpha"))
        beta_run, gamma_run = pool.submit(beta), pool.submit(gamma)
        return [alpha_run.result(), beta_run.result(), gamma_run.result()]


async def _after_the_embedding(call: Any) -> Any:
    await asyncio.sleep(0)
    return await call
