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
from ._django import django_middleware
from ._flask import flask_attribution
from ._processor import AttributionSpanProcessor
from ._section import SectionKind, section
from ._web import AttributionMiddleware, Source, header, path_param

__all__ = [
    "ATTRIBUTE_KEYS_ENV",
    "BAGGAGE_KEYS_ENV",
    "AttributionMiddleware",
    "AttributionSpanProcessor",
    "Budget",
    "BudgetExceeded",
    "SectionKind",
    "Source",
    "attribute",
    "budget",
    "budgets_active",
    "check_budget",
    "current_attributes",
    "django_middleware",
    "flask_attribution",
    "header",
    "in_context",
    "path_param",
    "reset_attributes",
    "section",
    "set_attributes",
]
