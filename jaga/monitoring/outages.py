"""Outages: one row per confirmed outage of a check, and the case it opens (issue 7,
"Cases by themselves").

``open_outage`` inserts the outage row in the same transaction as the case. The database
allows one open outage per check (``one_open_outage_per_check``), so when two monitor
processes, or a monitor restarted mid-outage, confirm the same outage, the second insert
fails and that process adopts the first one's outage: one case per outage. Outages of one
device share its case while people have not closed it (a second check of the device, or the
device failing again meanwhile).
``end_outage`` closes it with a compare-and-set update and records the recovery on the case
(an audit event and a line in the case's data); people still close the case as the SOP says.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.incidents.services import reporting_sop
from jaga.inventory.models import Device
from jaga.monitoring import signals
from jaga.monitoring.models import Check, Outage, OutageKind
from jaga.org.models import Opd, User
from jaga.tenancy.models import Agency
from jaga.workflow.affected import set_affected
from jaga.workflow.errors import CannotStart
from jaga.workflow.models import Case, CaseSource, CaseStatus
from jaga.workflow.services import start_case

logger = logging.getLogger(__name__)

#: The login of each agency's monitor user (``<agency slug>.monitor``): the reporter of the
#: cases the monitor opens. It cannot log in (no usable password).
MONITOR_USER_SUFFIX = ".monitor"


@dataclass(frozen=True, slots=True)
class Opened:
    """What ``open_outage`` did: the open ``outage`` (new or adopted) and whether this call
    created it (``created``: False when another process or an earlier run had)."""

    outage: Outage
    created: bool


def monitor_user(agency: Agency | int) -> User:
    """The agency's monitor user (created on first use): no OPD, no usable password."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    slug = Agency.objects.values_list("slug", flat=True).get(pk=agency_id)
    user, created = User.objects.get_or_create(
        username=f"{slug}{MONITOR_USER_SUFFIX}",
        defaults={"agency_id": agency_id, "first_name": "Jaga", "last_name": "Monitor"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def downstream(device: Device) -> list[Device]:
    """The devices that reach the network through ``device`` (its uplink subtree, in
    breadth-first order, without ``device``); a loop in the uplinks is cut where it closes."""
    children: dict[int, list[int]] = {}
    for pk, uplink in Device.objects.filter(agency_id=device.agency_id).values_list(
        "pk", "uplink_id"
    ):
        if uplink is not None:
            children.setdefault(uplink, []).append(pk)
    seen, queue, order = {device.pk}, [device.pk], []
    while queue:
        for child in children.get(queue.pop(0), []):
            if child not in seen:
                seen.add(child)
                order.append(child)
                queue.append(child)
    by_pk = Device.objects.select_related("site", "site__opd").in_bulk(order)
    return [by_pk[pk] for pk in order if pk in by_pk]


def _case_opd(device: Device, below: list[Device]) -> Opd | None:
    """The OPD the case is reported for: the device's site's, else that of the first
    affected site below it (a distribution switch in the data centre serves OPD sites)."""
    if device.site.opd_id is not None:
        return device.site.opd
    return next((d.site.opd for d in below if d.site.opd_id is not None), None)


def _start_case(check: Check, device: Device, outage: Outage, at: dt.datetime) -> Case | None:
    """Open the case of ``outage`` in the agency's disruption SOP, reported by the monitor,
    with the device, its site and everything below it as affected. None (logged) when the
    agency has no disruption SOP or no OPD can be named."""
    below = downstream(device)
    opd = _case_opd(device, below)
    reporter = monitor_user(check.agency_id)
    sites = list(dict.fromkeys([device.site, *(d.site for d in below)]))
    opds = sorted({s.opd.name for s in sites if s.opd is not None})
    with translation.override(settings.LANGUAGE_CODE):
        kind = _("flapping") if outage.kind == OutageKind.FLAPPING else _("down")
        title = _("Monitor: %(device)s at %(site)s is %(state)s") % {
            "device": device.name,
            "site": device.site.name,
            "state": kind,
        }
        description = _(
            "The network monitor confirmed that check %(check)s of %(device)s failed "
            "(%(reason)s) since %(since)s. Affected offices: %(opds)s."
        ) % {
            "check": check.name,
            "device": device.name,
            "reason": outage.reason or "-",
            "since": timezone.localtime(outage.started_at).strftime("%Y-%m-%d %H:%M:%S %Z"),
            "opds": ", ".join(opds) or "-",
        }
    try:
        definition = reporting_sop(check.agency_id)
        case = start_case(
            definition,
            source=CaseSource.MONITOR,
            title=title[:250],
            opd=opd,
            reporter=reporter,
            description=description,
            data={
                "location": device.site.name,
                "since": outage.started_at.astimezone(dt.UTC).isoformat(),
                "contact_name": "Jaga Monitor",
                "contact_phone": "-",
                "monitor": {"check": check.pk, "outage": outage.pk, "reason": outage.reason},
            },
            at=at,
        )
    except CannotStart as exc:
        logger.warning("outage %s of %s opened no case: %s", outage.pk, check, exc)
        return None
    set_affected(case, None, sites=sites, devices=[device, *below], at=at)
    return case


def open_outage(
    check: Check, *, kind: OutageKind, started_at: dt.datetime, reason: str, at: dt.datetime
) -> Opened:
    """Open the outage of ``check`` (confirmed at ``at``; its first failed run at
    ``started_at``), and its case, in one transaction; or adopt the outage already open.

    The case is the monitor's case of the same device that people have not closed yet (a
    second check of the device, or the device failing again before its case is closed:
    one case, no storm), else a new one in the agency's disruption SOP (``_start_case``).
    ``signals.outage_opened`` is sent in the transaction (the notifications). Safe
    to call from several processes at once: exactly one creates the row."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                outage = Outage.objects.create(
                    agency_id=check.agency_id,
                    monitor_check=check,
                    kind=kind,
                    started_at=started_at,
                    confirmed_at=at,
                    reason=reason[:300],
                )
        except IntegrityError:
            existing = Outage.objects.filter(monitor_check=check, ended_at__isnull=True).first()
            if existing is None:  # it ended between our insert and this read
                raise
            return Opened(existing, created=False)
        device = check.subject_device
        case = None
        if device is not None:
            case = (
                Case.objects.filter(
                    source=CaseSource.MONITOR,
                    status=CaseStatus.OPEN,
                    outages__monitor_check__device=device,
                )
                .order_by("-started_at")
                .first()
            )
            if case is None:
                case = _start_case(check, device, outage, at)
        outage.case = case
        outage.save(update_fields=["case"])
        record(
            agency=check.agency,
            actor=None,
            action="monitor.outage_opened",
            obj=outage,
            after={"check": check.pk, "kind": kind, "reason": reason, "case": outage.case_id},
            at=at,
        )
        signals.outage_opened.send(Outage, outage=outage, at=at)
    return Opened(outage, created=True)


def end_outage(outage_id: int, *, at: dt.datetime) -> bool:
    """Record the recovery of open outage ``outage_id`` at ``at``: compare-and-set on
    ``ended_at``, an audit event on the outage and on its case, and the recovery time in the
    case's data (``data["monitor"]["recovered_at"]``, ISO UTC). Returns False (and changes
    nothing) when it had ended already."""
    with transaction.atomic():
        if not Outage.objects.filter(pk=outage_id, ended_at__isnull=True).update(ended_at=at):
            return False
        outage = Outage.objects.select_related("monitor_check", "agency", "case").get(pk=outage_id)
        record(
            agency=outage.agency,
            actor=None,
            action="monitor.outage_ended",
            obj=outage,
            after={
                "check": outage.monitor_check_id,
                "started_at": outage.started_at,
                "ended_at": at,
            },
            at=at,
        )
        case = outage.case
        if case is not None:
            data = dict(case.data)
            monitor = dict(data.get("monitor") or {})
            monitor["recovered_at"] = at.astimezone(dt.UTC).isoformat()
            data["monitor"] = monitor
            case.data = data
            case.save(update_fields=["data"])
            record(
                agency=outage.agency,
                actor=None,
                action="case.recovered",
                obj=case,
                after={"outage": outage.pk, "check": outage.monitor_check.name, "recovered_at": at},
                at=at,
            )
        signals.outage_ended.send(Outage, outage=outage, at=at)
    return True
