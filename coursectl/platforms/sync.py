"""Comparing Gradescope with the course files: roster differences, due-date drift, extensions.

Pure functions over data: the Gradescope side comes in as `coursectl.platforms.records`, the
course side as the loaded model and roster. No network, no printing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from coursectl.course.matching import sid_key
from coursectl.course.model import Deliverable, GradingPolicy, Schedule
from coursectl.course.roster import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Student
from coursectl.errors import UserError
from coursectl.files import GitState, csv_text, git_state
from coursectl.platforms.records import Assignment, Extension, Member

if TYPE_CHECKING:
    from coursectl.course import Course

# ---------------------------------------------------------------------------- roster

ChangeKind = Literal["new", "dropped", "email", "section", "sid"]


@dataclass(frozen=True)
class RosterChange:
    kind: ChangeKind
    sid: str
    name: str
    old: str = ""
    new: str = ""


@dataclass
class RosterDiff:
    changes: list[RosterChange]
    proposed: list[Student]  # the roster as it would be after taking every change
    gradescope_students: int
    # One line each: Gradescope members the proposed roster leaves out or cannot take as they
    # are (shared or missing sid, unknown section). `conflicts` must be fixed on Gradescope
    # before rosters/ may be replaced; `skipped` only warn.
    conflicts: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def of_kind(self, kind: ChangeKind) -> list[RosterChange]:
        return [c for c in self.changes if c.kind == kind]


def describe_member(member: Member) -> str:
    return f"'{member.name}' <{member.email or 'no email'}>"


def shared_sids(members: Iterable[Member]) -> dict[str, list[Member]]:
    """Each sid that two or more Gradescope students carry, with those students.

    A sid names one student; when Gradescope has it twice, matching by it would give one
    person's roster row or extension to the other.
    """
    by_sid: dict[str, list[Member]] = {}
    for member in members:
        if member.role == "Student" and member.sid.strip():
            by_sid.setdefault(sid_key(member.sid), []).append(member)
    return {sid: group for sid, group in by_sid.items() if len(group) > 1}


def shared_sid_problem(sid: str, group: Sequence[Member], platform: str = "Gradescope") -> str:
    names = " and ".join(describe_member(m) for m in group)
    return (
        f"{platform} members {names} share sid {sid}; fix the SID of the wrong one in "
        f"{platform}'s roster"
    )


_SECTION_WORDS = re.compile(r"^(?:discussion|section|sect|sec|dis|disc)\b[\s.:#-]*", re.IGNORECASE)


def section_key(name: str) -> str:
    """'Section A', 'section a', 'A' all name section a; Gradescope often prefixes the word."""
    text = name.strip()
    while True:
        stripped = _SECTION_WORDS.sub("", text, count=1).strip()
        if stripped == text or not stripped:
            return text.casefold()
        text = stripped


def _gradescope_section(member: Member, known: Sequence[str]) -> str | None:
    """The roster name of the member's section: a known section when one matches, else the first."""
    if not member.sections:
        return None
    by_key = {section_key(s): s for s in known}
    for name in member.sections:
        if section_key(name) in by_key:
            return by_key[section_key(name)]
    return member.sections[0]


