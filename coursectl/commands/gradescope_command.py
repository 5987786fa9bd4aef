"""`coursectl gradescope ...`: roster sync, due-date drift and extensions, through gradescopeapi.

Wiring only: options, one call into coursectl.platforms.sync, rendering. gradescopeapi (the
optional extra) and the core modules are imported inside the commands, so `coursectl --help`
never loads them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coursectl.commands._common import CourseDir, fit_ids, report_user_errors

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from rich.table import Table

    from coursectl.course import Course
    from coursectl.integrations.gradescope import GradescopeClient
    from coursectl.platforms.sync import DateEdit, DatesReport

app = typer.Typer(
    help="Keep Gradescope in step with the course: roster, due dates and extensions.\n\n"
    "Example: coursectl gradescope check-dates",
    no_args_is_help=True,
)

CourseIdOption = Annotated[
    str | None,
    typer.Option(
        "--course-id",
        help="Gradescope course id (default: course.gradescope.course_id in schedule.yaml).",
        show_default=False,
    ),
]
EmailOption = Annotated[
    str | None,
    typer.Option(
        "--email",
        envvar="GRADESCOPE_EMAIL",
        help="Gradescope login email (env GRADESCOPE_EMAIL). The password is read from "
        "GRADESCOPE_PASSWORD or asked for, never given on the command line.",
        show_default=False,
    ),
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="GRADESCOPE_URL",
        help="Gradescope's address (env GRADESCOPE_URL; default https://www.gradescope.com).",
        show_default=False,
    ),
]

# --out was --output here (every other command says --out): the old spelling still works.
OldOutputOption = Annotated[Path | None, typer.Option("--output", hidden=True)]

PROPOSED_ROSTER = Path(".coursectl/gradescope/roster-proposed.csv")
EXTENSIONS_FILE = Path("grades/extensions.csv")


def _prompt_password(text: str) -> str:
    import click

    try:
        return str(click.prompt(text, hide_input=True, default="", show_default=False))
    except click.exceptions.Abort:
        return ""


def _connect(
    course: Course, course_id: str | None, email: str | None, url: str | None
) -> tuple[GradescopeClient, str]:
    """Log in and name the Gradescope course, or raise a UserError saying what to set."""
    from coursectl.errors import UserError
    from coursectl.integrations.gradescope import (
        GradescopeClient,
        gradescope_url,
        resolve_credentials,
    )

    address = gradescope_url(url)  # before asking for a password it could not use
    settings = course.schedule.course.gradescope
    resolved = course_id or (settings.course_id if settings else None)
    if not resolved:
        raise UserError(
            "schedule.yaml: no Gradescope course id; set course.gradescope.course_id or pass --course-id"
        )
    credentials = resolve_credentials(email, prompt_password=_prompt_password)
    return GradescopeClient.login(credentials, course.schedule.tz, base_url=address), resolved


def _out(out: Path | None, output: Path | None) -> Path | None:
    """--out, or its old spelling --output."""
    from coursectl.errors import UserError

    if out is not None and output is not None and out != output:
        raise UserError("--output is the old name of --out; give --out once")
    return out or output


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%a %b %d %H:%M}" if moment else "-"


# ---------------------------------------------------------------------------- roster


@report_user_errors
def roster(
    course: CourseDir = Path("."),
    course_id: CourseIdOption = None,
    email: EmailOption = None,
    url: UrlOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help=f"Where to write the proposed roster (default: {PROPOSED_ROSTER} in the course).",
            show_default=False,
        ),
    ] = None,
    output: OldOutputOption = None,
    write: Annotated[
        bool,
        typer.Option("--write", help="Also replace the roster in rosters/ (a backup is kept)."),
    ] = False,
) -> None:
    """Compare Gradescope's students with the roster: new, dropped, changed email or section.

    Writes the roster as Gradescope has it to a proposed file.

    Only --write changes rosters/, keeping a timestamped backup beside the roster; it refuses
    while two Gradescope members share a sid. Members without a sid that match no roster email
    are left out with a warning.

    New students need their GitHub name filled in by hand.

    Example: coursectl gradescope roster --email ta@university.edu
    """
    from rich.console import Console
    from rich.table import Table

    from coursectl.course import load_course
    from coursectl.errors import UserError
    from coursectl.files import atomic_write_bytes, atomic_write_text
    from coursectl.platforms.sync import plan_roster_sync

    loaded = load_course(course)
    client, gs_course = _connect(loaded, course_id, email, url)
    proposed = _out(out, output) or loaded.path(str(PROPOSED_ROSTER))
    sync = plan_roster_sync(
        loaded, client.members(gs_course), gs_course, proposed, write, datetime.now()
    )
    console = Console(markup=False)  # names and titles are data, not markup
    if sync.diff.changes:
        table = Table(title=f"Roster vs Gradescope course {gs_course}", title_justify="left")
        for column in ("change", "sid", "name", "roster", "Gradescope"):
            table.add_column(column, overflow="fold")  # an email is shown whole, if folded
        for c in sync.diff.changes:
            table.add_row(c.kind, c.sid, c.name, c.old, c.new)
        console.print(table)
    for line in sync.report:
        console.print(line)
    atomic_write_text(sync.proposed_path, sync.text, private=True)  # the roster: FERPA
    console.print(f"proposed roster: {sync.proposed_path}")
    if sync.refusal:
        raise UserError(sync.refusal)
    if sync.backup:
        atomic_write_bytes(sync.backup, sync.roster_path.read_bytes(), private=True)
        atomic_write_text(sync.roster_path, sync.text, private=True)
    for line in sync.after:
        console.print(line)


# ---------------------------------------------------------------------------- check-dates


@report_user_errors
def check_dates(
    course: CourseDir = Path("."),
    course_id: CourseIdOption = None,
    email: EmailOption = None,
    url: UrlOption = None,
    push: Annotated[
        bool,
        typer.Option("--push", help="Set Gradescope's due and late-due dates from schedule.yaml."),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="With --push: do not ask before changing.")
    ] = False,
) -> None:
    """Compare due and late-due dates on Gradescope with schedule.yaml and list the drift.

    Deliverables on platform gradescope match assignments by gradescope_id, else by title.

    Expected late due date: the due date plus the grading policy's late max_days.

    Exit 0 when every deliverable matches (also after a --push that fixed all the drift);
    exit 1 while dates drift (no --push, or declined) or an assignment is missing on Gradescope.

    --push shows the changes, asks, sets Gradescope's dates (keeping release dates), re-checks.

    Example: coursectl gradescope check-dates --push
    """
    from rich.console import Console

    from coursectl.course import load_course
    from coursectl.platforms.sync import check_dates as compare
    from coursectl.platforms.sync import push_plan

    loaded = load_course(course, roster=False)  # dates only: works without the (git-ignored) roster
    zone = loaded.schedule.tz
    client, gs_course = _connect(loaded, course_id, email, url)
    assignments = client.assignments(gs_course)
    report = compare(loaded.schedule, loaded.policy, assignments)
    console = Console(markup=False)  # names and titles are data, not markup
    title = f"Gradescope dates vs schedule.yaml ({loaded.schedule.course.timezone})"
    ids = [check.deliverable.id for check in report.checks]
    console.print(fit_ids(console, _dates_table(title, report, zone), ids))
    for line in [*report.notes(), report.summary()]:
        console.print(line)
    if not push or not report.drifting:
        if not report.clean:
            raise typer.Exit(1)
        return
    edits = push_plan(report, assignments, zone, gs_course)
    console.print(_plan_table(edits, zone))
    if not yes and not typer.confirm(
        f"Change {len(edits)} assignment(s) on Gradescope?", default=False
    ):
        console.print("nothing changed on Gradescope")
        raise typer.Exit(1)
    for edit in edits:
        client.set_dates(gs_course, edit.assignment.id, edit.release, edit.due, edit.late_due)
    console.print(report.after_push(edits))
    if report.missing:  # the drift is gone; missing assignments need creating by hand
        raise typer.Exit(1)


def _dates_table(title: str, report: DatesReport, zone: ZoneInfo) -> Table:
    """One row per deliverable: its id and Gradescope number, the dates schedule.yaml expects
    and, for Gradescope's, how far they are off."""
    from rich.table import Table
    from rich.text import Text

    from coursectl.platforms.sync import describe_shift

    def shown(actual: datetime | None, expected: datetime | None) -> str:
        shift = describe_shift(actual, expected)
        if not shift:
            return "same"
        return shift if actual is None else f"{_when(actual, zone)} ({shift})"

    table = Table(title=title, title_justify="left")
    table.add_column("deliverable\nGradescope #", overflow="fold")
    table.add_column("schedule.yaml", no_wrap=True)
    table.add_column("Gradescope")
    table.add_column("status", no_wrap=True)
    for check in report.checks:
        a = check.assignment
        gradescope_id = a.id if a else check.deliverable.gradescope_id or "no match"
        late_expected = _when(check.late_due, zone) if check.check_late else "(not checked)"
        if a is None:
            on_gradescope = "-\n-"
        else:
            late = (
                shown(a.late_due, check.late_due) if check.check_late else _when(a.late_due, zone)
            )
            on_gradescope = f"{shown(a.due, check.due)}\n{late}"
        table.add_row(
            Text.assemble(check.deliverable.id, "\n", (f"#{gradescope_id}", "dim")),
            f"due  {_when(check.due, zone)}\nlate {late_expected}",
            on_gradescope,
            {"ok": "ok", "drift": "DRIFT", "missing": "MISSING"}[check.status],
        )
    return table


