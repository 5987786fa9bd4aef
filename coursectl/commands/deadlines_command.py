"""`coursectl deadlines`: the table of what is due, in the course's time zone."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from coursectl.commands._common import (
    CourseDir,
    TableFormat,
    TableFormatOption,
    echo_json,
    fit_ids,
    report_user_errors,
)

if TYPE_CHECKING:
    from rich.table import Table

    from coursectl.course.deadlines import DeadlineRow


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
    output_format: TableFormatOption = TableFormat.table,
) -> None:
    """List deliverables with their local due time, platform and time left.

    --format json prints the same rows as a JSON list (due in ISO 8601 with the offset).

    Example: coursectl deadlines --week 7
    """
    from datetime import datetime

    from coursectl.course import load_course
    from coursectl.course.deadlines import list_deadlines
    from coursectl.course.times import parse_moment

    schedule = load_course(course, roster=False).schedule
    moment = parse_moment(now, schedule.tz) if now else datetime.now(schedule.tz)
    rows = list_deadlines(schedule, moment, week=week, upcoming=upcoming)
    if output_format is TableFormat.json:
        echo_json([_json_row(row) for row in rows])
        return

    from rich.console import Console

    console = Console(highlight=False)
    if rows:
        title = f"{schedule.course.code} deadlines ({schedule.course.timezone})"
        console.print(fit_ids(console, _table(title, rows), [r.id for r in rows], column=2))
    else:
        console.print("no deadlines match" + (f" in week {week}" if week is not None else ""))


def _json_row(row: DeadlineRow) -> dict[str, Any]:
    from coursectl.course.deadlines import describe_time_left

    return {
        "week": row.week,
        "id": row.id,
        "title": row.title,
        "kind": row.kind,
        "due": row.due.isoformat(),
        "platform": row.platform,
        "seconds_left": int(row.time_left.total_seconds()),
        "time_left": describe_time_left(row.time_left),
    }


def _table(title: str, rows: list[DeadlineRow]) -> Table:
    from rich.table import Table
    from rich.text import Text

    from coursectl.course.deadlines import describe_time_left
    from coursectl.course.model import PLATFORM_NAMES

    table = Table(title=title, title_justify="left", expand=False)
    table.add_column("wk", justify="right")
    table.add_column("due", no_wrap=True)
    table.add_column("deliverable (id)", overflow="fold", min_width=max(len(r.id) for r in rows))
    table.add_column("platform")
    table.add_column("time left")
    for row in rows:
        table.add_row(
            str(row.week or ""),
            f"{row.due:%a %b %d %H:%M}",
            Text.assemble(row.title, "\n", (row.id, "dim")),
            PLATFORM_NAMES.get(row.platform, row.platform),
            describe_time_left(row.time_left),
        )
    return table
