"""`coursectl deadlines`: the table of what is due, in the course's time zone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coursectl.commands._common import CourseDir, report_user_errors


@report_user_errors
def deadlines(
    course: CourseDir = Path("."),
    week: Annotated[int | None, typer.Option("--week", "-w", help="Only this course week.")] = None,
    upcoming: Annotated[
        bool, typer.Option("--upcoming", help="Only deadlines still ahead.")
    ] = False,
    now: Annotated[
        str | None,
        typer.Option(
            help="Pretend it is this time (course time zone), e.g. 'Wed 2026-03-04 12:00'."
        ),
    ] = None,
) -> None:
    """List deliverables with their local due time, platform and time left.

    Example: coursectl deadlines --week 7
    """
    from datetime import datetime

    from rich.console import Console
    from rich.table import Table

    from coursectl.course import load_course
    from coursectl.course.deadlines import describe_time_left, list_deadlines
    from coursectl.course.model import PLATFORM_NAMES
    from coursectl.course.times import parse_moment

    schedule = load_course(course, roster=False).schedule
    moment = parse_moment(now, schedule.tz) if now else datetime.now(schedule.tz)
    rows = list_deadlines(schedule, moment, week=week, upcoming=upcoming)
    zone_name = schedule.course.timezone
    table = Table(
        title=f"{schedule.course.code} deadlines ({zone_name})", title_justify="left", expand=False
    )
    table.add_column("wk", justify="right")
    table.add_column("due", no_wrap=True)
    table.add_column("deliverable (id)", ratio=1)
    table.add_column("platform", no_wrap=True)
    table.add_column("time left", no_wrap=True)
    for row in rows:
        table.add_row(
            str(row.week or ""),
            f"{row.due:%a %b %d %H:%M}",
            f"{row.title}\n[dim]{row.id}[/dim]",
            PLATFORM_NAMES.get(row.platform, row.platform),
            describe_time_left(row.time_left),
        )
    console = Console()
    if rows:
        console.print(table)
    else:
        console.print("no deadlines match" + (f" in week {week}" if week is not None else ""))
