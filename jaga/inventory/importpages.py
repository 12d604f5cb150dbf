"""The import page and the pages of its jobs (issue 13 point 7; docs/inventory.md, "Import").

Only the agency's administrator imports (403 for anyone else; a user of no agency gets 403
as on every inventory page) and sees the agency's import jobs (another agency's job is a
404). The upload is checked at once as far as its header; the rows are checked and written
by the background worker (``jaga.inventory.jobs``), and the job's page follows it by htmx
polling until it is done or failed.
"""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_safe

from jaga.inventory import jobs
from jaga.inventory.forms import CORRUPT_XLSX, KIND_LABELS, ImportForm
from jaga.inventory.models import ImportJob
from jaga.inventory.permissions import import_jobs_for, may_change_inventory
from jaga.inventory.tabular import KINDS, BadFile, Format, Kind, check_header
from jaga.inventory.views import _agency_user, _is_partial
from jaga.org.models import User

#: The largest id a job can have (a signed 64-bit integer).
MAX_ID = 2**63 - 1
#: Jobs listed on the import page.
RECENT_JOBS = 10
#: Bad cells shown on a failed job's page; all of them are in its CSV download.
ERRORS_SHOWN = 1000


def _admin(request: HttpRequest) -> User:
    """The agency's administrator; 403 for anyone else."""
    user = _agency_user(request)
    if not may_change_inventory(user):
        raise PermissionDenied(_("Only the agency's administrator imports the inventory."))
    return user


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_file(request: HttpRequest) -> HttpResponse:
    """The import page, for the agency's administrator only (403 for anyone else).

    GET shows the form (``?kind=devices`` preselects the kind) and the agency's latest
    jobs. A POST of a file whose header is right starts a background job and redirects to
    its page; a file that cannot be read, a wrong header, a wrong extension or a file over
    ``MAX_UPLOAD_BYTES`` is an error of the form and starts nothing."""
    user = _admin(request)
    assert user.agency_id is not None  # _agency_user
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            kind: Kind = form.cleaned_data["kind"]
            upload = form.cleaned_data["file"]
            fmt: Format = form.cleaned_data["format"]
            content = upload.read()
            try:
                check_header(kind, content, fmt)
            except BadFile as exc:
                form.add_error("file", str(exc))
            except CORRUPT_XLSX:
                if fmt != "xlsx":
                    raise
                form.add_error("file", _("The file is not a readable XLSX workbook."))
            else:
                agency = user.agency
                assert agency is not None
                job = jobs.start_job(agency, user, kind, upload.name or "", content, fmt)
                return redirect("inventory:import_job", pk=job.pk)
    else:
        initial = request.GET.get("kind")
        form = ImportForm(initial={"kind": initial if initial in KINDS else "devices"})
    jobs.expire_stale(user.agency_id)
    context = {
        "form": form,
        "kinds": list(KIND_LABELS.items()),
        "jobs": list(import_jobs_for(user).select_related("user")[:RECENT_JOBS]),
    }
    return render(request, "inventory/import.html", context)


def _job(request: HttpRequest, pk: int) -> ImportJob:
    user = _admin(request)
    if pk > MAX_ID:  # SQLite cannot even compare a larger number
        raise Http404
    jobs.expire_stale(user.agency_id)
    job = import_jobs_for(user).select_related("user").filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


@login_required
@require_safe
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The page of import job ``pk`` (of my agency, else 404): its state, the rows checked
    of all, then what was created, updated and unchanged, or every bad cell. An htmx
    request gets the status card only; while the job is queued or running the card asks
    for itself again every second."""
    job = _job(request, pk)
    context = {
        "job": job,
        "kind_label": KIND_LABELS.get(job.kind, job.kind),  # type: ignore[call-overload]
        "errors": job.errors[:ERRORS_SHOWN],
        "percent": (100 * job.rows_done // job.rows_total) if job.rows_total else 0,
    }
    template = "inventory/_import_job.html" if _is_partial(request) else "inventory/import_job.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_safe
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """Every bad cell of import job ``pk`` as CSV (line, column, problem), for a file with
    more than the page shows."""
    job = _job(request, pk)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Line"), _("Column"), pgettext("import error", "Problem")])
    for line, column, reason in job.errors:
        writer.writerow([line, column, reason])
    response = HttpResponse(
        out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="impor-{job.pk}-kesalahan.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