def diff_roster(
    students: Sequence[Student],
    members: Iterable[Member],
    known_sections: Sequence[str] = (),
    platform: str = "Gradescope",
) -> RosterDiff:
    """Match Gradescope students to the roster (by sid, then email) and list what differs.

    Staff (instructors, TAs, readers) are ignored. A Gradescope student without sections keeps
    the roster's section: Gradescope cannot tell us it changed.

    Members the roster cannot take are reported, not written: a sid two members share (the
    roster student with that sid is kept as is), a new member without a sid, a section that
    schedule.yaml does not have (a matched student keeps the roster's section; a new one is
    written with an empty section to fill in).
    """
    gs_students = [m for m in members if m.role == "Student"]
    shared = shared_sids(gs_students)
    conflicts = [
        shared_sid_problem(group[0].sid, group, platform) for _, group in sorted(shared.items())
    ]
    skipped: list[str] = []
    by_sid = {sid_key(s.sid): s for s in students if s.sid}
    by_email = {s.email.casefold(): s for s in students}
    known_keys = {section_key(s) for s in known_sections}
    matched: dict[str, Member] = {}  # roster sid -> Gradescope member
    new: list[Member] = []
    for member in gs_students:
        if sid_key(member.sid) in shared:
            continue
        student = by_sid.get(sid_key(member.sid)) if member.sid else None
        if student is None and member.email:
            student = by_email.get(member.email.casefold())
        if student is None or student.sid in matched:
            if not member.sid:
                skipped.append(
                    f"{platform} member {describe_member(member)} has no sid and matches no "
                    f"roster email; not written: add their SID on {platform}"
                )
            else:
                new.append(member)
        else:
            matched[student.sid] = member

    def section_of(member: Member) -> str | None:
        section = _gradescope_section(member, known_sections)
        if section is not None and known_keys and section_key(section) not in known_keys:
            skipped.append(
                f"{platform} member {describe_member(member)} is in section '{section}', which "
                f"schedule.yaml does not have; section not taken from {platform}"
            )
            return None
        return section

    changes: list[RosterChange] = []
    proposed: list[Student] = []
    for student in students:
        found = matched.get(student.sid)
        if found is None:
            if sid_key(student.sid) in shared:
                proposed.append(student)  # kept as is until Gradescope says who has the sid
                continue
            changes.append(RosterChange("dropped", student.sid, student.name, old=student.email))
            continue
        member = found
        updated = student
        # The same sid in another case or with spaces is no change: the roster keeps its spelling.
        if member.sid.strip() and sid_key(member.sid) != sid_key(student.sid):
            changes.append(RosterChange("sid", student.sid, student.name, student.sid, member.sid))
            updated = updated._replace(sid=member.sid)
        if member.email and member.email.casefold() != student.email.casefold():
            changes.append(
                RosterChange("email", student.sid, student.name, student.email, member.email)
            )
            updated = updated._replace(email=member.email)
        section = section_of(member)
        if section is not None and all(
            section_key(s) != section_key(student.section) for s in member.sections
        ):
            changes.append(
                RosterChange("section", student.sid, student.name, student.section, section)
            )
            updated = updated._replace(section=section)
        proposed.append(updated)
    for member in sorted(new, key=lambda m: (m.name.casefold(), m.sid)):
        section = section_of(member) or ""
        changes.append(RosterChange("new", member.sid, member.name, new=member.email))
        proposed.append(
            Student(
                sid=member.sid, name=member.name, email=member.email, github="", section=section
            )
        )
    return RosterDiff(changes, proposed, len(gs_students), conflicts, skipped)


def roster_csv(students: Iterable[Student], with_team: bool) -> str:
    """The roster file's text: the columns coursectl.course.roster reads, in its order."""
    columns = [*REQUIRED_COLUMNS, *(OPTIONAL_COLUMNS if with_team else ())]
    rows = (
        [s.sid, s.name, s.email, s.github, s.section, *([s.team or ""] if with_team else [])]
        for s in students
    )
    return csv_text(columns, rows)


@dataclass
class RosterSync:
    """What `gradescope roster` does: write `text` to `proposed_path`; then, unless `refusal`
    says why not, with `backup` set replace `roster_path` (keeping a copy at `backup`)."""

    diff: RosterDiff
    text: str
    proposed_path: Path
    roster_path: Path
    report: list[str]  # the counts, conflicts and warnings, one line each
    refusal: str | None = None
    backup: Path | None = None
    after: list[str] = field(default_factory=list)  # said once the files are written


