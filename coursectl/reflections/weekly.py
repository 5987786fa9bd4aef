"""One run of `coursectl check-reflections`: its options checked, the week's report made and
written. Plain functions: no printing, no network (the source is handed in by the command,
which also prints whatever these return).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from coursectl.course.loading import Course
from coursectl.course.model import ReflectionDeliverable, WordRange
from coursectl.errors import UserError
from coursectl.reflections.check import (
    STATUSES,
    ReflectionReport,
    check_reflections,
    cutoff_of,
    find_reflection,
    format_duration,
    read_reflection,
)
from coursectl.reflections.report import (
    UNKNOWN_WEEK,
    grace_note,
    report_deliverable,
    times_note,
    to_csv,
    to_json,
)
from coursectl.reflections.source import FileSnapshot, ReflectionSource, SourceOptions

FORMATS = ("table", "csv", "json")

# Always shown in the table, even when empty; other columns only when some row has a value.
TABLE_KEEPS = ("sid", "github", "status", "words")


def parse_statuses(option: str, text: str | None) -> set[str]:
    """`--fail-on`/`--status` "too-short,missing" as a set; a one-line error for a typo."""
    if not text:
        return set()
    wanted = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(STATUSES))
    if unknown:
        raise UserError(
            f"{option} {','.join(unknown)}: unknown status; use any of {','.join(STATUSES)}"
        )
    return wanted


def resolve_format(output_format: str | None, out: Path | None) -> str:
    """table, csv or json from --format, else from --out's suffix (table without --out)."""
    fmt = output_format
    if fmt is None:
        suffix = out.suffix.lower().lstrip(".") if out is not None else ""
        fmt = suffix if suffix in ("csv", "json") else ("table" if out is None else "")
        if not fmt:
            raise UserError(
                f"--out {out}: say --format csv or --format json (or name it .csv/.json)"
            )
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UserError(f"--format {output_format}: use table, csv or json")
    if fmt == "table" and out is not None:
        raise UserError("--out writes csv or json; add --format csv or --format json")
    return fmt


def refuse_to_replace(out: Path, deliverable_id: str) -> None:
    """A re-run may replace its own week's report; anything else needs --force."""
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


def in_range(content: bytes, words: WordRange) -> bool:
    """An on-time version within the word range is graded ok whatever comes later."""
    count = read_reflection(content).words
    return count is not None and count > 0 and words.min <= count <= words.max


@dataclass(frozen=True)
class CheckRun:
    """What the command asked for, checked against the course before anything is fetched."""

    course: Course
    deliverable: ReflectionDeliverable
    source: str  # "github" or "local"
    fmt: str  # table, csv or json
    out: Path | None  # None: standard output
    failing: set[str]  # --fail-on
    shown: set[str]  # --status (empty: every status)
    sources: SourceOptions

    def check(
        self, fetch_from: ReflectionSource, progress: Callable[[int], None]
    ) -> ReflectionReport:
        """Fetch every student's file through the source and judge it, in roster order."""
        github = self.course.schedule.course.github
        return check_reflections(
            self.course.students,
            self.deliverable,
            github.org if github else None,
            lambda requests, cutoff: fetch_from.fetch(requests, cutoff, progress),
            self.course.policy,
        )

    def text(self, report: ReflectionReport) -> str:
        """The csv or json report, complete (--status filters the table only)."""
        zone = self.course.schedule.tz
        return to_csv(report, zone) if self.fmt == "csv" else to_json(report, zone, self.source)

    def fetched(self) -> int:
        """How many students a source is asked about (those with a GitHub login)."""
        return sum(1 for s in self.course.students if s.github.strip())

    def table(self, report: ReflectionReport) -> ReportTable:
        """The rows --status keeps, as the table shows them (times in the course's zone)."""
        zone = self.course.schedule.tz
        grace = report.grace.minutes
        records = [r for r in report.records if not self.shown or r.status in self.shown]
        cells: dict[str, list[str]] = {
            "sid": [r.sid for r in records],
            "github": [r.github for r in records],
            "status": [r.status for r in records],
            "words": ["" if r.words is None else str(r.words) for r in records],
            "submitted": [
                f"{r.submitted_at.astimezone(zone):%b %d %H:%M}" if r.submitted_at else ""
                for r in records
            ],
            "late by": [
                format_duration(r.late_by) if r.late_by is not None else "" for r in records
            ],
            "commit": [r.commit[:7] for r in records],
        }
        filtered = len(records) < len(report.records)
        return ReportTable(
            title=f"{report.title} ({report.deliverable_id}), due "
            f"{report.due.astimezone(zone):%a %b %d %H:%M %Z}"
            + (f" + {grace} min grace" if grace else "")
            + f", {report.words.min}–{report.words.max} words, source: {self.source}",
            columns={n: v for n, v in cells.items() if n in TABLE_KEEPS or any(v)},
            notes=[r.reason for r in records],
            filtered=f"--status: {len(records)} of {len(report.records)} students shown"
            if filtered
            else "",
            footer=[f"times: {times_note(report)}", f"on time: {grace_note(report, zone)}"],
        )

    def closing(self, report: ReflectionReport, now: datetime) -> tuple[list[str], bool]:
        """The lines said after the report, and whether --fail-on matched."""
        said = []
        if now.astimezone(report.cutoff.tzinfo) < report.cutoff:
            said.append(
                f"note: the deadline ({report.cutoff:%a %b %d %H:%M %Z} with grace) has not "
                "passed; missing may mean not yet submitted"
            )
        hits = [r for r in report.records if r.status in self.failing]
        if hits:
            statuses = ", ".join(sorted({r.status for r in hits}))
            said.append(f"--fail-on: {len(hits)} student(s) with {statuses}")
        return said, bool(hits)


