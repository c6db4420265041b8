"""Run a function when a module is imported: at once when it is imported already, else right after its code ran.

An instrumentor waits for its SDK this way, and `instrument()` for the SDKs it instruments, so that start-up
imports no SDK the application never uses. wrapt's post-import hooks do the same, but importing wrapt imports
asyncio and ssl, which an application that never imports such an SDK would pay for at start-up (about 9 MB of
resident memory). This is what those hooks need and no more: a finder on ``sys.meta_path`` that, for a module
someone waits for, wraps the loader the other finders return, and runs the waiting functions once the module's
code has run. It lives outside the rooms because setup and instrumentation both wait for modules.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

__all__ = ["Hook", "when_imported"]

_log = logging.getLogger("otel_llmcost")

_lock = threading.RLock()
_waiting: dict[str, list[Hook]] = {}


class Hook:
    """A function waiting for a module; `cancel` takes it back if the module has not been imported yet."""

    __slots__ = ("function", "module")

    def __init__(self, module: str, function: Callable[[ModuleType], object]) -> None:
        self.module = module
        self.function = function

    def cancel(self) -> None:
        with _lock:
            hooks = _waiting.get(self.module)
            if hooks is not None and self in hooks:
                hooks.remove(self)
                if not hooks:
                    del _waiting[self.module]


def when_imported(module: str, function: Callable[[ModuleType], object]) -> Hook:
    """Calls ``function(module)`` now when ``module`` (a dotted name) is imported already, else after its import.

    A function that raises is logged, never raised into the import that ran it.
    """
    hook = Hook(module, function)
    with _lock:
        imported = sys.modules.get(module)
        if imported is None:
            _waiting.setdefault(module, []).append(hook)
            if not any(finder is _FINDER for finder in sys.meta_path):
                sys.meta_path.insert(0, _FINDER)
            return hook
    _call(hook, imported)
    return hook


def _call(hook: Hook, module: ModuleType) -> None:
    try:
        hook.function(module)
    except Exception:  # noqa: BLE001 - the application's import must not fail for a hook of ours
        _log.warning("otel-llmcost: a hook on the import of %s failed", hook.module, exc_info=True)


def _imported(module: ModuleType) -> None:
    name = module.__name__
    with _lock:
        hooks = _waiting.pop(name, [])
    for hook in hooks:
        _call(hook, module)


class _Loader:
    """The loader another finder found, which runs the waiting functions after the module's code.

    Not an `importlib.abc.Loader`: importing that module imports `importlib.resources` and more at start-up.
    """

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The module keeps the loader it would have had: code that looks at it sees no difference.
        if getattr(module, "__loader__", None) is self:
            module.__loader__ = self.loader
        spec = getattr(module, "__spec__", None)
        if spec is not None and spec.loader is self:
            spec.loader = self.loader
        self.loader.exec_module(module)
        _imported(module)


class _Finder:
    """Finds nothing itself: for a module someone waits for, asks the other finders and wraps their loader."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in _waiting:  # every import of the application passes here: one dict lookup
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is None:
                continue
            spec = find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


_FINDER = _Finder()
