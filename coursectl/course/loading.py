"""Load a course folder (schedule.yaml, the roster, rubrics/) into one validated `Course`.

`inspect_course` returns every problem it finds, each with its file and line; `load_course`
raises them as a `UserError`. Both check cross-references between the files, so a command
never starts work on a course that `coursectl validate` would reject.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from coursectl.course.model import (
    DELIVERABLE_KINDS,
    ExamDeliverable,
    GradingPolicy,
    PeerReviewDeliverable,
    Rubric,
    Schedule,
    SelfAssessmentDeliverable,
)
from coursectl.course.roster import Student, read_roster
from coursectl.course.yamlsource import PathKey, SourceMap, load_yaml
from coursectl.errors import Problem, UserError

COURSE_ENV = "COURSECTL_COURSE"
SCHEDULE_FILE = "schedule.yaml"
RUBRICS_DIR = "rubrics"
POLICY_FILE = "grading-policy.yaml"


@dataclass
class Course:
    """A loaded, validated course folder.

    The roster is read when the course is loaded with `roster=True`, else on the first use of
    `students`: deadlines, calendars and pages do not name students, and the real roster is
    git-ignored, so a co-TA's fresh clone has none.
    """

    root: Path
    schedule: Schedule
    rubrics: dict[str, Rubric] = field(default_factory=dict)
    policy: GradingPolicy | None = None
    roster_students: list[Student] | None = field(default=None, repr=False)
    # What may be intended but usually is a slip (a lecture off its meeting days): `validate`
    # shows these; they do not stop a command.
    warnings: list[Problem] = field(default_factory=list)

    @property
    def students(self) -> list[Student]:
        """The roster's students; a `UserError` naming the roster when it is missing or wrong."""
        if self.roster_students is None:
            students, problems = _read_checked_roster(self.root, self.schedule)
            if problems:
                raise UserError(problems)
            self.roster_students = students
        return self.roster_students

    def path(self, relative: str) -> Path:
        return self.root / relative

    def student(self, sid: str) -> Student | None:
        return next((s for s in self.students if s.sid == sid), None)


def default_course_dir() -> Path:
    """--course, else $COURSECTL_COURSE, else the current folder."""
    return Path(os.environ.get(COURSE_ENV) or ".")


