"""Schedule -> calendar events: lectures, sections, exams, breaks and deadlines.

Plain functions over the course model. Each event is an icalendar `Event` without DTSTAMP
and SEQUENCE; those come from the publication record (`record.py`), which knows whether
the event changed since it was last published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Alarm, Event

from coursectl.course.model import (
    PLATFORM_NAMES,
    Break,
    Deliverable,
    ExamDeliverable,
    Meeting,
    ReflectionDeliverable,
    Schedule,
    Weekday,
)
from coursectl.errors import UserError

DEFAULT_ALARMS = (timedelta(hours=24), timedelta(hours=1))
UID_DOMAIN = "coursectl"
# A deadline is shown as a block ending at the due time, starting at the half hour at least
# this long before it: 23:59 -> 23:30-23:59, 17:00 -> 16:30-17:00. Never zero-length.
DEADLINE_LEAD = timedelta(minutes=15)

AudienceKind = Literal["course", "section", "deadlines"]


@dataclass(frozen=True)
class Audience:
    """Who a calendar is for: the whole course, one discussion section, or deadlines only."""

    kind: AudienceKind = "course"
    section: str | None = None

    @classmethod
    def for_section(cls, section: str) -> Audience:
        return cls("section", section)

    def suffix(self) -> str:
        """File-name part: '' for the course, '-section-a', '-deadlines'."""
        if self.kind == "section":
            return f"-section-{slug(self.section or '')}"
        return "" if self.kind == "course" else "-deadlines"

    def includes(self, event: CalendarEvent) -> bool:
        if self.kind == "deadlines":
            return event.kind in ("deadline", "exam")
        return self.kind == "course" or event.section in (None, self.section)

    def label(self) -> str:
        if self.kind == "section":
            return f"section {self.section}"
        return "deadlines" if self.kind == "deadlines" else ""


@dataclass(frozen=True)
class CalendarOptions:
    """What a TA may choose about the events; the defaults suit students."""

    alarms: tuple[timedelta, ...] = DEFAULT_ALARMS
    refresh: timedelta = timedelta(hours=12)


@dataclass
class CalendarEvent:
    """One event and what it is for (audience filtering and ordering)."""

    uid: str
    kind: Literal["meeting", "break", "exam", "deadline"]
    sort_key: datetime
    component: Event
    section: str | None = None
    _serialized: bytes | None = None

    def to_ical(self) -> bytes:
        """The VEVENT's bytes, serialized once however many calendars hold it."""
        if self._serialized is None:
            self._serialized = bytes(self.component.to_ical())
        return self._serialized


def slug(text: str) -> str:
    """'LLM 101' -> 'llm-101'; 'Spring 2026' -> 'spring-2026'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def uid_suffix(schedule: Schedule) -> str:
    """What every UID of this course and term ends with: '.spring-2026.llm-101@coursectl'."""
    return f".{slug(schedule.course.term)}.{slug(schedule.course.code)}@{UID_DOMAIN}"


def make_uid(schedule: Schedule, kind: str, item_id: str) -> str:
    """Stable across runs and machines: course, term and the item's id, never a counter."""
    return f"{kind}-{slug(item_id)}{uid_suffix(schedule)}"


def describe_duration(span: timedelta) -> str:
    """24 h, 1 h, 30 min, 3 d 2 h: for alarm texts (hours up to two days)."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60) if minutes >= 48 * 60 else (0, minutes)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
    ]
    return " ".join(p for p in parts if p) or "0 min"


def _occurrences(meeting: Meeting, schedule: Schedule) -> list[date]:
    first = meeting.first or schedule.course.start
    last = meeting.last or schedule.course.end
    # Not `Weekday.index`: on a str enum that name resolves to `str.index`.
    weekdays = {list(Weekday).index(day) for day in meeting.days}
    days = []
    day = first
    while day <= last:
        if day.weekday() in weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def _replacing_exam(
    meeting: Meeting, day: date, zone: ZoneInfo, exams: list[ExamDeliverable]
) -> ExamDeliverable | None:
    """An in-class exam in a lecture's slot replaces that lecture (one event, not two)."""
    if meeting.kind != "lecture":
        return None
    start = datetime.combine(day, meeting.start, zone)
    end = datetime.combine(day, meeting.end, zone)
    return next((e for e in exams if e.start is not None and e.start < end and e.due > start), None)