def plan_roster_sync(
    course: Course,
    members: Sequence[Member],
    gs_course: str,
    proposed_path: Path,
    write: bool,
    now: datetime,
) -> RosterSync:
    """Compare Gradescope's `members` with the roster and decide what --write may replace."""
    students = course.students
    diff = diff_roster(students, members, course.schedule.sections())
    roster_path = course.path(course.schedule.course.roster)
    if diff.gradescope_students == 0:
        raise UserError(
            f"Gradescope course {gs_course} lists no students; not proposing to drop all "
            f"{len(students)} students of {course.schedule.course.roster}"
        )
    counts = {kind: len(diff.of_kind(kind)) for kind in ("new", "dropped", "email", "section")}
    report = [
        f"{diff.gradescope_students} students on Gradescope, {len(students)} in the roster: "
        f"{counts['new']} new, {counts['dropped']} dropped, {counts['email']} changed email, "
        f"{counts['section']} changed section",
        *(f"conflict: {line}" for line in diff.conflicts),
        *(f"warning: {line}" for line in diff.skipped),
    ]
    text = roster_csv(diff.proposed, any(s.team for s in students))
    sync = RosterSync(diff, text, proposed_path, roster_path, report)
    if not write:
        if diff.changes:
            sync.after = [f"rosters/ unchanged; run again with --write to update {roster_path}"]
    elif diff.conflicts:
        sync.refusal = (
            f"{roster_path} not changed: {len(diff.conflicts)} sid(s) are shared by two "
            "Gradescope members (listed above); fix them on Gradescope, then run --write again"
        )
    elif not diff.changes:
        sync.after = [f"{roster_path} already matches Gradescope; nothing written"]
    elif git_state(roster_path) is GitState.TRACKED:
        # The shipped synthetic roster is committed: real students written there reach git.
        sync.refusal = (
            f"{roster_path}: git tracks this file, so the real roster would be committed "
            f"(FERPA); set course.roster in schedule.yaml to a new file in rosters/ (git-ignored), "
            f"e.g. copy {proposed_path} to rosters/roster.csv"
        )
    else:
        stamp = now.strftime("%Y%m%d-%H%M%S")
        sync.backup = roster_path.with_name(f"{roster_path.stem}.{stamp}.bak{roster_path.suffix}")
        sync.after = [f"updated {roster_path} (previous version: {sync.backup})"]
        if missing := [s for s in diff.proposed if not s.github]:
            sync.after.append(
                f"{len(missing)} new student(s) have no GitHub name yet: fill in the github "
                f"column of {roster_path}, then run coursectl validate"
            )
    return sync


# ---------------------------------------------------------------------------- dates


def _minute(moment: datetime | None) -> datetime | None:
    """Gradescope keeps minutes: compare instants to the minute."""
    return moment.replace(second=0, microsecond=0) if moment is not None else None


def _norm_title(title: str) -> str:
    return " ".join(title.split()).casefold()


def expected_late_due(due: datetime, policy: GradingPolicy | None) -> tuple[bool, datetime | None]:
    """(whether to check, the late due date) from the grading policy's late rule.

    `max_days: N` means late work is taken for N days: Gradescope's late due date is N days
    after the due date, same wall-clock time (so a DST change in between does not shift it).
    `max_days: 0` means no late submissions. Without `max_days` the policy says nothing.
    """
    if policy is None or policy.late.max_days is None:
        return False, None
    if policy.late.max_days == 0:
        return True, None
    return True, due + timedelta(days=policy.late.max_days)


DateStatus = Literal["ok", "drift", "missing"]


@dataclass(frozen=True)
class DateCheck:
    deliverable: Deliverable
    assignment: Assignment | None
    due: datetime  # from schedule.yaml
    check_late: bool
    late_due: datetime | None  # expected, when check_late
    matched_by: Literal["id", "title", ""] = ""

    @property
    def due_drift(self) -> bool:
        return self.assignment is not None and _minute(self.assignment.due) != _minute(self.due)

    @property
    def late_drift(self) -> bool:
        return (
            self.assignment is not None
            and self.check_late
            and _minute(self.assignment.late_due) != _minute(self.late_due)
        )

    @property
    def status(self) -> DateStatus:
        if self.assignment is None:
            return "missing"
        return "drift" if self.due_drift or self.late_drift else "ok"


@dataclass
class DatesReport:
    checks: list[DateCheck]
    unscheduled: list[Assignment] = field(default_factory=list)  # on Gradescope, not in schedule

    @property
    def drifting(self) -> list[DateCheck]:
        return [c for c in self.checks if c.status == "drift"]

    @property
    def missing(self) -> list[DateCheck]:
        return [c for c in self.checks if c.status == "missing"]

    @property
    def clean(self) -> bool:
        """Every deliverable is on Gradescope with the schedule's dates (exit 0)."""
        return not self.drifting and not self.missing

    def notes(self) -> list[str]:
        """One line per deliverable missing on Gradescope and per assignment not scheduled."""
        lines = []
        for check in self.missing:
            wanted = (
                f"id {check.deliverable.gradescope_id}"
                if check.deliverable.gradescope_id
                else f"title '{check.deliverable.title}'"
            )
            lines.append(
                f"missing: no Gradescope assignment with {wanted} for '{check.deliverable.id}'; "
                "create it or fix gradescope_id in schedule.yaml"
            )
        lines += [
            f"not in schedule.yaml: Gradescope assignment {extra.id} '{extra.title}'"
            for extra in self.unscheduled
        ]
        return lines

    def summary(self) -> str:
        return (
            f"{len(self.checks)} checked: {len(self.drifting)} drift, {len(self.missing)} missing"
        )

    def after_push(self, edits: Sequence[DateEdit]) -> str:
        """The last line once `edits` are set: --push cannot create missing assignments."""
        done = f"set the dates of {len(edits)} assignment(s) on Gradescope; they now match"
        if self.missing:
            done += f", but {len(self.missing)} deliverable(s) are still missing there (see above)"
        return done


