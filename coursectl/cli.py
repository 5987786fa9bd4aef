"""The `coursectl` application: assembles one Typer command per module in coursectl/commands.

Only typer and the command modules (which import their heavy dependencies lazily, inside the
command) are imported here, so `coursectl --help` starts as fast as any Typer app.
"""

from __future__ import annotations

from typing import Annotated

import typer

from coursectl.commands import (
    assign_reviews_command,
    calendar_command,
    canvas_command,
    check_reflections_command,
    deadlines_command,
    demo_command,
    gradebook_command,
    gradescope_command,
    init_command,
    new_term_command,
    render_command,
    validate_command,
)
from coursectl.commands._common import OneLineUsageErrors

app = typer.Typer(
    name="coursectl",
    help="Course logistics and grading for TAs: schedule checks, deadlines, calendars, "
    "peer-review assignment, reflection checks and the gradebook.",
    no_args_is_help=True,
    cls=OneLineUsageErrors,
    pretty_exceptions_enable=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(wanted: bool) -> None:
    if not wanted:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        typer.echo(f"coursectl {version('coursectl')}")
    except PackageNotFoundError:  # run from a source tree that was never installed
        typer.echo("coursectl (version unknown: not installed; pip install -e .)")
    raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print coursectl's version and exit.",
        ),
    ] = False,
) -> None:
    pass


app.command("init")(init_command.init)
app.command("new-term")(new_term_command.new_term)
app.command("demo")(demo_command.demo)
app.command("validate")(validate_command.validate)
app.command("deadlines")(deadlines_command.deadlines)
app.command("assign-reviews")(assign_reviews_command.assign_reviews)
app.add_typer(calendar_command.app, name="calendar")
app.command("check-reflections")(check_reflections_command.check_reflections)
app.add_typer(gradescope_command.app, name="gradescope")
app.add_typer(canvas_command.app, name="canvas")
app.add_typer(gradebook_command.app, name="gradebook")
app.add_typer(render_command.app, name="render")


def main() -> None:
    app()
