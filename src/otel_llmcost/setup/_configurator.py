"""The ``opentelemetry-instrument`` hook: the cost processor in the pipeline of the zero-code route.

``opentelemetry-instrument`` loads a distro, then at most one ``opentelemetry_configurator`` (the first it
finds, or the one ``OTEL_PYTHON_CONFIGURATOR`` names; every other is skipped with a warning), then calls the
``opentelemetry_pre_instrument`` hooks, then the instrumentors. This package registers no configurator: a
second one beside ``opentelemetry-distro``'s, or a vendor's, would print that warning at every start and, when
found first, silently replace the other's set-up. It registers `pre_instrument` instead, which runs after
whichever configurator ran:

- a configurator built an SDK `TracerProvider` (``opentelemetry-distro`` or a vendor's): one
  `CostSpanProcessor` goes in front of its exporting processors, in place; with none
  (``OTEL_TRACES_EXPORTER=none``), one that exports nothing is added, for the cost metrics and the summary;
- none did (the package installed without a distro): it builds the tracer and meter providers from the
  ``OTEL_*`` variables the way `otel_llmcost.instrument` does.

The instrumentors (``llmcost_openai``...) are ``opentelemetry_instrumentor`` entry points that
``opentelemetry-instrument`` loads itself, so ``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS`` applies to them.
"""

from __future__ import annotations

import logging

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from ._delivery import quiet_export_errors
from ._fork import flush_at_worker_exit
from ._pipeline import Pricing, configure, price_without_export, sdk_disabled, tracer_provider_unset, wrap
from ._sampling import record_dropped_calls
from ._summary import print_summary_at_exit, summary_wanted

__all__ = ["pre_instrument"]

_log = logging.getLogger("otel_llmcost")


def pre_instrument() -> None:
    """Puts the cost processor into the pipeline ``opentelemetry-instrument`` set up, or sets one up.

    Never raises: a failure is one warning line, and the application runs on without costs.
    """
    if sdk_disabled():
        return
    try:
        quiet_export_errors()
        flush_at_worker_exit()
        if summary_wanted(None):
            print_summary_at_exit()
        if tracer_provider_unset():
            configure(Pricing())
            return
        provider = trace.get_tracer_provider()
        if isinstance(provider, TracerProvider):
            record_dropped_calls(provider)  # no instrumentor has asked it for a tracer yet
            outcome = wrap(provider, Pricing())
            if outcome == "unknown":
                _log.warning("otel-llmcost does not know this SDK's span processors; spans go out without costs")
            elif outcome == "nothing to wrap":
                # No span exporter (OTEL_TRACES_EXPORTER=none): prices for the cost metrics and the summary.
                price_without_export(provider, Pricing())
            else:
                _log.debug("otel-llmcost: pipeline of the configured tracer provider: %s", outcome)
    except Exception as error:  # noqa: BLE001 - zero-code set-up must never stop the application
        _log.warning("otel-llmcost could not add costs to the telemetry pipeline: %s", error)
        _log.debug("otel-llmcost: set-up failed", exc_info=True)
