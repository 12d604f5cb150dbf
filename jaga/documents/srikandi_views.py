"""The SRIKANDI page of an agency's administrator (issue 18 point 4): the documents of a
period with their registration metadata, the package to register them in SRIKANDI (PDFs,
metadata.json, metadata.csv), and the number and date of the documents SRIKANDI numbers."""

from __future__ import annotations

import datetime as dt
import json
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jaga.documents.content import local
from jaga.documents.forms import PeriodForm, RegistrationForm
from jaga.documents.models import Document, NumberedBy
from jaga.documents.services import ArchiveMissing
from jaga.documents.srikandi import NotRegistrable, metadata, register, write_zip
from jaga.org.models import User


def _admin(request: HttpRequest) -> User:
    """The agency administrator making the request; ``PermissionDenied`` for anyone else."""
    user = request.user
    if not isinstance(user, User) or not user.is_staff or user.agency_id is None:
        raise PermissionDenied(_("Only the agency's administrator registers documents."))
    return user


def _agency_id(user: User) -> int:
    assert user.agency_id is not None  # _admin checked it
    return user.agency_id


def _period(request: HttpRequest, user: User) -> tuple[PeriodForm, dt.date, dt.date]:
    """The period asked for (``dari``, ``sampai``), else the current month to date."""
    assert user.agency is not None
    today = local(user.agency, timezone.now()).date()
    form = PeriodForm(request.GET or None)
    if request.GET and form.is_valid():
        return form, form.cleaned_data["dari"], form.cleaned_data["sampai"]
    if not request.GET:
        form = PeriodForm(initial={"dari": today.replace(day=1), "sampai": today})
    return form, today.replace(day=1), today


def _documents(user: User, start: dt.date, end: dt.date) -> QuerySet[Document]:
    return (
        Document.objects.filter(
            agency_id=_agency_id(user), issued_on__gte=start, issued_on__lte=end
        )
        .select_related("agency", "supersedes")
        .order_by("issued_on", "pk")
    )


@login_required
def srikandi_page(request: HttpRequest) -> HttpResponse:
    """The period's documents with their metadata, the export and the registrations."""
    user = _admin(request)
    form, start, end = _period(request, user)
    documents = list(_documents(user, start, end))
    rows = [(document, metadata(document)) for document in documents]
    waiting = Document.objects.filter(
        agency_id=_agency_id(user), numbered_by=NumberedBy.SRIKANDI, number=""
    )
    context = {
        "form": form,
        "start": start,
        "end": end,
        "rows": rows,
        "waiting": waiting.order_by("issued_at"),
        "registration": RegistrationForm(initial={"date": start}),
    }
    return render(request, "documents/srikandi.html", context, status=400 if form.errors else 200)


@login_required
def srikandi_export(request: HttpRequest) -> HttpResponse | FileResponse:
    """The ZIP of the period's documents (``jaga.documents.srikandi.write_zip``)."""
    user = _admin(request)
    form, start, end = _period(request, user)
    if form.errors:
        return redirect("documents:srikandi")
    # Written to a temporary file (deleted when the response is closed) and sent from it;
    # the documents are read in chunks.
    target = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115 (FileResponse closes it)
    try:
        write_zip(_documents(user, start, end).iterator(chunk_size=200), target)
        target.seek(0)
    except ArchiveMissing as exc:
        target.close()
        messages.error(request, str(exc))
        return redirect("documents:srikandi")
    except BaseException:
        target.close()
        raise
    name = f"srikandi-{start:%Y%m%d}-{end:%Y%m%d}.zip"
    return FileResponse(target, as_attachment=True, filename=name, content_type="application/zip")


@login_required
def srikandi_metadata(request: HttpRequest, pk: int) -> HttpResponse:
    """One document's registration record as JSON."""
    user = _admin(request)
    document = get_object_or_404(Document, pk=pk, agency_id=_agency_id(user))
    body = json.dumps(metadata(document), ensure_ascii=False, indent=2)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@login_required
@require_POST
def registration(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the number and date SRIKANDI gave a document; back to the SRIKANDI page."""
    user = _admin(request)
    document = get_object_or_404(Document, pk=pk, agency_id=_agency_id(user))
    form = RegistrationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the number and the date of the registration."))
        return redirect("documents:srikandi")
    try:
        registered = register(
            document, user, form.cleaned_data["number"], form.cleaned_data["date"]
        )
    except NotRegistrable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(title)s is registered as %(number)s.")
            % {"title": registered.title, "number": registered.number},
        )
    return redirect("documents:srikandi")
