"""`instrument()` and `uninstrument()`: costs on every GenAI span from one call at start-up."""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import partial
from types import ModuleType
from typing import Literal, Protocol, cast

from opentelemetry import trace
from opentelemetry.instrumentation.environment_variables import (  # pyright: ignore[reportMissingTypeStubs]
    OTEL_PYTHON_DISABLED_INSTRUMENTATIONS,
)
from opentelemetry.sdk.trace import TracerProvider

from .._import_hooks import Hook, when_imported
from ..instrumentation import INSTRUMENTORS, Ours
from ._delivery import quiet_export_errors
from ._fork import flush_at_worker_exit, stop_flushing_at_sigterm
from ._pipeline import Pricing, Wrapping, configure, sdk_disabled, tracer_provider_unset, wrap
from ._summary import print_summary_at_exit, summary_wanted

__all__ = ["instrument", "uninstrument"]

_log = logging.getLogger("otel_llmcost")

ENTRY_POINT_PREFIX = "llmcost_"
_ONE_LINER = "provider.add_span_processor(CostSpanProcessor(BatchSpanProcessor(exporter)))"


class _Instrumentor(Protocol):
    """What this module uses of an `opentelemetry.instrumentation` `BaseInstrumentor`."""

    @property
    def is_instrumented_by_opentelemetry(self) -> bool: ...

    def instrumentation_dependencies(self) -> Collection[str]: ...

    def instrument(self, **kwargs: object) -> object: ...

    def uninstrument(self, **kwargs: object) -> object: ...


@dataclass
class _State:
    """What `instrument` did, so that calling it again does nothing twice and `uninstrument` undoes exactly it."""

    hooks: dict[str, list[Hook]] = field(default_factory=dict[str, list[Hook]])
    """Per provider, the hooks waiting for its SDK's import (kept once it has run: the provider is taken)."""
    instrumentors: list[_Instrumentor] = field(default_factory=list[_Instrumentor])
    """The instrumentors the hooks instrumented (`_applied` guards it: hooks run in whichever thread imports)."""
    wrapping: Wrapping | None = None
    pricing: Pricing | None = None
    """The options of the cost processor `instrument` put in place (it outlives `uninstrument` when `instrument`
    built the global tracer provider, which cannot be unset)."""
    capture_content: bool | None = None
    """The content setting the instrumentors in place were given."""


_lock = threading.RLock()
_applied = threading.Lock()
_state = _State()


def _disabled_instrumentations() -> set[str]:
    return {name.strip() for name in os.environ.get(OTEL_PYTHON_DISABLED_INSTRUMENTATIONS, "").split(",")}