def _plan_table(edits: list[DateEdit], zone: ZoneInfo) -> Table:
    from rich.table import Table

    plan = Table(title="--push will set", title_justify="left")
    for column in ("Gradescope assignment", "due", "late due", "release (kept)"):
        plan.add_column(column)
    for edit in edits:
        plan.add_row(
            f"{edit.assignment.id} {edit.assignment.title}",
            f"{_when(edit.assignment.due, zone)} -> {_when(edit.due, zone)}",
            f"{_when(edit.assignment.late_due, zone)} -> {_when(edit.late_due, zone)}",
            _when(edit.release, zone),
        )
    return plan


# ---------------------------------------------------------------------------- extensions


@report_user_errors
def extensions(
    course: CourseDir = Path("."),
    course_id: CourseIdOption = None,
    email: EmailOption = None,
    url: UrlOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help=f"CSV to write (default: {EXTENSIONS_FILE} in the course, git-ignored).",
            show_default=False,
        ),
    ] = None,
    output: OldOutputOption = None,
) -> None:
    """Read the extensions granted on Gradescope and write them for the gradebook.

    One row per student and deliverable, in the columns of the gradebook's adjustments.csv.

    The file is rewritten from Gradescope on each run.

    Example: coursectl gradescope extensions
    """
    from rich.console import Console
    from rich.table import Table

    from coursectl.course import load_course
    from coursectl.files import atomic_write_text
    from coursectl.platforms.sync import extension_rows, extensions_csv, match_assignments

    loaded = load_course(course)
    zone = loaded.schedule.tz
    client, gs_course = _connect(loaded, course_id, email, url)
    assignments = client.assignments(gs_course)
    members = client.members(gs_course)
    found = []
    for _, assignment, _ in match_assignments(loaded.schedule, assignments):
        if assignment is not None:
            found += client.extensions(gs_course, assignment.id)
    report = extension_rows(loaded.schedule, assignments, members, found, loaded.students)
    target = _out(out, output) or loaded.path(str(EXTENSIONS_FILE))
    atomic_write_text(target, extensions_csv(report.rows, zone), private=True)
    console = Console(markup=False)  # names and titles are data, not markup
    if report.rows:
        table = Table(title="Extensions on Gradescope", title_justify="left")
        for column in ("deliverable", "sid", "name", "due", "late due"):
            table.add_column(column)
        for row in report.rows:
            table.add_row(
                row.deliverable, row.sid, row.name, _when(row.due, zone), _when(row.late_due, zone)
            )
        console.print(fit_ids(console, table, [row.deliverable for row in report.rows]))
    for line in report.conflicts:
        console.print(f"conflict: {line}")
    for ext in report.unknown_users:
        console.print(
            f"warning: extension on assignment {ext.assignment_id} for '{ext.name}' (Gradescope user "
            f"{ext.user_id}), who is not on the course roster; not written"
        )
    console.print(f"{len(report.rows)} extension(s) written to {target}")


app.command("roster")(roster)
app.command("check-dates")(check_dates)
app.command("extensions")(extensions)
