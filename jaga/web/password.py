"""A user changing their own password at ``/password/``: Django's view, with the change
recorded in the agency's audit chain (issue 13 point 5) in the same transaction."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.http import HttpResponse

from jaga.audit.changes import record_saved, stored_snapshot
from jaga.org.models import User


class AuditedPasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change page. A successful change writes ``org.user.changed`` with
    ``after == {"password_changed": True}`` (never the hash: ``jaga.audit.changes``), the
    user as actor, in the transaction that saves the new hash; a platform administrator
    (no agency, no chain) records nothing."""

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        with transaction.atomic():
            # ``form.user`` is the request's lazy user: the rows are read as plain instances.
            before = stored_snapshot(User.objects.get(pk=form.user.pk))
            response = super().form_valid(form)
            user = User.objects.get(pk=form.user.pk)
            record_saved(user, user, before)
        return response
