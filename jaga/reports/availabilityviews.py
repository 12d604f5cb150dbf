"""The availability report's pages, under /laporan/ketersediaan/ (issue 16 point 5): a form
(OPD and month) that shows the figures, downloads them as XLSX, and issues them as a
numbered official document (PDF); and the issued reports' PDFs.

Who may do what (the inventory's rule, ``jaga.inventory.pages.opds_for``): an OPD user
reports on their own OPD, the Diskominfo side (employees and the agency's administrators)
on any OPD of their agency, nobody on another agency's. Issuing a document is the
Diskominfo's act (it prints the Diskominfo's letterhead and the issuer signs it), so OPD
users see and download the figures and the reports issued for their OPD, but do not issue.
A user of no agency (a platform administrator) gets 403, as on the monitor's pages.

Bad input (a month that is not ``YYYY-MM`` or has not begun, an OPD not offered: another
agency's, another OPD's, not a number) shows the form's field errors with status 400 and
changes nothing.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

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
from jaga.inventory.pages import opds_for
from jaga.monitoring.models import CheckKind
from jaga.org.models import Opd, User
from jaga.reports import availability
from jaga.reports.availability import AvailabilityReport, Month, ReportInputError
from jaga.reports.xlsx import CONTENT_TYPE
from jaga.workflow.permissions import cases_for

#: How many issued reports the page lists.
ISSUED_LIMIT = 10


def _user(request: HttpRequest) -> User:
    """The signed-in user of an agency; 403 for a user of none (a platform administrator)
    or one who may report on no OPD."""
    user = request.user
    if not isinstance(user, User) or user.agency_id is None:
        raise PermissionDenied(
            _("Availability reports belong to an agency; this account has none.")
        )
    return user


def _agency_id(user: User) -> int:
    assert user.agency_id is not None  # _user refused the others
    return user.agency_id


def may_issue(user: User) -> bool:
    """Whether ``user`` issues availability reports as documents: the Diskominfo side of
    their agency (its administrators and employees), not OPD users."""
    return bool(
        user.is_active
        and user.agency_id is not None
        and user.opd_id is None
        and (user.is_staff or hasattr(user, "employee"))
    )


class AvailabilityForm(forms.Form):
    """An OPD among those ``user`` may see (``opds_for``) and a month (``YYYY-MM``, the
    agency's local calendar, begun already)."""

    opd = forms.ModelChoiceField(
        queryset=Opd.objects.none(), label=gettext_lazy("Regional office (OPD)")
    )
    month = forms.CharField(
        label=gettext_lazy("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
        help_text=gettext_lazy("In the agency's local time."),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["opd"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = opds_for(user).filter(agency_id=_agency_id(user)).order_by("name")

    def clean_month(self) -> Month:
        text = self.cleaned_data["month"]
        try:
            month = Month.parse(text)
        except ReportInputError:
            raise forms.ValidationError(
                _("Write the month as year and month, like 2026-11."), code="bad_month"
            ) from None
        agency = self.user.agency
        assert agency is not None
        start, _end = month.bounds(ZoneInfo(agency.timezone))
        if start > timezone.now():
            raise forms.ValidationError(_("That month has not begun yet."), code="future")
        return month


def _issued(user: User) -> QuerySet[Document]:
    """The availability reports issued for the OPDs ``user`` may see, newest first."""
    opds = list(opds_for(user).filter(agency_id=_agency_id(user)).values_list("pk", flat=True))
    return Document.objects.filter(
        agency_id=_agency_id(user),
        document_type=ReportType.LAPORAN_KETERSEDIAAN.value,
        case__isnull=True,
        content__opd__id__in=opds,
    ).order_by("-issued_at", "-pk")


def _kind_label(kind: str) -> str:
    """A check's kind in the request's language."""
    try:
        return str(CheckKind(kind).label)
    except ValueError:
        return kind


def _rows(report: AvailabilityReport, user: User) -> dict[str, Any]:
    """The report's figures as the page shows them (floats for the localized numbers);
    an outage's case is linked when ``user`` may open it (``cases_for``)."""

    def figures(value: availability.Figures) -> dict[str, Any]:
        return {
            "percent": value.percent,
            "down": float(value.down_minutes),
            "maintenance": float(value.maintenance_minutes),
            "unreachable": float(value.unreachable_minutes),
            "excluded": float(value.maintenance_minutes + value.unreachable_minutes),
            "outages": value.outages,
        }

    case_ids = {line.case_id for line in report.outages if line.case_id is not None}
    visible = set(
        cases_for(user).filter(pk__in=case_ids).order_by().values_list("pk", flat=True)
        if case_ids
        else []
    )

    return {
        "checks": [
            {"line": line, "kind": _kind_label(line.kind), **figures(line.figures)}
            for line in report.checks
        ],
        "total": figures(report.total),
        "outages": [
            {"line": line, "minutes": float(line.minutes), "case_visible": line.case_id in visible}
            for line in report.outages
        ],
    }


def _page(
    request: HttpRequest, user: User, form: AvailabilityForm, status: int = 200
) -> HttpResponse:
    report: AvailabilityReport | None = None
    if form.is_bound and form.is_valid():
        report = availability.build(form.cleaned_data["opd"], form.cleaned_data["month"])
    query = ""
    if report is not None:
        query = urlencode({"opd": str(report.opd.pk), "month": str(report.month)})
    context = {
        "form": form,
        "report": report,
        "rows": _rows(report, user) if report is not None else None,
        "chart": availability.chart_svg(report, width_mm=110, label_mm=35, fluid=True)
        if report is not None
        else "",
        "query": query,
        "may_issue": may_issue(user),
        "issued": list(_issued(user)[:ISSUED_LIMIT]),
    }
    return render(request, "reports/availability.html", context, status=status)


def _initial(user: User) -> dict[str, Any]:
    agency = user.agency
    assert agency is not None
    today = timezone.localtime(timezone=ZoneInfo(agency.timezone)).date()
    initial: dict[str, Any] = {"month": str(Month.of(today).previous())}
    if user.opd_id is not None:
        initial["opd"] = user.opd_id
    return initial


@login_required
@require_safe
def report_page(request: HttpRequest) -> HttpResponse:
    """The form; with ``?opd=<id>&month=YYYY-MM`` the report's figures below it (400 with
    the form's errors for bad ones)."""
    user = _user(request)
    if "opd" in request.GET or "month" in request.GET:
        form = AvailabilityForm(user, request.GET)
        return _page(request, user, form, status=200 if form.is_valid() else 400)
    return _page(request, user, AvailabilityForm(user, initial=_initial(user)))


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-") or "opd"


@login_required
@require_safe
def report_xlsx(request: HttpRequest) -> HttpResponse:
    """The report of ``?opd=<id>&month=YYYY-MM`` as XLSX (the form with its errors and
    status 400 for bad input)."""
    user = _user(request)
    form = AvailabilityForm(user, request.GET)
    if not form.is_valid():
        return _page(request, user, form, status=400)
    report = availability.build(form.cleaned_data["opd"], form.cleaned_data["month"])
    data = availability.xlsx_bytes(report)
    opd = report.opd
    name = f"ketersediaan-{_safe_name(opd.abbreviation or opd.name)}-{report.month}.xlsx"
    response = HttpResponse(data, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def report_issue(request: HttpRequest) -> HttpResponse:
    """Issue the report of the posted ``opd`` and ``month`` as a numbered document and
    redirect to its PDF; Diskominfo side only (403 otherwise); the form with its errors
    and status 400 for bad input."""
    user = _user(request)
    if not may_issue(user):
        raise PermissionDenied(_("Only the Diskominfo staff issue availability reports."))
    form = AvailabilityForm(user, request.POST)
    if not form.is_valid():
        return _page(request, user, form, status=400)
    opd: Opd = form.cleaned_data["opd"]
    report = availability.build(opd, form.cleaned_data["month"])
    try:
        document = issue_report(
            opd.agency,
            ReportType.LAPORAN_KETERSEDIAAN,
            user,
            timezone.now(),
            availability.document_content(report),
            title=availability.document_title(report),
        )
    except NumberingBusy:
        messages.error(request, _("Numbering is busy; please try again in a moment."))
        query = urlencode({"opd": str(opd.pk), "month": str(report.month)})
        return redirect(f"{reverse('reports:availability')}?{query}")
    messages.success(
        request,
        _("%(title)s was issued with number %(number)s.")
        % {"title": document.title, "number": document.number},
    )
    return redirect("reports:availability_document", pk=document.pk)


@login_required
@require_safe
def report_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF of an issued availability report of an OPD the user may see, shown in the
    browser (404 otherwise; 410 when the archived file is missing)."""
    user = _user(request)
    return pdf_response(request, get_object_or_404(_issued(user), pk=pk), inline=True)
