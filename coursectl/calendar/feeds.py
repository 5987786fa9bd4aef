"""What `coursectl calendar` writes: the options and audiences a TA chose, where each calendar
goes, when an existing file may be replaced, and the feeds built before anything is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from coursectl.calendar.events import (
    DEFAULT_ALARMS,
    Audience,
    CalendarOptions,
    parse_alarm,
    slug,
)
from coursectl.calendar.ics import PRODID, GeneratedCalendar, generate_all
from coursectl.calendar.record import RECORD_PATH, PublicationRecord, load_record
from coursectl.course.model import Schedule
from coursectl.errors import UserError

BUILD_DIR = Path("build") / "calendar"


def file_name(schedule: Schedule, audience: Audience) -> str:
    """'llm-101-spring-2026.ics', '...-section-a.ics', '...-deadlines.ics'."""
    return f"{slug(schedule.course.code)}-{slug(schedule.course.term)}{audience.suffix()}.ics"


def default_path(course_root: Path, schedule: Schedule, audience: Audience) -> Path:
    """Under the course's build/ folder, which git ignores."""
    return course_root / BUILD_DIR / file_name(schedule, audience)


def written_by_us(path: Path) -> bool:
    """True when `path` is a calendar this command wrote (safe to regenerate over)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.startswith(b"BEGIN:VCALENDAR") and f"PRODID:{PRODID}".encode() in head


def check_replaceable(path: Path, force: bool) -> None:
    """Refuse to overwrite a file coursectl did not write (a typo in --out), unless --force."""
    if path.is_dir():
        raise UserError(
            f"{path}: is a folder; give a file name ending in .ics, or use --all for a folder"
        )
    if path.exists() and not force and not written_by_us(path):
        raise UserError(
            f"{path}: exists and is not a calendar written by coursectl; pass --force to replace it"
        )


def stamp_time(source_date_epoch: str | None) -> datetime:
    """DTSTAMP for new or changed events: now, or SOURCE_DATE_EPOCH for reproducible output."""
    if source_date_epoch:
        try:
            return datetime.fromtimestamp(int(source_date_epoch), UTC)
        except ValueError:
            raise UserError(
                f"SOURCE_DATE_EPOCH: '{source_date_epoch}' is not a number of seconds since 1970"
            ) from None
    return datetime.now(UTC)


def choose_options(alarm: Sequence[str] | None, no_alarms: bool) -> CalendarOptions:
    """The events' reminders from --alarm (repeatable) and --no-alarms."""
    if no_alarms and alarm:
        raise UserError("--alarm and --no-alarms contradict each other; choose one")
    if no_alarms:
        return CalendarOptions(alarms=())
    alarms: tuple[timedelta, ...] = (
        tuple(parse_alarm(a) for a in alarm) if alarm else DEFAULT_ALARMS
    )
    return CalendarOptions(alarms=tuple(sorted(set(alarms), reverse=True)))


def choose_audience(section: str | None, deadlines: bool) -> Audience:
    """--section A, --deadlines, or (neither) the whole course."""
    if section is not None and deadlines:
        raise UserError("--section and --deadlines make different calendars; choose one")
    if section is not None:
        return Audience.for_section(section)
    return Audience("deadlines") if deadlines else Audience()


@dataclass(frozen=True)
class Feed:
    target: Path | None  # None: standard output
    calendar: GeneratedCalendar
    data: bytes


@dataclass
class Feeds:
    """Every calendar of one `coursectl calendar` run, built before anything is written."""

    feeds: list[Feed]
    changed: list[str]  # uids whose SEQUENCE went up since the last run
    record: PublicationRecord  # to save once the feeds are written
    record_path: Path


def build_feeds(
    root: Path,
    schedule: Schedule,
    *,
    section: str | None,
    deadlines: bool,
    every: bool,
    out: str | None,
    options: CalendarOptions,
    force: bool,
    now: datetime,
) -> Feeds:
    """The calendars `coursectl calendar` writes and where: one audience (--section,
    --deadlines, else the course) to `out` ('-': standard output; default under build/), or
    with `every` the course, each section and the deadlines into the folder `out`.

    Checks every target may be replaced (see check_replaceable) before building any.
    """
    if every:
        if section is not None or deadlines:
            raise UserError(
                "--all already writes the section and deadlines calendars; drop --section/--deadlines"
            )
        if out == "-":
            raise UserError("--all writes several files; give --out a folder, not '-'")
        audiences = [
            Audience(),
            *(Audience.for_section(s) for s in schedule.sections()),
            Audience("deadlines"),
        ]
        folder = Path(out) if out else None
        targets: list[Path | None] = [
            folder / file_name(schedule, a) if folder else default_path(root, schedule, a)
            for a in audiences
        ]
    else:
        audiences = [choose_audience(section, deadlines)]
        if out == "-":
            targets = [None]
        else:
            targets = [Path(out) if out else default_path(root, schedule, audiences[0])]
    for target in targets:
        if target is not None:
            check_replaceable(target, force)
    record_path = root / RECORD_PATH
    record = load_record(record_path)
    made = generate_all(schedule, audiences, options, record, now)
    feeds = [
        Feed(target, calendar, calendar.feed())
        for target, calendar in zip(targets, made, strict=True)
    ]
    changed = sorted({uid for calendar in made for uid in calendar.changed})
    return Feeds(feeds, changed, record, record_path)
