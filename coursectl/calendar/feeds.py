"""Where calendars are written, and when an existing file may be replaced."""

from __future__ import annotations

from pathlib import Path

from coursectl.calendar.events import Audience, slug
from coursectl.calendar.ics import PRODID
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
