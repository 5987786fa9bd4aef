"""The `coursectl` application: assembles one Typer command per module in coursectl/commands.

Only typer and the command modules (which import their heavy dependencies lazily, inside the
command) are imported here, so `coursectl --help` starts as fast as any Typer app.
"""

from __future__ import annotations

import typer

from coursectl.commands import (
    assign_reviews,
    calendar,
    check_reflections,
    deadlines,
    gradebook,
    gradescope,
    render,
    validate,
)
from coursectl.commands._common import OneLineUsageErrors

app = typer.Typer(
    name="coursectl",
    help="Course logistics and grading for TAs: schedule checks, deadlines, calendars, "
    "peer-review assignment, reflection checks and the gradebook.",
    no_args_is_help=True,
    cls=OneLineUsageErrors,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.command("validate")(validate.validate)
app.command("deadlines")(deadlines.deadlines)
app.command("assign-reviews")(assign_reviews.assign_reviews)
app.add_typer(calendar.app, name="calendar")
app.command("check-reflections")(check_reflections.check_reflections)
app.add_typer(gradescope.app, name="gradescope")
app.add_typer(gradebook.app, name="gradebook")
app.add_typer(render.app, name="render")


def main() -> None:
    app()
