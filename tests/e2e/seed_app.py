"""The seed scenario (`tests/seed_scenario.py`) as an application with no tracing code of its own:

    OTEL_LLMCOST_METRIC_ATTRIBUTES=llmcost.customer.id opentelemetry-instrument python seed_app.py

Three customers' research assistants run at once through the real openai SDK, answering from recordings. Its
telemetry goes wherever the ``OTEL_*`` variables say. Its last line of output is JSON: the answers' ids.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from seed_scenario import run_scenario


def main() -> None:
    print(json.dumps({"ids": run_scenario()}))


if __name__ == "__main__":
    main()
