"""The words of a notification, written when it is shown or sent, in the active language
(Indonesian by default; issue 15 point 2). ``Notification.params`` holds the facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from jaga.notifications.models import Notification, NotificationKind


@dataclass(frozen=True)
class Message:
    """A notification's ``subject`` (one line) and ``body`` (plain text, a few lines)."""

    subject: str
    body: str


def local_time(iso: str, zone: str) -> str:
    """ISO instant ``iso`` (UTC) shown as ``dd-mm-YYYY HH:MM`` with the zone's
    abbreviation (WIB, WITA, WIT), in zone ``zone``; "-" when empty."""
    if not iso:
        return "-"
    moment = dt.datetime.fromisoformat(iso).astimezone(ZoneInfo(zone))
    return f"{moment:%d-%m-%Y %H:%M} {moment.tzname()}"


def _step_facts(params: dict[str, str], zone: str) -> dict[str, str]:
    return {
        "case": params.get("case", ""),
        "title": params.get("title", ""),
        "step_no": params.get("step_no", ""),
        "step": params.get("step", ""),
        "due": local_time(params.get("due", ""), zone),
        "reason": params.get("reason", ""),
        "acting": params.get("acting", ""),
        "site": params.get("site", ""),
        "share": params.get("share", ""),
        "waiting": params.get("waiting", ""),
    }


def _step_body(facts: dict[str, str], lead: str) -> str:
    lines = [lead, _("Case #%(case)s: %(title)s") % facts, _("Step %(step_no)s: %(step)s") % facts]
    if facts["site"]:
        lines.append(_("Site: %(site)s") % facts)
    lines.append(_("Due: %(due)s") % facts)
    if facts["acting"]:
        lines.append(_("You receive this as %(acting)s.") % facts)
    return "\n".join(lines)


def render(notification: Notification) -> Message:
    """The subject and body of ``notification`` in the active language. Unknown ``params``
    are ignored and missing ones shown empty, so an old row always renders."""
    params = {key: str(value) for key, value in notification.params.items()}
    zone = params.get("zone", "Asia/Jakarta")
    facts = _step_facts(params, zone)
    kind = notification.kind
    if kind == NotificationKind.STEP_WAITING:
        subject = _("Case #%(case)s: step %(step_no)s waits for you") % facts
        return Message(subject, _step_body(facts, _("A step waits for you.")))
    if kind == NotificationKind.STEP_RETURNED:
        subject = _("Case #%(case)s: step %(step_no)s was sent back to you") % facts
        lead = _("The step was sent back to you. Reason: %(reason)s") % facts
        return Message(subject, _step_body(facts, lead))
    if kind == NotificationKind.STEP_NEAR_DUE:
        subject = _("Case #%(case)s: step %(step_no)s is due at %(due)s") % facts
        lead = _("%(share)s%% of the step's time standard (Mutu Baku) has passed.") % facts
        return Message(subject, _step_body(facts, lead))
    if kind == NotificationKind.STEP_LATE:
        if facts["waiting"]:
            subject = _("Late: case #%(case)s, step %(step_no)s (%(waiting)s)") % facts
            lead = (
                _(
                    "The step has passed its time standard (Mutu Baku) and still waits for "
                    "%(waiting)s. You are told as their superior."
                )
                % facts
            )
        else:
            subject = _("Late: case #%(case)s, step %(step_no)s") % facts
            lead = _("The step has passed its time standard (Mutu Baku).")
        return Message(subject, _step_body(facts, lead))
    if kind == NotificationKind.CASE_UPDATE:
        return _case_update(params, facts)
    if kind == NotificationKind.OUTAGE:
        values = {
            "check": params.get("check", ""),
            "since": local_time(params.get("since", ""), zone),
            "until": local_time(params.get("until", ""), zone),
            "reason": params.get("reason", "") or "-",
            "case": params.get("case", "") or "-",
        }
        if params.get("event") == "ended":
            return Message(
                _("Recovered: %(check)s") % values,
                _(
                    "%(check)s answers again since %(until)s (outage from %(since)s, case "
                    "#%(case)s). Close the case as the SOP says."
                )
                % values,
            )
        return Message(
            _("Outage: %(check)s") % values,
            _(
                "The network monitor confirmed an outage of %(check)s since %(since)s: "
                "%(reason)s. Case #%(case)s was opened."
            )
            % values,
        )
    if kind == NotificationKind.VISIT_COMING:
        values = {"site": params.get("site", ""), "date": params.get("date", "")}
        return Message(
            _("Maintenance visit on %(date)s: %(site)s") % values,
            _("Diskominfo technicians will visit %(site)s on %(date)s for preventive maintenance.")
            % values,
        )
    counts = {
        "waiting": params.get("waiting", "0"),
        "near": params.get("near", "0"),
        "late": params.get("late", "0"),
    }
    return Message(
        _("Your tasks today: %(waiting)s waiting, %(near)s near due, %(late)s late") % counts,
        _(
            "%(waiting)s step(s) wait for you; %(near)s of them near their due time and "
            "%(late)s are late. Open My tasks to work on them."
        )
        % counts,
    )


def _case_update(params: dict[str, str], facts: dict[str, str]) -> Message:
    event = params.get("event", "")
    if event == "closed":
        subject = _("Your report #%(case)s is finished") % facts
        lead = _("The case of your report was closed: the SOP has run to its end.")
    elif event == "assigned":
        subject = _("Your report #%(case)s is being handled") % facts
        lead = _("Technicians were appointed to your report.")
    else:
        subject = _("Your report #%(case)s: %(step)s") % facts
        lead = _("Your report moved on.")
    return Message(subject, "\n".join([lead, _("Case #%(case)s: %(title)s") % facts]))
