"""Setting up: costs on every GenAI span with one call, or with no code at all.

- `instrument` / `uninstrument`: one call at start-up; builds the telemetry pipeline from the ``OTEL_*``
  variables, or puts the cost processor into the one the application configured, and instruments the
  provider SDKs that are installed.
- ``_configurator``: the ``opentelemetry-instrument`` hook (entry point group ``opentelemetry_pre_instrument``).
- ``_pipeline``: building a pipeline, and wrapping an existing one's exporting processors.

``docs/setup.md`` compares the routes.
"""

from ._instrument import instrument, uninstrument

__all__ = ["instrument", "uninstrument"]
