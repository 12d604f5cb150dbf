"""The SPBE evidence bundle's page, /laporan/spbe/ (issue 16 point 6; docs/spbe.md): a year
(default last year; the current year allowed) and a button that builds the year's bundle
(``jaga.reports.spbe``) and downloads it as one ZIP.

Who: the readers whose report scope is the whole agency (``scope_of(user).is_agency_wide``:
the Kepala Dinas, whoever acts for him that day, and the agency's administrators); anyone
else signed in gets 403 (a unit head, a technician, an OPD user, a platform administrator).

Building is a POST: it issues the index as a numbered official document. Bad input (not a
number, before ``spbe.FIRST_YEAR``, a year not begun) shows the form's field error with
status 400 and issues nothing.
"""

from __future__ import annotations

import tempfile
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from jaga.documents.models import Document, ReportType
from jaga.documents.numbering import NumberingBusy
from jaga.org.models import User
from jaga.reports import spbe
from jaga.reports.permissions import ReportScope, scope_of
from jaga.tenancy.models import Agency

#: How many bundles issued before the page lists.
ISSUED_LIMIT = 10


def _scope(request: HttpRequest) -> ReportScope:
    """The signed-in reader's scope when it is the whole agency; 403 otherwise."""
    user = request.user
    scope = scope_of(user) if isinstance(user, User) else None
    if scope is None or not scope.is_agency_wide:
        raise PermissionDenied(
            _("Only the Kepala Dinas and the agency's administrators build the SPBE evidence.")
        )
    return scope


def _this_year(agency: Agency) -> int:
    return timezone.localtime(timezone=ZoneInfo(agency.timezone)).year


class BundleForm(forms.Form):
    """A year of the agency's local calendar, from ``spbe.FIRST_YEAR`` to the current one."""

    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
        help_text=gettext_lazy("The agency's local calendar year; the current year so far."),
    )

    def __init__(self, agency: Agency, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency
        field = self.fields["year"]
        field.widget.attrs.update({"min": spbe.FIRST_YEAR, "max": _this_year(agency)})

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        if year < spbe.FIRST_YEAR:
            raise forms.ValidationError(
                _("Choose a year from %(first)s on.") % {"first": spbe.FIRST_YEAR},
                code="too_early",
            )
        if year > _this_year(self.agency):
            raise forms.ValidationError(_("That year has not begun yet."), code="future")
        return year


def _page(request: HttpRequest, scope: ReportScope, form: BundleForm, status: int) -> HttpResponse:
    issued = Document.objects.filter(
        agency=scope.agency, document_type=ReportType.DAFTAR_BUKTI_DUKUNG.value
    ).order_by("-issued_at", "-pk")[:ISSUED_LIMIT]
    context = {
        "form": form,
        "issued": list(issued),
        "indicators": spbe.INDICATORS,
    }
    return render(request, "reports/spbe.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def bundle_page(request: HttpRequest) -> HttpResponseBase:
    """GET: the form (last year by default). POST: build the posted year's bundle and
    send it as ``bukti-dukung-spbe-<agency>-<year>.zip``; the form with its error and
    status 400 for a bad year; back to the form with a message when numbering is busy."""
    scope = _scope(request)
    agency = scope.agency
    if request.method != "POST":
        form = BundleForm(agency, initial={"year": _this_year(agency) - 1})
        return _page(request, scope, form, 200)
    form = BundleForm(agency, request.POST)
    if not form.is_valid():
        return _page(request, scope, form, 400)
    year: int = form.cleaned_data["year"]
    # Anonymous: gone when closed, never a half-written ZIP on disk; FileResponse closes it.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        spbe.write_bundle(handle, agency, year, scope.user, timezone.now())
    except NumberingBusy:
        handle.close()
        messages.error(request, _("Numbering is busy; please try again in a moment."))
        return redirect("reports:spbe")
    except spbe.BundleError:
        handle.close()
        form.add_error("year", _("That year cannot be bundled."))
        return _page(request, scope, form, 400)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=spbe.file_name(agency, year),
        content_type="application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
