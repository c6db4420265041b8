"""An application whose collector is down: it calls an SDK many times, or floods the pipeline with spans.

    python endpoint_down.py calls N   # N anthropic calls (the SDK traces itself) through a fake transport
    python endpoint_down.py flood N   # N priced chat spans, watching the batch span processor's queue

Both call ``otel_llmcost.instrument()`` first, which builds the pipeline from the ``OTEL_*`` variables. The
last line printed is JSON: what the calls returned or the queue's largest length, and ``finished_at``, the
time ``main`` returned, so that the test can tell how long the exit took.
"""

from __future__ import annotations

import json
import sys
import time

from fake_clients import anthropic_client, call_anthropic

CHAT = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "anthropic",
    "gen_ai.request.model": "claude-sonnet-4-5",
    "gen_ai.usage.input_tokens": 1250,
    "gen_ai.usage.output_tokens": 310,
}


def calls(count: int) -> dict[str, object]:
    client = anthropic_client()
    answered, errors = 0, []
    for _ in range(count):
        try:
            if call_anthropic(client) == "msg_01HCDu5LRGeP2o7s2xGmxyFE":
                answered += 1
        except Exception as error:  # the test shows that none reaches the application
            errors.append(repr(error))
    return {"answered": answered, "errors": errors}


def flood(count: int) -> dict[str, object]:
    from opentelemetry import trace

    provider = trace.get_tracer_provider()
    (cost,) = provider._active_span_processor._span_processors  # type: ignore[attr-defined]
    queue_owner = cost._next._next._batch_processor  # Cost(Attribution(BatchSpanProcessor)), opentelemetry-sdk 1.45
    tracer = provider.get_tracer("flood")
    longest = 0
    for _ in range(count):
        with tracer.start_as_current_span("chat claude-sonnet-4-5", attributes=CHAT):
            pass
        longest = max(longest, len(queue_owner._queue))
    return {"spans": count, "longest_queue": longest, "max_queue_size": queue_owner._max_queue_size}


def main() -> None:
    import otel_llmcost

    otel_llmcost.instrument()
    mode, count = sys.argv[1], int(sys.argv[2])
    result = calls(count) if mode == "calls" else flood(count)
    print(json.dumps({**result, "finished_at": time.time()}), flush=True)


if __name__ == "__main__":
    main()
