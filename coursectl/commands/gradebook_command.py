"""`coursectl gradebook` and `coursectl gradebook explain SID`: wiring only; the work is in
coursectl/gradebook/ (imported inside the functions, with pandas)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from coursectl.commands._common import CourseDir, echo_json, format_option, report_user_errors

if TYPE_CHECKING:
    from coursectl.errors import Problem

app = typer.Typer(
    no_args_is_help=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class SummaryFormat(StrEnum):
    table = "table"
    json = "json"
    # The old spelling of --files, kept for one release.
    csv = "csv"
    canvas = "canvas"
    both = "both"


class Files(StrEnum):
    csv = "csv"
    canvas = "canvas"
    both = "both"


InputsDir = Annotated[
    Path | None,
    typer.Option(
        "--inputs",
        "-i",
        help="One folder holding every source (gradescope/, reflections/, reviews/, reviews-done/, "
        "confirmations/, adjustments.csv), e.g. exports/sample; default: the paths in "
        "rubrics/grading-policy.yaml.",
        file_okay=False,
    ),
]


def _warn(notices: list[Problem]) -> None:
    for notice in notices:
        print(f"warning: {notice}", file=sys.stderr)


def _files_asked(summary: SummaryFormat, files: Files | None) -> tuple[list[str], str]:
    """The files to write and the option that said so (an old `--format csv|canvas|both`
    still works, with a note)."""
    from coursectl.errors import UserError

    chosen, option = files or Files.csv, "--files"
    if summary not in (SummaryFormat.table, SummaryFormat.json):
        if files is not None:
            raise UserError(
                f"--format {summary.value} is the old spelling of --files; give only --files"
            )
        chosen, option = Files(summary.value), "--format"
        print(
            f"note: --format {summary.value} is now --files {summary.value} (--format is table or "
            "json); the old spelling goes in the next release",
            file=sys.stderr,
        )
    return (["csv", "canvas"] if chosen is Files.both else [chosen.value]), option


def _print_table(summary: dict[str, Any], err: bool) -> None:
    def say(line: str) -> None:
        typer.echo(line, err=err)

    say(
        f"{summary['students']} students, {summary['items_with_data']} of {summary['items']} "
        f"items with data, {len(summary['warnings'])} warning(s)"
    )
    if summary["items_with_data"] == 0:
        say(
            "no source has data yet: see docs/commands.md, 'coursectl gradebook', for where the exports go, "
            "or try the shipped scenario with --inputs exports/sample"
        )
    for deliverable_id, sids in summary["unconfirmed"].items():
        say(f"not confirmed by a TA yet in {deliverable_id} ({len(sids)}): {', '.join(sids)}")
    for path in summary["written"]:
        say(f"wrote {path}")


@app.callback(invoke_without_command=True)
@report_user_errors
def gradebook(
    ctx: typer.Context,
    course: CourseDir = Path("."),
    inputs: InputsDir = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Output folder (default: grades/ in the course, git-ignored); with one of "
            "--files csv/canvas also a file ending in .csv, or '-' for standard output.",
        ),
    ] = None,
    files: Annotated[
        Files | None,
        typer.Option(
            "--files",
            help="csv: gradebook.csv (default); canvas: the Canvas import CSV; both.",
            show_default=False,
        ),
    ] = None,
    summary_format: Annotated[
        SummaryFormat,
        format_option(
            SummaryFormat,
            "The summary: table, or json on standard output. (csv, canvas, both: the old "
            "spelling of --files.)",
            "--format: '{value}' is not a format; use table or json",
        ),
    ] = SummaryFormat.table,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write even into a file git tracks, or replace a file coursectl did not write.",
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Treat unmatched rows and students without rows as errors."),
    ] = False,
) -> None:
    """Build the gradebook from Gradescope exports, reflections, peer reviews and self-assessments.

    Writes grades/gradebook.csv, or with --files canvas the Canvas import CSV.

    Unmatched rows and students without rows are listed as warnings, never dropped.

    Example: coursectl gradebook --inputs exports/sample --files both
    """
    if ctx.invoked_subcommand is not None:
        return
    from coursectl.errors import UserError
    from coursectl.gradebook.output import STDOUT, make_gradebook

    wanted, option = _files_asked(summary_format, files)
    as_json = summary_format is SummaryFormat.json
    to_stdout = out is not None and str(out) == STDOUT
    if as_json and to_stdout:
        raise UserError(
            "--out -: --format json prints the summary on standard output; "
            "give --out a folder or a .csv file"
        )
    outcome = make_gradebook(course, inputs, out, wanted, force=force, strict=strict, option=option)
    _warn(outcome.book.notices)
    for path in outcome.not_ignored:
        print(
            f"warning: {path}: not git-ignored; grades here could be committed (FERPA): "
            "add it to .gitignore or write to grades/",
            file=sys.stderr,
        )
    if outcome.refused:
        raise UserError(outcome.refused)
    sys.stdout.write(outcome.stdout)
    sys.stdout.flush()
    summary = outcome.summary()
    if as_json:
        echo_json(summary)
    else:
        _print_table(summary, err=to_stdout)  # standard output holds the CSV


@app.command("explain")
@report_user_errors
def explain(
    student: Annotated[str, typer.Argument(help="The student's sid (or email or GitHub name).")],
    course: CourseDir = Path("."),
    inputs: InputsDir = None,
) -> None:
    """Show how one student's grade was computed, item by item.

    Example: coursectl gradebook explain 9100038 --inputs exports/sample
    """
    from coursectl.gradebook.output import explain_student

    book, text = explain_student(course, inputs, student)
    _warn(book.notices)
    typer.echo(text, nl=False)
