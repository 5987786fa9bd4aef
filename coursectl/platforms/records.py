"""What coursectl knows about a Gradescope course: plain dataclasses, no gradescopeapi needed.

`coursectl.integrations.gradescope` fills them from Gradescope; `coursectl.platforms.sync` compares
them with the course files. Keeping them here lets the comparisons run (and be tested)
without the optional gradescopeapi dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Member:
    """A person in the Gradescope course."""

    name: str
    sid: str
    email: str
    role: str  # Student, Instructor, TA, Reader
    sections: tuple[str, ...]
    user_id: str | None  # Gradescope's user id; shown for students only (extensions use it)


@dataclass(frozen=True)
class Assignment:
    """An assignment's dates on Gradescope, as aware datetimes (None when not set)."""

    id: str
    title: str
    release: datetime | None
    due: datetime | None
    late_due: datetime | None


@dataclass(frozen=True)
class Extension:
    """One student's extension on one assignment; a None date keeps the assignment's."""

    assignment_id: str
    user_id: str
    name: str
    release: datetime | None
    due: datetime | None
    late_due: datetime | None
