"""`section`: an INTERNAL span for a step, tool, agent or workflow; its name goes into the path of spans inside."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import Token
from typing import Literal, ParamSpec, TypeVar

from opentelemetry import context, trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider

from .. import _attributes as a
from ._context import current_attributes, section_path, with_section
from ._scope import Scope, decorate

__all__ = ["SectionKind", "section"]

SectionKind = Literal["step", "agent", "tool", "workflow"]

P = ParamSpec("P")
R = TypeVar("R")

_VERSION = "0.1.0"
_SEPARATOR = "/"
_OPERATIONS: dict[str, str] = {
    "agent": a.GenAiOperationNameValues.INVOKE_AGENT,
    "tool": a.GenAiOperationNameValues.EXECUTE_TOOL,
    "workflow": a.GenAiOperationNameValues.INVOKE_WORKFLOW,
}


class _SectionScope(Scope):
    def __init__(self, section: section) -> None:
        self._section = section
        self._span: Span | None = None
        self._path: tuple[str, ...] = ()

    def start(self) -> None:
        owner = self._section
        self._path = path = (*section_path(), owner.name)
        attributes: dict[str, str] = dict(current_attributes())
        attributes[a.LLMCOST_SECTION_PATH] = _SEPARATOR.join(path)
        attributes[a.LLMCOST_SECTION_NAME] = owner.name
        span_name = owner.name
        operation = _OPERATIONS.get(owner.kind)
        if operation is not None:
            attributes[a.GEN_AI_OPERATION_NAME] = operation
            span_name = f"{operation} {owner.name}"
        if owner.kind == "agent":
            attributes[a.GEN_AI_AGENT_NAME] = owner.name
            if owner.agent_id is not None:
                attributes[a.GEN_AI_AGENT_ID] = owner.agent_id
        elif owner.kind == "tool":
            attributes[a.GEN_AI_TOOL_NAME] = owner.name
        tracer = trace.get_tracer("otel_llmcost.attribution", _VERSION, tracer_provider=owner.tracer_provider)
        self._span = tracer.start_span(span_name, kind=SpanKind.INTERNAL, attributes=attributes)

    def activate(self) -> Token[Context]:
        assert self._span is not None
        return context.attach(with_section(self._path, trace.set_span_in_context(self._span)))

    def finish(self, error: BaseException | None) -> None:
        span = self._span
        assert span is not None
        if error is not None and not isinstance(error, GeneratorExit):  # GeneratorExit: the consumer stopped
            span.set_attribute(a.ERROR_TYPE, type(error).__qualname__)
            span.set_status(Status(StatusCode.ERROR, str(error) or type(error).__qualname__))
        span.end()


class section:
    """A named part of the application whose calls' costs add up under it: a context manager and a decorator.

    It opens an INTERNAL span that follows the GenAI agent span conventions: ``kind="agent"`` makes
    ``invoke_agent {name}`` with ``gen_ai.agent.name`` (and ``gen_ai.agent.id``), ``kind="tool"`` makes
    ``execute_tool {name}`` with ``gen_ai.tool.name``, ``kind="workflow"`` makes ``invoke_workflow {name}``, and
    the default, ``kind="step"``, a span named ``name``. Sections nest into a path (``research/search``), which
    every span inside carries as ``llmcost.section.path`` and ``llmcost.section.name``. The cost processor puts
    the total of the calls inside on the section's span (``llmcost.subtree.cost``, ``.calls``), never a cost of
    its own. When the code inside raises, the span ends with an ERROR status and ``error.type``, and the
    exception goes on unchanged.

    As a decorator it works on functions, coroutine functions, generators and async generators; each call is
    a section of its own, and a generator's section lasts until it is exhausted or closed.

    Example::

        @otel_llmcost.section("research_assistant", kind="agent")
        def research(question: str) -> str: ...

        with otel_llmcost.section("llm_analysis", kind="tool"):
            client.chat.completions.create(...)

    Args:
        name: the section's name; a part of the path, so it should not contain ``/``.
        kind: ``step``, ``agent``, ``tool`` or ``workflow``.
        agent_id: ``gen_ai.agent.id`` of an agent section.
        tracer_provider: where the span goes; the global tracer provider by default.

    Raises:
        ValueError: the name is empty or the kind is unknown.
    """

    def __init__(
        self,
        name: str,
        *,
        kind: SectionKind = "step",
        agent_id: str | None = None,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        if not name:
            raise ValueError("section() needs a name, such as section('research')")
        if kind not in ("step", "agent", "tool", "workflow"):
            raise ValueError(f"section() kind is {kind!r}; use 'step', 'agent', 'tool' or 'workflow'")
        self.name = name
        self.kind = kind
        self.agent_id = agent_id
        self.tracer_provider = tracer_provider
        self._open: list[tuple[_SectionScope, Token[Context]]] = []

    def __enter__(self) -> section:
        scope = _SectionScope(self)
        scope.start()
        self._open.append((scope, scope.activate()))
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: object) -> None:
        scope, token = self._open.pop()
        scope.deactivate(token)
        scope.finish(error)

    async def __aenter__(self) -> section:
        return self.__enter__()

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: object) -> None:
        self.__exit__(kind, error, traceback)

    def __call__(self, function: Callable[P, R]) -> Callable[P, R]:
        return decorate(function, lambda: _SectionScope(self))