def instrument(
    *,
    providers: Collection[str] | None = None,
    capture_content: bool | None = None,
    pricing_file: str | Collection[str] | None = None,
    model_map: Mapping[str, str] | None = None,
    cost_aliases: Collection[str] | None = None,
    metric_attributes: Collection[str] | None = None,
    summary: bool | None = None,
    setup_sdk: bool = True,
) -> None:
    """Prices every GenAI span the application exports, and instruments the provider SDKs that are installed.

    Call it once at start-up, before the SDK clients are made. A later call instruments SDKs not instrumented
    yet and applies ``summary``; options the pipeline or instrumentors in place were built with otherwise
    (``pricing_file``, ``model_map``, ``cost_aliases``, ``metric_attributes``, ``capture_content``) cannot change
    and a different value is ignored with one warning that names them. With nothing configured yet, it sets a global
    tracer provider and meter provider from the standard ``OTEL_*`` variables (service name and resource,
    sampler, exporters, OTLP protocol, endpoints and headers) with `CostSpanProcessor` in front of the span
    exporters. When the application has set an SDK `TracerProvider` already, it puts one `CostSpanProcessor`
    in front of that provider's exporting processors (`BatchSpanProcessor`, `SimpleSpanProcessor`) instead: that
    edits the SDK's internals, and adding the processor yourself (``docs/setup.md``) is the stable alternative.
    Calling it again changes nothing; `uninstrument` undoes it.

    Args:
        providers: the SDKs to instrument, by name (``"openai"``); by default every supported SDK that is
            installed. ``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS`` (``llmcost_openai``) still turns one off.
            Anthropic clients whose own tracing is on (anthropic 2.x) keep their own spans.
        capture_content: record prompts and completions on the spans; by default
            ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` decides (off when unset).
        pricing_file: price files that override the bundled table, after ``OTEL_LLMCOST_PRICING_FILE``. A broken
            one is logged as an error and leaves every span ``unpriced`` (``price_file_error``); it never raises.
        model_map: model names to price as others, such as Azure deployment names (``{"my-gpt4o": "gpt-4o"}``).
        cost_aliases: extra attributes that repeat the amount; ``("gen_ai.usage.cost",)`` by default.
        metric_attributes: span attributes to add to the cost counter, such as ``("tenant.id",)``: a call's
            value is its span's or its nearest open ancestor's, and each keeps its first 100 distinct values
            (later ones count as ``_OTHER``). By default ``OTEL_LLMCOST_METRIC_ATTRIBUTES`` (off when unset).
        summary: print what the calls cost, per model, on stderr when the process exits; by default
            ``OTEL_LLMCOST_SUMMARY`` decides (off when unset).
        setup_sdk: False to leave the tracer and meter providers alone and only instrument the SDKs; then put
            `CostSpanProcessor` in your pipeline yourself.

    Raises:
        ValueError: ``providers`` names an SDK this package has no instrumentor for, an ``OTEL_*`` variable
            names an exporter or protocol that cannot be built, or ``metric_attributes`` names an attribute the
            cost counter has already.
    """
    available = INSTRUMENTORS
    if isinstance(providers, str):
        providers = [providers]
    if providers is not None:
        unknown = sorted(set(providers) - set(available))
        if unknown:
            raise ValueError(
                f"otel-llmcost has no instrumentor for {', '.join(map(repr, unknown))}; installed: "
                f"{', '.join(sorted(available)) or 'none (is the package installed?)'}. "
                "The Anthropic SDK traces itself and needs none."
            )
    pricing = Pricing(pricing_file, model_map, cost_aliases, metric_attributes)
    with _lock:
        ignored: list[str] = []
        if setup_sdk and _state.pricing is not None:
            ignored += _differing(pricing, _state.pricing)
        elif setup_sdk and _state.wrapping is None:
            priced = _price_pipeline(pricing)
            if isinstance(priced, Wrapping) or priced == "built":
                _state.pricing = pricing
                _state.wrapping = priced if isinstance(priced, Wrapping) else None
            elif priced == "priced":
                ignored += _differing(pricing, Pricing())  # the application's own cost processor decides
        if capture_content is not None and _state.hooks and capture_content != _state.capture_content:
            ignored.append("capture_content")
        if ignored:
            _log.warning(
                "otel-llmcost: instrument() ignores %s: the cost processor and instrumentors in place keep the "
                "options they were built with (uninstrument() first to rebuild what it can)",
                ", ".join(ignored),
            )
        if setup_sdk and not sdk_disabled():
            quiet_export_errors()
            flush_at_worker_exit()
        if summary_wanted(summary) and not sdk_disabled():
            print_summary_at_exit()
        options: dict[str, object] = {} if capture_content is None else {"capture_content": capture_content}
        wanted = available if providers is None else {name: available[name] for name in providers}
        disabled = _disabled_instrumentations()
        waiting: dict[str, Ours] = {}
        for name, ours in sorted(wanted.items()):
            if "*" in disabled or ENTRY_POINT_PREFIX + name in disabled:
                _log.debug(
                    "otel-llmcost: %s%s is off (%s)", ENTRY_POINT_PREFIX, name, OTEL_PYTHON_DISABLED_INSTRUMENTATIONS
                )
            elif name not in _state.hooks:
                if not _state.hooks:
                    _state.capture_content = capture_content
                _state.hooks[name] = []
                waiting[name] = ours
    # Outside the lock: a hook runs at once for an SDK imported already, and imports the instrumentor then.
    for name, ours in waiting.items():
        imported = partial(_sdk_imported, name, ours, options, providers is not None)
        hooks = [when_imported(module, imported) for module in ours.modules]
        with _lock:
            pending = _state.hooks.get(name)
            if pending is not None and pending is not _TAKEN:
                _state.hooks[name] = [*pending, *hooks]
                continue
        # The SDK was imported already (a hook ran), or uninstrument() ran meanwhile: the rest are spent.
        for hook in hooks:
            hook.cancel()


_PRICING_OPTIONS = ("pricing_file", "model_map", "cost_aliases", "metric_attributes")


def _differing(given: Pricing, built: Pricing) -> list[str]:
    """The pricing options of ``given`` that are set and differ from those the processor in place was ``built`` with."""
    return [
        name
        for name in _PRICING_OPTIONS
        if getattr(given, name) is not None and _normal(getattr(given, name)) != _normal(getattr(built, name))
    ]


