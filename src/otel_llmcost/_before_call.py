"""The before-call hook: one function the instrumentors' wrappers call before each traced SDK call.

It lives outside the rooms so that both sides reach it while neither imports the other (pyproject's
import-linter contracts): the framework's wrappers (``instrumentation/_wrap.py``) call the hook for every
provider built on them, and `otel_llmcost.attribution` sets it while a budget applies. A hook refuses a call
by raising `CallRefused` (a budget's `BudgetExceeded` is one): the caller gets it, and no request is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["BeforeCall", "CallRefused", "hook", "set_before_call"]

BeforeCall = Callable[[str, "str | None", Mapping[str, Any], str], object]
"""Called with the provider, the requested model, the request's keyword arguments and the operation name."""


class CallRefused(Exception):
    """A before-call hook refuses a call: the wrappers let it through to the caller, and no request is sent."""


hook: BeforeCall | None = None
"""The hook, or None: when unset, a call costs the wrappers one read of it."""


def set_before_call(function: BeforeCall | None) -> BeforeCall | None:
    """Sets the hook called before each traced SDK call (None: no hook); returns the one it replaces.

    Any exception the hook raises other than `CallRefused` is the library's own failure: logged at debug
    level, never seen by the caller, and the call goes.
    """
    global hook  # the one registry, read by every wrapper
    previous, hook = hook, function
    return previous
