"""Matching a source row to a roster student: by sid, then email, then GitHub name.

Never by name: two students can share one. Sids compare case-insensitively with surrounding
spaces stripped (`sid_key`: Gradescope and Canvas exports write 'a87654321' for roster
'A87654321'). Emails compare case-insensitively, with the policy's alias domains
(students.example.edu = example.edu) mapped to one spelling.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coursectl.course.roster import Student

if TYPE_CHECKING:
    from coursectl.course.model import Schedule

NO_MATCH = -1


def sid_key(sid: str) -> str:
    """The form sids are compared in, everywhere a row is matched to the roster."""
    return sid.strip().casefold()


def _domain_map(alias_groups: Sequence[Sequence[str]]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for group in alias_groups:
        for domain in group:
            mapping[domain.lower()] = group[0].lower()
    return mapping


@dataclass
class RosterIndex:
    """Look-ups from each identifier to the student's position in the roster."""

    students: list[Student]
    by_sid: dict[str, int]
    by_email: dict[str, int]
    by_github: dict[str, int]
    domains: dict[str, str]

    @classmethod
    def build(
        cls, students: list[Student], alias_groups: Sequence[Sequence[str]] = ()
    ) -> RosterIndex:
        domains = _domain_map(alias_groups)
        index = cls(students, {}, {}, {}, domains)
        for position, student in enumerate(students):
            index.by_sid[sid_key(student.sid)] = position
            index.by_email[index.email_key(student.email)] = position
            index.by_github[student.github.strip().lower()] = position
        return index

    def email_key(self, email: str) -> str:
        local, _, domain = email.strip().lower().rpartition("@")
        if not local:
            return ""
        return f"{local}@{self.domains.get(domain, domain)}"

    def match(self, sid: str = "", email: str = "", github: str = "") -> tuple[int, str]:
        """(roster position or NO_MATCH, what matched: 'sid', 'email' or 'github')."""
        sid = sid_key(sid)
        if sid and sid in self.by_sid:
            return self.by_sid[sid], "sid"
        if email:
            found = self.by_email.get(self.email_key(email))
            if found is not None:
                return found, "email"
        if github:
            found = self.by_github.get(github.strip().lstrip("@").lower())
            if found is not None:
                return found, "github"
        return NO_MATCH, ""


def describe_row(sid: str = "", email: str = "", github: str = "", name: str = "") -> str:
    """How a TA recognises an unmatched row in the message (the name only as a hint)."""
    parts = [
        f"sid '{sid}'" if sid else "",
        f"email '{email}'" if email else "",
        f"GitHub '{github}'" if github else "",
    ]
    described = ", ".join(p for p in parts if p) or "no sid, email or GitHub name"
    return f"{described}" + (f" ({name})" if name else "")


def normal_title(name: str) -> str:
    """An assignment name as Gradescope's exports and file names spell it, compared loosely."""
    return re.sub(r"[\s_\-]+", " ", name).strip().lower()


def gradescope_names(schedule: Schedule, titles: Mapping[str, str]) -> dict[str, str]:
    """Normalised assignment name -> deliverable id (title, override, id, Gradescope id)."""
    names: dict[str, str] = {}
    for item in schedule.deliverables:
        for name in (item.id, item.gradescope_id or "", item.title, titles.get(item.id, "")):
            if name:
                names[normal_title(name)] = item.id
    return names