def gradescope_deliverables(schedule: Schedule) -> list[Deliverable]:
    return [d for d in schedule.deliverables if d.platform == "gradescope"]


def match_assignments(
    schedule: Schedule, assignments: Sequence[Assignment]
) -> list[tuple[Deliverable, Assignment | None, Literal["id", "title", ""]]]:
    """Each Gradescope deliverable with its assignment: by `gradescope_id`, else by exact title."""
    by_id = {a.id: a for a in assignments}
    by_title: dict[str, list[Assignment]] = {}
    for a in assignments:
        by_title.setdefault(_norm_title(a.title), []).append(a)
    matched: list[tuple[Deliverable, Assignment | None, Literal["id", "title", ""]]] = []
    for item in gradescope_deliverables(schedule):
        if item.gradescope_id:
            found = by_id.get(item.gradescope_id)
            matched.append((item, found, "id" if found else ""))
            continue
        candidates = by_title.get(_norm_title(item.title), [])
        # Two assignments with one title: refuse to guess.
        matched.append((item, candidates[0], "title") if len(candidates) == 1 else (item, None, ""))
    return matched


def check_dates(
    schedule: Schedule, policy: GradingPolicy | None, assignments: Sequence[Assignment]
) -> DatesReport:
    """Compare due and late-due dates of Gradescope assignments with schedule.yaml."""
    checks: list[DateCheck] = []
    used: set[str] = set()
    for item, assignment, how in match_assignments(schedule, assignments):
        check_late, late_due = expected_late_due(item.due, policy)
        checks.append(DateCheck(item, assignment, item.due, check_late, late_due, how))
        if assignment is not None:
            used.add(assignment.id)
    unscheduled = [a for a in assignments if a.id not in used]
    return DatesReport(checks, unscheduled)


def zone_mismatches(assignments: Iterable[Assignment], zone: ZoneInfo) -> list[str]:
    """Offsets Gradescope shows that the course's zone would not have at that moment.

    Pushing posts wall-clock times that Gradescope reads in *its* course time zone; when that is
    not course.timezone every pushed date would be off by the difference.
    """
    found: list[str] = []
    for a in assignments:
        for moment in (a.release, a.due, a.late_due):
            if moment is None or moment.utcoffset() is None:
                continue
            ours = moment.astimezone(zone).utcoffset()
            if moment.utcoffset() != ours:
                found.append(
                    f"'{a.title}' shows {moment:%Y-%m-%d %H:%M} {_offset(moment)}, "
                    f"where {zone.key} is {_offset(moment.astimezone(zone))}"
                )
                break
    return found


