"""Load a course folder (schedule.yaml, the roster, rubrics/) into one validated `Course`.

`inspect_course` returns every problem it finds, each with its file and line; `load_course`
raises them as a `UserError`. Both run the checks in `rules.py` (cross-references between the
files), so a command never starts work on a course that `coursectl validate` would reject.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from coursectl.course.model import DELIVERABLE_KINDS, GradingPolicy, Rubric, Schedule
from coursectl.course.roster import Student, read_roster
from coursectl.course.rules import (
    RUBRICS_DIR,
    CourseFiles,
    problems_of,
    unknown_sections,
    warnings_of,
)
from coursectl.course.yamlsource import PathKey, SourceMap, load_yaml
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
        return None, smap, problems + validation_problems(exc, smap)


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
    files = CourseFiles(root, schedule, smap, rubrics, rubric_ids, policy, policy_map, students)
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
