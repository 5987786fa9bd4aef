"""Comparing the course with a Canvas course, as data: the roster, the links between grade
items and Canvas assignments, and what a grade push would write.

Plain functions over the records below; `coursectl.integrations.canvas` fills them from
Canvas, the gradebook supplies our scores as cells ("12.50", "EX" for excused, "" for nothing
to post). No network, no printing.

A push is judged against the push record (what coursectl last wrote to each submission): a
Canvas grade that differs from what we last wrote, or that we never wrote, was set by hand and
is not overwritten without `force`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from coursectl.course.roster import Student
from coursectl.platforms.records import Member
from coursectl.platforms.sync import RosterDiff, diff_roster

EXCUSED = "EX"


@dataclass(frozen=True)
class CanvasStudent:
    """A student enrolled in the Canvas course."""

    user_id: str  # Canvas's own user id
    name: str
    sis_id: str  # SIS user id: our roster's sid
    login: str
    email: str
    sections: tuple[str, ...]

    def as_member(self) -> Member:
        """The shape the roster diff compares (shared with Gradescope)."""
        email = self.email or (self.login if "@" in self.login else "")
        return Member(self.name, self.sis_id, email, "Student", self.sections, self.user_id)


@dataclass(frozen=True)
class CanvasAssignment:
    id: str
    title: str
    points: float | None
    published: bool = True


@dataclass(frozen=True)
class CanvasGrade:
    """What Canvas holds for one student on one assignment."""

    user_id: str
    score: float | None
    excused: bool = False

    @property
    def cell(self) -> str:
        return canvas_cell(self.score, self.excused)


def canvas_cell(score: float | None, excused: bool) -> str:
    """A Canvas grade in the gradebook's own spelling; Canvas compares at 2 decimals."""
    if excused:
        return EXCUSED
    if score is None or math.isnan(score):
        return ""
    return f"{math.floor(score * 100 + 0.5 + 1e-9) / 100:.2f}"


# ---------------------------------------------------------------------------- roster


def diff_canvas_roster(
    students: Sequence[Student],
    canvas: Iterable[CanvasStudent],
    known_sections: Sequence[str] = (),
) -> RosterDiff:
    """Gradescope's roster diff, fed with Canvas's students (SIS user id as sid)."""
    return diff_roster(students, [s.as_member() for s in canvas], known_sections, platform="Canvas")


def match_students(
    students: Sequence[Student], canvas: Iterable[CanvasStudent]
) -> dict[str, CanvasStudent]:
    """Roster sid -> Canvas student: by SIS user id, then by email or login (case-blind)."""
    by_sis: dict[str, CanvasStudent] = {}
    by_mail: dict[str, CanvasStudent] = {}
    for person in canvas:
        if person.sis_id:
            by_sis.setdefault(person.sis_id, person)
        for address in (person.email, person.login):
            if address:
                by_mail.setdefault(address.casefold(), person)
    found: dict[str, CanvasStudent] = {}
    for student in students:
        match = by_sis.get(student.sid) or by_mail.get(student.email.casefold())
        if match is not None:
            found[student.sid] = match
    return found


# ---------------------------------------------------------------------------- links

LinkHow = Literal["kept", "given", "title", "none"]


@dataclass(frozen=True)
class Link:
    deliverable: str
    title: str
    previous: str | None  # the id the policy had
    assignment: CanvasAssignment | None
    how: LinkHow
    note: str = ""

    @property
    def changed(self) -> bool:
        return self.assignment is not None and self.assignment.id != self.previous


@dataclass
class LinkPlan:
    links: list[Link]
    unused: list[CanvasAssignment] = field(default_factory=list)  # on Canvas, linked to nothing

    @property
    def changes(self) -> dict[str, str]:
        return {k.deliverable: k.assignment.id for k in self.links if k.changed and k.assignment}

    @property
    def unlinked(self) -> list[Link]:
        return [k for k in self.links if k.assignment is None]