def _offset(moment: datetime) -> str:
    delta = moment.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def describe_shift(actual: datetime | None, expected: datetime | None) -> str:
    """'+1h', '-2d', '+1d 3h 30m', 'not set', 'should be unset' — how far Gradescope is off."""
    if actual is None and expected is None:
        return ""
    if actual is None:
        return "not set"
    if expected is None:
        return "should be unset"
    delta = (_minute(actual) or actual) - (_minute(expected) or expected)
    if not delta:
        return ""
    sign = "+" if delta > timedelta(0) else "-"
    minutes = abs(int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d"] * bool(days) + [f"{hours}h"] * bool(hours) + [f"{mins}m"] * bool(mins)
    return sign + " ".join(parts)


@dataclass(frozen=True)
class DateEdit:
    """What --push will set on one assignment; the release date is kept as Gradescope has it."""

    check: DateCheck
    assignment: Assignment
    release: datetime | None
    due: datetime
    late_due: datetime | None


def push_plan(
    report: DatesReport, assignments: Iterable[Assignment], zone: ZoneInfo, course_id: str
) -> list[DateEdit]:
    """What `check-dates --push` sets, or a UserError when Gradescope reads the dates it is
    sent in another time zone than the course's (every pushed date would be off)."""
    mismatches = zone_mismatches(assignments, zone)
    if mismatches:
        raise UserError(
            f"Gradescope course {course_id} is not in {zone.key} ({mismatches[0]}); set its time "
            "zone in Gradescope's course settings or fix course.timezone before --push"
        )
    return plan_date_edits(report)


def plan_date_edits(report: DatesReport) -> list[DateEdit]:
    edits: list[DateEdit] = []
    for check in report.drifting:
        assert check.assignment is not None
        late_due = check.late_due if check.check_late else check.assignment.late_due
        edits.append(
            DateEdit(check, check.assignment, check.assignment.release, check.due, late_due)
        )
    return edits


# ---------------------------------------------------------------------------- extensions

# The gradebook's adjustments format (sid, deliverable, action, until, note), so it can read this
# file like grades/adjustments.csv; the columns after `note` are for people and are ignored there.
EXTENSION_COLUMNS = (
    "sid",
    "deliverable",
    "action",
    "until",
    "note",
    "email",
    "name",
    "gradescope_id",
    "late_due",
)


@dataclass(frozen=True)
class ExtensionRow:
    deliverable: str
    gradescope_id: str
    sid: str  # the roster's sid
    email: str
    name: str
    due: datetime  # the student's due date: the extension's, else the schedule's
    late_due: datetime | None  # the extension's late due date, when it sets one
    extends_due: bool  # False: only the late due date (or release) was changed


@dataclass
class ExtensionsReport:
    rows: list[ExtensionRow]
    unknown_users: list[Extension]  # extensions for people not on the roster
    # One line per extension not written because its member shares a sid with another member.
    conflicts: list[str] = field(default_factory=list)


def extension_rows(
    schedule: Schedule,
    assignments: Sequence[Assignment],
    members: Sequence[Member],
    extensions: Iterable[Extension],
    students: Sequence[Student],
) -> ExtensionsReport:
    """One row per extension on a scheduled deliverable, for the roster student it belongs to.

    Gradescope names the student by its user id; the roster student is found by sid, then
    email, as in the roster sync. Extensions of people not on the roster are returned apart.
    """
    deliverable_of = {
        a.id: item for item, a, _ in match_assignments(schedule, assignments) if a is not None
    }
    people = {m.user_id: m for m in members if m.user_id}
    shared = shared_sids(members)
    by_sid = {sid_key(s.sid): s for s in students}
    by_email = {s.email.casefold(): s for s in students}
    rows: list[ExtensionRow] = []
    unknown: list[Extension] = []
    conflicts: list[str] = []
    for ext in extensions:
        item = deliverable_of.get(ext.assignment_id)
        if item is None:
            continue
        person = people.get(ext.user_id)
        student = None
        if person is not None and sid_key(person.sid) in shared:
            # Either member could be the roster student with that sid: attribute to neither.
            conflicts.append(
                f"extension on {item.id} for {describe_member(person)} not written: "
                + shared_sid_problem(person.sid, shared[sid_key(person.sid)])
            )
            continue
        if person is not None:
            student = by_sid.get(sid_key(person.sid)) if person.sid else None
            student = student or by_email.get(person.email.casefold())
        if student is None:
            unknown.append(ext)
            continue
        rows.append(
            ExtensionRow(
                item.id,
                ext.assignment_id,
                student.sid,
                student.email,
                student.name,
                ext.due or item.due,
                ext.late_due,
                ext.due is not None,
            )
        )
    rows.sort(key=lambda r: (r.deliverable, r.sid))
    return ExtensionsReport(rows, unknown, conflicts)


def extensions_csv(rows: Iterable[ExtensionRow], zone: ZoneInfo) -> str:
    """The CSV; times are ISO 8601 in the course's zone with their UTC offset."""

    def when(moment: datetime | None) -> str:
        return moment.astimezone(zone).isoformat(timespec="minutes") if moment else ""

    def note(r: ExtensionRow) -> str:
        if r.extends_due:
            return "Gradescope extension"
        return "Gradescope extension of the late due date only"

    return csv_text(
        EXTENSION_COLUMNS,
        (
            [
                r.sid,
                r.deliverable,
                "extension",
                when(r.due),
                note(r),
                r.email,
                r.name,
                r.gradescope_id,
                when(r.late_due),
            ]
            for r in rows
        ),
    )
