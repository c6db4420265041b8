"""Setting up: costs on every GenAI span with one call, or with no code at all.

- `instrument` / `uninstrument`: one call at start-up; builds the telemetry pipeline from the ``OTEL_*``
  variables, or puts the cost processor into the one the application configured, and instruments the
  provider SDKs that are installed.
- `flush`: export what the providers hold, where a process ends without ``atexit`` (Celery's prefork children).
- ``_configurator``: the ``opentelemetry-instrument`` hook (entry point group ``opentelemetry_pre_instrument``).
- ``_pipeline``: building a pipeline, and wrapping an existing one's exporting processors.
- ``_delivery``: short export timeouts, and one warning when the collector is down.
- ``_fork``: forked workers, and processes killed by SIGTERM, flush (``_flush``) as they exit; ``_servers``:
  uvicorn's do.
- `CostRecordingSampler` (``_sampling``): the calls a trace sampler drops are still priced and counted.
- ``_summary``: the cost summary at exit (``OTEL_LLMCOST_SUMMARY``).

``docs/setup.md`` compares the routes.
"""

from ._flush import flush
from ._instrument import instrument, uninstrument
from ._sampling import CostRecordingSampler

__all__ = ["CostRecordingSampler", "flush", "instrument", "uninstrument"]
