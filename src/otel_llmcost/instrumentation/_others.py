"""Whether another GenAI instrumentor already traces an SDK call: then ours steps aside for that call.

Under ``opentelemetry-instrument`` every installed instrumentor wraps the SDK, so a team that already runs
another GenAI instrumentation (the official OpenTelemetry ones, OpenLLMetry, OpenInference, OpenLIT) and adds
this package would get two spans for each call. The cost is counted once either way (`CostSpanProcessor` marks
the second span ``duplicate``), but two spans per call double the trace volume and confuse every dashboard. So
the rule is one span per call, and the instrumentor that was there first keeps it: when one of those wraps the
SDK method being called (above or below our wrapper, whichever was applied last), or wraps the client's
``request`` (OpenInference traces there), our wrapper calls the SDK without a span of its own, and the processor
prices theirs. A provider's adapter names the modules of its SDK's GenAI tracers.

Any other wrapper (a team's own, ddtrace's, a test double) is not a GenAI tracer and never makes ours step
aside. The check reads the wrappers on each call, so instrumenting or uninstrumenting the others at any time is
followed at once; the class attributes found clean are remembered by identity (`_CLEAN`), which makes the usual
call's check a few look-ups.
"""

from __future__ import annotations

from typing import Any, Final

import wrapt

__all__ = ["traced_elsewhere"]

_MAX_DEPTH: Final = 16  # a wrapper chain is a handful deep; this bounds a pathological (cyclic) one
_WRAPPERS: Final = (wrapt.FunctionWrapper, wrapt.BoundFunctionWrapper)  # (wrapt 2's are not ObjectProxy's)

# The class attributes found to hold no GenAI tracer of a set of tracers (a method's, the client's ``request``),
# by their ids and the tracers. Wrapping or unwrapping a method puts another object on the class (wrapt's wrappers
# are not rewired in place), so the very objects found clean before are clean still. They are kept, so that their
# ids are not reused; bounded (a wrapper that binds to the class is a new object on each look-up).
_CLEAN: dict[tuple[int, int, tuple[str, ...]], tuple[object, object]] = {}
_MAX_CLEAN: Final = 256


def _genai_tracer(wrapper: object, tracers: tuple[str, ...]) -> bool:
    module = getattr(wrapper, "__module__", None)
    if not isinstance(module, str):
        module = type(wrapper).__module__
    return module.startswith(tracers)


def _wraps_traced(chain: Any, tracers: tuple[str, ...]) -> bool:
    """Whether a wrapt wrapper in ``chain`` (a class attribute or a bound method) is a GenAI tracer's."""
    depth = 0
    while isinstance(chain, _WRAPPERS) and depth < _MAX_DEPTH:
        link: Any = chain  # pyright: ignore[reportUnknownVariableType] - wrapt types its proxies loosely
        if _genai_tracer(getattr(link, "_self_wrapper", None), tracers):
            return True
        chain = link.__wrapped__
        depth += 1
    return False


def _class_attribute(cls: type[Any], name: str) -> object:
    found = cls.__dict__.get(name)  # a patch on the class itself is here: most calls end at this look-up
    if found is not None:
        return found
    for klass in cls.__mro__[1:]:
        found = vars(klass).get(name)
        if found is not None:
            return found
    return None


def traced_elsewhere(instance: Any, wrapped: Any, tracers: tuple[str, ...]) -> bool:
    """Whether a GenAI instrumentor of ``tracers`` (module name prefixes) traces this call of ``wrapped``, an SDK
    method of ``instance``.

    ``wrapped`` is what our wrapper was handed: a wrapper below ours shows there; one above ours shows only on
    the class attribute; OpenInference's shows on the client's ``request``.
    """
    below: object = wrapped
    if isinstance(below, _WRAPPERS) and _wraps_traced(below, tracers):
        return True
    name = getattr(wrapped, "__name__", None)
    above = _class_attribute(instance.__class__, name) if isinstance(name, str) else None
    client: object = getattr(instance, "_client", None)
    # The class's ``request`` as getattr finds it: the function itself, unless a wrapper binds to the class.
    request = getattr(type(client), "request", None) if client is not None else None
    key = (id(above), id(request), tracers)
    clean = _CLEAN.get(key)
    if clean is not None and clean[0] is above and clean[1] is request:
        return False
    if _wraps_traced(above, tracers) or _wraps_traced(request, tracers):
        return True
    if len(_CLEAN) >= _MAX_CLEAN:
        _CLEAN.clear()
    _CLEAN[key] = (above, request)
    return False
