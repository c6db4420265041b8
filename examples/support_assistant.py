"""A support assistant that answers a billing ticket with Claude, OpenAI, Gemini, an open model on Groq, Amazon Nova
on Bedrock and Mistral's API called with plain httpx.

It has no tracing code at all: run it under the standard zero-code command and its calls become priced spans,

    opentelemetry-instrument python examples/support_assistant.py

because this package, installed, puts its cost processor into the pipeline `opentelemetry-instrument` builds
and traces the openai and google-genai SDKs and boto3 (the anthropic SDK 2.x traces itself); a call made with
plain httpx to a known API (here Mistral's, with no SDK) is priced by its HTTP fallback. ``make demo`` runs it that
way, ships the spans to a local Arize Phoenix and prints the costs Phoenix received (``examples/demo.py``).

It needs no API key and no network: the clients talk to a fake transport that replays recorded API responses.
Its last line of output is ``trace <id>``, the trace that holds all its calls.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import anthropic
import boto3
import httpx  # the HTTP client of google-genai, and the demo's own for Mistral's API
import openai
from anthropic.types import Message, TextBlockParam
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from google import genai
from opentelemetry import trace
from urllib3 import HTTPResponse

try:
    import httpx2  # the HTTP client of anthropic 2.x, the first version that traces itself
except ImportError:
    sys.exit("This demo needs anthropic 2.x, which traces its own calls: pip install 'anthropic>=2'")

RECORDINGS = Path(__file__).parent / "recordings"
TRIAGE_MODEL = "claude-haiku-4-5"
WRITER_MODEL = "claude-sonnet-4-6"
GROQ = "https://api.groq.com/openai/v1"
MISTRAL_CHAT = "https://api.mistral.ai/v1/chat/completions"
NOVA = "us.amazon.nova-lite-v1:0"  # Amazon Nova Lite through the US cross-Region inference profile

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


def gemini_replay(*names: str) -> genai.Client:
    """A Gemini client whose requests are answered by the recorded responses ``names``."""
    queue = list(names)

    def respond(request: httpx.Request) -> httpx.Response:
        recording = json.loads((RECORDINGS / "google_genai" / f"{queue.pop(0)}.json").read_text(encoding="utf-8"))
        return httpx.Response(recording["status"], headers=recording["headers"], json=recording["body"])

    return genai.Client(
        api_key="demo-no-key", http_options={"client_args": {"transport": httpx.MockTransport(respond)}}
    )


def bedrock_replay(*names: str) -> Any:
    """A real ``bedrock-runtime`` client whose requests botocore builds and signs, then answers from the recorded
    responses ``names`` (its ``before-send`` event, botocore's hook for answering without the network)."""
    queue = list(names)

    def respond(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        recording = json.loads((RECORDINGS / "bedrock" / f"{queue.pop(0)}.json").read_text(encoding="utf-8"))
        body = json.dumps(recording["body"]).encode()
        headers = {**recording["headers"], "content-length": str(len(body))}
        raw = HTTPResponse(body=io.BytesIO(body), headers=headers, status=recording["status"], preload_content=False)
        return AWSResponse(request.url, recording["status"], headers, raw)

    client: Any = boto3.client(  # pyright: ignore[reportUnknownMemberType]
        "bedrock-runtime", region_name="us-east-1", aws_access_key_id="demo", aws_secret_access_key="demo-no-key"
    )
    client.meta.events.register("before-send.bedrock-runtime", respond)
    return client


def mistral_replay(*names: str) -> httpx.Client:
    """A plain httpx client (no SDK) whose requests are answered by the recorded Mistral responses ``names``."""
    queue = list(names)

    def respond(request: httpx.Request) -> httpx.Response:
        recording = json.loads((RECORDINGS / "mistral" / f"{queue.pop(0)}.json").read_text(encoding="utf-8"))
        return httpx.Response(recording["status"], headers=recording["headers"], json=recording["body"])

    return httpx.Client(transport=httpx.MockTransport(respond), headers={"authorization": "Bearer demo-no-key"})


def answer_ticket(
    client: anthropic.Anthropic,
    assistant: openai.OpenAI,
    fast: openai.OpenAI,
    gemini: genai.Client,
    bedrock: Any,
    http: httpx.Client,
    ticket: str,
) -> str:
    """Look the ticket up, classify it, draft and check an answer, stream the reply, explain, file it, write
    the queue's one-line summary, translate the reply and tag the ticket; the id of the trace that holds it all."""
    tracer = trace.get_tracer("support-assistant")
    with tracer.start_as_current_span("answer_ticket") as span:
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

        # The customer's mood for the queue, from Gemini (its thinking tokens are billed as output).
        mood = gemini.models.generate_content(
            model="gemini-2.5-flash", contents=f"The customer's mood, in a word:\n\n{ticket}"
        )
        print(f"Customer mood: {mood.text}\n")

        # The queue's one-line summary, from a fast open model on Groq (Groq sends the usage in its last chunk).
        summary = fast.chat.completions.create(
            model="llama-3.3-70b-versatile",
            messages=[{"role": "user", "content": f"One line for the support queue:\n\n{ticket}"}],
            stream=True,
        )
        print(f"Queue summary: {''.join(chunk.choices[0].delta.content or '' for chunk in summary if chunk.choices)}")

        # The reply in the customer's language, from Amazon Nova on AWS Bedrock (boto3's Converse).
        translated = bedrock.converse(
            modelId=NOVA,
            messages=[{"role": "user", "content": [{"text": f"Our reply to this ticket, in Spanish:\n\n{ticket}"}]}],
            inferenceConfig={"maxTokens": 256},
        )
        print(f"\nIn Spanish: {translated['output']['message']['content'][0]['text']}\n")

        # Tags from Mistral's API, called with plain httpx by a hand-written client: no SDK, no instrumentor of
        # its own, yet the call is priced (the HTTP fallback knows the host and reads the usage in the body).
        tags = http.post(
            MISTRAL_CHAT,
            json={"model": "mistral-small-2506", "messages": [{"role": "user", "content": f"Tag this:\n\n{ticket}"}]},
        ).json()
        print(f"Tags: {tags['choices'][0]['message']['content']}")
        return format(span.get_span_context().trace_id, "032x")


def main() -> None:
    claude = replay("anthropic", "classify", "draft", "check", "reply")
    gpt = replay(
        "openai",
        "embeddings_text_embedding_3_small",
        "chat_gpt_4o_mini",
        "chat_gpt_4o_mini_stream",
        "responses_gpt_4o_mini",
    )
    llama = replay("openai", "chat_groq_stream")
    with (
        anthropic.Anthropic(api_key="demo-no-key", http_client=httpx2.Client(transport=claude)) as client,
        openai.OpenAI(api_key="demo-no-key", http_client=httpx2.Client(transport=gpt)) as assistant,
        openai.OpenAI(api_key="demo-no-key", base_url=GROQ, http_client=httpx2.Client(transport=llama)) as fast,
        mistral_replay("chat_mistral_small") as http,
    ):
        bedrock = bedrock_replay("converse_nova_lite")
        trace_id = answer_ticket(client, assistant, fast, gemini_replay("flash_mood"), bedrock, http, TICKET)
    print(f"\ntrace {trace_id}")


if __name__ == "__main__":
    main()
