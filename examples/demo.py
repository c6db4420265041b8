"""A support assistant whose every Claude and OpenAI call shows up in its traces with what it cost.

Run it with ``python examples/demo.py`` after ``pip install '.[anthropic,openai]'``. It needs no API key and
no network: both clients talk to a fake transport that replays recorded API responses. Everything else is
real: the anthropic SDK traces its own calls (``anthropic.messages.create`` spans), `OpenAIInstrumentor`
traces the openai SDK's (embeddings, chat, a stream, the Responses API), and `CostSpanProcessor` prices
every one of those spans on its way to the exporter.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import anthropic
import openai
from anthropic.types import Message, TextBlockParam
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_llmcost import CostSpanProcessor
from otel_llmcost.instrumentation.openai import OpenAIInstrumentor

try:
    import httpx2  # the HTTP client of anthropic 2.x, the first version that traces itself
except ImportError:
    sys.exit("This demo needs anthropic 2.x, which traces its own calls: pip install 'anthropic>=2'")

RECORDINGS = Path(__file__).parent / "recordings"
TRIAGE_MODEL = "claude-haiku-4-5"
WRITER_MODEL = "claude-sonnet-4-6"

# The help-center articles the assistant answers from. In the recorded run they were about 6,000 tokens, so
# they are cached: the first call writes them to the prompt cache and the next ones read them at a tenth of
# the price.
HELP_CENTER: list[TextBlockParam] = [
    {
        "type": "text",
        "text": "You answer billing tickets using these help-center articles: ...",
        "cache_control": {"type": "ephemeral"},
    }
]
TICKET = "Hi, I was charged twice for our Team plan on November 3. Can you refund the second charge? Dana"


def set_up_tracing() -> InMemorySpanExporter:
    """The one line that matters is the `CostSpanProcessor` in front of the exporting processor."""
    exporter = InMemorySpanExporter()  # in production: BatchSpanProcessor(OTLPSpanExporter())
    provider = TracerProvider()
    provider.add_span_processor(CostSpanProcessor(SimpleSpanProcessor(exporter)))
    trace.set_tracer_provider(provider)
    OpenAIInstrumentor().instrument(tracer_provider=provider)  # anthropic 2.x needs none: it traces itself
    return exporter


def replay(provider: str, *names: str) -> httpx2.MockTransport:
    """A transport that answers each request with the next recorded response, as the API sent it."""
    queue = list(names)

    def respond(request: httpx2.Request) -> httpx2.Response:
        name = queue.pop(0)
        recording = json.loads((RECORDINGS / provider / f"{name}.json").read_text(encoding="utf-8"))
        stream = RECORDINGS / provider / f"{name}.sse"
        body = stream.read_bytes() if stream.exists() else json.dumps(recording["body"]).encode()
        return httpx2.Response(recording["status"], headers=recording["headers"], content=body)

    return httpx2.MockTransport(respond)


def text_of(message: Message) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


def answer_ticket(client: anthropic.Anthropic, assistant: openai.OpenAI, ticket: str) -> None:
    """Look the ticket up, classify it, draft and check an answer, stream the reply, explain, and file it."""
    tracer = trace.get_tracer("support-assistant")
    with tracer.start_as_current_span("answer_ticket"):
        found = assistant.embeddings.create(model="text-embedding-3-small", input=ticket)
        print(f"Searched the help center with a {len(found.data[0].embedding)}-dimension embedding")

        category = client.messages.create(
            model=TRIAGE_MODEL,
            max_tokens=10,
            system="Classify the ticket as billing, bug, account or other. Answer with the category only.",
            messages=[{"role": "user", "content": ticket}],
        )
        print(f"Category: {text_of(category)}")

        draft = client.messages.create(
            model=WRITER_MODEL, max_tokens=1024, system=HELP_CENTER, messages=[{"role": "user", "content": ticket}]
        )
        check = client.messages.create(
            model=WRITER_MODEL,
            max_tokens=256,
            system=HELP_CENTER,
            messages=[{"role": "user", "content": f"Does this answer follow the policies?\n\n{text_of(draft)}"}],
        )
        print(f"Policy check: {text_of(check)}\n")

        print("Reply to the customer:\n")
        with client.messages.stream(
            model=WRITER_MODEL,
            max_tokens=1024,
            system=HELP_CENTER,
            messages=[{"role": "user", "content": f"Write the final reply to this ticket:\n\n{ticket}"}],
        ) as stream:
            for chunk in stream.text_stream:
                print(chunk, end="", flush=True)
        print("\n")

        # A second opinion from another vendor, the way many teams route: one call, one stream.
        question = [{"role": "user", "content": f"Explain the charges in this ticket:\n\n{ticket}"}]
        explained = assistant.chat.completions.create(model="gpt-4o-mini", messages=question)  # type: ignore[arg-type]
        print(f"Why two charges: {explained.choices[0].message.content}\n")
        streamed = assistant.chat.completions.create(
            model="gpt-4o-mini",
            messages=question,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},  # the usage chunk is what makes a stream priceable
        )
        words = sum(len((chunk.choices[0].delta.content or "").split()) for chunk in streamed if chunk.choices)
        print(f"Streamed the same explanation: {words} words\n")
        note = assistant.responses.create(model="gpt-4o-mini", input=f"Summarize for the CRM:\n\n{ticket}")
        print(f"CRM note: {note.output_text}\n")


def print_costs(spans: Sequence[ReadableSpan]) -> None:
    """One line per call, then the totals: all read back from the attributes of the exported spans."""
    row = "{:<34} {:<26} {:>7} {:>11} {:>7} {:>12}  {}"
    total = "{:<89} {:>12.8f}"
    print(row.format("span", "model", "input", "cached r/w", "output", "cost USD", "status"))
    by_model: defaultdict[str, float] = defaultdict(float)
    for span in spans:
        call = span.attributes or {}
        if call.get("gen_ai.operation.name") not in ("chat", "embeddings"):
            continue
        model = str(call.get("gen_ai.response.model") or call["gen_ai.request.model"])
        cost = call.get("gen_ai.usage.cost.amount")  # absent when a call cannot be priced: never a made-up zero
        if isinstance(cost, float):
            by_model[model] += cost
        read = call.get("gen_ai.usage.cache_read.input_tokens", 0)
        written = call.get(
            "gen_ai.usage.cache_write.input_tokens", call.get("gen_ai.usage.cache_creation.input_tokens", 0)
        )
        cached = f"{read}/{written}"
        shown = f"{cost:.8f}" if isinstance(cost, float) else "-"
        tokens_in, tokens_out = call["gen_ai.usage.input_tokens"], call.get("gen_ai.usage.output_tokens", 0)
        print(row.format(span.name, model, tokens_in, cached, tokens_out, shown, call["llmcost.status"]))

    print()
    for model, cost in sorted(by_model.items()):
        print(total.format(f"total {model}", cost))
    print(total.format("grand total", sum(by_model.values())))
    outer = next(span.attributes or {} for span in spans if span.name == "answer_ticket")
    label = f"answer_ticket span: llmcost.subtree.cost ({outer['llmcost.subtree.calls']} calls)"
    print(total.format(label, outer["llmcost.subtree.cost"]))
    print("\nEvery number above was read back from span attributes; with an OTLP exporter they reach your backend.")


def main() -> None:
    exporter = set_up_tracing()
    claude = replay("anthropic", "classify", "draft", "check", "reply")
    gpt = replay(
        "openai",
        "embeddings_text_embedding_3_small",
        "chat_gpt_4o_mini",
        "chat_gpt_4o_mini_stream",
        "responses_gpt_4o_mini",
    )
    with (
        anthropic.Anthropic(api_key="demo-no-key", http_client=httpx2.Client(transport=claude)) as client,
        openai.OpenAI(api_key="demo-no-key", http_client=httpx2.Client(transport=gpt)) as assistant,
    ):
        answer_ticket(client, assistant, TICKET)
    print_costs(exporter.get_finished_spans())


if __name__ == "__main__":
    main()