def _norm(title: str) -> str:
    return " ".join(title.split()).casefold()


def plan_links(
    items: Sequence[tuple[str, str]],
    current: Mapping[str, str],
    assignments: Sequence[CanvasAssignment],
    given: Mapping[str, str] | None = None,
) -> LinkPlan:
    """Link each grade item (deliverable id, title) to one Canvas assignment.

    `given` (from --set) names an assignment by id or title and wins; then the policy's
    `canvas_ids` entry while Canvas still has that assignment; then one assignment whose title
    is the deliverable's (two with one title: refuse to guess). Nothing is created on Canvas.
    """
    given = given or {}
    by_id = {a.id: a for a in assignments}
    by_title: dict[str, list[CanvasAssignment]] = {}
    for a in assignments:
        by_title.setdefault(_norm(a.title), []).append(a)

    def by_name(text: str) -> tuple[CanvasAssignment | None, str]:
        found = by_title.get(_norm(text), [])
        if len(found) > 1:
            ids = ", ".join(a.id for a in found)
            return (
                None,
                f"{len(found)} Canvas assignments are titled '{text}' ({ids}); link with --set",
            )
        return (found[0], "") if found else (None, "")

    links: list[Link] = []
    for deliverable, title in items:
        previous = current.get(deliverable)
        if deliverable in given:
            wanted = given[deliverable]
            found = by_id.get(wanted)
            note = ""
            if found is None:
                found, note = by_name(wanted)
            if found is None:
                note = (
                    note
                    or f"--set {deliverable}={wanted}: no Canvas assignment has that id or title"
                )
            links.append(
                Link(deliverable, title, previous, found, "given" if found else "none", note)
            )
            continue
        if previous and previous in by_id:
            links.append(Link(deliverable, title, previous, by_id[previous], "kept"))
            continue
        found, note = by_name(title)
        if found is None and not note:
            note = (
                f"no Canvas assignment titled '{title}'"
                + (f" and none with id {previous}" if previous else "")
                + f": create it in Canvas, or link it with --set {deliverable}=<id or title>"
            )
        elif found is not None and previous:
            note = f"Canvas has no assignment {previous} any more; linked by title"
        links.append(Link(deliverable, title, previous, found, "title" if found else "none", note))
    used = {k.assignment.id for k in links if k.assignment is not None}
    return LinkPlan(links, [a for a in assignments if a.id not in used])


# ---------------------------------------------------------------------------- push record


@dataclass
class PushRecord:
    """What coursectl last wrote to each submission of one Canvas course, and when it pushed.

    Stored as JSON (grades/canvas-push.json, git-ignored, 0600): assignment id -> Canvas user
    id -> cell.
    """

    course: str  # "<url> <course id>": one file may serve a course moved between sites
    grades: dict[str, dict[str, str]] = field(default_factory=dict)
    pushes: list[dict[str, Any]] = field(default_factory=list)

    def last(self, assignment_id: str, user_id: str) -> str | None:
        return self.grades.get(assignment_id, {}).get(user_id)

    def remember(self, assignment_id: str, user_id: str, cell: str) -> None:
        self.grades.setdefault(assignment_id, {})[user_id] = cell


def read_record(text: str | None, course: str) -> PushRecord:
    """The record of `course` in the file's text (None: no file yet)."""
    if not text:
        return PushRecord(course)
    data = json.loads(text)
    entry = data.get("courses", {}).get(course, {})
    return PushRecord(course, entry.get("grades", {}), entry.get("pushes", []))


