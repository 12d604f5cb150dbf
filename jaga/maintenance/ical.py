"""A technician's maintenance visits as an iCalendar feed (RFC 5545, written with the
``icalendar`` library; issue 14 point 7), for the calendar app of their phone.

One VEVENT per visit (``jaga.maintenance.agenda``): UID stable from plan occurrence to
started round, times in UTC, the sites as LOCATION, the page as URL, STATUS TENTATIVE for
a planned occurrence and CONFIRMED for a started round (CANCELLED for a cancelled case).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from jaga.maintenance.agenda import AgendaEvent

_STATUS = {"planned": "TENTATIVE", "open": "CONFIRMED", "closed": "CONFIRMED"}


def feed_calendar(name: str, events: list[AgendaEvent], now: dt.datetime) -> bytes:
    """The feed ``name`` (shown by calendar apps) with ``events``, stamped ``now`` (UTC), as
    the bytes of a ``text/calendar`` body."""
    calendar = Calendar()
    calendar.add("prodid", "-//Jaga//Pemeliharaan jaringan//ID")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    host = urlsplit(settings.JAGA_PUBLIC_URL).hostname or "jaga"
    base = settings.JAGA_PUBLIC_URL.rstrip("/")
    for item in events:
        event = Event()
        event.add("uid", f"{item.uid}@{host}")
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("dtstart", item.start.astimezone(dt.UTC))
        event.add("dtend", item.end.astimezone(dt.UTC))
        event.add("summary", item.title)
        event.add("status", _STATUS.get(item.state, "CANCELLED"))
        if item.sites:
            event.add("location", ", ".join(item.sites))
        lines = [_("Maintenance plan: %(plan)s") % {"plan": item.plan_name}]
        if item.case_number is not None:
            lines.append(_("Case #%(number)s") % {"number": item.case_number})
        else:
            lines.append(_("Planned: the round has not started yet."))
        if item.sites:
            lines.append(_("Sites: %(sites)s") % {"sites": ", ".join(item.sites)})
        event.add("description", "\n".join(lines))
        event.add("url", f"{base}{item.path}")
        calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body
