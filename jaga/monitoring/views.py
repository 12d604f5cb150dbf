"""The network monitor's pages, under /monitor/, and the availability card of the device and
OPD pages (``availability_card``; docs/monitoring.md, "Availability").

Who sees what follows ``jaga.inventory.permissions``: a check is visible with its *subject*
device (the device it checks, or the near end of the link it checks), so the Diskominfo
side (employees and the agency's administrator) sees all of its agency's checks and an OPD
user the checks of the devices standing at their OPD's sites. A user of no agency (a platform
administrator) gets 403, as on the inventory's pages. Cases are linked only when
``jaga.workflow.permissions.cases_for`` lets the user open them.

Each page and card makes a fixed number of queries, whatever the number of checks, outages
or windows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from jaga.inventory.models import Device
from jaga.inventory.permissions import devices_for, sites_for
from jaga.inventory.views import paginate
from jaga.monitoring.availability import Availability, Point, availability, series
from jaga.monitoring.heartbeat import heartbeats_for
from jaga.monitoring.models import Check, CheckState, CheckStatus, MaintenanceWindow, Outage
from jaga.org.models import User
from jaga.workflow.permissions import cases_for

#: How many checks and open outages a card lists (problems first); the rest are on /monitor/.
CARD_LIMIT = 50
#: How many open outages and maintenance windows the overview lists.
LIST_LIMIT = 50
#: The days of the card's chart (local days, today included).
CHART_DAYS = 30

#: The overview's status filters: ``?status=<key>``.
FILTERS: dict[str, Q] = {
    "problem": Q(state__status=CheckStatus.DOWN)
    | Q(state__flapping=True)
    | Q(state__status=CheckStatus.UNREACHABLE),
    "down": Q(state__status=CheckStatus.DOWN),
    "flapping": Q(state__flapping=True),
    "unreachable": Q(state__status=CheckStatus.UNREACHABLE),
    "unknown": Q(state__isnull=True) | Q(state__status=CheckStatus.UNKNOWN),
    "up": Q(state__status=CheckStatus.UP),
}
#: The filters of problems.
ALARMS = frozenset({"problem", "down", "flapping", "unreachable"})
FILTER_LABELS: dict[str, Promise] = {
    "problem": gettext_lazy("Problems"),
    "down": gettext_lazy("Down"),
    "flapping": gettext_lazy("Flapping"),
    "unreachable": gettext_lazy("Unreachable"),
    "unknown": gettext_lazy("Unknown"),
    "up": gettext_lazy("Up"),
}


def _user(request: HttpRequest) -> User:
    """The signed-in user of an agency; 403 for a user of none (a platform administrator)."""
    user = request.user
    if not isinstance(user, User) or user.agency_id is None:
        raise PermissionDenied(
            _("The network monitor belongs to an agency; this account has none.")
        )
    return user


def checks_for(user: User) -> QuerySet[Check]:
    """The checks ``user`` may see: those whose subject device (the checked device, or the
    near end of the checked link) ``jaga.inventory.permissions.devices_for`` lets them see."""
    devices = devices_for(user)
    return Check.objects.filter(Q(device__in=devices) | Q(link__a_device__in=devices))


def problems_first(checks: QuerySet[Check]) -> QuerySet[Check]:
    """``checks`` ordered down, flapping, unreachable, unknown (or never run), up; then by
    name."""
    rank = Case(
        When(state__status=CheckStatus.DOWN, then=Value(0)),
        When(state__flapping=True, then=Value(1)),
        When(state__status=CheckStatus.UNREACHABLE, then=Value(2)),
        When(state__status=CheckStatus.UP, then=Value(4)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return checks.annotate(problem_rank=rank).order_by("problem_rank", "name", "pk")


# --- Rows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    """A check with its state (None: never run), its status (``CheckStatus`` value, unknown
    without a state), its subject device, and whether a maintenance window covers that
    device or its site now."""

    check: Check
    state: CheckState | None
    status: str
    status_label: str
    flapping: bool
    subject: Device | None
    maintenance: bool


@dataclass(frozen=True)
class OutageRow:
    """An open outage and whether the user may open its case."""

    outage: Outage
    case_visible: bool


@dataclass(frozen=True)
class Limited:
    """The first rows of a list and whether more exist (``more``)."""

    rows: list[Any]
    more: bool


_RELATED = ("state", "device__site__opd", "link__a_device__site__opd")


def _subject(check: Check) -> Device | None:
    if check.device_id is not None:
        return check.device
    return check.link.a_device if check.link is not None else None


def in_maintenance(devices: list[Device], now: dt.datetime) -> set[int]:
    """The ids of ``devices`` that a maintenance window covers at ``now`` (on the device or
    on its site); one query (none without devices)."""
    if not devices:
        return set()
    windows = MaintenanceWindow.objects.filter(
        Q(device_id__in={d.pk for d in devices}) | Q(site_id__in={d.site_id for d in devices}),
        starts_at__lte=now,
        ends_at__gt=now,
    ).values_list("device_id", "site_id")
    on_devices, on_sites = set(), set()
    for device_id, site_id in windows:
        on_devices.add(device_id)
        on_sites.add(site_id)
    return {d.pk for d in devices if d.pk in on_devices or d.site_id in on_sites}


def check_rows(checks: list[Check], now: dt.datetime) -> list[CheckRow]:
    """Rows for ``checks`` (loaded with ``_RELATED``), in their order; one query for the
    maintenance windows."""
    subjects = {check.pk: _subject(check) for check in checks}
    maintained = in_maintenance([d for d in subjects.values() if d is not None], now)
    labels = dict(CheckStatus.choices)
    rows = []
    for check in checks:
        state: CheckState | None = getattr(check, "state", None)
        status = state.status if state is not None else CheckStatus.UNKNOWN
        subject = subjects[check.pk]
        rows.append(
            CheckRow(
                check=check,
                state=state,
                status=status,
                status_label=str(labels.get(status, status)),
                flapping=bool(state and state.flapping),
                subject=subject,
                maintenance=subject is not None and subject.pk in maintained,
            )
        )
    return rows


def open_outages(user: User, checks: QuerySet[Check], limit: int) -> Limited:
    """The open outages of ``checks``, newest first, at most ``limit`` (``more`` says if
    there are others), with their checks and cases; two queries at most."""
    found = list(
        Outage.objects.filter(monitor_check__in=checks.order_by().values("pk"), ended_at=None)
        .select_related(
            "case", "monitor_check", "monitor_check__device", "monitor_check__link__a_device"
        )
        .order_by("-started_at", "-pk")[: limit + 1]
    )
    rows = found[:limit]
    case_ids = {outage.case_id for outage in rows if outage.case_id is not None}
    visible: set[int] = set()
    if case_ids:
        visible = set(
            cases_for(user).filter(pk__in=case_ids).order_by().values_list("pk", flat=True)
        )
    return Limited(
        rows=[OutageRow(outage, outage.case_id in visible) for outage in rows],
        more=len(found) > limit,
    )


# --- The availability card --------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One availability figure of the card: ``key`` (24h, 7d, 30d), its label and value."""

    key: str
    label: str
    availability: Availability


