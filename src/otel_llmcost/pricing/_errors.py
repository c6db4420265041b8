"""Errors of the price table.

Only explicit user actions raise: loading a price file, or passing a bad argument. Pricing a call never
raises; an unpriced call is a `Cost` with status `unpriced` and a reason.

    PricingError            any problem with the price table
    └── PriceFileError      a price file is unreadable or invalid; names the file, the entry and the fix
"""

from __future__ import annotations

__all__ = ["PriceFileError", "PricingError"]


class PricingError(Exception):
    """The root of the price table's errors."""


class PriceFileError(PricingError):
    """A price file cannot be used.

    The message names the file, the entry (by its position and id) and what is wrong with it.

    Attributes:
        path: the file.
        where: the place in the file, such as ``models[3] (gpt-4o).prices[0].from``; empty for the whole file.
        problem: what is wrong and how to fix it.
    """

    def __init__(self, path: str, where: str, problem: str) -> None:
        self.path = path
        self.where = where
        self.problem = problem
        location = f"{path}: {where}" if where else path
        super().__init__(f"{location}: {problem}")
