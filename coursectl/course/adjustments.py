"""Excused items and extensions: the TA's `grades/adjustments.csv` (git-ignored: it names students).

Columns: `sid, deliverable, action, until, note`. `action` is `excused` (the item is left out
of the student's grade, "EX" in Canvas) or `extension` (lateness is measured from `until`, a
new local due time written as schedule.yaml writes deadlines, such as `2026-03-08 23:59` or
`Sun 2026-03-08 11:59pm`, or a length such as `48h`, `2d`, `36:00:00`).

Plain csv module only: `coursectl validate` checks this file too and must stay light.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from coursectl.course.matching import sid_key
from coursectl.course.model import Schedule
from coursectl.errors import Problem, decode_error_line
from coursectl.files import unneutralise

ACTIONS = ("excused", "extension")
COLUMNS = ("sid", "deliverable", "action")

_HMS = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2})$")
_UNITS = re.compile(
    r"(\d+(?:\.\d+)?)\s*(d|day|days|h|hr|hrs|hour|hours|m|min|mins|minutes?|s|sec|secs|seconds?)\b",
    re.I,
)
_ISO = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$",
    re.I,
)
_DAY_CLOCK = re.compile(r"^(\d+)\s+days?,\s*(\d+):(\d{1,2}):(\d{1,2})(?:\.\d+)?$")
_SECONDS_PER = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str) -> float | None:
    """Seconds in `text`, or None when it is not a length of time.

    Accepts H:M:S (hours may exceed 24, as in Gradescope's lateness), ISO 8601 (`PT26H`),
    Python's `1 day, 2:03:04`, unit words (`2d 3h`, `48h`) and a bare number of seconds.
    """
    value = text.strip()
    if not value:
        return 0.0
    if match := _HMS.match(value):
        numbers = [float(g) for g in match.groups()]
        return numbers[0] * 3600 + numbers[1] * 60 + numbers[2]
    if match := _DAY_CLOCK.match(value):
        numbers = [float(g) for g in match.groups()]
        return numbers[0] * 86400 + numbers[1] * 3600 + numbers[2] * 60 + numbers[3]
    if (match := _ISO.match(value)) and value.upper() not in ("P", "PT"):
        numbers = [float(g) if g else 0.0 for g in match.groups()]
        return numbers[0] * 86400 + numbers[1] * 3600 + numbers[2] * 60 + numbers[3]
    try:
        return float(value)
    except ValueError:
        pass
    parts = _UNITS.findall(value)
    if parts and _UNITS.sub("", value).strip(" ,") == "":
        return sum(float(amount) * _SECONDS_PER[unit[0].lower()] for amount, unit in parts)
    return None


@dataclass(frozen=True)
class Adjustment:
    sid: str
    deliverable: str
    action: str
    extension_seconds: float  # 0 for excused
    note: str
    line: int
    source: str = ""  # file as shown to the TA


def read_adjustments(
    path: Path, display: str, schedule: Schedule, sids: set[str]
) -> tuple[list[Adjustment], list[Problem]]:
    """Parse and check the file; a missing file means no adjustments."""
    if not path.exists():
        return [], []
    problems: list[Problem] = []
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = decode_error_line(exc)
        return [], [Problem(display, line, None, "not UTF-8 text; save it as 'CSV UTF-8'")]
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [
            Problem(
                display,
                1,
                None,
                f"missing column(s) {', '.join(missing)}; the header is sid,deliverable,action,until,note",
            )
        ]
    reader.fieldnames = header
    found: list[Adjustment] = []
    seen: dict[tuple[str, str], int] = {}
    roster_sid = {sid_key(sid): sid for sid in sids}
    for row in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(values.values()):
            continue
        written_sid, deliverable_id = values.get("sid", ""), values.get("deliverable", "")
        action = values.get("action", "").lower()
        until, note = values.get("until", ""), values.get("note", "")
        deliverable = schedule.deliverable(deliverable_id)
        # extensions.csv is written by coursectl (neutralised cells); sids match as everywhere
        sid = roster_sid.get(sid_key(unneutralise(written_sid)), "")
        if not sid:
            problems.append(
                Problem(
                    display, line, None, f"unknown sid '{written_sid}'; use a sid from the roster"
                )
            )
            continue
        if deliverable is None:
            problems.append(
                Problem(
                    display,
                    line,
                    None,
                    f"unknown deliverable '{deliverable_id}'; use an id from schedule.yaml",
                )
            )
            continue
        if action not in ACTIONS:
            problems.append(
                Problem(
                    display, line, None, f"action '{action}' is not one of {', '.join(ACTIONS)}"
                )
            )
            continue
        if (sid, deliverable_id) in seen:
            problems.append(
                Problem(
                    display,
                    line,
                    None,
                    f"{sid} already has an adjustment for '{deliverable_id}' on line {seen[sid, deliverable_id]}; keep one",
                )
            )
            continue
        seen[sid, deliverable_id] = line
        seconds = 0.0
        if action == "extension":
            seconds_or_problem = _extension_seconds(until, deliverable.due, schedule)
            if isinstance(seconds_or_problem, str):
                problems.append(Problem(display, line, None, seconds_or_problem))
                continue
            seconds = seconds_or_problem
        found.append(Adjustment(sid, deliverable_id, action, seconds, note, line, display))
    return found, problems


_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def _extension_seconds(until: str, due: datetime, schedule: Schedule) -> float | str:
    """Seconds the extension adds to the due date, or what is wrong with `until`.

    A date is read as schedule.yaml reads deadlines (`Sat 2026-02-21 11:59pm`, `2026-02-21
    23:59`, with or without weekday and offset; local times in the course's zone). An `until`
    equal to the due date is kept (Gradescope writes that for an extension of the late due date
    only); one before it is an error, not an extension of nothing.
    """
    from coursectl.course.times import parse_moment
    from coursectl.errors import UserError

    if not until:
        return "an extension needs until: a due time ('2026-03-08 23:59') or a length ('48h')"
    if not _DATE.search(until):
        seconds = parse_duration(until)
        if seconds and seconds > 0:
            return seconds
        return f"until '{until}' is neither a due time ('2026-03-08 23:59') nor a length ('48h'); fix it"
    try:
        moment = parse_moment(until, schedule.tz, option="until")
    except UserError as exc:
        return f"{exc.lines()[0]}"
    extra = moment - due
    if extra < timedelta(0):
        shown = due.astimezone(schedule.tz)
        return (
            f"until '{until}' is before the due date ({shown:%a %Y-%m-%d %H:%M}); an extension "
            "ends after it: fix the date, or use action excused"
        )
    return extra.total_seconds()