@dataclass(frozen=True)
class AvailabilityCard:
    """What ``monitoring/_availability.html`` shows: the availability over the last 24
    hours, 7 and 30 days; the checks (problems first, at most ``CARD_LIMIT``; only those
    with a problem when ``problems_only``) with their status; the open outages; the
    chart's data (``chart``: the daily series ``points``, for ``json_script``); and the
    overview's URL narrowed to the same checks."""

    periods: list[Period]
    checks: Limited
    problems_only: bool
    outages: Limited
    chart: dict[str, Any]
    monitor_url: str
    points: list[Point]


def chart_data(points: list[Point]) -> dict[str, Any]:
    """The chart's data for ``json_script``: ``dates`` (ISO local dates), ``labels``
    (localized "j M"), ``values`` (availability in percent with 2 decimals, None without
    data), ``up``/``down`` (runs) and the translated ``label`` of the series."""
    return {
        "label": _("Availability (%)"),
        "empty": _("No data"),
        "dates": [point.start.date().isoformat() for point in points],
        "labels": [formats.date_format(point.start.date(), "j M") for point in points],
        "values": [None if p.ratio is None else round(p.ratio * 100, 2) for p in points],
        "up": [point.up for point in points],
        "down": [point.down for point in points],
    }


def availability_card(
    user: User,
    checks: QuerySet[Check],
    tz: ZoneInfo,
    monitor_query: dict[str, int],
    *,
    problems_only: bool = False,
    now: dt.datetime | None = None,
) -> AvailabilityCard:
    """The card for ``checks`` (already limited to what ``user`` may see): availability over
    the last 24 hours (minutes), 7 and 30 days (hours), the daily series of the last
    ``CHART_DAYS`` local days in ``tz`` (today's so far included), the checks with their
    state (``problems_only``: those down, flapping or unreachable) and the open outages.
    Eight queries at most, whatever the number of checks. ``monitor_query``: the overview's
    filter for the same checks (``{"opd": 3}``)."""
    now = now or timezone.now()
    periods = [
        Period(key, label, availability(checks, now - dt.timedelta(days=days), now, now=now))
        for key, label, days in [
            ("24h", _("Last 24 hours"), 1),
            ("7d", _("Last 7 days"), 7),
            ("30d", _("Last 30 days"), 30),
        ]
    ]
    today = now.astimezone(tz).date()
    first_day = dt.datetime.combine(today - dt.timedelta(days=CHART_DAYS - 1), dt.time(), tz)
    points = series(checks, first_day, now, "day", tz, now=now)
    listed = checks.filter(FILTERS["problem"]) if problems_only else checks
    found = list(problems_first(listed).select_related(*_RELATED)[: CARD_LIMIT + 1])
    return AvailabilityCard(
        periods=periods,
        checks=Limited(check_rows(found[:CARD_LIMIT], now), len(found) > CARD_LIMIT),
        problems_only=problems_only,
        outages=open_outages(user, checks, CARD_LIMIT),
        chart=chart_data(points),
        monitor_url=f"{reverse('monitoring:overview')}?{urlencode(monitor_query)}",
        points=points,
    )


