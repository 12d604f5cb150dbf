"""The periodic reports' page, under /laporan/berkala/ (issue 16 point 4): choose the
report (the month's rekapitulasi, or the monthly, quarterly or yearly report) and its
period, download its XLSX or issue it as a numbered document (PDF); the issued ones are
listed and served here.

The Kepala Dinas, the agency's administrators and the heads of units read and issue them
(``jaga.reports.permissions``: a scope without ``person``); a technician, an OPD user or
a platform administrator gets 403. The figures are the whole agency's (a report to the
Kepala Dinas). Bad input (an unknown report, a period that is not one, a rekapitulasi of
more than a month, a period not begun) shows the form's errors with status 400.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from jaga.documents.models import Document, ReportType
from jaga.documents.numbering import NumberingBusy
from jaga.documents.services import issue_report
from jaga.documents.views import pdf_response
from jaga.org.models import User
from jaga.reports import periodic
from jaga.reports.periods import Period, PeriodError
from jaga.reports.permissions import ReportScope, scope_of
from jaga.reports.xlsx import CONTENT_TYPE

ISSUED_LIMIT = 12
KINDS = (ReportType.REKAPITULASI, ReportType.LAPORAN_BERKALA)


class PeriodicForm(forms.Form):
    """Which report, and its period ("2026-11", "2026-Q4", "2026")."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Report"),
        choices=[
            (ReportType.REKAPITULASI.value, gettext_lazy("Rekapitulasi (a month)")),
            (ReportType.LAPORAN_BERKALA.value, gettext_lazy("Periodic report")),
        ],
    )
    period = forms.CharField(label=gettext_lazy("Period"), max_length=20)

    def clean_period(self) -> Period:
        try:
            period = Period.parse(self.cleaned_data["period"])
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from error
        if period.start > timezone.localdate():
            raise forms.ValidationError(_("That period has not begun yet."))
        return period

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        period = cleaned.get("period")
        if (
            cleaned.get("kind") == ReportType.REKAPITULASI.value
            and isinstance(period, Period)
            and period.kind != "month"
        ):
            self.add_error("period", _("A rekapitulasi covers one month, like 2026-11."))
        return cleaned


def _scope(request: HttpRequest) -> ReportScope:
    user = request.user
    scope = scope_of(user) if isinstance(user, User) else None
    if scope is None or scope.person is not None:
        raise PermissionDenied(
            _("Periodic reports are for the Kepala Dinas and the heads of units.")
        )
    return scope


def _issued(scope: ReportScope) -> QuerySet[Document]:
    return Document.objects.filter(
        agency=scope.agency,
        document_type__in=[kind.value for kind in KINDS],
        case__isnull=True,
    ).order_by("-issued_at", "-pk")


def _page(
    request: HttpRequest, scope: ReportScope, form: PeriodicForm, status: int = 200
) -> HttpResponse:
    report = None
    query = ""
    if form.is_bound and form.is_valid():
        report = periodic.build(
            scope.agency, form.cleaned_data["period"], ReportType(form.cleaned_data["kind"])
        )
        query = urlencode({"kind": report.kind.value, "period": report.period.key})
    today = timezone.localdate()
    context = {
        "scope": scope,
        "form": form,
        "report": report,
        "query": query,
        "chart": periodic.chart(report, fluid=True) if report is not None else "",
        "issued": list(_issued(scope)[:ISSUED_LIMIT]),
        "last_month": Period.containing(today).previous(),
    }
    return render(request, "reports/periodic.html", context, status=status)


@login_required
@require_safe
def periodic_page(request: HttpRequest) -> HttpResponse:
    """The form; with ``?kind=…&period=…`` the report's figures below it (400 with the
    form's errors for bad ones)."""
    scope = _scope(request)
    if "kind" in request.GET or "period" in request.GET:
        form = PeriodicForm(request.GET)
        return _page(request, scope, form, status=200 if form.is_valid() else 400)
    last_month = Period.containing(timezone.localdate()).previous()
    initial = {"kind": ReportType.REKAPITULASI.value, "period": last_month.key}
    return _page(request, scope, PeriodicForm(initial=initial))


@login_required
@require_safe
def periodic_xlsx(request: HttpRequest) -> HttpResponse:
    """The report of ``?kind=…&period=…`` as XLSX (the form and 400 for bad input)."""
    scope = _scope(request)
    form = PeriodicForm(request.GET)
    if not form.is_valid():
        return _page(request, scope, form, status=400)
    period: Period = form.cleaned_data["period"]
    kind = ReportType(form.cleaned_data["kind"])
    data = periodic.workbook(periodic.build(scope.agency, period, kind))
    response = HttpResponse(data, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{kind.value}-{period.key}.xlsx"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def periodic_issue(request: HttpRequest) -> HttpResponse:
    """Issue the posted report as a numbered document and redirect to its PDF (the form
    with its errors and 400 for bad input)."""
    scope = _scope(request)
    form = PeriodicForm(request.POST)
    if not form.is_valid():
        return _page(request, scope, form, status=400)
    report = periodic.build(
        scope.agency, form.cleaned_data["period"], ReportType(form.cleaned_data["kind"])
    )
    try:
        document = issue_report(
            scope.agency,
            report.kind,
            scope.user,
            timezone.now(),
            periodic.document_content(report),
            title=periodic.document_title(report),
        )
    except NumberingBusy:
        messages.error(request, _("Numbering is busy; please try again in a moment."))
        query = urlencode({"kind": report.kind.value, "period": report.period.key})
        return redirect(f"{reverse('reports:periodic')}?{query}")
    messages.success(
        request,
        _("%(title)s was issued with number %(number)s.")
        % {"title": document.title, "number": document.number},
    )
    return redirect("reports:periodic_document", pk=document.pk)


@login_required
@require_safe
def periodic_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF of an issued periodic report of the reader's agency (404 otherwise; 410
    when the archived file is missing)."""
    scope = _scope(request)
    return pdf_response(request, get_object_or_404(_issued(scope), pk=pk))
