"""`coursectl validate`: check schedule.yaml, the roster and rubrics/ and their cross-references."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from coursectl.commands._common import (
    CourseDir,
    TableFormat,
    TableFormatOption,
    echo_json,
    report_user_errors,
)

if TYPE_CHECKING:
    from coursectl.course import Course
    from coursectl.errors import Problem


@report_user_errors
def validate(
    course: CourseDir = Path("."), output_format: TableFormatOption = TableFormat.table
) -> None:
    """Check the course folder (schedule, roster, rubrics) for mistakes, one line per problem.

    Exit 1 when there are problems, 0 when the course is clean; warnings (what may be
    intended, such as a one-off lecture day) are shown but do not fail it.

    --format json prints them all on standard output instead, as one JSON object whose
    "problems" lists each as {file, line, column, message, level} (level: error or
    warning); the exit code is the same.

    Example: coursectl validate --course path/to/course
    """
    from coursectl.course import inspect_course
    from coursectl.errors import UserError

    loaded, problems = inspect_course(course)
    warnings = loaded.warnings if loaded else []
    failed = bool(problems) or loaded is None
    if output_format is TableFormat.json:
        echo_json(_report(loaded, problems, warnings))
        if failed:
            raise typer.Exit(1)
        return
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if failed:
        raise UserError(problems)
    assert loaded is not None
    above = f" ({len(warnings)} warning(s) above)" if warnings else ""
    typer.echo(f"ok: {_summary(loaded)}{above}")


def _summary(loaded: Course) -> str:
    schedule = loaded.schedule
    counts = (
        (len(schedule.meetings), "meeting"),
        (len(schedule.weeks), "week"),
        (len(schedule.deliverables), "deliverable"),
        (len(loaded.students), "student"),
        (len(loaded.rubrics), "rubric"),
    )
    return (
        f"{schedule.course.code} {schedule.course.term}: "
        + ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts)
        + (", grading policy" if loaded.policy else "")
    )


def _report(
    loaded: Course | None, problems: list[Problem], warnings: list[Problem]
) -> dict[str, Any]:
    def entry(problem: Problem, level: str) -> dict[str, Any]:
        return {
            "file": problem.file or None,
            "line": problem.line,
            "column": problem.column,
            "message": problem.message,
            "level": level,
        }

    ok = not problems and loaded is not None
    return {
        "ok": ok,
        "summary": _summary(loaded) if ok and loaded is not None else None,
        "problems": [entry(p, "error") for p in problems] + [entry(w, "warning") for w in warnings],
    }