def _course_line(schedule: Schedule) -> str:
    info = schedule.course
    return f"{info.code} {info.name}, {info.term}"


def _meeting_event(
    schedule: Schedule, meeting: Meeting, exams: list[ExamDeliverable]
) -> CalendarEvent | None:
    zone = schedule.tz
    days = _occurrences(meeting, schedule)
    kept = [
        d for d in days if not schedule.break_on(d) and not _replacing_exam(meeting, d, zone, exams)
    ]
    if not kept:
        return None
    first, last = kept[0], kept[-1]
    skipped = [d for d in days if first < d < last and d not in kept]
    start = datetime.combine(first, meeting.start, zone)
    event = Event()
    uid = make_uid(schedule, "meeting", meeting.id)
    event.add("uid", uid)
    event.add("summary", f"{schedule.course.code}: {meeting.title}")
    event.add("dtstart", start)
    event.add("dtend", datetime.combine(first, meeting.end, zone))
    # UNTIL is the last meeting's start in UTC (RFC 5545 requires UTC when DTSTART has a TZID).
    until = datetime.combine(last, meeting.start, zone).astimezone(ZoneInfo("UTC"))
    event.add("rrule", {"freq": "weekly", "byday": [d.value for d in meeting.days], "until": until})
    if skipped:
        # Same TZID and value type as DTSTART, or Google ignores them.
        event.add("exdate", [datetime.combine(d, meeting.start, zone) for d in skipped])
    if meeting.location:
        event.add("location", meeting.location)
    lines = [
        _course_line(schedule),
        meeting.title + (f", {meeting.location}" if meeting.location else ""),
    ]
    if skipped:
        reasons = []
        for d in skipped:
            off = schedule.break_on(d)
            exam = _replacing_exam(meeting, d, zone, exams)
            reasons.append(
                f"{d:%a %b %d} ({off.title if off else exam.title if exam else 'no class'})"
            )
        lines.append("No meeting on " + ", ".join(reasons) + ".")
    if schedule.course.url:
        lines.append(schedule.course.url)
        event.add("url", schedule.course.url)
    event.add("description", "\n".join(lines))
    event.add("categories", ["Lecture" if meeting.kind == "lecture" else "Class"])
    return CalendarEvent(
        uid, "meeting", start, event, section=meeting.section if meeting.kind == "section" else None
    )


def _break_event(schedule: Schedule, item: Break) -> CalendarEvent:
    event = Event()
    uid = make_uid(schedule, "break", item.id)
    event.add("uid", uid)
    event.add("summary", f"{schedule.course.code}: {item.title} (no class)")
    event.add("dtstart", item.start)
    event.add("dtend", item.last_day + timedelta(days=1))  # all-day DTEND is exclusive
    event.add("transp", "TRANSPARENT")
    span = f"{item.start:%a %b %d}" + (
        f" to {item.last_day:%a %b %d}" if item.last_day != item.start else ""
    )
    event.add("description", f"{_course_line(schedule)}\nNo lectures or sections: {span}.")
    event.add("categories", ["Break" if item.kind == "break" else "Holiday"])
    return CalendarEvent(uid, "break", datetime.combine(item.start, time(0), schedule.tz), event)


def _alarm(summary: str, before: timedelta, trigger: timedelta) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"{summary} in {describe_duration(before)}")
    alarm.add("trigger", trigger)
    return alarm


def _deliverable_lines(schedule: Schedule, item: Deliverable, due: datetime) -> list[str]:
    platform = PLATFORM_NAMES.get(item.platform, item.platform)
    where = "in class" if item.platform == "in-class" else f"on {platform}"
    lines = [
        _course_line(schedule),
        f"Due {due:%a %b %d %H:%M} ({schedule.course.timezone}), {where}.",
    ]
    if isinstance(item, ReflectionDeliverable):
        lines.append(
            f"Commit {item.path} to your repository, {item.words.min}-{item.words.max} words."
        )
    if item.description:
        lines.append(item.description)
    link = item.url or schedule.course.url
    if link:
        lines.append(link)
    return lines


