"""The tracing pipeline: build one from the ``OTEL_*`` variables, or put the cost processor into an existing one.

Two routes end with `CostSpanProcessor` in front of the exporting processors:

- nothing is configured yet (the global tracer provider is the API's proxy): `configure` builds a
  `TracerProvider` and a `MeterProvider` from the standard variables, with public SDK API only;
- an SDK `TracerProvider` is already there: `wrap` replaces its exporting processors (`BatchSpanProcessor`,
  `SimpleSpanProcessor`) with one `CostSpanProcessor` in front of them. The SDK has no public way to
  replace a processor, so this edits ``provider._active_span_processor._span_processors``, the tuple the SDK
  replaces under a lock (checked with opentelemetry-sdk 1.45); when that is not what it finds, it changes
  nothing and says so.

Neither adds an exporter to a pipeline that has one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from opentelemetry import metrics, trace
from opentelemetry.sdk.environment_variables import (
    OTEL_EXPORTER_OTLP_METRICS_PROTOCOL,
    OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    OTEL_SDK_DISABLED,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, SynchronousMultiSpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter

from .. import _attributes as a
from ..attribution import AttributionSpanProcessor
from ..processor import CostSpanProcessor
from ._delivery import exporter_options, shut_down_at_exit
from ._sampling import record_dropped_calls

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import MetricReader

__all__ = [
    "Pricing",
    "Wrapping",
    "configure",
    "cost_processors",
    "price_without_export",
    "sdk_disabled",
    "tracer_provider_unset",
    "wrap",
]

_log = logging.getLogger("otel_llmcost")

_Signal = Literal["traces", "metrics"]
_EXPORTER_VARIABLE: dict[_Signal, str] = {"traces": "OTEL_TRACES_EXPORTER", "metrics": "OTEL_METRICS_EXPORTER"}
_PROTOCOL_VARIABLE: dict[_Signal, str] = {
    "traces": OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    "metrics": OTEL_EXPORTER_OTLP_METRICS_PROTOCOL,
}
_OTLP_BY_PROTOCOL = {"http/protobuf": "otlp_proto_http", "grpc": "otlp_proto_grpc"}
_EXPORTING = (BatchSpanProcessor, SimpleSpanProcessor)


@dataclass(frozen=True)
class Pricing:
    """How the cost processors this module makes price spans (`CostSpanProcessor`'s options)."""

    pricing_file: str | Collection[str] | None = None
    model_map: Mapping[str, str] | None = None
    cost_aliases: Collection[str] | None = None
    metric_attributes: Collection[str] | None = None

    def processor(self, exporting: Sequence[SpanProcessor]) -> CostSpanProcessor:
        """The cost processor in front of the ``exporting`` processors (one or several, or none: then it prices
        for the metrics and the summary only). It prices in batches when every one of them exports in batches
        (`_FanOut` names them to it)."""
        # The attribution processor behind the cost processor: it sets the section and customer attributes as
        # spans start, and sees the priced copies, whose costs count towards the budgets.
        return CostSpanProcessor(
            AttributionSpanProcessor(_fan_out(exporting)),
            pricing_file=self.pricing_file,
            model_map=self.model_map,
            cost_aliases=(a.GEN_AI_USAGE_COST,) if self.cost_aliases is None else self.cost_aliases,
            metric_attributes=self.metric_attributes,
        )


def sdk_disabled() -> bool:
    """Whether ``OTEL_SDK_DISABLED`` turns the SDK off, in which case nothing is built."""
    return os.environ.get(OTEL_SDK_DISABLED, "").strip().lower() == "true"


def tracer_provider_unset() -> bool:
    """Whether nobody has set the global tracer provider yet (it is still the API's proxy)."""
    return isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def _meter_provider_unset() -> bool:
    # The API exports no name for its proxy meter provider; it is the value until one is set.
    from opentelemetry.metrics import _internal  # pyright: ignore[reportPrivateUsage]

    return metrics.get_meter_provider() is getattr(_internal, "_PROXY_METER_PROVIDER", None)


def _exporter_names(signal: _Signal) -> list[str]:
    """The exporter entry-point names ``OTEL_{signal}_EXPORTER`` asks for (``otlp`` when unset)."""
    variable = _EXPORTER_VARIABLE[signal]
    names = [name.strip() for name in os.environ.get(variable, "otlp").split(",") if name.strip()]
    if not names or [name.lower() for name in names] == ["none"]:
        return []
    resolved: list[str] = []
    for name in names:
        if name == "otlp":
            signal_variable = _PROTOCOL_VARIABLE[signal]
            protocol = os.environ.get(signal_variable) or os.environ.get(OTEL_EXPORTER_OTLP_PROTOCOL) or "http/protobuf"
            protocol = protocol.strip()
            if protocol not in _OTLP_BY_PROTOCOL:
                raise ValueError(
                    f"the OTLP protocol is {protocol!r} ({signal_variable} or {OTEL_EXPORTER_OTLP_PROTOCOL}); "
                    f"set it to one of {', '.join(_OTLP_BY_PROTOCOL)}"
                )
            name = _OTLP_BY_PROTOCOL[protocol]
        resolved.append(name)
    return resolved


def _exporter_class(signal: _Signal, name: str) -> type:
    from importlib.metadata import entry_points  # here: with every exporter ``none``, start-up needs none

    group = f"opentelemetry_{signal}_exporter"
    for entry_point in entry_points(group=group, name=name):
        return cast("type", entry_point.load())
    raise ValueError(
        f"{_EXPORTER_VARIABLE[signal]} names the exporter {name!r}, which no installed package provides "
        f"(entry point group {group}); install it or name another (otlp, console, none)"
    )


def _span_exporters() -> list[SpanExporter]:
    return [
        cast("SpanExporter", _exporter_class("traces", name)(**exporter_options("traces", name)))
        for name in _exporter_names("traces")
    ]


def _metric_readers(names: list[str]) -> list[MetricReader]:
    from opentelemetry.sdk.metrics.export import MetricExporter, MetricReader, PeriodicExportingMetricReader

    readers: list[MetricReader] = []
    for name in names:
        component = _exporter_class("metrics", name)(**exporter_options("metrics", name))
        if isinstance(component, MetricReader):
            readers.append(component)
        else:
            readers.append(PeriodicExportingMetricReader(cast("MetricExporter", component)))
    return readers


class _FanOut(SynchronousMultiSpanProcessor):
    """The SDK's multi-processor, naming the processors it hands spans to (``next_processors``), as the cost
    processor asks to find whether they all export in batches."""

    def __init__(self, processors: Sequence[SpanProcessor]) -> None:
        super().__init__()
        for processor in processors:
            self.add_span_processor(processor)
        self._next_processors = tuple(processors)

    @property
    def next_processors(self) -> tuple[SpanProcessor, ...]:
        return self._next_processors


def _fan_out(processors: Sequence[SpanProcessor]) -> SpanProcessor:
    """One processor for ``processors``: the processor itself when there is one, so one cost processor prices once.

    With none, an empty multi-processor: the cost processor still prices for the metrics and the summary.
    """
    return processors[0] if len(processors) == 1 else _FanOut(processors)


def configure(pricing: Pricing) -> None:
    """Sets a global tracer provider with the cost processor in front of its exporters, and a meter provider.

    Both are built from the standard variables: the resource from ``OTEL_SERVICE_NAME`` and
    ``OTEL_RESOURCE_ATTRIBUTES``, the sampler from ``OTEL_TRACES_SAMPLER`` and ``OTEL_TRACES_SAMPLER_ARG`` (in a
    `CostRecordingSampler`, so that the calls it drops are still priced and counted), the
    exporters from ``OTEL_TRACES_EXPORTER`` and ``OTEL_METRICS_EXPORTER`` (``otlp`` by default, over
    ``OTEL_EXPORTER_OTLP_[TRACES_|METRICS_]PROTOCOL``, ``http/protobuf`` by default); the OTLP exporters read
    their endpoints, headers and compression themselves, and their timeout too when a variable sets one
    (`EXPORT_TIMEOUT_S` otherwise). A meter provider set before is kept; with ``OTEL_METRICS_EXPORTER=none``
    none is built (nothing would read it), and the cost metrics go to whichever meter provider the application
    sets. With ``OTEL_TRACES_EXPORTER=none`` the cost processor is there all the same, for the cost metrics and
    the summary.

    Raises:
        ValueError: a variable names an exporter or protocol that cannot be built.
    """
    span_exporters = _span_exporters()
    resource = Resource.create()
    # Shut down at exit by one handler of ours, spans first, within a bound (`shut_down_at_exit`), rather than
    # by the SDK's handlers, which wait for as long as the exporters retry.
    built: list[MeterProvider | TracerProvider] = []
    metric_exporters = _exporter_names("metrics")
    if metric_exporters and _meter_provider_unset():
        # Imported here: an application that exports no metrics does not pay for the metrics SDK at start-up.
        from opentelemetry.sdk.metrics import MeterProvider

        meter_provider = MeterProvider(
            resource=resource, metric_readers=_metric_readers(metric_exporters), shutdown_on_exit=False
        )
        metrics.set_meter_provider(meter_provider)
        built.append(meter_provider)
    provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    record_dropped_calls(provider)
    provider.add_span_processor(pricing.processor([BatchSpanProcessor(e) for e in span_exporters]))
    trace.set_tracer_provider(provider)
    shut_down_at_exit(provider, *built)


def price_without_export(provider: TracerProvider, pricing: Pricing) -> None:
    """Adds a cost processor that exports nothing, for the cost metrics and the summary, to a provider without
    an exporting processor (``OTEL_TRACES_EXPORTER=none``)."""
    provider.add_span_processor(pricing.processor([]))


# The SDK's multi-span-processors (synchronous and concurrent) keep the processors in a tuple they replace,
# never mutate, under their lock.
_PROCESSORS = "_span_processors"
_LOCK = "_lock"


@dataclass(frozen=True)
class _Processors:
    """A tracer provider's processors, as the SDK keeps them: read and replaced under the SDK's lock."""

    owner: object
    lock: AbstractContextManager[object]

    @classmethod
    def of(cls, provider: TracerProvider) -> _Processors | None:
        owner = getattr(provider, "_active_span_processor", None)
        lock = getattr(owner, _LOCK, None)
        if not isinstance(getattr(owner, _PROCESSORS, None), tuple) or not isinstance(lock, AbstractContextManager):
            return None
        return cls(owner, cast("AbstractContextManager[object]", lock))

    def get(self) -> tuple[SpanProcessor, ...]:
        return cast("tuple[SpanProcessor, ...]", getattr(self.owner, _PROCESSORS))

    def set(self, processors: tuple[SpanProcessor, ...]) -> None:
        setattr(self.owner, _PROCESSORS, processors)


def cost_processors(provider: object) -> list[CostSpanProcessor]:
    """The cost processors among ``provider``'s span processors (none when it is not an SDK provider)."""
    if not isinstance(provider, TracerProvider):
        return []
    processors = _Processors.of(provider)
    if processors is None:
        return []
    return [processor for processor in processors.get() if isinstance(processor, CostSpanProcessor)]


@dataclass(frozen=True)
class Wrapping:
    """A cost processor put into a provider's pipeline by `wrap`, and what `unwrap` needs to take it out."""

    processors: _Processors
    before: tuple[SpanProcessor, ...]
    after: tuple[SpanProcessor, ...]
    cost: CostSpanProcessor
    wrapped: tuple[SpanProcessor, ...]

    def unwrap(self) -> None:
        """Puts the provider's processors back as they were, keeping any added since."""
        with self.processors.lock:
            current = self.processors.get()
            if not any(processor is self.cost for processor in current):
                return
            if current[: len(self.after)] == self.after:
                self.processors.set(self.before + current[len(self.after) :])
                return
            at = next(index for index, processor in enumerate(current) if processor is self.cost)
            self.processors.set(current[:at] + self.wrapped + current[at + 1 :])


def wrap(provider: TracerProvider, pricing: Pricing) -> Wrapping | Literal["priced", "nothing to wrap", "unknown"]:
    """Puts one cost processor in front of ``provider``'s exporting processors, in place.

    The exporting processors (`BatchSpanProcessor`, `SimpleSpanProcessor` and their subclasses) go behind one
    `CostSpanProcessor` at the place of the first of them, so each span is priced and counted once however
    many exporters there are; other processors stay where they are. A provider that already has a cost
    processor is left as it is (``"priced"``), as is one with no exporting processor (``"nothing to wrap"``)
    or whose internals are not the SDK's (``"unknown"``).
    """
    processors = _Processors.of(provider)
    if processors is None:
        return "unknown"
    with processors.lock:
        before = processors.get()
        if any(isinstance(processor, CostSpanProcessor) for processor in before):
            return "priced"
        exporting = tuple(processor for processor in before if isinstance(processor, _EXPORTING))
        if not exporting:
            return "nothing to wrap"
        cost = pricing.processor(exporting)
        after = tuple(
            cost if processor is exporting[0] else processor
            for processor in before
            if processor is exporting[0] or not isinstance(processor, _EXPORTING)
        )
        processors.set(after)
    return Wrapping(processors, before, after, cost, exporting)
