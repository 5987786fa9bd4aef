"""`coursectl assign-reviews`: balanced, constrained, reproducible peer-review assignment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coursectl.commands._common import CourseDir, report_user_errors


@report_user_errors
def assign_reviews(
    deliverable: Annotated[
        str, typer.Argument(help="Peer-review deliverable id from schedule.yaml.")
    ],
    course: CourseDir = Path("."),
    submitted: Annotated[
        Path | None,
        typer.Option(
            "--submitted",
            help="Who submitted: a Gradescope scores export (Status column) or one sid/email "
            "per line. Default: the whole roster.",
            dir_okay=False,
        ),
    ] = None,
    reviews: Annotated[
        int | None,
        typer.Option(
            "--reviews", "-k", help="Reviews per student (default: schedule.yaml).", min=1
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Seed for a reproducible allocation (default: random, saved).", min=0),
    ] = None,
    within_section: Annotated[
        bool, typer.Option("--within-section", help="Pair students only inside their section.")
    ] = False,
    anonymous: Annotated[
        bool, typer.Option("--anonymous", help="Show authors by stable pseudonyms in messages.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Reallocate everyone, replacing the saved allocation.")
    ] = False,
    messages: Annotated[
        bool,
        typer.Option(
            "--messages/--no-messages",
            help="Write one message per reviewer (off: only CSV and manifest, e.g. when the "
            "platform notifies students).",
        ),
    ] = True,
    add: Annotated[
        list[str] | None,
        typer.Option("--add", metavar="SID", help="Fit a late student into the saved allocation."),
    ] = None,
    drop: Annotated[
        list[str] | None,
        typer.Option("--drop", metavar="SID", help="Take a student out of the saved allocation."),
    ] = None,
) -> None:
    """Assign each student exactly k peers' submissions to review, and write the CSV and messages.

    No self, teammate, reciprocal or repeated pairs; the result is saved under
    reviews/DELIVERABLE/ and a second run prints it instead of reshuffling.

    Example: coursectl assign-reviews pp1-peer-reviews --submitted samples/pp1-submitted.txt --seed 7
    """
    from rich.console import Console
    from rich.markup import escape

    from coursectl.course import load_course
    from coursectl.reviews.assign import AssignOptions
    from coursectl.reviews.assign import assign_reviews as run
    from coursectl.reviews.summary import summarize

    loaded = load_course(course)
    outcome = run(
        loaded,
        AssignOptions(
            deliverable_id=deliverable,
            submitted=submitted,
            reviews=reviews,
            seed=seed,
            within_section=within_section,
            anonymous=anonymous,
            force=force,
            messages=messages,
            add=tuple(add or ()),
            drop=tuple(drop or ()),
        ),
    )
    summary = summarize(outcome, {s.sid: s.name for s in loaded.students})
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for warning in summary.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    typer.echo("\n".join(summary.lines))
    if summary.hint:
        Console(highlight=False, soft_wrap=True).print(f"[dim]{escape(summary.hint)}[/]")
