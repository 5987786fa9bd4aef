"""`coursectl validate`: check schedule.yaml, the roster and rubrics/ and their cross-references."""

from __future__ import annotations

from pathlib import Path

import typer

from coursectl.commands._common import CourseDir, report_user_errors


@report_user_errors
def validate(course: CourseDir = Path(".")) -> None:
    """Check the course folder (schedule, roster, rubrics) for mistakes, one line per problem.

    Exit 1 when there are problems, 0 when the course is clean; warnings (what may be
    intended, such as a one-off lecture day) are shown but do not fail it.

    Example: coursectl validate --course path/to/course
    """
    import sys

    from coursectl.course import inspect_course
    from coursectl.errors import UserError

    loaded, problems = inspect_course(course)
    for warning in loaded.warnings if loaded else []:
        print(f"warning: {warning}", file=sys.stderr)
    if problems or loaded is None:
        raise UserError(problems)
    schedule = loaded.schedule
    typer.echo(
        f"ok: {schedule.course.code} {schedule.course.term}: {len(schedule.meetings)} meetings, "
        f"{len(schedule.weeks)} weeks, {len(schedule.deliverables)} deliverables, "
        f"{len(loaded.students)} students, {len(loaded.rubrics)} rubrics"
        + (", grading policy" if loaded.policy else "")
        + (f" ({len(loaded.warnings)} warning(s) above)" if loaded.warnings else "")
    )
