"""The setup checklist of a new agency (issue 17 point 5; docs/organisation.md): what is
still missing before the agency runs its SOPs in Jaga.

``checklist(agency, today)`` returns one ``SetupItem`` per thing to set up, in the order an
administrator does them: the working hours and calendar, the agency's own days off of
this year, the letterhead, the number patterns of the documents the SOPs issue, the
services, the organisation units, the positions the SOP lanes name (each held by someone),
the OPDs with their logins, and the SOPs themselves. Each item says whether it is done,
what was found, and where to fix it. A fixed number of queries whatever the agency's size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jaga.documents.models import NumberPattern
from jaga.org.models import ActingAssignment, Employee, Opd, OrgUnit, Position, User
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency, CalendarMode, DayOff, WorkingHours


@dataclass(frozen=True)
class SetupItem:
    """One line of the checklist: a stable ``key``, its ``group`` and ``title``, whether it
    is ``done``, what was found or is missing (``detail``), and the page where it is set
    (``url``, with its ``link`` text)."""

    key: str
    group: str
    title: str
    done: bool
    detail: str
    url: str
    link: str


def local_today(agency: Agency) -> dt.date:
    """Today's date in the agency's time zone."""
    return timezone.now().astimezone(ZoneInfo(agency.timezone)).date()


def _agency_page(agency: Agency) -> str:
    return reverse("admin:tenancy_agency_change", args=[agency.pk])


def _working_hours_item(agency: Agency) -> SetupItem:
    hours = WorkingHours.objects.filter(agency=agency, period__isnull=True)
    days = hours.values("weekday").distinct().count()
    if agency.calendar_mode == CalendarMode.ALWAYS:
        done, detail = True, _("Deadlines count clock time (24x7).")
    elif days:
        done = True
        detail = ngettext(
            "Working hours on %(days)d day of the week.",
            "Working hours on %(days)d days of the week.",
            days,
        ) % {"days": days}
    else:
        done, detail = False, _("No working hours: deadlines cannot be computed.")
    return SetupItem(
        "working_hours",
        _("Calendar"),
        _("Working hours and calendar"),
        done,
        detail,
        _agency_page(agency),
        _("Agency settings"),
    )


def _days_off_item(agency: Agency, today: dt.date) -> SetupItem:
    count = DayOff.objects.filter(agency=agency, date__year=today.year).count()
    detail = (
        ngettext(
            "%(count)d day off of the agency's own in %(year)d.",
            "%(count)d days off of the agency's own in %(year)d.",
            count,
        )
        % {"count": count, "year": today.year}
        if count
        else _(
            "No day off of the agency's own in %(year)d (regional anniversary, local "
            "holidays); national holidays and cuti bersama are known already."
        )
        % {"year": today.year}
    )
    return SetupItem(
        "days_off",
        _("Calendar"),
        _("Days off"),
        bool(count),
        detail,
        _agency_page(agency),
        _("Agency settings"),
    )


def _letterhead_item(agency: Agency) -> SetupItem:
    lines = len(agency.letterhead_lines)
    logo = bool(agency.logo)
    if lines:
        detail = ngettext("%(count)d letterhead line.", "%(count)d letterhead lines.", lines) % {
            "count": lines
        }
        detail += " " + (_("Logo uploaded.") if logo else _("No logo yet (optional)."))
    else:
        detail = _("No letterhead (kop surat): the documents would have no heading.")
    return SetupItem(
        "letterhead",
        _("Documents"),
        _("Letterhead"),
        bool(lines),
        detail,
        _agency_page(agency),
        _("Agency settings"),
    )


def _number_patterns_item(agency: Agency, sops: list[SopDefinition]) -> SetupItem:
    issued = sorted(
        {step.document.value for sop in sops for step in sop.spec.steps if step.document}
    )
    patterns = set(
        NumberPattern.objects.filter(agency=agency).values_list("document_type", flat=True)
    )
    missing = [kind for kind in issued if kind not in patterns]
    if missing:
        detail = _(
            "No pattern for %(types)s: their numbers would be only the sequence and the "
            "year (12/2026)."
        ) % {"types": ", ".join(missing)}
    elif patterns:
        detail = ngettext(
            "%(count)d number pattern.", "%(count)d number patterns.", len(patterns)
        ) % {"count": len(patterns)}
    else:
        detail = _("No number pattern yet.")
    return SetupItem(
        "number_patterns",
        _("Documents"),
        _("Number patterns"),
        bool(patterns) and not missing,
        detail,
        reverse("admin:documents_numberpattern_changelist"),
        _("Number patterns"),
    )


def _services_item(agency: Agency, sops: list[SopDefinition]) -> SetupItem:
    """Services: the catalogue's active services (``jaga.catalogue``), done when one is the
    default disruption service (what the OPDs' "Lapor Gangguan" form starts) and its SOP
    has a current version (``sops``: the agency's current SOPs)."""
    from jaga.catalogue.models import Service

    services = list(Service.objects.filter(agency=agency, is_active=True).order_by("name"))
    running = {sop.code for sop in sops if sop.starts_by_report}
    default = next((s for s in services if s.is_default and s.sop_code in running), None)
    if default is not None:
        detail = _("%(count)d services; disruption reports start %(name)s.") % {
            "count": len(services),
            "name": default.name,
        }
    elif services:
        detail = _(
            "No default disruption service: the OPDs' Lapor Gangguan form cannot start "
            "anything. Mark one in the administration."
        )
    else:
        detail = _("No SOP starts from a disruption report: OPDs cannot report anything.")
    return SetupItem(
        "services",
        _("Services"),
        _("Services"),
        default is not None,
        detail,
        reverse("admin:catalogue_service_changelist") if services else reverse("sop:sops"),
        _("Services") if services else _("SOPs"),
    )


def _units_item(agency: Agency) -> SetupItem:
    count = OrgUnit.objects.filter(agency=agency).count()
    return SetupItem(
        "units",
        _("People"),
        _("Organisation units"),
        bool(count),
        ngettext("%(count)d unit.", "%(count)d units.", count) % {"count": count}
        if count
        else _("No unit yet: import the organisation workbook."),
        reverse("org:import"),
        _("Import the organisation"),
    )


def _positions_item(agency: Agency, sops: list[SopDefinition], today: dt.date) -> SetupItem:
    named = sorted({code for sop in sops for lane in sop.spec.lanes for code in lane.positions})
    positions = dict(Position.objects.filter(agency=agency).values_list("code", "pk"))
    held = set(
        Employee.positions.through.objects.filter(
            employee__agency=agency, employee__is_active=True
        ).values_list("position_id", flat=True)
    ) | set(
        ActingAssignment.objects.filter(
            agency=agency, start_date__lte=today, end_date__gte=today
        ).values_list("position_id", flat=True)
    )
    unknown = [code for code in named if code not in positions]
    empty = [code for code in named if code in positions and positions[code] not in held]
    problems = []
    if unknown:
        problems.append(_("no position %(codes)s") % {"codes": ", ".join(unknown)})
    if empty:
        problems.append(_("nobody holds %(codes)s") % {"codes": ", ".join(empty)})
    if problems:
        detail = _("The SOP lanes name positions that are missing: %(problems)s.") % {
            "problems": "; ".join(problems)
        }
    elif not positions:
        detail = _("No position yet.")
    elif named:
        detail = ngettext(
            "%(count)d position; every position an SOP lane names has a holder.",
            "%(count)d positions; every position an SOP lane names has a holder.",
            len(positions),
        ) % {"count": len(positions)}
    else:
        detail = ngettext(
            "%(count)d position; no SOP names positions yet.",
            "%(count)d positions; no SOP names positions yet.",
            len(positions),
        ) % {"count": len(positions)}
    return SetupItem(
        "positions",
        _("People"),
        _("Positions and their holders"),
        bool(positions) and not problems,
        detail,
        reverse("org:import"),
        _("Import the organisation"),
    )


def _opds_item(agency: Agency) -> SetupItem:
    opds = Opd.objects.filter(agency=agency, is_active=True).count()
    with_users = (
        User.objects.filter(agency=agency, opd__isnull=False, is_active=True, opd__is_active=True)
        .values("opd_id")
        .distinct()
        .count()
    )
    if not opds:
        detail = _("No OPD yet.")
    elif not with_users:
        detail = _("%(count)d OPDs, none with a login to report disruptions.") % {"count": opds}
    else:
        detail = _("%(count)d OPDs, %(with)d with a login to report disruptions.") % {
            "count": opds,
            "with": with_users,
        }
    return SetupItem(
        "opds",
        _("People"),
        _("OPDs and their users"),
        bool(with_users),
        detail,
        reverse("org:import"),
        _("Import the organisation"),
    )


def _sops_item(sops: list[SopDefinition]) -> SetupItem:
    return SetupItem(
        "sops",
        _("SOPs"),
        _("SOPs"),
        bool(sops),
        ngettext("%(count)d current SOP.", "%(count)d current SOPs.", len(sops))
        % {"count": len(sops)}
        if sops
        else _("No SOP loaded yet (jaga sop load)."),
        reverse("sop:sops"),
        _("SOPs"),
    )


def checklist(agency: Agency, today: dt.date | None = None) -> list[SetupItem]:
    """The setup checklist of ``agency`` (module docstring); ``today`` is the agency's
    local date (default: now in its zone), whose year the days off are counted in."""
    today = today or local_today(agency)
    sops = list(SopDefinition.objects.filter(Q(agency=agency) & Q(is_current=True)))
    return [
        _working_hours_item(agency),
        _days_off_item(agency, today),
        _letterhead_item(agency),
        _number_patterns_item(agency, sops),
        _services_item(agency, sops),
        _units_item(agency),
        _positions_item(agency, sops, today),
        _opds_item(agency),
        _sops_item(sops),
    ]