def _exam_event(
    schedule: Schedule, item: ExamDeliverable, alarms: tuple[timedelta, ...]
) -> CalendarEvent:
    zone = schedule.tz
    assert item.start is not None
    start, end = item.start.astimezone(zone), item.due.astimezone(zone)
    event = Event()
    uid = make_uid(schedule, "exam", item.id)
    event.add("uid", uid)
    summary = f"{schedule.course.code}: {item.title}"
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("dtend", end)
    if item.location:
        event.add("location", item.location)
    lines = [
        _course_line(schedule),
        f"{item.title}, {start:%a %b %d %H:%M}-{end:%H:%M} ({schedule.course.timezone})",
    ]
    platform = PLATFORM_NAMES.get(item.platform, item.platform)
    lines[-1] += ", in class" if item.platform == "in-class" else f", on {platform}"
    lines[-1] += f", {item.location}." if item.location else "."
    if item.description:
        lines.append(item.description)
    link = item.url or schedule.course.url
    if link:
        lines.append(link)
        event.add("url", link)
    event.add("description", "\n".join(lines))
    event.add("categories", ["Exam"])
    for before in alarms:
        event.add_component(_alarm(summary + " starts", before, -before))
    return CalendarEvent(uid, "exam", start, event)


def deadline_block(due: datetime) -> datetime:
    """Start of the short block that ends at `due`: the half hour at least 15 minutes earlier."""
    earlier = due - DEADLINE_LEAD
    return earlier.replace(minute=0 if earlier.minute < 30 else 30, second=0, microsecond=0)


def _deadline_event(
    schedule: Schedule, item: Deliverable, alarms: tuple[timedelta, ...]
) -> CalendarEvent:
    zone = schedule.tz
    due = item.due.astimezone(zone)
    start = deadline_block(due)
    event = Event()
    uid = make_uid(schedule, "due", item.id)
    event.add("uid", uid)
    summary = f"{schedule.course.code}: {item.title} due"
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("dtend", due)
    event.add("transp", "TRANSPARENT")  # a deadline is not a meeting: do not block the time
    if item.url or schedule.course.url:
        event.add("url", item.url or schedule.course.url)
    event.add("description", "\n".join(_deliverable_lines(schedule, item, due)))
    event.add("categories", ["Deadline"])
    block = due - start
    for before in alarms:
        # Relative to DTSTART, the trigger every client supports; it fires `before` the due time.
        event.add_component(_alarm(summary, before, block - before))
    return CalendarEvent(uid, "deadline", due, event)


def check_audience(schedule: Schedule, audience: Audience) -> None:
    sections = schedule.sections()
    if audience.kind == "section" and audience.section not in sections:
        known = ", ".join(sections) or "none in schedule.yaml"
        raise UserError(f"unknown section '{audience.section}'; use one of {known}")


def course_events(schedule: Schedule, options: CalendarOptions) -> list[CalendarEvent]:
    """Every event of the course, in time order (ties by UID); audiences pick from these."""
    exams = [
        d for d in schedule.deliverables if isinstance(d, ExamDeliverable) and d.start is not None
    ]
    events: list[CalendarEvent] = []
    for meeting in schedule.meetings:
        made = _meeting_event(schedule, meeting, exams)
        if made is not None:
            events.append(made)
    events += [_break_event(schedule, item) for item in schedule.breaks]
    for item in schedule.deliverables:
        if isinstance(item, ExamDeliverable) and item.start is not None:
            events.append(_exam_event(schedule, item, options.alarms))
        else:
            events.append(_deadline_event(schedule, item, options.alarms))
    return sorted(events, key=lambda e: (e.sort_key, e.uid))


_DURATION_PART = re.compile(r"(\d+)\s*(d|h|m|min)", re.IGNORECASE)
_UNITS = {
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
}


def parse_alarm(text: str) -> timedelta:
    """'24h', '1h', '30m', '2d', '1h30m' -> how long before the deadline a reminder fires."""
    compact = text.strip().replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not parts or "".join(n + u for n, u in parts).lower() != compact.lower():
        raise UserError(f"--alarm: '{text}' is not a duration; write e.g. 24h, 1h, 30m or 2d")
    span = sum((int(n) * _UNITS[u.lower()] for n, u in parts), timedelta())
    if span <= timedelta(0) or span > timedelta(days=28):
        raise UserError(f"--alarm: '{text}' should be between 1m and 28d before the deadline")
    return span
