"""``AuditedAdminMixin``: admin saves and deletes of configuration rows land in the audit
chain (issue 13 point 5), with the same events as ``jaga.audit.changes`` writes for code.

Put it before ``admin.ModelAdmin`` (or a subclass) in an admin's bases. The changed row's
event is written after its many-to-many fields are saved (so ``positions`` and ``groups``
hold their new ids), then each inline row of an audited model gets its own event. The
admin's add, change and delete views run in a transaction, so the events commit with the
change or not at all; "delete selected" deletes (and records) one row per transaction.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from jaga.audit import changes
from jaga.org.models import User


def acting_user(request: HttpRequest) -> User | None:
    """The request's logged-in user (the actor of the events), or None."""
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


class AuditedAdminMixin:
    """Records ``<app>.<model>.created/changed/deleted`` for the admin's model and for
    inline rows of audited models (``jaga.audit.changes.AUDITED_MODELS``)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        form.jaga_audit_before = changes.stored_snapshot(obj)
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The form's many-to-many fields, the row's event, then the inlines (each inline
        row of an audited model with its own event)."""
        form.save_m2m()
        changes.record_saved(
            form.instance, acting_user(request), getattr(form, "jaga_audit_before", None)
        )
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if not changes.is_audited(formset.model):
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            return
        actor = acting_user(request)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            changes.delete_audited(obj, actor)
        saved = []
        for obj in instances:
            before = changes.stored_snapshot(obj)
            obj.save()
            saved.append((obj, before))
        formset.save_m2m()
        for obj, before in saved:
            changes.record_saved(obj, actor, before)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        changes.delete_audited(obj, acting_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        actor = acting_user(request)
        for obj in queryset:
            changes.delete_audited(obj, actor)
