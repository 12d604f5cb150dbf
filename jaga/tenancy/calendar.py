"""The working calendar: all deadline arithmetic of Jaga.

Rules and sources:

* Working hours of civil servants (ASN) follow Perpres 21/2023 (Hari Kerja dan Jam Kerja
  Instansi Pemerintah dan Pegawai ASN): 37.5 hours a week over five days from 07:30 local time,
  with a 60-minute break Monday to Thursday and a 90-minute break on Friday
  (:data:`PERPRES_21_2023`); during Ramadan 32.5 hours a week from 08:00
  (:data:`RAMADAN_PERPRES_21_2023`). Each agency may set its own hours, so a
  :class:`WorkingCalendar` takes any :class:`WeekSchedule`, with these as defaults.
* Days off are national holidays and cuti bersama (the yearly joint ministerial decree, SKB
  Menteri Agama, Menaker dan MenPAN-RB), from the ``holidays`` package (categories "public" and
  "government"), plus each agency's own days off.
* Time standards come from the SOP "Waktu" column (see :mod:`jaga.tenancy.timestandard`).
  Administrative SOPs count working time; a per-SOP or per-step setting may choose 24x7
  (:meth:`WorkingCalendar.as_24x7`); "N x 24 jam" is always clock time.

Conventions: every datetime argument must be timezone-aware (naive ones raise ``ValueError``
naming the parameter); returned instants are aware and in UTC (storage is UTC, display
converts); schedules are local wall-clock times in the calendar's ``timezone``; working
intervals are half-open ``[start, end)``. A deadline is the *earliest* instant at which the
required working time has elapsed, so a deadline may fall exactly at the end of an interval
(Friday 16:00 + 30 menit = Friday 16:30). Arithmetic is exact to the microsecond and walks day
by day, never minute by minute.

This module is pure Python (``zoneinfo`` and, lazily, ``holidays``); it imports no Django
models.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from jaga.tenancy.timestandard import TimeStandard, TimeUnit

__all__ = [
    "PERPRES_21_2023",
    "RAMADAN_PERPRES_21_2023",
    "REASON_AGENCY_DAY_OFF",
    "REASON_WEEKEND",
    "Interval",
    "SpecialPeriod",
    "WeekSchedule",
    "WorkingCalendar",
    "national_days_off",
]

#: A working interval of one day: local wall-clock ``(start, end)``, naive times, start < end.
Interval = tuple[time, time]

#: :meth:`WorkingCalendar.day_off_reason` for a weekday without working hours.
REASON_WEEKEND = "weekend"
#: :meth:`WorkingCalendar.day_off_reason` for a day in ``extra_days_off``.
REASON_AGENCY_DAY_OFF = "agency day off"

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_MICROSECOND = timedelta(microseconds=1)

# (start, end) in UTC.
_Span = tuple[datetime, datetime]


def _duration(interval: Interval) -> timedelta:
    start, end = interval
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


def _as_interval(value: object) -> Interval:
    """``value`` as a 2-tuple (its items are checked by the caller); ``ValueError`` if not."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError(f"an interval is a (start, end) pair of times, got {value!r}")
    start, end = value
    return (start, end)


