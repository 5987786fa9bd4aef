"""`coursectl init`: a new course folder from a few answers (flags, or prompts in a terminal)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from coursectl.commands._common import report_user_errors
from coursectl.errors import UserError


def _ask(value: str | None, flag: str, question: str, default: str | None = None) -> str:
    """The flag's value; else, in a terminal, the TA's answer; else a one-line error."""
    if value is not None:
        return value
    if sys.stdin.isatty():
        answer: str = typer.prompt(question, default=default)
        return answer
    if default is not None:
        return default
    raise UserError(f"{flag} is missing; pass {flag} (or run init in a terminal to be asked)")


def _optional_list(question: str) -> list[str]:
    """An optional repeatable flag left out: none, or in a terminal the TA's ';'-list."""
    if not sys.stdin.isatty():
        return []
    answer: str = typer.prompt(question, default="", show_default=False)
    return [item.strip() for item in answer.split(";") if item.strip()]


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text.strip().split()[-1])
    except (ValueError, IndexError):
        raise UserError(
            f"{flag}: '{text}' is not a date; write YYYY-MM-DD, e.g. 2026-08-31"
        ) from None


@report_user_errors
def init(
    folder: Annotated[Path, typer.Argument(help="New folder for the course.", show_default=False)],
    code: Annotated[str | None, typer.Option(help="Course code, e.g. 'CS 201'.")] = None,
    name: Annotated[str | None, typer.Option(help="Course name.")] = None,
    start: Annotated[str | None, typer.Option(help="First day of term, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day of term, YYYY-MM-DD.")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone, e.g. America/New_York.")
    ] = None,
    meets: Annotated[
        str | None, typer.Option(help="Lecture days and times, e.g. 'MO WE 10:00-11:15'.")
    ] = None,
    section: Annotated[
        list[str] | None,
        typer.Option(help="A discussion section, e.g. 'A TU 09:00-09:50' (repeat for more)."),
    ] = None,
    break_: Annotated[
        list[str] | None,
        typer.Option(
            "--break", help="Days off, e.g. '2026-11-23..2026-11-27 Thanksgiving' (repeatable)."
        ),
    ] = None,
    term: Annotated[
        str | None, typer.Option(help="Term name; default from --start, e.g. 'Fall 2026'.")
    ] = None,
    github_org: Annotated[
        str | None, typer.Option(help="GitHub organisation; default from code and term.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that is not empty.")
    ] = False,
) -> None:
    """Start a course: write schedule.yaml, rubrics/, a roster stub and a .gitignore.

    Weeks get a lecture per meeting day (outside breaks), a reflection every Friday 23:59,
    an assignment with peer reviews and a final project, graded by a policy that adds up.
    In a terminal, a missing flag is asked for; otherwise it is an error.

    Example: coursectl init cs201 --code "CS 201" --name "Data Structures" --start 2026-08-31 --end 2026-12-11 --timezone America/New_York --meets "MO WE 10:00-11:15" --section "A TU 09:00-09:50"
    """
    from coursectl.course.newcourse import (
        CourseSpec,
        init_course,
        parse_break,
        parse_meeting,
        parse_section,
        refuse_non_empty,
    )

    refuse_non_empty(folder, force)  # before any question, not after all of them
    # Asked in this order in a terminal: the required answers, then the optional ones.
    answers = {
        "code": _ask(code, "--code", "Course code (e.g. CS 201)"),
        "name": _ask(name, "--name", "Course name"),
        "start": _ask(start, "--start", "First day of term (YYYY-MM-DD)"),
        "end": _ask(end, "--end", "Last day of term (YYYY-MM-DD)"),
        "timezone": _ask(timezone, "--timezone", "Time zone (e.g. America/New_York)"),
        "meets": _ask(meets, "--meets", "Lecture days and times (e.g. MO WE 10:00-11:15)"),
    }
    sections = (
        section
        if section is not None
        else _optional_list(
            "Discussion sections, ';' between them (e.g. 'A TU 09:00-09:50'), empty for none"
        )
    )
    breaks = (
        break_
        if break_ is not None
        else _optional_list(
            "Breaks, ';' between them (e.g. '2026-11-23..2026-11-27 Thanksgiving'), empty for none"
        )
    )
    spec = CourseSpec(
        code=answers["code"],
        name=answers["name"],
        start=_day(answers["start"], "--start"),
        end=_day(answers["end"], "--end"),
        timezone=answers["timezone"],
        lectures=parse_meeting(answers["meets"]),
        sections=[parse_section(s) for s in sections],
        breaks=[parse_break(b) for b in breaks],
        term=term,
        github_org=github_org,
    )
    written = init_course(folder, spec, force=force)
    print(f"wrote {len(written)} files in {folder}/: {', '.join(written)}")
    print(
        f"next: put the roster export in {folder}/rosters/roster.csv, give lectures their "
        f"titles in schedule.yaml, then: coursectl validate --course {folder}"
    )
