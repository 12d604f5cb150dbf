"""Helpers of the admin-change audit tests: post an admin form as a browser would, starting
from what the page shows, and read the events written since a point in a chain."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.db.models.fields.files import FieldFile
from django.test import Client

from jaga.audit.models import Event
from jaga.tenancy.models import Agency


def _as_post(field: forms.Field, value: Any) -> Any:
    """The value as the browser posts it, or None to leave the key out."""
    if isinstance(field, forms.BooleanField):
        return "on" if value else None
    if isinstance(field, forms.FileField) or isinstance(value, FieldFile):
        return None
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value)


def form_data(page: Any, **changes: Any) -> dict[str, Any]:
    """The POST data of the admin add/change page ``page`` (a test client's response) as
    it stands (the main form and
    every inline with its management form), then ``changes`` applied (a value of None
    removes the key, e.g. an unticked box)."""
    context: Any = page.context
    data: dict[str, Any] = {}
    bound: list[forms.BaseForm] = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        bound.extend(formset.forms)
    for form in bound:
        for name, field in form.fields.items():
            value = _as_post(field, form[name].value())
            if value is not None:
                data[form.add_prefix(name)] = value
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def post_form(client: Client, path: str, **changes: Any) -> Any:
    """GET the admin page ``path`` and POST its form back with ``changes``; asserts the
    admin accepted it (a redirect), showing the form errors if not; returns the response."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    response = client.post(path, form_data(page, **changes))
    errors = None
    if response.status_code != 302:
        context: Any = response.context
        errors = [context["adminform"].form.errors] + [
            inline.formset.errors for inline in context["inline_admin_formsets"]
        ]
    assert response.status_code == 302, errors
    return response


def last_seq(agency: Agency) -> int:
    """The number of the agency's newest event (0 without any)."""
    newest = Event.objects.filter(agency=agency).order_by("-seq").first()
    return newest.seq if newest is not None else 0


def events_since(agency: Agency, seq: int) -> list[Event]:
    """The agency's events after number ``seq``, oldest first."""
    return list(Event.objects.filter(agency=agency, seq__gt=seq).order_by("seq"))


def stored_text(event: Event) -> str:
    """Everything an event stores, as one JSON text (to search it for what must not be
    there)."""
    return json.dumps(
        {
            "action": event.action,
            "before": event.before,
            "after": event.after,
            "object": [event.object_type, event.object_id],
        }
    )
