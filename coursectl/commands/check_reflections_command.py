"""`coursectl check-reflections`: is each student's weekly reflection there, on time and in range?"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coursectl.commands._common import CourseDir, format_option, report_user_errors


class ReportFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


if TYPE_CHECKING:  # imported for real inside the command: `coursectl --help` stays light
    from rich.console import Console, JustifyMethod

    from coursectl.reflections.check import ReflectionReport
    from coursectl.reflections.source import ReflectionSource
    from coursectl.reflections.weekly import CheckRun, ReportTable

# Exit code when --fail-on matched (0: run completed, 1: the run itself failed).
FAIL_ON_EXIT = 3

STATUS_STYLES = {
    "ok": "green",
    "too-short": "yellow",
    "too-long": "yellow",
    "late": "magenta",
    "empty": "red",
    "missing": "red",
    "no-repo": "red",
    "no-access": "red",
    "error": "bold red",
}


@report_user_errors
def check_reflections(
    which: Annotated[
        str, typer.Argument(metavar="WEEK", help="Week number (7) or deliverable id.")
    ],
    folder: Annotated[
        Path | None,
        typer.Argument(
            metavar="DIR",
            help="With --source local: folder of student clones or exported submissions.",
            show_default=False,
        ),
    ] = None,
    course: CourseDir = Path("."),
    source: Annotated[
        str, typer.Option("--source", help="Where to read: github, or local (then give DIR).")
    ] = "github",
    output_format: Annotated[
        ReportFormat | None,
        format_option(
            ReportFormat,
            "table, csv or json (default: table, or what --out's suffix says).",
            "--format {value}: use table, csv or json",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write the csv/json here (atomically); - for standard output."
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Overwrite an --out file that is not an earlier check-reflections report.",
        ),
    ] = False,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            metavar="STATUS,...",
            help="Show only these statuses in the table, e.g. too-short,missing "
            "(the csv/json written stays complete).",
        ),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            metavar="STATUS,...",
            help=f"Exit {FAIL_ON_EXIT} if any student has one of these statuses (for scripts).",
        ),
    ] = None,
    use_mtime: Annotated[
        bool,
        typer.Option(
            "--use-mtime", help="Local exported files: take their modification time as submitted."
        ),
    ] = False,
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            help="GitHub Enterprise API URL (default: course.github.api_url or github.com).",
        ),
    ] = None,
    comment: Annotated[
        bool,
        typer.Option(
            "--comment",
            help="GitHub: open a feedback issue (templates/reflection-feedback.md.j2) for each "
            "student outside the word range or late; never twice for the same week.",
        ),
    ] = False,
) -> None:
    """Check every student's reflection for a week: there, on time, and within the word range.

    Statuses: ok, too-short, too-long, missing, late, empty, no-repo, no-access, error.
    Exit 0 whenever the run completed, whatever the statuses; --fail-on changes that.

    Example: coursectl check-reflections 7 --source local samples/reflections

    From GitHub (token from GITHUB_TOKEN or `gh auth token`), with feedback issues:
    coursectl check-reflections 7 --source github --comment
    """
    from rich.console import Console

    from coursectl.commands.reflection_sources import make_source
    from coursectl.course import load_course
    from coursectl.reflections.weekly import plan_run, write_report

    run = plan_run(
        load_course(course),
        which,
        folder=folder,
        source=source,
        output_format=output_format.value if output_format else None,
        out=out,
        force=force,
        fail_on=fail_on,
        status=status,
        use_mtime=use_mtime,
        api_url=api_url,
        comment=comment,
    )
    reflection_source = make_source(source, run.sources)
    err = Console(stderr=True)
    report = _check_with_progress(run, reflection_source, err)
    if run.fmt == "table":
        _print_table(run.table(report), report)
    elif run.out is None:
        typer.echo(run.text(report), nl=False)
    said = write_report(run, report) if run.fmt != "table" and run.out is not None else []
    said += [f"warning: {w}" for w in getattr(reflection_source, "warnings", [])]
    # How the source spent rate limit where it could not re-check for free (GitHub).
    said += [f"note: {n}" for n in getattr(reflection_source, "notes", [])]
    for line in said:
        _say(err, line)
    if comment:
        _comment(run, report, err)
    closing, failed = run.closing(report, datetime.now())
    for line in closing:
        _say(err, line)
    if failed:
        raise typer.Exit(FAIL_ON_EXIT)


def _say(console: Console, line: str) -> None:
    console.print(line, highlight=False, markup=False, soft_wrap=True)


def _check_with_progress(run: CheckRun, source: ReflectionSource, err: Console) -> ReflectionReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("fetching reflections"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        # Off a terminal (piped, CI) there is nothing to redraw, and stopping the bar would
        # leave a blank line on stderr before any message.
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("fetch", total=run.fetched())
        return run.check(source, lambda n: bar.advance(task, n))


def _comment(run: CheckRun, report: ReflectionReport, err: Console) -> None:
    """Open the feedback issues, recording each one as soon as it is open."""
    from coursectl.integrations.github import make_feedback_client, open_feedback_issues
    from coursectl.reflections.feedback import feedback_summary, plan_course_feedback

    planned, record = plan_course_feedback(run.course, run.deliverable, report)
    before = len(record.already)
    results = []
    if planned:
        client = make_feedback_client(run.sources.api_url)
        results = open_feedback_issues(client, planned, record.remember)
    for line in feedback_summary(results, before):
        _say(err, line)


def _print_table(shown: ReportTable, report: ReflectionReport) -> None:
    """The table a TA reads, sized for the terminal (80 columns and up)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    columns = shown.columns
    widths = {name: max([len(name), *map(len, values)]) for name, values in columns.items()}
    names = list(columns)

    # Every column gets its exact width: sid, login and status are copied from here and are
    # never cut; the note folds into what is left (one space between columns), at least 20
    # wide: commit, then submitted give way to it, and under 10 (39-character logins at 80
    # columns) the note does.
    def left() -> int:
        return console.width - sum(widths[n] + 1 for n in names) - 2

    for optional in ("commit", "submitted"):
        if optional in names and left() < 20:
            names.remove(optional)
    # padding 0: one space between columns, the box's
    table = Table(title=shown.title, title_justify="left", box=box.SIMPLE_HEAD, padding=0)
    for name in names:
        justify: JustifyMethod = "right" if name in ("words", "late by") else "left"
        table.add_column(name, justify=justify, no_wrap=True, width=widths[name])
    notes = left() >= 10
    if notes:
        table.add_column("note", overflow="fold", width=left())
    for index, status in enumerate(columns["status"]):
        style = STATUS_STYLES.get(status, "")
        row = [columns[name][index] for name in names]
        row[2] = f"[{style}]{status}[/]" if style else status
        table.add_row(*row, *([shown.notes[index]] if notes else []))
    console.print(table)
    if not notes:
        console.print("notes left out: too narrow a terminal (they are in --format csv)")
    if shown.filtered:
        console.print(shown.filtered)
    console.print(
        "  ".join(f"[{STATUS_STYLES.get(s, '')}]{s}[/] {n}" for s, n in report.counts().items())
    )
    for line in shown.footer:
        console.print(line, highlight=False)
