"""`coursectl check-reflections`: is each student's weekly reflection there, on time and in range?"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coursectl.commands._common import CourseDir, report_user_errors

if TYPE_CHECKING:  # imported for real inside the command: `coursectl --help` stays light
    from rich.console import Console

    from coursectl.course import Course
    from coursectl.course.model import ReflectionDeliverable, WordRange
    from coursectl.reflections.check import ReflectionReport
    from coursectl.reflections.source import RepoFetch, RepoRequest

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
        str, typer.Option("--source", "-s", help="Where to read: github, or local (then give DIR).")
    ] = "github",
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="table, csv or json (default: table, or what --out's suffix says).",
            show_default=False,
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
    from coursectl.commands.reflection_sources import make_source
    from coursectl.course import load_course
    from coursectl.errors import UserError
    from coursectl.reflections.check import STATUSES, check_reflections, find_reflection
    from coursectl.reflections.source import SourceOptions

    if comment and source != "github":
        raise UserError("--comment opens issues on GitHub; use it with --source github")
    if out is not None and str(out) == "-":  # standard output, as `calendar --out -`
        out = None
        if output_format is None:
            raise UserError("--out -: say --format csv or --format json")
    fmt = _resolve_format(output_format, out)
    failing = _parse_fail_on(fail_on, STATUSES)
    loaded = load_course(course)
    schedule = loaded.schedule
    deliverable = find_reflection(schedule.deliverables, which)
    if out is not None and out.exists() and not force:
        _refuse_to_replace(out, deliverable.id)
    if comment:
        from coursectl.reflections.check import cutoff_of

        cutoff = cutoff_of(deliverable, loaded.policy)
        if datetime.now(cutoff.tzinfo) < cutoff:
            raise UserError(
                f"--comment: the deadline ({cutoff:%a %b %d %H:%M %Z} with grace) has not "
                "passed; students may still be working. Run it after the deadline"
            )
    github = schedule.course.github
    options = SourceOptions(
        local_dir=folder,
        use_mtime=use_mtime,
        api_url=api_url or (github.api_url if github else None),
        cache_dir=loaded.root / ".coursectl" / "cache",
        settled=lambda snapshot: _in_range(snapshot.content, deliverable.words),
    )
    reflection_source = make_source(source, options)

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    err = Console(stderr=True)
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
        task = bar.add_task("fetch", total=sum(1 for s in loaded.students if s.github.strip()))

        def fetch(requests: Sequence[RepoRequest], cutoff: datetime) -> list[RepoFetch]:
            return reflection_source.fetch(requests, cutoff, lambda n: bar.advance(task, n))

        report = check_reflections(
            loaded.students, deliverable, github.org if github else None, fetch, loaded.policy
        )

    from coursectl.reflections.report import grace_note, times_note, to_csv, to_json

    zone = schedule.tz
    if fmt == "table":
        _print_table(report, zone, source)
    else:
        text = to_csv(report, zone) if fmt == "csv" else to_json(report, zone, source)
        if out is None:
            typer.echo(text, nl=False)
        else:
            from coursectl.files import GitState, atomic_write_text, extension_warning, git_state

            warning = extension_warning(out, fmt)  # JSON into week-07.csv, as render warns
            if warning:
                err.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)
            atomic_write_text(out, text, private=True)  # names students (FERPA)
            summary = ", ".join(f"{n} {s}" for s, n in report.counts().items())
            err.print(f"wrote {len(report.records)} students to {out} ({summary})")
            if git_state(out) in (GitState.TRACKED, GitState.NOT_IGNORED):
                # The file names students and their statuses (FERPA), as the gradebook warns.
                err.print(
                    f"warning: {out}: not git-ignored; student results here could be committed "
                    "(FERPA): add it to .gitignore or write to grades/reflections/",
                    highlight=False,
                )
            err.print(f"times: {times_note(report)}", highlight=False)
            err.print(f"on time: {grace_note(report, zone)}", highlight=False)

    for warning in getattr(reflection_source, "warnings", []):
        err.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)
    # How the source spent rate limit where it could not re-check for free (GitHub).
    for note in getattr(reflection_source, "notes", []):
        err.print(f"note: {note}", highlight=False)
    if comment:
        _comment(loaded, deliverable, report, options.api_url, err)

    if datetime.now(zone) < report.cutoff:
        err.print(
            f"note: the deadline ({report.cutoff:%a %b %d %H:%M %Z} with grace) has not passed; "
            "missing may mean not yet submitted"
        )
    hits = [r for r in report.records if r.status in failing]
    if hits:
        statuses = ", ".join(sorted({r.status for r in hits}))
        err.print(f"--fail-on: {len(hits)} student(s) with {statuses}")
        raise typer.Exit(FAIL_ON_EXIT)


def _refuse_to_replace(out: Path, deliverable_id: str) -> None:
    """A re-run may replace its own week's report; anything else needs --force."""
    from coursectl.errors import UserError
    from coursectl.reflections.report import UNKNOWN_WEEK, report_deliverable

    found = None if out.is_dir() else report_deliverable(out.read_text("utf-8", "replace"))
    if found is None:
        raise UserError(
            f"{out}: already exists and is not a check-reflections report; "
            "add --force to overwrite it"
        )
    if found == UNKNOWN_WEEK:
        raise UserError(
            f"{out}: already holds a check-reflections report that does not say which week it "
            f"is (written by an older coursectl); add --force to replace it with {deliverable_id}"
        )
    if found != deliverable_id:
        raise UserError(
            f"{out}: holds the report for '{found}', not '{deliverable_id}'; write to another "
            "file (e.g. grades/reflections/<week file>.csv) or add --force to replace it"
        )