# --- The overview -----------------------------------------------------------------------


def _id(value: str | None) -> int | None:
    """``value`` as a row id (a positive 32-bit integer), else None (the filter is ignored)."""
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


@dataclass(frozen=True)
class Tab:
    """One status filter of the overview, with its number of checks; ``alarm``: a filter of
    problems (its count is shown in red)."""

    key: str
    label: str
    count: int
    active: bool
    alarm: bool = False


@login_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """The checks I may see, problems first (down, flapping, unreachable, unknown, up), 50
    to a page, with their status, last result and response time and their device, site and
    OPD; ``?status=`` one of ``FILTERS``, ``?opd=``/``?device=`` narrow them to an OPD's or a
    device's checks. Then the open outages with their cases, and the maintenance windows
    current and upcoming (with a link to add one in the admin for the agency's
    administrator), and the heartbeats of the monitor processes serving the agency (last
    seen, ICMP replies, timeouts and replies the kernel dropped)."""
    user = _user(request)
    now = timezone.now()
    visible = checks_for(user)
    opd_id, device_id = _id(request.GET.get("opd")), _id(request.GET.get("device"))
    if opd_id is not None:
        visible = visible.filter(
            Q(device__site__opd_id=opd_id) | Q(link__a_device__site__opd_id=opd_id)
        )
    if device_id is not None:
        visible = visible.filter(Q(device_id=device_id) | Q(link__a_device_id=device_id))
    status = request.GET.get("status", "")
    status = status if status in FILTERS else ""
    counts = visible.aggregate(
        all=Count("pk"), **{key: Count("pk", filter=q) for key, q in FILTERS.items()}
    )
    tabs = [Tab("", _("All"), counts["all"], status == "")] + [
        Tab(key, str(FILTER_LABELS[key]), counts[key], status == key, key in ALARMS)
        for key in FILTERS
    ]
    listed = visible.filter(FILTERS[status]) if status else visible
    page = paginate(problems_first(listed), request.GET.get("page"), narrowed=False)
    ids = list(page.object_list)
    loaded = {
        check.pk: check for check in Check.objects.filter(pk__in=ids).select_related(*_RELATED)
    }
    windows = list(
        MaintenanceWindow.objects.filter(
            Q(site__in=sites_for(user)) | Q(device__in=devices_for(user)), ends_at__gt=now
        )
        .select_related("site", "device", "device__site")
        .order_by("starts_at", "pk")[: LIST_LIMIT + 1]
    )
    context = {
        "tabs": tabs,
        "status": status,
        "narrowed_to": {"opd": opd_id, "device": device_id},
        "page": page,
        "rows": check_rows([loaded[pk] for pk in ids if pk in loaded], now),
        "outages": open_outages(user, visible, LIST_LIMIT),
        "windows": Limited(windows[:LIST_LIMIT], len(windows) > LIST_LIMIT),
        "now": now,
        "may_add_window": user.is_agency_admin,
        "monitors": heartbeats_for(user.agency_id) if user.agency_id is not None else [],
    }
    return render(request, "monitoring/overview.html", context)
