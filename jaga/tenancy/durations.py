"""Durations as people read them: hours and minutes ("24 jam 15 menit", "24 hours 15 minutes").

Working time is counted in hours of the agency's working calendar, so a duration is never
shown in days (a "day" of working time is not 24 hours) nor as a Python ``timedelta``
("1 day, 0:15:00"). Every page and command that shows a duration of working time (or of
a step's clock) goes through ``format_duration`` (issue 13 point 11).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def format_duration(value: dt.timedelta) -> str:
    """``value`` as whole hours and minutes in the active language: "24 hours 15 minutes",
    "2 hours", "15 minutes", "0 minutes"; Indonesian "24 jam 15 menit".

    Seconds are dropped (rounded toward zero, so a duration never reads longer than it
    is); a negative duration (an overrun, a deadline before the start) gets a leading
    minus sign: "-3 hours"."""
    seconds = int(value.total_seconds())
    hours, minutes = divmod(abs(seconds) // 60, 60)
    sign = "-" if seconds < 0 and (hours or minutes) else ""
    hours_text = ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    minutes_text = ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    if hours and minutes:
        text = _("%(hours)s %(minutes)s") % {"hours": hours_text, "minutes": minutes_text}
    else:
        text = hours_text if hours else minutes_text
    return sign + text
