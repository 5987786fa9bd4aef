"""`coursectl render week N` and `coursectl render reminder ID`: the course page and announcements."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coursectl.commands._common import CourseDir, format_option, report_user_errors

if TYPE_CHECKING:
    from coursectl.pages.views import Format


class PageFormat(StrEnum):
    md = "md"
    html = "html"


app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Render the weekly course page or a deadline reminder from schedule.yaml and templates/.",
)

OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Write to this file instead of standard output ('-': standard output).",
        show_default=False,
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace an --out file that coursectl render did not write.")
]


def _emit(text: str, out: Path | None, force: bool, fmt: Format = "md") -> None:
    from coursectl.files import atomic_write_text, extension_warning
    from coursectl.pages.views import check_replaceable, output_file

    out = output_file(out)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    check_replaceable(out, text, force)
    warning = extension_warning(out, fmt)
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    atomic_write_text(out, text)
    typer.echo(f"wrote {out}", err=True)


@app.command("week")
@report_user_errors
def week(
    number: Annotated[int, typer.Argument(help="Course week number, e.g. 7.", show_default=False)],
    course: CourseDir = Path("."),
    fmt: Annotated[
        PageFormat | None,
        format_option(
            PageFormat,
            "md or html (default: from the --out file's extension, else md).",
            "--format: '{value}' is not a format; use md or html",
        ),
    ] = None,
    out: OutOption = None,
    force: ForceOption = False,
) -> None:
    """Render one week's course page (checklist, objectives, section, prompts, deliverables).

    Uses templates/week.md.j2 or templates/week.html.j2 in the course folder.

    Example: coursectl render week 7 --format html --out build/week-07.html
    """
    from coursectl.course import load_course
    from coursectl.pages.views import format_for, output_file, render_week

    chosen = format_for(output_file(out), fmt)
    _emit(render_week(load_course(course, roster=False), number, chosen), out, force, chosen)


@app.command("reminder")
@report_user_errors
def reminder(
    deliverable: Annotated[
        str, typer.Argument(help="Deliverable id from schedule.yaml, e.g. pp1-peer-reviews.")
    ],
    course: CourseDir = Path("."),
    out: OutOption = None,
    force: ForceOption = False,
) -> None:
    """Render a short Markdown announcement for one deliverable: what, where, when, how graded.

    Uses templates/reminder.md.j2; times are in the course's time zone.

    Example: coursectl render reminder pp1-peer-reviews
    """
    from coursectl.course import load_course
    from coursectl.pages.views import render_reminder

    _emit(render_reminder(load_course(course, roster=False), deliverable), out, force)
