"""What reading an OpenAI Realtime session costs per server message, beside what the SDK itself does per message.

Every message the SDK receives goes through the instrumentor's reader (``openai/_realtime.py``): its type is
found in its first bytes, and only ``session.*``, ``response.created`` and ``response.done`` are parsed again.
Timed, in one process, per message kind:
  sdk       the SDK's own ``RealtimeConnection.parse_event`` (``recv()`` does it for every message): the baseline
  reader    the reader on the same message, in an open session (a response open for the deltas)
Kinds: an audio delta (100 ms of 24 kHz PCM16, base64: most of a voice session's traffic), a transcript delta,
and a ``response.done`` (whose reading ends a span: timed with its ``response.created`` before it).
Printed: the best of ``REPEAT`` runs of ``NUMBER`` messages, in microseconds per message, and the reader's share
of the SDK's own time. Run: ``python benchmarks/bench_realtime.py``.
"""

from __future__ import annotations

import base64
import json
import timeit
from typing import Any

from openai.resources.realtime.realtime import RealtimeConnection
from opentelemetry.sdk.trace import TracerProvider

from otel_llmcost._attributes import GenAiOperationNameValues
from otel_llmcost.instrumentation._genai import Telemetry
from otel_llmcost.instrumentation._realtime import Opening, Session
from otel_llmcost.instrumentation._surface import Setup
from otel_llmcost.instrumentation.openai._adapter import OpenAIAdapter
from otel_llmcost.instrumentation.openai._providers import Endpoints
from otel_llmcost.instrumentation.openai._realtime import READER

NUMBER = 2_000
REPEAT = 7
_IDS = {"response_id": "resp_CkR3c1Zq8", "item_id": "item_CkR3c1Jd9", "output_index": 0, "content_index": 0}


def _message(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


AUDIO = _message(
    {
        "type": "response.output_audio.delta",
        "event_id": "event_CkR3c1e00",
        **_IDS,
        "delta": base64.b64encode(bytes(4_800)).decode(),  # 100 ms at 24 kHz, 16-bit mono
    }
)
TRANSCRIPT = _message(
    {"type": "response.output_audio_transcript.delta", "event_id": "event_CkR3c1d00", **_IDS, "delta": " at nine."}
)
_RESPONSE = {"object": "realtime.response", "id": "resp_CkR3c1Zq8", "status": "in_progress", "output": []}
CREATED = _message({"type": "response.created", "event_id": "event_CkR3c1a01", "response": _RESPONSE})
DONE = _message(
    {
        "type": "response.done",
        "event_id": "event_CkR3c1z99",
        "response": {
            **_RESPONSE,
            "status": "completed",
            "usage": {
                "total_tokens": 1500,
                "input_tokens": 1200,
                "output_tokens": 300,
                "input_token_details": {"text_tokens": 200, "audio_tokens": 1000, "cached_tokens": 0},
                "output_token_details": {"text_tokens": 60, "audio_tokens": 240},
            },
        },
    }
)


def _session() -> Session:
    telemetry = Telemetry("bench", "0", tracer_provider=TracerProvider())
    setup = Setup(telemetry, OpenAIAdapter(Endpoints()))
    operation = GenAiOperationNameValues.CHAT
    return Session(Opening(setup, operation, "openai", "gpt-realtime", ("api.openai.com", 443), READER))


def _best(statement: Any) -> float:
    return min(timeit.repeat(statement, number=NUMBER, repeat=REPEAT)) / NUMBER * 1e6


def main() -> None:
    session = _session()
    READER.read(session, CREATED)  # a response in flight, for the deltas
    parse = RealtimeConnection.parse_event
    print(f"per message, best of {REPEAT} x {NUMBER} (microseconds)")
    print(f"{'message':<34}{'sdk':>9}{'reader':>9}{'share':>8}")
    for name, message in (("audio delta (6.4 kB)", AUDIO), ("transcript delta", TRANSCRIPT)):
        sdk = _best(lambda message=message: parse(None, message))  # pyright: ignore[reportArgumentType]
        reader = _best(lambda message=message: READER.read(session, message))
        print(f"{name:<34}{sdk:>9.2f}{reader:>9.2f}{reader / sdk:>8.0%}")

    def one_response() -> None:
        READER.read(session, CREATED)
        READER.read(session, DONE)

    sdk = _best(lambda: (parse(None, CREATED), parse(None, DONE)))  # pyright: ignore[reportArgumentType]
    reader = _best(one_response)
    print(f"{'response.created + response.done':<34}{sdk:>9.2f}{reader:>9.2f}{reader / sdk:>8.0%}")
    session.end()


if __name__ == "__main__":
    main()
