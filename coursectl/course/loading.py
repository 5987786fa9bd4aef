"""Load a course folder (schedule.yaml, the roster, rubrics/) into one validated `Course`.

`inspect_course` returns every problem it finds, each with its file and line; `load_course`
raises them as a `UserError`. Both run the checks in `rules.py` (cross-references between the
files), so a command never starts work on a course that `coursectl validate` would reject.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from coursectl.course.model import GradingPolicy, Rubric, Schedule
from coursectl.course.roster import Student, read_roster
from coursectl.course.rules import (
    RUBRICS_DIR,
    CourseFiles,
    package_templates,
    problems_of,
    unknown_sections,
    warnings_of,
)
from coursectl.course.wording import validation_problems
from coursectl.course.yamlsource import SourceMap, load_yaml
from coursectl.errors import Problem, UserError
from coursectl.files import display_path

COURSE_ENV = "COURSECTL_COURSE"
SCHEDULE_FILE = "schedule.yaml"
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


def _parse(model: type[BaseModel], path: Path) -> tuple[Any, SourceMap, list[Problem]]:
    data, smap, problems = load_yaml(path, display_path(path))
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
        return None, smap, problems + validation_problems(exc, smap, model)


def _read_checked_roster(root: Path, schedule: Schedule) -> tuple[list[Student], list[Problem]]:
    """The roster named by course.roster, with its problems and sections unknown to schedule.yaml."""
    roster_path = root / schedule.course.roster
    roster_name = display_path(roster_path)
    students, problems = read_roster(roster_path, roster_name)
    return students, problems + unknown_sections(schedule, students, roster_name)


def _locate_repeated(schedule: Schedule, smap: SourceMap) -> None:
    """A problem with a deliverable made by `repeats:` names the line of its rule."""
    for index, item in enumerate(schedule.deliverables):
        rule = schedule.repeat_of(item.id)
        if rule is not None:
            line, column = smap.locate(("repeats", rule, "deliverable"))
            if line is not None and column is not None:
                smap.positions[("deliverables", index)] = (line, column)


def read_course_files(root: Path, roster: bool = True) -> tuple[CourseFiles | None, list[Problem]]:
    """Parse schedule.yaml, rubrics/ and (with `roster`) the roster, each checked on its own:
    what the rules look at (None when schedule.yaml did not load), and each file's problems."""
    if not root.is_dir():
        return None, [
            Problem(
                str(root), None, None, "not a folder; pass --course DIR or set COURSECTL_COURSE"
            )
        ]
    schedule, smap, problems = _parse(Schedule, root / SCHEDULE_FILE)
    rubrics: dict[str, Rubric] = {}
    rubric_ids: dict[str, str] = {}  # file stem -> the id inside
    policy: GradingPolicy | None = None
    policy_map: SourceMap | None = None
    for path in sorted((root / RUBRICS_DIR).glob("*.yaml")):
        if path.name == POLICY_FILE:
            policy, policy_map, found = _parse(GradingPolicy, path)
        else:
            rubric, _, found = _parse(Rubric, path)
            if rubric is not None:
                rubrics[rubric.id] = rubric
                rubric_ids[path.stem] = rubric.id
        problems += found
    if schedule is None:
        return None, problems
    _locate_repeated(schedule, smap)
    students: list[Student] | None = None
    if roster:
        roster_path = root / schedule.course.roster
        students, found = read_roster(roster_path, display_path(roster_path))
        problems += found
    files = CourseFiles(
        root,
        schedule,
        smap,
        rubrics,
        rubric_ids,
        policy,
        policy_map,
        students,
        default_templates=package_templates(),
    )
    return files, problems


def inspect_course(root: Path, roster: bool = True) -> tuple[Course | None, list[Problem]]:
    """Load everything in the course folder and check it with `rules.RULES`; never raises for
    bad input.

    With `roster=False` the roster is neither read nor checked (see `Course.students`).
    """
    files, problems = read_course_files(root, roster)
    if files is None:
        return None, problems
    problems += problems_of(files)
    course = Course(
        root=root,
        schedule=files.schedule,
        rubrics=files.rubrics,
        policy=files.policy,
        roster_students=files.students,
        warnings=warnings_of(files),
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
