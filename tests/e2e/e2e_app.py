"""The application the end-to-end tests run under ``opentelemetry-instrument``: five paid calls in one trace.

    opentelemetry-instrument python e2e_app.py

It opens one root span, ``support ticket``, and makes in it, through the real SDKs answering from recordings
(``tests/recordings``) through a fake transport:

- anthropic (which traces itself): ``sonnet_plain``, ``sonnet_cache`` (cache reads and 5-minute and 1-hour
  cache writes), and ``sonnet_stream`` read with ``messages.stream``;
- openai (traced by this package's ``llmcost_openai``): ``chat_gpt_4o_mini`` and ``chat_gpt_4o_mini_stream``.

Its telemetry goes wherever the ``OTEL_*`` variables say. Its last line of output is JSON: the trace id (32 hex
digits) and the response ids, in the order above.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import anthropic
import httpx2
import openai
from opentelemetry import trace

from replay import Replay, recorded

MESSAGES = [{"role": "user", "content": "Why was I charged twice this month?"}]
ROOT_SPAN = "support ticket"


def anthropic_calls() -> list[str]:
    # The recordings are of claude-sonnet-4-5, which the SDK warns is near its end of life.
    warnings.filterwarnings("ignore", "The model 'claude-sonnet-4-5", DeprecationWarning)
    replay = Replay(*(recorded("anthropic", name) for name in ("sonnet_plain", "sonnet_cache", "sonnet_stream")))
    client = anthropic.Anthropic(
        api_key="test-no-key", http_client=httpx2.Client(transport=httpx2.MockTransport(replay)), max_retries=0
    )
    ids = [client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=MESSAGES).id for _ in "12"]
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=1024, messages=MESSAGES) as stream:
        ids.append(stream.get_final_message().id)
    return ids


def openai_calls() -> list[str]:
    replay = Replay(recorded("openai", "chat_gpt_4o_mini"), recorded("openai", "chat_gpt_4o_mini_stream"))
    client = openai.OpenAI(
        api_key="test-no-key", http_client=httpx2.Client(transport=httpx2.MockTransport(replay)), max_retries=0
    )
    ids = [client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES).id]  # type: ignore[arg-type]
    chunks = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    ids.append([chunk.id for chunk in chunks][-1])
    return ids


def main() -> None:
    tracer = trace.get_tracer("otel-llmcost-e2e")
    with tracer.start_as_current_span(ROOT_SPAN) as root:
        ids = anthropic_calls() + openai_calls()
    trace_id = format(root.get_span_context().trace_id, "032x")
    print(json.dumps({"trace_id": trace_id, "ids": ids}))


if __name__ == "__main__":
    main()