def _normal(value: object) -> object:
    """An option's value, comparable whatever collection it came in: ``"a.json"`` is ``["a.json"]``."""
    if value is None or isinstance(value, str):
        return None if value is None else (value,)
    if isinstance(value, Mapping):
        return dict(cast("Mapping[object, object]", value))
    if isinstance(value, Collection):
        return tuple(cast("Collection[object]", value))
    return value


def _price_pipeline(pricing: Pricing) -> Wrapping | Literal["built", "priced"] | None:
    """Prices the global pipeline with ``pricing``: a wrapping of the application's, ``"built"`` when it built the
    global one, ``"priced"`` when a cost processor was there already, or None when it could do nothing."""
    if sdk_disabled():
        return None
    if tracer_provider_unset():
        configure(pricing)
        return "built"
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        if not isinstance(provider, trace.NoOpTracerProvider):
            _log.warning(
                "otel-llmcost cannot add costs to a %s (not the OpenTelemetry SDK's); add the cost processor "
                "where it exports: %s",
                type(provider).__name__,
                _ONE_LINER,
            )
        return None
    outcome = wrap(provider, pricing)
    if isinstance(outcome, Wrapping) or outcome == "priced":
        return outcome
    if outcome == "nothing to wrap":
        _log.warning(
            "otel-llmcost found no exporting span processor on the tracer provider; call instrument() after "
            "adding yours, or add the cost processor yourself: %s",
            _ONE_LINER,
        )
    elif outcome == "unknown":
        _log.warning(
            "otel-llmcost does not know this OpenTelemetry SDK's span processors; add the cost processor yourself: %s",
            _ONE_LINER,
        )
    return None


def _sdk_imported(name: str, ours: Ours, options: Mapping[str, object], requested: bool, module: ModuleType) -> None:
    """A provider's SDK is imported (one of its modules): instruments it, once, unless `uninstrument` came first."""
    with _lock:
        hooks = _state.hooks.get(name)
        if hooks is None or hooks is _TAKEN:
            return
        _state.hooks[name] = _TAKEN
    for hook in hooks:  # the hooks on the provider's other modules are spent
        hook.cancel()
    instrumentor = _instrument_one(ENTRY_POINT_PREFIX + name, ours, options, requested=requested)
    if instrumentor is not None:
        with _applied:
            _state.instrumentors.append(instrumentor)
        _log.debug("otel-llmcost: instrumented %s (%s imported)", name, module.__name__)


_TAKEN: list[Hook] = []
"""What `_State.hooks` holds for a provider whose SDK's import has run its hook (the others are spent)."""


def _instrument_one(
    entry_point: str, ours: Ours, options: Mapping[str, object], *, requested: bool
) -> _Instrumentor | None:
    """Instruments one SDK; None when its version does not fit, it is already instrumented, or it failed (logged)."""
    module, _, attribute = ours.instrumentor.partition(":")
    instrumentor = cast("_Instrumentor", getattr(importlib.import_module(module), attribute)())
    if instrumentor.is_instrumented_by_opentelemetry:
        return None
    # Here, not at start-up: reading the installed versions imports importlib.metadata and packaging.
    from opentelemetry.instrumentation.dependencies import (  # pyright: ignore[reportMissingTypeStubs]
        get_dependency_conflicts,
    )

    conflict = get_dependency_conflicts(instrumentor.instrumentation_dependencies())
    if conflict is not None:
        log = _log.warning if requested else _log.debug
        log("otel-llmcost: not instrumenting %s: %s", entry_point, conflict)
        return None
    try:
        instrumentor.instrument(skip_dep_check=True, **options)
    except Exception as error:  # noqa: BLE001 - a broken instrumentor must not fail the application's import
        _log.warning("otel-llmcost could not instrument %s: %r", entry_point, error)
        _log.debug("otel-llmcost: instrumenting %s failed", entry_point, exc_info=True)
        return None
    return instrumentor


def uninstrument() -> None:
    """Undoes `instrument`: uninstruments the SDKs it instrumented and takes out the cost processor it put in.

    A tracer provider `instrument` set up stays the global one (OpenTelemetry cannot unset it), with its cost
    processor; calling `instrument` again then only instruments the SDKs.
    """
    with _lock:
        for hooks in _state.hooks.values():
            for hook in hooks:
                hook.cancel()
        _state.hooks = {}
        with _applied:
            instrumentors, _state.instrumentors = _state.instrumentors, []
        for instrumentor in instrumentors:
            if instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.uninstrument()
        if _state.wrapping is not None:
            _state.wrapping.unwrap()
            _state.wrapping = None
            _state.pricing = None
        stop_flushing_at_sigterm()
