"""`coursectl canvas ...`: the roster from Canvas, links to Canvas assignments, grades to Canvas.

Wiring only: options, the Canvas adapter, one call into coursectl.platforms.canvas_sync, rendering.
canvasapi and the core modules are imported inside the commands, so `coursectl --help` never
loads them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coursectl.commands._common import CourseDir, report_user_errors

if TYPE_CHECKING:
    from coursectl.course import Course
    from coursectl.integrations.canvas import CanvasClient

app = typer.Typer(
    help="Canvas: the roster in, grades out, through Canvas's API.\n\n"
    "Example: coursectl canvas push --dry-run",
    no_args_is_help=True,
)

PROPOSED_ROSTER = Path(".coursectl/canvas/roster-proposed.csv")
PUSH_RECORD = Path("grades/canvas-push.json")

DryRunOption = Annotated[
    bool, typer.Option("--dry-run", "-n", help="Show what would change; change nothing.")
]


def _prompt_token(text: str) -> str:
    import sys

    import click

    if not sys.stdin.isatty():  # no terminal (cron, CI): say which variable to set instead
        return ""
    try:
        return str(click.prompt(text, hide_input=True, default="", show_default=False))
    except click.exceptions.Abort:
        return ""


def _connect(course: Course) -> CanvasClient:
    from coursectl.integrations.canvas import CanvasClient, canvas_target, resolve_token

    url, course_id = canvas_target(course.schedule.course.canvas)
    return CanvasClient(url, resolve_token(prompt=_prompt_token), course_id)


# ---------------------------------------------------------------------------- roster


@report_user_errors
def roster(
    course: CourseDir = Path("."),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help=f"Where to write the proposed roster (default: {PROPOSED_ROSTER} in the course).",
            show_default=False,
        ),
    ] = None,
    write: Annotated[
        bool,
        typer.Option("--write", help="Also replace the roster in rosters/ (a backup is kept)."),
    ] = False,
) -> None:
    """Compare Canvas's students with the roster: new, dropped, changed email or section.

    Students are matched by SIS user id (the roster's sid), then email or login. Writes the
    roster as Canvas has it to a proposed file; only --write changes rosters/, keeping a
    timestamped backup, and never into a file git tracks.

    Example: coursectl canvas roster --write
    """
    from rich.console import Console
    from rich.table import Table

    from coursectl.course import load_course
    from coursectl.errors import UserError
    from coursectl.files import GitState, atomic_write_bytes, atomic_write_text, git_state
    from coursectl.platforms.canvas_sync import diff_canvas_roster
    from coursectl.platforms.sync import roster_csv

    loaded = load_course(course)
    client = _connect(loaded)
    diff = diff_canvas_roster(loaded.students, client.students(), loaded.schedule.sections())
    roster_path = loaded.path(loaded.schedule.course.roster)
    if diff.gradescope_students == 0:
        raise UserError(
            f"Canvas course {client.course_id} lists no students; not proposing to drop all "
            f"{len(loaded.students)} students of {loaded.schedule.course.roster}"
        )
    console = Console(markup=False)  # names are data, not markup
    if diff.changes:
        table = Table(title=f"Roster vs Canvas course {client.course_id}", title_justify="left")
        for column in ("change", "sid", "name", "roster", "Canvas"):
            table.add_column(column, overflow="fold")
        for change in diff.changes:
            table.add_row(change.kind, change.sid, change.name, change.old, change.new)
        console.print(table)
    counts = {kind: len(diff.of_kind(kind)) for kind in ("new", "dropped", "email", "section")}
    console.print(
        f"{diff.gradescope_students} students on Canvas, {len(loaded.students)} in the roster: "
        f"{counts['new']} new, {counts['dropped']} dropped, {counts['email']} changed email, "
        f"{counts['section']} changed section"
    )
    for line in diff.conflicts:
        console.print(f"conflict: {line}")
    for line in diff.skipped:
        console.print(f"warning: {line}")
    text = roster_csv(diff.proposed, any(s.team for s in loaded.students))
    proposed_path = out or loaded.path(str(PROPOSED_ROSTER))
    atomic_write_text(proposed_path, text, private=True)  # the roster: FERPA
    console.print(f"proposed roster: {proposed_path}")
    if not write:
        if diff.changes:
            console.print(f"rosters/ unchanged; run again with --write to update {roster_path}")
        return
    if diff.conflicts:
        raise UserError(
            f"{roster_path} not changed: {len(diff.conflicts)} SIS id(s) are shared by two "
            "Canvas students (listed above); fix them in Canvas, then run --write again"
        )
    if not diff.changes:
        console.print(f"{roster_path} already matches Canvas; nothing written")
        return
    if git_state(roster_path) is GitState.TRACKED:
        raise UserError(
            f"{roster_path}: git tracks this file, so the real roster would be committed "
            f"(FERPA); set course.roster in schedule.yaml to a new file in rosters/ (git-ignored), "
            f"e.g. copy {proposed_path} to rosters/roster.csv"
        )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = roster_path.with_name(f"{roster_path.stem}.{stamp}.bak{roster_path.suffix}")
    atomic_write_bytes(backup, roster_path.read_bytes(), private=True)
    atomic_write_text(roster_path, text, private=True)
    console.print(f"updated {roster_path} (previous version: {backup})")
    missing_github = sum(1 for s in diff.proposed if not s.github)
    if missing_github:
        console.print(
            f"{missing_github} student(s) have no GitHub name yet: fill in the github column "
            f"of {roster_path}, then run coursectl validate"
        )


# ---------------------------------------------------------------------------- link


def _parse_sets(values: list[str]) -> dict[str, str]:
    from coursectl.errors import UserError

    given: dict[str, str] = {}
    for value in values:
        deliverable, sep, target = value.partition("=")
        if not sep or not deliverable.strip() or not target.strip():
            raise UserError(
                f"--set '{value}': write DELIVERABLE=CANVAS_ID or DELIVERABLE='Canvas title', "
                "e.g. --set pp1=510001"
            )
        given[deliverable.strip()] = target.strip()
    return given


@report_user_errors
def link(
    course: CourseDir = Path("."),
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Link one grade item by hand: DELIVERABLE=CANVAS_ID or DELIVERABLE=TITLE "
            "(repeatable).",
            show_default=False,
        ),
    ] = None,
    dry_run: DryRunOption = False,
) -> None:
    """Link the grade items to Canvas assignments and write their ids to the grading policy.

    Each grade item keeps the Canvas id in gradebook.canvas_ids of rubrics/grading-policy.yaml
    while Canvas has it; otherwise it is linked to the one assignment with its title. The file
    is edited in place (comments and layout kept). Nothing is created on Canvas: exit 1 while
    an item has no assignment, so an import never makes new, empty ones.

    Example: coursectl canvas link --set final-project="Final Project Report"
    """
    from rich.console import Console
    from rich.table import Table

    from coursectl.course import load_course
    from coursectl.course.loading import POLICY_FILE
    from coursectl.errors import UserError
    from coursectl.files import atomic_write_text
    from coursectl.gradebook.compute import expand_items
    from coursectl.platforms.canvas_sync import plan_links
    from coursectl.platforms.policy_edit import set_canvas_ids

    loaded = load_course(course, roster=False)  # links name no students
    if loaded.policy is None:
        raise UserError(f"rubrics/{POLICY_FILE}: no grading policy; create it first")
    items = [(i.deliverable.id, i.deliverable.title) for i in expand_items(loaded)]
    given = _parse_sets(set_ or [])
    unknown = sorted(set(given) - {d for d, _ in items})
    if unknown:
        raise UserError(
            f"--set {unknown[0]}: not a grade item of rubrics/{POLICY_FILE}; use one of "
            + ", ".join(d for d, _ in items)
        )
    client = _connect(loaded)
    plan = plan_links(items, loaded.policy.gradebook.canvas_ids, client.assignments(), given)
    console = Console(markup=False)
    table = Table(title=f"Grade items vs Canvas course {client.course_id}", title_justify="left")
    for column in ("grade item", "Canvas assignment", "how", "was"):
        table.add_column(column, overflow="fold")
    for k in plan.links:
        shown = f"{k.assignment.id} {k.assignment.title}" if k.assignment else "-"
        table.add_row(k.deliverable, shown, k.how, k.previous or "")
    console.print(table)
    for k in plan.links:
        if k.note:
            console.print(f"{'warning' if k.assignment else 'unlinked'}: {k.deliverable}: {k.note}")
    for a in plan.unused:
        console.print(f"not linked: Canvas assignment {a.id} '{a.title}'")
    policy_path = loaded.path("rubrics") / POLICY_FILE
    changes = plan.changes
    if changes:
        text = policy_path.read_text(encoding="utf-8")
        new = set_canvas_ids(text, changes, str(policy_path))
        for deliverable, canvas_id in changes.items():
            console.print(f"canvas_ids.{deliverable}: {canvas_id}")
        if dry_run:
            console.print(f"--dry-run: {policy_path} unchanged ({len(changes)} id(s) to write)")
        else:
            atomic_write_text(policy_path, new)
            console.print(f"wrote {len(changes)} Canvas id(s) to {policy_path}")
    else:
        console.print(f"{policy_path} already has every id Canvas can link; nothing written")
    console.print(f"{len(plan.links) - len(plan.unlinked)} linked, {len(plan.unlinked)} unlinked")
    if plan.unlinked:
        raise typer.Exit(1)


# ---------------------------------------------------------------------------- push


@report_user_errors
def push(
    course: CourseDir = Path("."),
    inputs: Annotated[
        Path | None,
        typer.Option(
            "--inputs",
            help="Compute the gradebook from this one folder (as `gradebook --inputs`).",
            show_default=False,
        ),
    ] = None,
    dry_run: DryRunOption = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Also overwrite grades that were changed in Canvas by hand."),
    ] = False,
) -> None:
    """Post the gradebook's scores to the linked Canvas assignments; only changed grades.

    Scores are the Canvas import's: points to 2 decimals, excused as excused, nothing posted
    for an item without data. A grade set in Canvas by hand (not the one coursectl last wrote
    there) is listed and kept unless --force. Every push is recorded in grades/canvas-push.json
    (git-ignored), so running it again writes nothing.

    Example: coursectl canvas push --dry-run
    """
    from rich.console import Console
    from rich.table import Table

    from coursectl.errors import Problem, UserError
    from coursectl.files import atomic_write_text
    from coursectl.gradebook.canvas_scores import canvas_cells
    from coursectl.gradebook.compute import gradebook_for
    from coursectl.platforms.canvas_sync import match_students, plan_push, read_record, write_record

    book = gradebook_for(course, inputs)
    loaded = book.course
    canvas_ids = loaded.policy.gradebook.canvas_ids if loaded.policy else {}
    if not canvas_ids:
        raise UserError(
            "rubrics/grading-policy.yaml: no gradebook.canvas_ids; run coursectl canvas link first"
        )
    client = _connect(loaded)
    ours, points = canvas_cells(book)
    assignments = {a.id: a for a in client.assignments()}
    stale = sorted(d for d, cid in canvas_ids.items() if d in ours and cid not in assignments)
    if stale:
        raise UserError(
            f"rubrics/grading-policy.yaml: canvas_ids.{stale[0]} is {canvas_ids[stale[0]]}, "
            "which Canvas does not have; run coursectl canvas link"
        )
    links = {d: assignments[cid] for d, cid in canvas_ids.items() if d in ours}
    on_canvas = match_students(loaded.students, client.students())
    held = {a.id: client.grades(a.id) for a in links.values()}
    record_path = loaded.path(str(PUSH_RECORD))
    record_text = record_path.read_text(encoding="utf-8") if record_path.exists() else None
    try:
        record = read_record(record_text, f"{client.url} {client.course_id}")
    except ValueError:
        raise UserError(
            f"{record_path}: not a push record coursectl can read; move it away and push again"
        ) from None
    plan = plan_push(loaded.students, ours, points, links, on_canvas, held, record, force)
    if plan.problems:
        raise UserError([Problem("", None, None, line) for line in plan.problems])
    console = Console(markup=False)
    if plan.changes:
        table = Table(title=f"Grades vs Canvas course {client.course_id}", title_justify="left")
        for column in ("grade item", "sid", "name", "Canvas", "gradebook", ""):
            table.add_column(column, overflow="fold")
        for c in plan.changes:
            shown = "kept: " + c.why if c.status == "hand-edited" else ""
            table.add_row(c.deliverable, c.sid, c.name, c.canvas or "-", c.ours, shown)
        console.print(table)
    for deliverable in plan.unlinked:
        console.print(f"not linked: {deliverable} (run coursectl canvas link)")
    if plan.not_on_canvas:
        console.print(
            f"warning: {len(plan.not_on_canvas)} roster student(s) not in the Canvas course: "
            + ", ".join(plan.not_on_canvas[:10])
        )
    writes = plan.to_write
    kept = plan.hand_edited
    summary = f"{len(writes)} grade(s) to write, {len(plan.agreed)} already in Canvas"
    if kept:
        summary += f", {len(kept)} changed in Canvas by hand kept (--force overwrites them)"
    console.print(summary)
    if dry_run:
        console.print("--dry-run: nothing written to Canvas")
        return
    by_assignment: dict[str, list[tuple[str, str]]] = {}
    for c in writes:
        by_assignment.setdefault(c.assignment.id, []).append((c.user_id, c.ours))
    for assignment_id, user_id, cell in plan.agreed:
        record.remember(assignment_id, user_id, cell)
    sent = 0
    try:
        for assignment_id, cells in by_assignment.items():
            client.post(assignment_id, cells)
            sent += len(cells)
            for user_id, cell in cells:
                record.remember(assignment_id, user_id, cell)
    finally:  # what reached Canvas is recorded even when a later assignment fails
        if writes or plan.agreed:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            record.pushes.append({"at": stamp, "written": sent})
            atomic_write_text(record_path, write_record(record_text, record), private=True)
    console.print(f"wrote {len(writes)} grade(s) to Canvas; record: {record_path}")
    if kept:
        raise typer.Exit(1)


app.command("roster")(roster)
app.command("link")(link)
app.command("push")(push)
