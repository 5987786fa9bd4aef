"""`coursectl new-term`: next term's course from last term's, every date moved by whole weeks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coursectl.commands._common import report_user_errors
from coursectl.errors import UserError


@report_user_errors
def new_term(
    old: Annotated[
        Path, typer.Argument(help="Last term's course folder.", file_okay=False, show_default=False)
    ],
    new: Annotated[Path, typer.Argument(help="New folder for the new term.", show_default=False)],
    start: Annotated[
        str, typer.Option(help="First day of the new term, YYYY-MM-DD.", show_default=False)
    ],
    term: Annotated[
        str | None,
        typer.Option(help="The new term's name; default from --start, e.g. 'Spring 2027'."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty.")
    ] = False,
) -> None:
    """Copy last term's course onto a new calendar, leaving the roster and grades behind.

    Every date moves by the same whole weeks, so each keeps its weekday; the term's name
    changes in ids, URLs and calendar UIDs (students' calendars keep both terms apart); a
    roster stub replaces the roster. Check the breaks against the new academic calendar.

    Example: coursectl new-term llm101-sp26 llm101-sp27 --start 2027-01-19
    """
    from datetime import date

    from coursectl.course import inspect_course, load_course
    from coursectl.course.newcourse import new_term as copy_term

    try:
        first = date.fromisoformat(start.strip().split()[-1])
    except (ValueError, IndexError):
        raise UserError(
            f"--start: '{start}' is not a date; write YYYY-MM-DD, e.g. 2027-01-19"
        ) from None
    schedule = load_course(old, roster=False).schedule
    result = copy_term(old, new, schedule, first, term, force)
    print(
        f"wrote {new}/ for {result.term}: dates moved {result.weeks} weeks, {len(result.files)} files"
    )
    for note in result.notes:
        print(f"note: {note}")
    _, problems = inspect_course(new, roster=False)
    for problem in problems:
        print(f"warning: {problem}")
    print(f"next: put the roster in {new}/, then: coursectl validate --course {new}")
