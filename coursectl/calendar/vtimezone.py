"""The embedded VTIMEZONE, written in the yearly-rule style Outlook needs.

icalendar's `Timezone.from_tzid` lists every transition as a one-off RDATE; Outlook reads
such a zone wrongly and moves weekly events by an hour across DST (iCalcreator#86). Here the
transitions are read from the IANA database (zoneinfo) for the years around the term and
described as `RRULE:FREQ=YEARLY;BYMONTH=m;BYDAY=nSU` when they follow a yearly pattern, which
they do for every zone with ongoing DST rules. A zone whose transitions do not (a rule change
inside the range) falls back to RDATEs for that observance only, so the zone stays correct.
"""

from __future__ import annotations

import calendar as stdcalendar
import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    """One change of UTC offset: the local wall time it happens at, and the offsets around it."""

    onset: datetime  # naive, local wall time in the offset before the change (RFC 5545 §3.6.5)
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


@functools.lru_cache(maxsize=32)  # every calendar and every CalDAV resource embeds the same zone
def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> tuple[Transition, ...]:
    """Every offset change from Jan 1 of `first_year` to Dec 31 of `last_year`, to the second."""
    found: list[Transition] = []
    step = timedelta(days=1)  # no zone changes its offset twice within a day
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    before = _offset(zone, moment)
    while moment < end:
        following = moment + step
        after = _offset(zone, following)
        if after != before:
            low, high = moment, following  # offset(low) == before, offset(high) == after
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _offset(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            local_after = high.astimezone(zone)
            found.append(
                Transition(
                    onset=(high + before).replace(tzinfo=None),
                    offset_from=before,
                    offset_to=after,
                    name=local_after.tzname() or "",
                    # Clocks going forward start daylight time; this also labels Dublin's
                    # summer (IST, which tzdata calls standard time) the way clients expect.
                    daylight=after > before,
                )
            )
        before = after
        moment = following
    return tuple(found)


def _yearly_byday(onsets: list[datetime]) -> str | None:
    """'2SU' or '-1SU' when every onset is that weekday of the same month at the same time."""
    first = onsets[0]
    if any(
        (o.month, o.weekday(), o.time()) != (first.month, first.weekday(), first.time())
        for o in onsets
    ):
        return None
    years = [o.year for o in onsets]
    if years != list(range(years[0], years[0] + len(years))):
        return None
    code = _WEEKDAY_CODES[first.weekday()]
    nths = {(o.day - 1) // 7 + 1 for o in onsets}
    if len(nths) == 1 and max(nths) <= 4:
        return f"{nths.pop()}{code}"
    if all(o.day + 7 > stdcalendar.monthrange(o.year, o.month)[1] for o in onsets):
        return f"-1{code}"
    return None


def _observance(group: list[Transition], last_year: int) -> TimezoneStandard | TimezoneDaylight:
    sample = group[0]
    part = TimezoneDaylight() if sample.daylight else TimezoneStandard()
    part.add("dtstart", sample.onset)
    # A rule without UNTIL goes on for ever: only use one if the zone keeps it to the range's end.
    ongoing = len(group) > 1 and group[-1].onset.year == last_year
    byday = _yearly_byday([t.onset for t in group]) if ongoing else None
    if byday is not None:
        part.add("rrule", {"freq": "yearly", "bymonth": sample.onset.month, "byday": byday})
    else:
        # RFC 5545 makes DTSTART the first onset; repeating it as an RDATE changes nothing for
        # readers that follow the RFC and helps those that only expand RRULE/RDATE (`ical`,
        # which Home Assistant uses, ignores an observance that has neither).
        part.add("rdate", [t.onset for t in group])
    part.add("tzname", sample.name)
    part.add("tzoffsetfrom", sample.offset_from)
    part.add("tzoffsetto", sample.offset_to)
    return part


def vtimezone(zone_name: str, first_day: date, last_day: date) -> Timezone:
    """A VTIMEZONE for `zone_name`, right for every time from the year before `first_day` on.

    The rules start in the year before the term so that every event's time, and a client's
    look-up of the time just before the first event, are covered; a yearly RRULE keeps
    going, so the zone also stays right if a client shows the calendar after the term.
    """
    zone = ZoneInfo(zone_name)
    first_year, last_year = first_day.year - 1, last_day.year + 1
    found = transitions(zone, first_year, last_year)
    component = Timezone()
    component.add("tzid", zone_name)
    if not found:
        start = datetime(first_year, 1, 1)
        offset = _offset(zone, start.replace(tzinfo=UTC))
        standard = TimezoneStandard()
        standard.add("dtstart", start)
        standard.add("rdate", [start])  # see _observance: some readers need an RDATE or RRULE
        standard.add("tzname", start.replace(tzinfo=zone).tzname() or zone_name)
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        component.add_component(standard)
        return component
    groups: dict[tuple[timedelta, timedelta, str, bool, int], list[Transition]] = {}
    for item in found:
        key = (item.offset_from, item.offset_to, item.name, item.daylight, item.onset.month)
        groups.setdefault(key, []).append(item)
    for group in sorted(groups.values(), key=lambda g: g[0].onset):
        component.add_component(_observance(group, last_year))
    return component