def _display(root: Path, path: Path) -> str:
    """Paths in messages as a TA typed them: relative to the current folder when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _describe(error: Any) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "missing":
        return f"missing required key '{loc[-1]}'; add it"
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}'; check its spelling or remove it"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"'{error['input']}' is not allowed here; use one of {expected}"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return f"unknown kind '{ctx.get('tag')}'; use one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "missing 'kind:'; say what this is (reflection, peer-review, exam, ...)"
    if kind == "value_error":
        message = str(error["msg"])
        return message.removeprefix("Value error, ")
    if kind in ("int_parsing", "int_from_float", "float_parsing"):
        number = "a whole number" if kind != "float_parsing" else "a number"
        return f"{loc[-1]}: '{error['input']}' is not {number}; write e.g. 7"
    if kind == "string_pattern_mismatch":
        return f"'{error['input']}' is not a valid id; use lower-case letters, digits and '-'"
    field_name = loc[-1] if loc else "value"
    return f"{field_name}: {error['msg']} (got {error['input']!r})"


def _yaml_path(loc: tuple[Any, ...]) -> PathKey:
    """Drop the union tag pydantic inserts after a list index ('deliverables', 3, 'exam', 'due')."""
    return tuple(
        part
        for index, part in enumerate(loc)
        if not (part in DELIVERABLE_KINDS and index > 0 and isinstance(loc[index - 1], int))
    )


def validation_problems(exc: ValidationError, smap: SourceMap) -> list[Problem]:
    errors = exc.errors()
    # A misspelled key shows up twice: as an unknown key and as a missing one beside it.
    missing = {
        _yaml_path(e["loc"])[:-1]: str(e["loc"][-1]) for e in errors if e["type"] == "missing"
    }
    problems = []
    for error in errors:
        path = _yaml_path(error["loc"])
        message = _describe(error)
        if error["type"] == "extra_forbidden" and path[:-1] in missing:
            wanted = missing[path[:-1]]
            if difflib.get_close_matches(str(path[-1]), [wanted], n=1, cutoff=0.6):
                message = f"unknown key '{path[-1]}'; did you mean '{wanted}'?"
        problems.append(smap.problem(path, message))
    return problems


def _parse(model: type[BaseModel], path: Path, root: Path) -> tuple[Any, SourceMap, list[Problem]]:
    data, smap, problems = load_yaml(path, _display(root, path))
    if data is None:
        return None, smap, problems
    if not isinstance(data, dict):
        return (
            None,
            smap,
            [*problems, smap.problem((), f"expected a mapping of keys at the top of {path.name}")],
        )
    try:
        return model.model_validate(data), smap, problems
    except ValidationError as exc:
        return None, smap, problems + validation_problems(exc, smap)


def _read_checked_roster(root: Path, schedule: Schedule) -> tuple[list[Student], list[Problem]]:
    """The roster named by course.roster, with its problems and sections unknown to schedule.yaml."""
    roster_path = root / schedule.course.roster
    roster_name = _display(root, roster_path)
    students, problems = read_roster(roster_path, roster_name)
    sections = set(schedule.sections())
    if sections:
        for student in students:
            if student.section not in sections:
                problems.append(
                    Problem(
                        roster_name,
                        student.line,
                        None,
                        f"unknown section '{student.section}' for {student.sid}; use one of {', '.join(sorted(sections))}",
                    )
                )
    return students, problems


def inspect_course(root: Path, roster: bool = True) -> tuple[Course | None, list[Problem]]:
    """Load everything in the course folder and check it; never raises for bad input.

    With `roster=False` the roster is neither read nor checked (see `Course.students`).
    """
    if not root.is_dir():
        return None, [
            Problem(
                str(root), None, None, "not a folder; pass --course DIR or set COURSECTL_COURSE"
            )
        ]
    schedule_path = root / SCHEDULE_FILE
    schedule, smap, problems = _parse(Schedule, schedule_path, root)
    rubrics: dict[str, Rubric] = {}
    policy: GradingPolicy | None = None
    rubric_maps: dict[str, SourceMap] = {}
    rubric_ids: dict[str, str] = {}  # file stem -> the id inside
    rubric_dir = root / RUBRICS_DIR
    policy_map: SourceMap | None = None
    if rubric_dir.is_dir():
        for rubric_path in sorted(rubric_dir.glob("*.yaml")):
            if rubric_path.name == POLICY_FILE:
                policy, policy_map, found = _parse(GradingPolicy, rubric_path, root)
            else:
                rubric, rubric_maps[rubric_path.stem], found = _parse(Rubric, rubric_path, root)
                if rubric is not None:
                    rubrics[rubric.id] = rubric
                    rubric_ids[rubric_path.stem] = rubric.id
            problems += found
    if schedule is None:
        return None, problems
    problems += _cross_references(
        schedule, smap, rubrics, policy, policy_map, _RubricFolder(root, rubric_dir, rubric_ids)
    )
    students: list[Student] | None = None
    if roster:
        students, found = _read_checked_roster(root, schedule)
        problems += found
    if policy is not None and students:
        # The git-ignored adjustments file names students and deliverables: check it too.
        from coursectl.course.adjustments import read_adjustments

        sids = {s.sid for s in students}
        for name in (policy.gradebook.adjustments, policy.gradebook.extensions):
            path = root / name
            problems += read_adjustments(path, _display(root, path), schedule, sids)[1]
    course = Course(
        root=root,
        schedule=schedule,
        rubrics=rubrics,
        policy=policy,
        roster_students=students,
        warnings=_schedule_warnings(schedule, smap) + _rubric_warnings(schedule, smap, rubrics),
    )
    return course, sorted(
        set(problems), key=lambda p: (p.file, p.line or 0, p.column or 0, p.message)
    )


def load_course(root: Path | None = None, roster: bool = True) -> Course:
    """The validated course, or a `UserError` listing what to fix.

    Commands that never name students pass `roster=False`: they then work without the roster
    file (a co-TA's clone lacks the git-ignored real one), and a use of `students` reads it.
    """
    course, problems = inspect_course(root or default_course_dir(), roster=roster)
    if problems or course is None:
        raise UserError(problems)
    return course


def _duplicates(values: list[str]) -> dict[int, int]:
    """Index of each repeated value -> index of its first occurrence."""
    first: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for index, value in enumerate(values):
        if value in first:
            repeats[index] = first[value]
        else:
            first[value] = index
    return repeats


@dataclass(frozen=True)
class _RubricFolder:
    root: Path
    folder: Path
    ids: dict[str, str]  # file stem -> the id inside, for the files that loaded

    def why_missing(self, rubric_id: str, rubrics: dict[str, Rubric]) -> str | None:
        """Why rubric `rubric_id` is not loaded, naming the file to add; None when its file is
        there but did not load (its own problems say why)."""
        expected = self.folder / f"{rubric_id}.yaml"
        shown = _display(self.root, expected)
        if not self.folder.is_dir():
            folder = _display(self.root, self.folder)
            return f"rubric '{rubric_id}', but there is no {folder}/ folder; create {shown}"
        if expected.exists():
            inside = self.ids.get(rubric_id)
            if inside is None:
                return None
            return f"rubric '{rubric_id}', but {shown} has id '{inside}'; make the two agree"
        close = difflib.get_close_matches(rubric_id, sorted(rubrics), n=1, cutoff=0.6)
        fix = f"did you mean '{close[0]}'?" if close else "add the file or fix the id"
        return (
            f"rubric '{rubric_id}', but {shown} is missing (no rubric there has id "
            f"'{rubric_id}'); {fix}"
        )


DEFAULT_PEER_REVIEW_RUBRIC = "peer-review"  # what reviews/outputs.py falls back to


def _rubric_warnings(
    schedule: Schedule, smap: SourceMap, rubrics: dict[str, Rubric]
) -> list[Problem]:
    """A peer review naming no rubric gets rubrics/peer-review.yaml in its messages; without
    that file the messages silently go out without one."""
    from coursectl.course.model import PeerReviewDeliverable

    if not rubrics or DEFAULT_PEER_REVIEW_RUBRIC in rubrics:
        return []  # a course without any rubric chose that (assign-reviews still says so)
    return [
        smap.problem(
            ("deliverables", index),
            f"'{item.id}' names no rubric and {RUBRICS_DIR}/{DEFAULT_PEER_REVIEW_RUBRIC}.yaml is "
            "missing: its review messages would go out without a rubric; restore the file or "
            "set rubric:",
        )
        for index, item in enumerate(schedule.deliverables)
        if isinstance(item, PeerReviewDeliverable) and not item.rubric
    ]


def _schedule_warnings(schedule: Schedule, smap: SourceMap) -> list[Problem]:
    """Things that can be intended but usually are a slip: a lecture on a day no lecture
    meeting meets (a one-off make-up lecture is possible), and a deliverable whose `week:`
    differs from the week it is due in (a week's work may be due later)."""
    warnings: list[Problem] = []
    lecture_series = [m for m in schedule.meetings if m.kind == "lecture"]
    info = schedule.course
    if lecture_series:
        for w_index, week in enumerate(schedule.weeks):
            for l_index, lecture in enumerate(week.lectures):
                day = lecture.date
                if any(
                    day.weekday() in {d.number for d in m.days}
                    and (m.first or info.start) <= day <= (m.last or info.end)
                    for m in lecture_series
                ):
                    continue
                pattern = "; ".join(
                    f"'{m.id}' meets {', '.join(d.value for d in m.days)}"
                    + (f" from {m.first}" if m.first else "")
                    + (f" until {m.last}" if m.last else "")
                    for m in lecture_series
                )
                label = f"Lecture {lecture.number}" if lecture.number is not None else "a lecture"
                warnings.append(
                    smap.problem(
                        ("weeks", w_index, "lectures", l_index, "date"),
                        f"{label} is on {day:%a %Y-%m-%d}, a day no lecture meets ({pattern}); "
                        "the calendar has no lecture then: fix the date unless it is a one-off",
                    )
                )
    zone = schedule.tz
    for index, item in enumerate(schedule.deliverables):
        if item.week is None:
            continue
        due = item.due.astimezone(zone)
        due_week = schedule.week_of(due.date())
        if due_week != item.week:
            warnings.append(
                smap.problem(
                    ("deliverables", index, "week"),
                    f"'{item.id}' says week {item.week} but is due {due:%a %Y-%m-%d}, in course "
                    f"week {due_week}; `deadlines --week {item.week}` lists it: fix week: or due "
                    "unless that is meant",
                )
            )
    return warnings


def _skipped_by_clocks(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """For a local time the clocks skip (02:30 when DST starts), the first time after the gap
    and the last whole minute before it; None for a time that exists.

    zoneinfo quietly turns a skipped time into one an hour off, so the deadline would move.
    """
    if not isinstance(moment.tzinfo, ZoneInfo) or moment.tzinfo.key != zone.key:
        return None  # written with an explicit offset: it names an instant, nothing is skipped
    naive = moment.replace(tzinfo=None)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
        return None
    minute = timedelta(minutes=1)
    before = naive.replace(second=0, microsecond=0)
    for _ in range(24 * 60):  # gaps are an hour, a few at most
        before -= minute
        aware = before.replace(tzinfo=zone)
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == before:
            break
    after = (before.replace(tzinfo=zone).astimezone(UTC) + minute).astimezone(zone)
    return after.replace(tzinfo=None), before


def _cross_references(
    schedule: Schedule,
    smap: SourceMap,
    rubrics: dict[str, Rubric],
    policy: GradingPolicy | None,
    policy_map: SourceMap | None,
    rubric_folder: _RubricFolder,
) -> list[Problem]:
    problems: list[Problem] = []
    info = schedule.course

    for key, items in (
        ("meetings", [m.id for m in schedule.meetings]),
        ("breaks", [b.id for b in schedule.breaks]),
        ("deliverables", [d.id for d in schedule.deliverables]),
        ("weeks", [str(w.number) for w in schedule.weeks]),
    ):
        for index, first in _duplicates(items).items():
            line = smap.locate((key, first))[0]
            what = "week number" if key == "weeks" else "id"
            problems.append(
                smap.problem(
                    (key, index),
                    f"duplicate {what} '{items[index]}' (first on line {line}); make it unique",
                )
            )

    for index, off_time in enumerate(schedule.breaks):
        if off_time.start < info.start or off_time.last_day > info.end:
            problems.append(
                smap.problem(
                    ("breaks", index),
                    f"break '{off_time.id}' ({off_time.start}..{off_time.last_day}) is outside the term "
                    f"({info.start}..{info.end}); fix its dates or the term",
                )
            )

    for index, meeting in enumerate(schedule.meetings):
        first_day, last_day = meeting.first or info.start, meeting.last or info.end
        if last_day < first_day:
            problems.append(
                smap.problem(
                    ("meetings", index),
                    f"meeting '{meeting.id}' ends ({last_day}) before it starts ({first_day})",
                )
            )

    ids = {d.id for d in schedule.deliverables}
    for index, item in enumerate(schedule.deliverables):
        for key, moment in (("due", item.due), ("start", getattr(item, "start", None))):
            gap = _skipped_by_clocks(moment, schedule.tz) if moment is not None else None
            if gap is not None:
                first_after, last_before = gap
                problems.append(
                    smap.problem(
                        ("deliverables", index, key),
                        f"'{item.id}': {moment:%a %Y-%m-%d %H:%M} does not exist in "
                        f"{info.timezone} (clocks jump from {last_before + timedelta(minutes=1):%H:%M} "
                        f"to {first_after:%H:%M} that night); write {first_after:%H:%M} or "
                        f"{last_before:%H:%M}",
                    )
                )
        local_due = item.due.astimezone(schedule.tz)
        off = schedule.break_on(local_due.date())
        if off is not None:
            problems.append(
                smap.problem(
                    ("deliverables", index, "due"),
                    f"'{item.id}' is due {local_due:%a %Y-%m-%d}, inside '{off.title}' "
                    f"({off.start}..{off.last_day}); move the deadline out of the break",
                )
            )
        if not info.start <= local_due.date() <= info.end:
            problems.append(
                smap.problem(
                    ("deliverables", index, "due"),
                    f"'{item.id}' is due {local_due:%Y-%m-%d}, outside the term ({info.start}..{info.end})",
                )
            )
        if isinstance(item, PeerReviewDeliverable) and item.reviews not in ids:
            problems.append(
                smap.problem(
                    ("deliverables", index, "reviews"),
                    f"'{item.id}' reviews unknown deliverable '{item.reviews}'; use one of the deliverable ids",
                )
            )
        elif isinstance(item, PeerReviewDeliverable) and isinstance(
            reviewed := schedule.deliverable(item.reviews), PeerReviewDeliverable
        ):
            problems.append(
                smap.problem(
                    ("deliverables", index, "reviews"),
                    f"'{item.id}' reviews '{reviewed.id}', which is itself a peer review; "
                    f"name the deliverable whose submissions are reviewed"
                    + (f", e.g. '{reviewed.reviews}'" if reviewed.reviews in ids else ""),
                )
            )
        if (
            isinstance(item, SelfAssessmentDeliverable | PeerReviewDeliverable)
            and item.rubric
            and item.rubric not in rubrics
        ):
            missing = rubric_folder.why_missing(item.rubric, rubrics)
            if missing:
                problems.append(
                    smap.problem(("deliverables", index, "rubric"), f"'{item.id}' names {missing}")
                )
        if (
            isinstance(item, ExamDeliverable)
            and item.start
            and item.start.date() != item.due.date()
        ):
            problems.append(
                smap.problem(
                    ("deliverables", index, "start"),
                    f"exam '{item.id}' starts and ends on different days",
                )
            )
        if item.week is not None and schedule.weeks and schedule.week(item.week) is None:
            problems.append(
                smap.problem(
                    ("deliverables", index, "week"),
                    f"'{item.id}' names week {item.week}, which schedule.yaml does not have",
                )
            )
        if item.platform == "github" and info.github is None:
            problems.append(
                smap.problem(
                    ("deliverables", index, "platform"),
                    "platform github needs course.github.org in schedule.yaml",
                )
            )

    first_lecture: dict[int, PathKey] = {}
    for w_index, week in enumerate(schedule.weeks):
        for l_index, lecture in enumerate(week.lectures):
            if lecture.number is None:
                continue
            where: PathKey = ("weeks", w_index, "lectures", l_index, "number")
            seen = first_lecture.setdefault(lecture.number, where)
            if seen != where:
                problems.append(
                    smap.problem(
                        where,
                        f"two lectures numbered {lecture.number} (first on line "
                        f"{smap.locate(seen)[0]}); renumber one",
                    )
                )

    for w_index, week in enumerate(schedule.weeks):
        dated: list[tuple[tuple[str | int, ...], date, str]] = [
            (("lectures", i), lec.date, f"Lecture {lec.number or ''}".strip())
            for i, lec in enumerate(week.lectures)
        ]
        if week.section:
            dated.append((("section",), week.section.date, "discussion section"))
        for sub, day, label in dated:
            off = schedule.break_on(day)
            if off is not None:
                problems.append(
                    smap.problem(
                        ("weeks", w_index, *sub, "date"),
                        f"week {week.number}'s {label} on {day} falls in '{off.title}'",
                    )
                )
            if schedule.week_of(day) != week.number:
                problems.append(
                    smap.problem(
                        ("weeks", w_index, *sub, "date"),
                        f"{label} on {day} is in course week {schedule.week_of(day)}, not week {week.number}",
                    )
                )

    if policy is not None and policy_map is not None:
        problems += _gradebook_inputs(policy, policy_map, ids)
        kinds = {d.kind for d in schedule.deliverables}
        total = sum(c.weight for c in policy.categories)
        if abs(total - 100) > 1e-6:
            problems.append(
                policy_map.problem(
                    ("categories",), f"category weights add up to {total:g}, not 100; fix them"
                )
            )
        for c_index, category in enumerate(policy.categories):
            share = sum(i.weight for i in category.items)
            if abs(share - 100) > 1e-6:
                problems.append(
                    policy_map.problem(
                        ("categories", c_index, "items"),
                        f"item weights in '{category.id}' add up to {share:g}, not 100",
                    )
                )
            for i_index, policy_item in enumerate(category.items):
                if policy_item.deliverable is not None and policy_item.deliverable not in ids:
                    problems.append(
                        policy_map.problem(
                            ("categories", c_index, "items", i_index, "deliverable"),
                            f"unknown deliverable '{policy_item.deliverable}'; use an id from schedule.yaml",
                        )
                    )
                if policy_item.kind is not None and policy_item.kind not in kinds:
                    problems.append(
                        policy_map.problem(
                            ("categories", c_index, "items", i_index, "kind"),
                            f"no deliverable of kind '{policy_item.kind}' in schedule.yaml",
                        )
                    )
    return problems


def _gradebook_inputs(policy: GradingPolicy, policy_map: SourceMap, ids: set[str]) -> list[Problem]:
    """The policy's gradebook section: known deliverables, and student data kept out of rubrics/."""
    problems: list[Problem] = []
    inputs = policy.gradebook
    for key in ("gradescope_titles", "canvas_ids"):
        for deliverable_id in getattr(inputs, key):
            if deliverable_id not in ids:
                problems.append(
                    policy_map.problem(
                        ("gradebook", key, deliverable_id),
                        f"unknown deliverable '{deliverable_id}' in {key}; use an id from schedule.yaml",
                    )
                )
    for key in ("adjustments", "extensions", "confirmations", "reviews_done", "reflections"):
        value = Path(getattr(inputs, key))
        if (
            value.is_absolute()
            or ".." in value.parts
            or (value.parts and value.parts[0] == RUBRICS_DIR)
        ):
            problems.append(
                policy_map.problem(
                    ("gradebook", key),
                    f"'{value}' must be a path inside the course folder and outside rubrics/ "
                    "(it names students: keep it in a git-ignored folder such as grades/)",
                )
            )
    return problems