def write_record(text: str | None, record: PushRecord) -> str:
    """The file's new text: this course's record replaced, other courses' kept."""
    data = json.loads(text) if text else {}
    data.setdefault("courses", {})[record.course] = {
        "grades": record.grades,
        "pushes": record.pushes,
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------------------- push plan

ChangeStatus = Literal["write", "hand-edited"]


@dataclass(frozen=True)
class GradeChange:
    deliverable: str
    assignment: CanvasAssignment
    sid: str
    name: str
    user_id: str
    canvas: str  # what Canvas holds now ("" none, "EX" excused)
    ours: str  # what the gradebook says
    last: str | None  # what coursectl last wrote there (None: never)
    status: ChangeStatus

    @property
    def why(self) -> str:
        if self.status == "write":
            return ""
        if self.last is None:
            return "graded in Canvas, not by coursectl"
        return f"changed in Canvas since the last push (which wrote {self.last or 'nothing'})"


@dataclass
class PushPlan:
    changes: list[GradeChange]
    agreed: list[tuple[str, str, str]]  # (assignment id, user id, cell) where Canvas already agrees
    not_on_canvas: list[str]  # roster sids with a grade to post and no Canvas student
    problems: list[str]  # one line each; nothing is written while there are any
    unlinked: list[str]  # grade items without a Canvas assignment

    @property
    def to_write(self) -> list[GradeChange]:
        return [c for c in self.changes if c.status == "write"]

    @property
    def hand_edited(self) -> list[GradeChange]:
        return [c for c in self.changes if c.status == "hand-edited"]


def plan_push(
    students: Sequence[Student],
    ours: Mapping[str, Mapping[str, str]],
    points: Mapping[str, float],
    links: Mapping[str, CanvasAssignment],
    on_canvas: Mapping[str, CanvasStudent],
    held: Mapping[str, Mapping[str, CanvasGrade]],
    record: PushRecord,
    force: bool = False,
) -> PushPlan:
    """What `canvas push` writes: every cell where the gradebook and Canvas differ.

    `ours`: deliverable id -> roster sid -> cell; `points`: the gradebook's points possible;
    `links`: deliverable id -> Canvas assignment; `on_canvas`: roster sid -> Canvas student;
    `held`: assignment id -> user id -> Canvas's grade. A blank cell of ours (pending, not
    counted) is never posted: it leaves Canvas as it is. A Canvas grade that is not the one we
    last wrote is a hand edit: listed, and written only with `force`.
    """
    changes: list[GradeChange] = []
    agreed: list[tuple[str, str, str]] = []
    missing: set[str] = set()
    problems: list[str] = []
    unlinked = [d for d in ours if d not in links]
    for deliverable, cells in ours.items():
        assignment = links.get(deliverable)
        if assignment is None:
            continue
        wanted = {sid: cell for sid, cell in cells.items() if cell}
        if not wanted:
            continue
        ours_points = points.get(deliverable)
        if (
            assignment.points is not None
            and ours_points is not None
            and abs(assignment.points - ours_points) >= 0.005
        ):
            problems.append(
                f"Canvas assignment {assignment.id} '{assignment.title}' is out of "
                f"{assignment.points:g} points, the gradebook's {deliverable} out of "
                f"{ours_points:g}; make them agree (Canvas's points possible, or the "
                "deliverable's points in schedule.yaml) before pushing"
            )
            continue
        grades = held.get(assignment.id, {})
        for student in students:
            cell = wanted.get(student.sid)
            if cell is None:
                continue
            person = on_canvas.get(student.sid)
            if person is None:
                missing.add(student.sid)
                continue
            grade = grades.get(person.user_id)
            now = grade.cell if grade is not None else ""
            if now == cell:
                agreed.append((assignment.id, person.user_id, cell))
                continue
            last = record.last(assignment.id, person.user_id)
            by_hand = now != (last or "") if last is not None else now != ""
            changes.append(
                GradeChange(
                    deliverable,
                    assignment,
                    student.sid,
                    student.name,
                    person.user_id,
                    now,
                    cell,
                    last,
                    "hand-edited" if by_hand and not force else "write",
                )
            )
    return PushPlan(changes, agreed, sorted(missing), problems, unlinked)
