"""The deadlines table: what is due, when (course time), where, and how long is left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from coursectl.course.model import Schedule
from coursectl.errors import UserError


@dataclass(frozen=True)
class DeadlineRow:
    id: str
    title: str
    kind: str
    week: int | None
    due: datetime  # in the course's time zone
    platform: str
    time_left: timedelta  # negative once passed


def list_deadlines(
    schedule: Schedule, now: datetime, week: int | None = None, upcoming: bool = False
) -> list[DeadlineRow]:
    """Deliverables sorted by due time, optionally one week's or only those still ahead of `now`.

    A week outside the course is a `UserError` (a typo, not a quiet week), as in `render week`.
    """
    zone = schedule.tz
    if week is not None and week not in schedule.week_numbers():
        weeks = schedule.week_numbers()
        raise UserError(
            f"--week {week}: {schedule.course.code} {schedule.course.term} has no week {week}; "
            f"use a week from {weeks.start} to {weeks.stop - 1}"
        )
    rows = []
    for item in schedule.deliverables:
        item_week = (
            item.week
            if item.week is not None
            else schedule.week_of(item.due.astimezone(zone).date())
        )
        if week is not None and item_week != week:
            continue
        # Subtract in UTC: aware datetimes sharing one tzinfo subtract as wall-clock times,
        # which is an hour off across the DST change inside the spring term.
        left = item.due.astimezone(UTC) - now.astimezone(UTC)
        if upcoming and left <= timedelta(0):
            continue
        rows.append(
            DeadlineRow(
                id=item.id,
                title=item.title,
                kind=item.kind,
                week=item_week,
                due=item.due.astimezone(zone),
                platform=item.platform,
                time_left=left,
            )
        )
    return sorted(rows, key=lambda row: (row.due, row.id))


def describe_time_left(left: timedelta) -> str:
    """'2d 3h left', '45m left', 'passed 3d ago' — what a TA reads at a glance."""
    seconds = int(abs(left).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        span = f"{days}d {hours}h"
    elif hours:
        span = f"{hours}h {minutes}m"
    else:
        span = f"{minutes}m"
    return f"{span} left" if left > timedelta(0) else f"passed {span} ago"
