"""`coursectl gradebook` and `coursectl gradebook explain SID`: wiring only; the work is in
coursectl/gradebook/ (imported inside the functions, with pandas)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coursectl.commands._common import CourseDir, report_user_errors

if TYPE_CHECKING:
    from coursectl.errors import Problem
    from coursectl.gradebook.compute import Gradebook

app = typer.Typer(
    no_args_is_help=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(StrEnum):
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


def _build(course: Path, inputs: Path | None, strict: bool) -> Gradebook:
    from coursectl.course import load_course
    from coursectl.errors import UserError
    from coursectl.gradebook.compute import InputPaths, build_gradebook
    from coursectl.gradebook.inputs import DisplayFn

    if inputs is not None and not inputs.is_dir():
        raise UserError(
            f"error: {inputs}: no such folder; pass --inputs a folder such as exports/sample"
        )
    loaded = load_course(course)
    book = build_gradebook(loaded, InputPaths.for_course(loaded, inputs), DisplayFn())
    if strict and book.notices:
        raise UserError(book.notices)
    return book


def _warn(notices: list[Problem]) -> None:
    for notice in notices:
        print(f"warning: {notice}", file=sys.stderr)


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
            help="Output folder (default: grades/ in the course, git-ignored); with one "
            "--format also a file ending in .csv, or '-' for standard output.",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="csv: gradebook.csv; canvas: Canvas import CSV; both."),
    ] = OutputFormat.csv,
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

    Writes grades/gradebook.csv, or with --format canvas the Canvas import CSV.

    Unmatched rows and students without rows are listed as warnings, never dropped.

    Example: coursectl gradebook --inputs exports/sample --format both
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console

    from coursectl.files import GitState
    from coursectl.gradebook.output import output_paths, plan_files, render_output, write_outputs

    formats = ["csv", "canvas"] if output_format is OutputFormat.both else [output_format.value]
    targets = output_paths(out, course / "grades", formats)  # a bad --out fails before the work
    book = _build(course, inputs, strict)
    _warn(book.notices)
    to_stdout = [fmt for fmt, path in targets.items() if path is None]
    files = {fmt: path for fmt, path in targets.items() if path is not None}
    planned = plan_files(book, files)
    for item in planned:
        if item.git is GitState.NOT_IGNORED:
            print(
                f"warning: {item.path}: not git-ignored; grades here could be committed (FERPA): "
                "add it to .gitignore or write to grades/",
                file=sys.stderr,
            )
    written = write_outputs(planned, force)
    for fmt in to_stdout:
        sys.stdout.write(render_output(book, fmt))
        sys.stdout.flush()
    console = Console(stderr=bool(to_stdout))  # standard output holds the CSV
    counted = sum(1 for r in book.items if not all(r.state == "pending"))
    console.print(
        f"{len(book.course.students)} students, {counted} of {len(book.items)} items with data, "
        f"{len(book.notices)} warning(s)"
    )
    if counted == 0:
        console.print(
            "no source has data yet: see README 'coursectl gradebook' for where the exports go, "
            "or try the shipped scenario with --inputs exports/sample"
        )
    for deliverable_id, sids in book.unconfirmed.items():
        console.print(
            f"not confirmed by a TA yet in {deliverable_id} ({len(sids)}): {', '.join(sids)}"
        )
    for path in written:
        console.print(f"wrote {path}")


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
    from coursectl.course.matching import NO_MATCH, RosterIndex
    from coursectl.errors import UserError
    from coursectl.gradebook.sheets import explain as explain_student

    book = _build(course, inputs, strict=False)
    policy = book.course.policy
    roster = RosterIndex.build(
        book.course.students, policy.gradebook.email_aliases if policy else []
    )
    position, _ = roster.match(student, student, student)
    if position == NO_MATCH:
        raise UserError(
            f"error: no roster student with sid, email or GitHub name '{student}'; check the roster"
        )
    _warn(book.notices)
    typer.echo(explain_student(book, position), nl=False)