def _in_range(content: bytes, words: WordRange) -> bool:
    """An on-time version within the word range is graded ok whatever comes later."""
    from coursectl.reflections.check import read_reflection

    count = read_reflection(content).words
    return count is not None and count > 0 and words.min <= count <= words.max


def _comment(
    loaded: Course,
    deliverable: ReflectionDeliverable,
    report: ReflectionReport,
    api_url: str | None,
    err: Console,
) -> None:
    """Open the feedback issues, recording each one as soon as it is open."""
    import json

    from coursectl.files import atomic_write_text
    from coursectl.integrations.github import (
        IssueResult,
        make_feedback_client,
        open_feedback_issues,
    )
    from coursectl.reflections.check import plan_requests
    from coursectl.reflections.feedback import RECORD, TEMPLATE, load_record, plan_feedback

    github = loaded.schedule.course.github
    requests, _ = plan_requests(loaded.students, deliverable, github.org if github else None)
    record_path = loaded.root / RECORD
    record = load_record(record_path)
    already = record.get(deliverable.id, {})
    planned = plan_feedback(
        report,
        loaded.students,
        deliverable,
        {r.sid: r.repo for r in requests},
        loaded.root / TEMPLATE,
        {"course": loaded.schedule.course},
        already,
    )

    def remember(result: IssueResult) -> None:
        record.setdefault(deliverable.id, {})[result.github] = {
            "repo": result.repo,
            "number": result.number,
            "url": result.url,
            "how": result.outcome,
        }
        atomic_write_text(
            record_path, json.dumps(record, indent=2, sort_keys=True) + "\n", private=True
        )

    results = (
        open_feedback_issues(make_feedback_client(api_url), planned, remember) if planned else []
    )
    opened = sum(r.outcome == "opened" for r in results)
    there = sum(r.outcome == "already-there" for r in results)
    failed = [r for r in results if r.outcome == "failed"]
    err.print(
        f"feedback issues: {opened} opened, {there} already on GitHub, "
        f"{len(already)} written to before, {len(failed)} failed",
        highlight=False,
    )
    for result in failed:
        err.print(
            f"  {result.github} ({result.repo}): {result.reason}", highlight=False, markup=False
        )


def _resolve_format(output_format: str | None, out: Path | None) -> str:
    from coursectl.errors import UserError

    fmt = output_format
    if fmt is None:
        suffix = out.suffix.lower().lstrip(".") if out is not None else ""
        fmt = suffix if suffix in ("csv", "json") else ("table" if out is None else "")
        if not fmt:
            raise UserError(
                f"--out {out}: say --format csv or --format json (or name it .csv/.json)"
            )
    fmt = fmt.lower()
    if fmt not in ("table", "csv", "json"):
        raise UserError(f"--format {output_format}: use table, csv or json")
    if fmt == "table" and out is not None:
        raise UserError("--out writes csv or json; add --format csv or --format json")
    return fmt


def _parse_fail_on(text: str | None, statuses: tuple[str, ...]) -> set[str]:
    from coursectl.errors import UserError

    if not text:
        return set()
    wanted = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(statuses))
    if unknown:
        raise UserError(
            f"--fail-on {','.join(unknown)}: unknown status; use any of {','.join(statuses)}"
        )
    return wanted


def _print_table(report: ReflectionReport, zone: tzinfo, source: str) -> None:
    """The table a TA reads; sized for an 80-column terminal (empty columns are left out)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from coursectl.reflections.check import format_duration
    from coursectl.reflections.report import grace_note, times_note

    grace = report.grace.minutes
    table = Table(
        title=f"{report.title} ({report.deliverable_id}), due "
        f"{report.due.astimezone(zone):%a %b %d %H:%M %Z}"
        + (f" + {grace} min grace" if grace else "")
        + f", {report.words.min}–{report.words.max} words, source: {source}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    records = report.records
    show_time = any(r.submitted_at for r in records)
    show_late = any(r.late_by is not None for r in records)
    show_commit = any(r.commit for r in records)

    # A TA copies sids and statuses from here: those columns are never cut (min_width at
    # their longest value); logins and the note fold onto more lines when 80 columns are tight.
    def widest(header: str, cells: list[str]) -> int:
        return max([len(header), *map(len, cells)])

    table.add_column("sid", no_wrap=True, min_width=widest("sid", [r.sid for r in records]))
    table.add_column("github", overflow="fold")
    table.add_column(
        "status", no_wrap=True, min_width=widest("status", [r.status for r in records])
    )
    table.add_column("words", justify="right", no_wrap=True, min_width=5)
    if show_time:
        table.add_column("submitted", overflow="fold")
    if show_late:
        late = [format_duration(r.late_by) for r in records if r.late_by is not None]
        table.add_column("late by", justify="right", no_wrap=True, min_width=widest("", late))
    if show_commit:
        table.add_column("commit", style="dim", no_wrap=True, min_width=7)
    table.add_column("note", overflow="fold", ratio=1, min_width=10)
    for record in records:
        style = STATUS_STYLES.get(record.status, "")
        row = [
            record.sid,
            record.github,
            f"[{style}]{record.status}[/]" if style else record.status,
            "" if record.words is None else str(record.words),
        ]
        if show_time:
            row.append(
                f"{record.submitted_at.astimezone(zone):%b %d %H:%M}" if record.submitted_at else ""
            )
        if show_late:
            row.append(format_duration(record.late_by) if record.late_by is not None else "")
        if show_commit:
            row.append(record.commit[:7])
        row.append(record.reason)
        table.add_row(*row)
    console = Console()
    console.print(table)
    console.print(
        "  ".join(f"[{STATUS_STYLES.get(s, '')}]{s}[/] {n}" for s, n in report.counts().items())
    )
    console.print(f"times: {times_note(report)}", highlight=False)
    console.print(f"on time: {grace_note(report, zone)}", highlight=False)