@dataclass(frozen=True)
class ReportTable:
    title: str
    columns: dict[str, list[str]]  # name -> one cell per row; empty columns left out
    notes: list[str]  # one per row: why that status
    filtered: str = ""  # what --status left out, when it did
    footer: list[str] = field(default_factory=list)


def plan_run(
    course: Course,
    which: str,
    *,
    folder: Path | None,
    source: str,
    output_format: str | None,
    out: Path | None,
    force: bool,
    fail_on: str | None,
    status: str | None,
    use_mtime: bool,
    api_url: str | None,
    comment: bool,
    now: Callable[[], datetime] = datetime.now,
) -> CheckRun:
    """Every option checked (one-line errors) before a request is made or a file written."""
    if comment and source != "github":
        raise UserError("--comment opens issues on GitHub; use it with --source github")
    if out is not None and str(out) == "-":  # standard output, as `calendar --out -`
        out = None
        if output_format is None:
            raise UserError("--out -: say --format csv or --format json")
    fmt = resolve_format(output_format, out)
    failing = parse_statuses("--fail-on", fail_on)
    shown = parse_statuses("--status", status)
    schedule = course.schedule
    deliverable = find_reflection(schedule.deliverables, which)
    if out is not None and out.exists() and not force:
        refuse_to_replace(out, deliverable.id)
    if comment:
        cutoff = cutoff_of(deliverable, course.policy)
        if now().astimezone(cutoff.tzinfo) < cutoff:
            raise UserError(
                f"--comment: the deadline ({cutoff:%a %b %d %H:%M %Z} with grace) has not "
                "passed; students may still be working. Run it after the deadline"
            )
    github = schedule.course.github

    def settled(snapshot: FileSnapshot) -> bool:
        return in_range(snapshot.content, deliverable.words)

    options = SourceOptions(
        local_dir=folder,
        use_mtime=use_mtime,
        api_url=api_url or (github.api_url if github else None),
        cache_dir=course.root / ".coursectl" / "cache",
        settled=settled,
    )
    return CheckRun(course, deliverable, source, fmt, out, failing, shown, options)


def write_report(run: CheckRun, report: ReflectionReport) -> list[str]:
    """Write the csv/json to --out (atomically, owner-only: it names students) and return the
    lines to tell the TA (warnings first)."""
    from coursectl.files import GitState, atomic_write_text, extension_warning, git_state
    from coursectl.reflections.report import grace_note, times_note

    assert run.out is not None
    said = []
    warning = extension_warning(run.out, run.fmt)  # JSON into week-07.csv, as render warns
    if warning:
        said.append(f"warning: {warning}")
    atomic_write_text(run.out, run.text(report), private=True)  # names students (FERPA)
    summary = ", ".join(f"{n} {s}" for s, n in report.counts().items())
    said.append(f"wrote {len(report.records)} students to {run.out} ({summary})")
    if git_state(run.out) in (GitState.TRACKED, GitState.NOT_IGNORED):
        # The file names students and their statuses (FERPA), as the gradebook warns.
        said.append(
            f"warning: {run.out}: not git-ignored; student results here could be committed "
            "(FERPA): add it to .gitignore or write to grades/reflections/"
        )
    zone = run.course.schedule.tz
    said.append(f"times: {times_note(report)}")
    said.append(f"on time: {grace_note(report, zone)}")
    return said