@dataclass(frozen=True)
class WeekSchedule:
    """Working hours of a week.

    ``days`` has exactly 7 entries, index 0 = Monday ... 6 = Sunday (``date.weekday()``); each
    is a tuple of :data:`Interval` -- local wall-clock ``(start, end)`` with naive ``time``
    values, ``start < end``, sorted, not overlapping (an interval may start where the previous
    one ends). A day with no intervals is not a working day. Lists are accepted and stored as
    tuples. Raises ``ValueError`` when the shape or an interval is invalid.
    """

    days: tuple[tuple[Interval, ...], ...]
    _totals: tuple[timedelta, ...] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        days: tuple[tuple[Interval, ...], ...] = tuple(
            tuple(_as_interval(interval) for interval in day) for day in self.days
        )
        if len(days) != 7:
            raise ValueError(f"a week schedule needs 7 days (Monday..Sunday), got {len(days)}")
        for weekday, intervals in enumerate(days):
            previous_end: time | None = None
            for interval in intervals:
                start, end = interval
                if not (isinstance(start, time) and isinstance(end, time)):
                    raise ValueError(
                        f"day {weekday}: an interval is a (start, end) pair of times, "
                        f"got {interval!r}"
                    )
                if start.tzinfo is not None or end.tzinfo is not None:
                    raise ValueError(
                        f"day {weekday}: interval times are local wall-clock times and must "
                        f"be naive, got {interval!r}"
                    )
                if not start < end:
                    raise ValueError(
                        f"day {weekday}: interval {start}-{end} must start before it ends"
                    )
                if previous_end is not None and start < previous_end:
                    raise ValueError(
                        f"day {weekday}: interval {start}-{end} overlaps or precedes the "
                        f"previous one ending at {previous_end}; intervals must be sorted "
                        "and must not overlap"
                    )
                previous_end = end
        object.__setattr__(self, "days", days)
        totals = tuple(sum((_duration(i) for i in day), _ZERO) for day in days)
        object.__setattr__(self, "_totals", totals)

    def working_time_on(self, weekday: int) -> timedelta:
        """Exact working time on ``weekday`` (0 = Monday); ``ValueError`` outside 0..6."""
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday}")
        return self._totals[weekday]

    def minutes_on(self, weekday: int) -> int:
        """Working minutes on ``weekday`` (0 = Monday), rounded down to whole minutes."""
        return int(self.working_time_on(weekday) // timedelta(minutes=1))

    @property
    def working_days_per_week(self) -> int:
        """Number of weekdays that have working intervals."""
        return sum(1 for day in self.days if day)

    @property
    def minutes_per_week(self) -> int:
        """Working minutes in a week, rounded down to whole minutes."""
        return int(sum(self._totals, _ZERO) // timedelta(minutes=1))


def _week(weekday: tuple[Interval, ...], friday: tuple[Interval, ...]) -> WeekSchedule:
    return WeekSchedule(days=(weekday, weekday, weekday, weekday, friday, (), ()))


#: ASN working hours, Perpres 21/2023: 37.5 h/week. Mon-Thu 07:30-12:00 + 13:00-16:00
#: (60-minute break), Fri 07:30-11:30 + 13:00-16:30 (90-minute break); Sat-Sun off.
PERPRES_21_2023 = _week(
    ((time(7, 30), time(12, 0)), (time(13, 0), time(16, 0))),
    ((time(7, 30), time(11, 30)), (time(13, 0), time(16, 30))),
)

#: ASN working hours during Ramadan: 32.5 h/week from 08:00. Mon-Thu 08:00-12:00 +
#: 12:30-15:00, Fri 08:00-11:30 + 12:30-15:30; Sat-Sun off.
RAMADAN_PERPRES_21_2023 = _week(
    ((time(8, 0), time(12, 0)), (time(12, 30), time(15, 0))),
    ((time(8, 0), time(11, 30)), (time(12, 30), time(15, 30))),
)


@dataclass(frozen=True)
class SpecialPeriod:
    """A range of local dates, ``start`` to ``end`` inclusive, with its own schedule.

    Example: Ramadan with :data:`RAMADAN_PERPRES_21_2023`. Raises ``ValueError`` when ``end``
    is before ``start``.
    """

    name: str
    start: date
    end: date
    schedule: WeekSchedule

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(
                f"special period {self.name!r} ends ({self.end}) before it starts ({self.start})"
            )

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@lru_cache(maxsize=64)
def national_days_off(year: int) -> Mapping[date, str]:
    """National holidays and cuti bersama of Indonesia in ``year``: read-only ``{date: name}``.

    Names are in Indonesian (e.g. "Hari Raya Natal", "Cuti Bersama Hari Raya Natal"); two on
    one date are joined by "; ". Source: the ``holidays`` package, country "ID", categories
    "public" (national holidays) and "government" (cuti bersama). Cached per year. Years the
    package does not cover give an empty mapping.
    """
    import holidays  # imported lazily: importing it takes ~0.1 s

    days = holidays.country_holidays(
        "ID", categories=("public", "government"), years=year, language="id"
    )
    return MappingProxyType({day: str(name) for day, name in days.items() if day.year == year})


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _add_months(local: datetime, months: int) -> datetime:
    """Same local wall time ``months`` calendar months later, day clamped to the month's end."""
    index = local.year * 12 + (local.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    first_of_next = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (first_of_next - _ONE_DAY).day
    return local.replace(year=year, month=month, day=min(local.day, last_day))


@dataclass(frozen=True)
class WorkingCalendar:
    """Working time of one agency.

    ``timezone`` is the agency's zone (Asia/Jakarta or Asia/Pontianak = WIB, Asia/Makassar =
    WITA, Asia/Jayapura = WIT); ``schedule`` the regular week; ``special_periods`` date ranges
    with their own schedule (they must not overlap); ``extra_days_off`` the agency's own local
    days off; ``national_holidays`` whether :func:`national_days_off` are off. With
    ``always_working`` (24x7) every instant is working time and the rest is ignored.

    Raises ``ValueError`` when ``timezone`` is not a ``ZoneInfo``, special periods overlap, or
    (in working mode) the regular schedule has no working day, so no deadline could be found.
    """

    timezone: ZoneInfo
    schedule: WeekSchedule = PERPRES_21_2023
    special_periods: tuple[SpecialPeriod, ...] = ()
    extra_days_off: frozenset[date] = frozenset()
    national_holidays: bool = True
    always_working: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, ZoneInfo):
            raise ValueError(f"timezone must be a ZoneInfo, got {self.timezone!r}")
        periods = tuple(sorted(self.special_periods, key=lambda p: (p.start, p.end)))
        for before, after in itertools.pairwise(periods):
            if after.start <= before.end:
                raise ValueError(
                    f"special periods {before.name!r} and {after.name!r} overlap; "
                    "a date may be in at most one special period"
                )
        object.__setattr__(self, "special_periods", periods)
        object.__setattr__(self, "extra_days_off", frozenset(self.extra_days_off))
        if not self.always_working and self.schedule.working_days_per_week == 0:
            raise ValueError("the regular schedule has no working day")

    # -- days ---------------------------------------------------------------------------------

    def as_24x7(self) -> WorkingCalendar:
        """The same calendar in 24x7 mode: every instant is working time."""
        return dataclasses.replace(self, always_working=True)

    def _period_of(self, day: date) -> SpecialPeriod | None:
        for period in self.special_periods:
            if period.start <= day <= period.end:
                return period
        return None

    def schedule_on(self, day: date) -> WeekSchedule:
        """The schedule that applies on local date ``day``: its special period's, else regular."""
        period = self._period_of(day)
        return self.schedule if period is None else period.schedule

    def day_off_reason(self, day: date) -> str | None:
        """Why local date ``day`` is not a working day, or ``None`` if it is one.

        In order: the national holiday / cuti bersama name (Indonesian, from
        :func:`national_days_off`), :data:`REASON_AGENCY_DAY_OFF`, the special period's name
        when its schedule has no hours that weekday but the regular one has, else
        :data:`REASON_WEEKEND`. Always ``None`` in 24x7 mode.
        """
        if self.always_working:
            return None
        if self.national_holidays:
            name = national_days_off(day.year).get(day)
            if name is not None:
                return name
        if day in self.extra_days_off:
            return REASON_AGENCY_DAY_OFF
        period = self._period_of(day)
        schedule = self.schedule if period is None else period.schedule
        if schedule.days[day.weekday()]:
            return None
        if period is not None and self.schedule.days[day.weekday()]:
            return period.name
        return REASON_WEEKEND

    def is_working_day(self, day: date) -> bool:
        """Whether local date ``day`` has working hours (always true in 24x7 mode)."""
        return self.day_off_reason(day) is None

    def _spans(self, day: date) -> tuple[_Span, ...]:
        """Working intervals of local date ``day`` as UTC ``(start, end)``; () on a day off."""
        tz = self.timezone
        if self.always_working:
            start = datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
            end = datetime.combine(day + _ONE_DAY, time.min, tzinfo=tz).astimezone(UTC)
            return ((start, end),)
        if self.day_off_reason(day) is not None:
            return ()
        spans = []
        for start_time, end_time in self.schedule_on(day).days[day.weekday()]:
            start = datetime.combine(day, start_time, tzinfo=tz).astimezone(UTC)
            end = datetime.combine(day, end_time, tzinfo=tz).astimezone(UTC)
            if start < end:  # can only fail inside a daylight-saving gap
                spans.append((start, end))
        return tuple(spans)

    def _days_from(self, first: date, last: date | None = None) -> Iterator[date]:
        """Local dates from ``first`` to ``last`` (or the end of time), in order.

        Jumps over special periods whose schedule has no working hours at all; the caller
        still filters other days off (they cost one lookup each).
        """
        day = first
        while last is None or day <= last:
            period = self._period_of(day) if not self.always_working else None
            if period is not None and period.schedule.working_days_per_week == 0:
                if period.end >= date.max:
                    return
                day = period.end + _ONE_DAY
                continue
            yield day
            if day == date.max:
                return
            day += _ONE_DAY

    def _working_days_from(self, first: date) -> Iterator[tuple[date, tuple[_Span, ...]]]:
        """Working days from local date ``first`` on, with their UTC spans."""
        for day in self._days_from(first):
            spans = self._spans(day)
            if spans:
                yield day, spans
        raise ValueError(f"no working time on or after {first}")

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(self.timezone).date()

    def working_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """Working intervals of local date ``day``: aware ``(start, end)`` in the calendar's
        zone, half-open, in order; ``[]`` on a day off. In 24x7 mode the whole local day."""
        return [
            (start.astimezone(self.timezone), end.astimezone(self.timezone))
            for start, end in self._spans(day)
        ]

    # -- instants -----------------------------------------------------------------------------

    def is_working_time(self, at: datetime) -> bool:
        """Whether ``at`` (aware) lies in a working interval ``[start, end)``."""
        _require_aware(at, "at")
        if self.always_working:
            return True
        moment = at.astimezone(UTC)
        return any(start <= moment < end for start, end in self._spans(self._local_date(at)))

    def next_working_instant(self, at: datetime) -> datetime:
        """The first working instant at or after ``at`` (aware), in UTC.

        ``at`` itself when it is working time. ``ValueError`` if there is none (only possible
        when special periods without hours reach the end of the calendar).
        """
        _require_aware(at, "at")
        moment = at.astimezone(UTC)
        if self.always_working:
            return moment
        for _day, spans in self._working_days_from(self._local_date(at)):
            for start, end in spans:
                if end > moment:
                    return max(start, moment)
        raise AssertionError("unreachable")  # pragma: no cover

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant ``t`` (UTC) with ``working_time_between(start, t) == duration``.

        ``start`` must be aware; ``duration`` (working time) must be >= 0, else ``ValueError``.
        ``duration == 0`` returns ``start``. The result may be the end of an interval: Friday
        16:00 + 30 min is Friday 16:30, while Friday 16:15 + 30 min is Monday 07:45 (when
        Monday is a working day).
        """
        _require_aware(start, "start")
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration}")
        moment = start.astimezone(UTC)
        if duration == _ZERO or self.always_working:
            return moment + duration
        remaining = duration
        for _day, spans in self._working_days_from(self._local_date(start)):
            for span_start, span_end in spans:
                if span_end <= moment:
                    continue
                begin = max(span_start, moment)
                available = span_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time in ``[start, end)`` (both aware), exact to the microsecond.

        Negative (``-working_time_between(end, start)``) when ``end`` is before ``start``.
        Walks day by day; a one-year span takes milliseconds.
        """
        _require_aware(start, "start")
        _require_aware(end, "end")
        low, high = start.astimezone(UTC), end.astimezone(UTC)
        if high < low:
            return -self.working_time_between(end, start)
        if self.always_working:
            return high - low
        total = _ZERO
        for day in self._days_from(self._local_date(low), self._local_date(high)):
            for span_start, span_end in self._spans(day):
                overlap = min(span_end, high) - max(span_start, low)
                if overlap > _ZERO:
                    total += overlap
        return total

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """``days`` (>= 1) working days after ``start`` (aware), in UTC.

        ``start`` is first moved to :meth:`next_working_instant`. If a fraction ``f`` of that
        local working day has passed, the result is at the same fraction ``f`` of the working
        day ``days`` working days later (earliest instant, rounded up to the microsecond), so
        Monday 10:00 + 1 = Tuesday 10:00 and Friday 16:15 + 1 = Monday 15:45 under
        :data:`PERPRES_21_2023`. If ``f == 0`` (start of a working day) the result is the end of
        the ``days - 1``-th following working day: Monday 07:30 + 1 = Monday 16:00. Days off
        (weekends, holidays, cuti bersama, extra days off) are not counted. In 24x7 mode the
        result is ``start + days * 24 h``. ``ValueError`` when ``days < 1``.
        """
        _require_aware(start, "start")
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValueError(f"days must be a whole number of at least 1, got {days!r}")
        if self.always_working:
            return start.astimezone(UTC) + days * _ONE_DAY
        moment = self.next_working_instant(start)
        working_days = self._working_days_from(self._local_date(moment))
        _first_day, spans = next(working_days)
        day_total = sum((end - begin for begin, end in spans), _ZERO)
        passed = sum(
            (min(end, moment) - begin for begin, end in spans if begin < moment),
            _ZERO,
        )
        if passed == _ZERO:
            for _ in range(days - 1):
                _day, spans = next(working_days)
            return spans[-1][1]
        for _ in range(days):
            _day, spans = next(working_days)
        target_total = sum((end - begin for begin, end in spans), _ZERO)
        # Ceiling of target_total * passed / day_total, in whole microseconds.
        numerator = (target_total // _MICROSECOND) * (passed // _MICROSECOND)
        wanted = timedelta(microseconds=-(-numerator // (day_total // _MICROSECOND)))
        for begin, end in spans:
            if wanted <= end - begin:
                return begin + wanted
            wanted -= end - begin
        return spans[-1][1]  # pragma: no cover - wanted <= target_total

    def due_at(self, start: datetime, standard: TimeStandard) -> datetime | None:
        """When a step started at ``start`` (aware) with time standard ``standard`` is due (UTC).

        * kondisional: ``None``.
        * "N x 24 jam" (``standard.elapsed``): ``start + N * 24 h`` -- clock time, always.
        * "N hari kalender": ``start + N`` days of clock time, always.
        * a bound ("maks. 1 jam", "1–3 hari"): the upper bound; "min. 1 hari": ``None``.
        * Working mode: menit/jam -> :meth:`add_working_time`; hari -> :meth:`add_working_days`;
          minggu -> :meth:`add_working_days` of ``n * schedule.working_days_per_week``;
          bulan -> the same local date and time ``n`` calendar months later (day clamped to the
          month's last day), then :meth:`next_working_instant`.
        * 24x7 mode: clock time; hari = 24 h, minggu = 7 days, bulan = calendar months.
        """
        _require_aware(start, "start")
        amount, unit = standard.amount, standard.unit
        if amount is None or unit is None:
            return None
        moment = start.astimezone(UTC)
        if standard.elapsed:
            return moment + timedelta(hours=amount)
        if unit is TimeUnit.CALENDAR_DAY:
            return moment + timedelta(days=amount)
        if unit is TimeUnit.MINUTE:
            return self.add_working_time(moment, timedelta(minutes=amount))
        if unit is TimeUnit.HOUR:
            return self.add_working_time(moment, timedelta(hours=amount))
        if unit is TimeUnit.DAY:
            return self.add_working_days(moment, amount)
        if unit is TimeUnit.WEEK:
            if self.always_working:
                return moment + timedelta(weeks=amount)
            return self.add_working_days(moment, amount * self.schedule.working_days_per_week)
        if unit is TimeUnit.MONTH:
            later = _add_months(start.astimezone(self.timezone), amount)
            return self.next_working_instant(later)
        raise ValueError(f"unknown time unit {unit!r}")  # pragma: no cover
