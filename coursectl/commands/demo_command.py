"""`coursectl demo`: the weekly job on a copy of the shipped course, each step shown as the
command a TA types."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from coursectl.commands._common import CourseDir, report_user_errors


@report_user_errors
def demo(
    ctx: typer.Context,
    course: CourseDir = Path("."),
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder for the demo's copy of the course.", file_okay=False
        ),
    ] = Path("coursectl-demo"),
    force: Annotated[
        bool, typer.Option("--force", help="Replace the folder of an earlier demo.")
    ] = False,
) -> None:
    """Run the weekly job offline on a copy of the course in ./coursectl-demo.

    The steps: validate, deadlines, calendars, reflections, peer reviews, the course page and
    the gradebook, each printed as the command a TA types.

    Example: coursectl demo
    """
    from coursectl.course import load_course
    from coursectl.course.demo import WEEKLY_JOB, prepare_demo_folder

    roster = load_course(course, roster=False).schedule.course.roster
    prepare_demo_folder(course, roster, out, force=force)
    root = ctx.find_root().command  # the whole app, without importing coursectl.cli
    print(f"$ cd {shlex.quote(str(out))}", flush=True)
    here = Path.cwd()
    os.chdir(out)  # the steps name their inputs relative to the course, as a TA types them
    try:
        for step, args in enumerate(WEEKLY_JOB, 1):
            print(f"\n$ coursectl {shlex.join(args)}", flush=True)
            code = root.main(list(args), prog_name="coursectl", standalone_mode=False)
            if code:  # the step printed its own one-line errors
                print(f"demo stopped at step {step} of {len(WEEKLY_JOB)}", file=sys.stderr)
                raise typer.Exit(code)
    finally:
        os.chdir(here)
    print(
        f"\nThe weekly job ran on {out}/: calendars and the course page in build/, "
        "reviews in reviews/, grades in grades/. Run any step again there, or see "
        "docs/commands.md."
    )
