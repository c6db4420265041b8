"""The instrumentor base: a provider's patch table applied when the application imports its SDK.

`Instrumentor` is an OpenTelemetry `BaseInstrumentor` (``opentelemetry-instrument`` finds it under an entry
point, and checks `instrumentation_dependencies` from the installed distributions' metadata, without importing
anything). `instrument` never imports the SDK: it waits for the SDK's top module (`otel_llmcost._import_hooks`),
which runs the hook at once when the application has imported it already, and otherwise when it does. Only then
are the provider's adapter and patch table imported (they import the SDK), with the framework's per-call modules,
and applied. `uninstrument` takes a pending hook back and removes an applied table.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # pyright: ignore[reportMissingTypeStubs]

from .._import_hooks import Hook, when_imported
from ._guard import guarded

if TYPE_CHECKING:
    from ._adapter import Adapter
    from ._genai import Telemetry
    from ._patches import Applied, Patch

__all__ = ["Instrumentor", "Options"]

_log = logging.getLogger("otel_llmcost")

_VERSION = "0.1.0"


class Options(NamedTuple):
    """What `Instrumentor.instrument` was given (see the subclass's docstring), kept until the SDK is imported."""

    tracer_provider: Any = None
    meter_provider: Any = None
    logger_provider: Any = None
    capture_content: bool | None = None
    providers: Mapping[str, str] | None = None
    request_stream_usage: bool = False


class _Pending:
    """One `instrument`'s hook: it applies the patch table once the SDK is imported, unless switched off first."""

    def __init__(self, instrumentor: Instrumentor, options: Options) -> None:
        self._instrumentor = instrumentor
        self._options = options
        self.on = True
        self.hooks: list[Hook] = []
        self.telemetry: Telemetry | None = None
        self.applied: Applied | None = None

    def imported(self, module: ModuleType) -> None:
        if not self.on or self.applied is not None:
            return
        # A failure of ours must not fail the application's import of the SDK.
        guarded(self._apply)

    def _apply(self) -> None:
        # The per-call machinery is imported with the SDK, not at start-up.
        from ._genai import Telemetry, content_capture_from_env, events_from_env
        from ._patches import apply
        from ._surface import Setup

        options = self._options
        adapter, patches = self._instrumentor.provider(options)
        capture = options.capture_content
        telemetry = Telemetry(
            type(self._instrumentor).__module__,
            _VERSION,
            tracer_provider=options.tracer_provider,
            meter_provider=options.meter_provider,
            capture_content=capture if capture is not None else content_capture_from_env(),
            logger_provider=options.logger_provider,
            events=events_from_env(),
        )
        telemetry.error_type = adapter.error_type
        self.telemetry = telemetry
        self.applied = apply(patches, Setup(telemetry, adapter, options.request_stream_usage))
        _log.debug("otel-llmcost: %s patched %d methods", type(self._instrumentor).__name__, len(self.applied.names))

    def off(self) -> None:
        self.on = False
        for hook in self.hooks:
            hook.cancel()
        if self.telemetry is not None:
            # Bound methods taken while instrumented (an SDK object's with_raw_response keeps them) call
            # through from now on.
            self.telemetry.active = False
        if self.applied is not None:
            self.applied.remove()
            self.applied = None


class Instrumentor(BaseInstrumentor):  # pyright: ignore[reportUntypedBaseClass]
    """A provider's instrumentor: say which SDK module to wait for (`sdk`) and give the table (`provider`).

    `instrument` takes, besides ``tracer_provider``, ``meter_provider`` and ``logger_provider``,
    ``capture_content`` (bool: prompts and completions on spans; by default
    ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` decides, whose ``event_only`` and ``span_and_event``
    modes also emit the conventions' ``gen_ai.client.inference.operation.details`` event per call),
    ``providers`` (a mapping of base URL host to ``gen_ai.provider.name``) and ``request_stream_usage`` (bool).
    """

    sdk: ClassVar[str]
    """The SDK's top module (``"openai"``): its import applies the patch table."""

    also: ClassVar[tuple[str, ...]] = ()
    """Other modules whose import applies the table too (the first one imported does, once)."""

    dependencies: ClassVar[tuple[str, ...]] = ()
    """The distributions the instrumentor works with (``("openai >= 1.40",)``): `instrumentation_dependencies`."""

    # A class default, not __init__: BaseInstrumentor is a singleton, and every Instrumentor() would reset it.
    _pending: _Pending | None = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return self.dependencies

    def provider(self, options: Options) -> tuple[Adapter, Iterable[Patch]]:
        """The SDK's adapter and patch table; called once the SDK is imported, so the modules may import it."""
        raise NotImplementedError

    def _instrument(self, **kwargs: Any) -> None:
        capture = kwargs.get("capture_content")
        providers = kwargs.get("providers")
        options = Options(
            kwargs.get("tracer_provider"),
            kwargs.get("meter_provider"),
            kwargs.get("logger_provider"),
            capture if isinstance(capture, bool) else None,
            providers if isinstance(providers, Mapping) else None,  # pyright: ignore[reportUnknownArgumentType]
            kwargs.get("request_stream_usage") is True,
        )
        self._pending = pending = _Pending(self, options)
        for module in (self.sdk, *self.also):
            pending.hooks.append(when_imported(module, pending.imported))

    def _uninstrument(self, **kwargs: Any) -> None:
        if self._pending is not None:
            self._pending.off()
            self._pending = None
