"""The embedded VTIMEZONE: yearly-rule style, and right according to two independent readers.

`ical` (strict parser) and `dateutil.tz.tzical` turn the VTIMEZONE text back into a time zone;
both must give zoneinfo's UTC offset at every half hour of a term, in zones with US rules,
EU last-Sunday rules, southern-hemisphere DST, 45-minute offsets, no DST, and irregular rules.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, available_timezones

import pytest
from dateutil.tz import tzical
from ical.calendar_stream import IcsCalendarStream
from ical.timezone import IcsTimezoneInfo

from coursectl.calendar.vtimezone import vtimezone

TERMS = [(date(2026, 1, 20), date(2026, 5, 15)), (date(2026, 8, 24), date(2026, 12, 18))]
ZONES = [
    "America/Los_Angeles",
    "America/New_York",
    "America/Phoenix",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Dublin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Auckland",
    "America/Santiago",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Africa/Casablanca",
    "Asia/Jerusalem",
    "UTC",
]


def _text(zone_name: str, first: date, last: date, tzid: str = "Test-Zone") -> str:
    component = vtimezone(zone_name, first, last)
    return component.to_ical().decode("utf-8").replace(f"TZID:{zone_name}", f"TZID:{tzid}")


def _ical_reader(text: str) -> tzinfo:
    wrapped = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{text}END:VCALENDAR\r\n"
    calendar = IcsCalendarStream.calendar_from_ics(wrapped)
    return IcsTimezoneInfo.from_timezone(calendar.timezones[0])


def _dateutil_reader(text: str) -> tzinfo:
    found = tzical(io.StringIO(text.replace("\r\n", "\n"))).get("Test-Zone")
    assert found is not None
    return found


def _unambiguous_wall_times(zone: ZoneInfo, first: date, last: date) -> list[datetime]:
    """Every half hour of the term (and the week before), except wall times DST skips or repeats."""
    moment = datetime.combine(first - timedelta(days=7), datetime.min.time())
    end = datetime.combine(last + timedelta(days=1), datetime.min.time())
    times = []
    while moment < end:
        aware = moment.replace(tzinfo=zone)
        if aware.utcoffset() == aware.replace(fold=1).utcoffset():
            times.append(moment)
        moment += timedelta(minutes=30)
    return times


@pytest.mark.parametrize("zone_name", ZONES)
@pytest.mark.parametrize("term", TERMS, ids=["spring", "fall"])
def test_independent_readers_agree_with_zoneinfo(zone_name: str, term: tuple[date, date]) -> None:
    zone = ZoneInfo(zone_name)
    text = _text(zone_name, *term)
    readers = {"ical": _ical_reader(text), "dateutil": _dateutil_reader(text)}
    for wall in _unambiguous_wall_times(zone, *term):
        expected = wall.replace(tzinfo=zone).utcoffset()
        for name, reader in readers.items():
            assert wall.replace(tzinfo=reader).utcoffset() == expected, (name, zone_name, wall)


def test_los_angeles_is_two_yearly_rules() -> None:
    text = vtimezone("America/Los_Angeles", *TERMS[0]).to_ical().decode("utf-8")
    assert "RDATE" not in text
    daylight = text.split("BEGIN:DAYLIGHT")[1].split("END:DAYLIGHT")[0]
    standard = text.split("BEGIN:STANDARD")[1].split("END:STANDARD")[0]
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in daylight and "TZOFFSETTO:-0700" in daylight
    assert "DTSTART:20250309T020000" in daylight  # local time before the change, RFC 5545 §3.6.5
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11" in standard and "TZOFFSETTO:-0800" in standard
    assert text.count("BEGIN:DAYLIGHT") == 1 and text.count("BEGIN:STANDARD") == 1


def test_every_zone_with_ongoing_dst_gets_yearly_rules() -> None:
    """Any zone that changes clocks every year around the term is written as rules, not RDATEs."""
    irregular = []
    for zone_name in sorted(available_timezones()):
        if zone_name.startswith(("SystemV/", "posix", "right/")) or zone_name in (
            "Factory",
            "localtime",
        ):
            continue
        text = vtimezone(zone_name, *TERMS[0]).to_ical().decode("utf-8")
        observances = text.count("BEGIN:STANDARD") + text.count("BEGIN:DAYLIGHT")
        if observances > 1 and "RDATE" in text:
            irregular.append(zone_name)
    # Morocco's and Palestine's clocks follow Ramadan or yearly decisions, not a weekday rule
    # (tzdata lists their dates one by one); nothing else may need RDATEs.
    assert set(irregular) <= {"Africa/Casablanca", "Africa/El_Aaiun", "Asia/Gaza", "Asia/Hebron"}, (
        irregular
    )
