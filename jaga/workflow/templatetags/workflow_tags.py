"""Template helpers of the workflow pages: durations, and form fields in Tabler markup."""

from __future__ import annotations

import datetime as dt

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

from jaga.tenancy.durations import format_duration

register = template.Library()


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """A duration (working time, or elapsed time on a 24x7 step) as hours and minutes
    ("26 hours 5 minutes", never days: issue 13 point 11; ``format_duration``); empty for
    None, "0 minutes" for a negative one."""
    if value is None:
        return ""
    return format_duration(max(value, dt.timedelta(0)))


@register.filter
def field_kind(field: BoundField) -> str:
    """How to lay out ``field``: "checkbox" (one box), "options" (radio buttons or a list
    of boxes) or "input" (everything else)."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "options"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


def _css_class(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    return f"{css} is-invalid" if field.errors else css


@register.filter
def tabler(field: BoundField) -> SafeString:
    """The field's widget with Tabler's classes (and ``is-invalid`` when it has errors)."""
    attrs: dict[str, str | bool] = {"class": _css_class(field)}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def option_class(field: BoundField) -> str:
    """The class of each input of a list of radio buttons or boxes."""
    return _css_class(field)
