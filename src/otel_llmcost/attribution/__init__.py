"""Who spent it: sections (agent, tool, workflow, step spans), customer/tenant/feature attribution, budgets."""

from ._budget import Budget, BudgetExceeded, budget, budgets_active, check_budget
from ._context import (
    ATTRIBUTE_KEYS_ENV,
    BAGGAGE_KEYS_ENV,
    attribute,
    current_attributes,
    in_context,
    reset_attributes,
    set_attributes,
)
from ._processor import AttributionSpanProcessor
from ._section import SectionKind, section

__all__ = [
    "ATTRIBUTE_KEYS_ENV",
    "BAGGAGE_KEYS_ENV",
    "AttributionSpanProcessor",
    "Budget",
    "BudgetExceeded",
    "SectionKind",
    "attribute",
    "budget",
    "budgets_active",
    "check_budget",
    "current_attributes",
    "in_context",
    "reset_attributes",
    "section",
    "set_attributes",
]
