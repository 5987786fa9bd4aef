"""What a round produces: the CSV (one row per review), one message per reviewer (messages.py)
and the manifest, written together so the folder never mixes two allocations."""

from __future__ import annotations

import os
import stat
import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from coursectl.course import Course
from coursectl.course.model import PeerReviewDeliverable
from coursectl.course.roster import Student
from coursectl.errors import UserError
from coursectl.files import Cell, atomic_write_text, check_target, csv_text, leftover_temp_files
from coursectl.reviews.manifest import Manifest, ManifestEvent, protect_folder
from coursectl.reviews.messages import messages_jsonl, pseudonym, render_messages

CSV_FILE = "reviews.csv"
MESSAGES_FILE = "messages.jsonl"
CSV_COLUMNS = (
    "assignment",
    "reviewer_sid",
    "reviewer_name",
    "reviewer_email",
    "author_sid",
    "author_name",
    "author_github",
    "link",
)
LINK_FIELDS = ("github", "sid", "org")


def write_outputs(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    manifest_file: Path,
    changes: Sequence[ManifestEvent],
    messages: bool = True,
    check: Callable[[Manifest], None] | None = None,
) -> list[Path]:
    """Write messages, CSV and (last, as the commitment) the manifest; return the paths.

    `check` is the independent validation of the allocation. It runs, and every output is
    rendered and written to a hidden staging file, before any file is replaced: a failed
    check, a template mistake or a write error leaves the previous round's files as they were.
    Without `messages`, an earlier messages file is removed: it would describe another
    allocation.
    """
    folder = manifest_file.parent
    protect_folder(folder.parent)
    students = _students(course, manifest)
    csv_path, messages_path = folder / CSV_FILE, folder / MESSAGES_FILE
    targets = [messages_path, csv_path, manifest_file]
    staged = {target: folder / f".{target.name}.staged" for target in targets}
    _remove_staged(staged.values())  # what a killed earlier run may have left
    for target in targets:
        check_target(target)  # a folder where a file belongs fails here, not mid-commit
    if check is not None:
        check(manifest)
    links = submission_links(course, deliverable, manifest, students)
    texts = {}
    if messages:
        updated = {sid for event in changes for sid in [*event.changed_reviewers, event.sid]}
        rendered = render_messages(course, deliverable, manifest, students, links, updated)
        texts[messages_path] = messages_jsonl(rendered)
    texts[csv_path] = render_csv(deliverable, manifest, students, links)
    texts[manifest_file] = manifest.to_json()
    try:
        for target, text in texts.items():
            with _naming(target):
                atomic_write_text(staged[target], text, private=True)  # names students (FERPA)
    except BaseException:
        _remove_staged(staged.values())
        raise
    with _signals_held():  # the commit: Ctrl-C waits the microseconds it takes
        if messages:
            _replace_keeping_mode(staged[messages_path], messages_path)
        else:
            messages_path.unlink(missing_ok=True)
        _replace_keeping_mode(staged[csv_path], csv_path)
        _replace_keeping_mode(staged[manifest_file], manifest_file)  # the commitment
    return [csv_path, *([messages_path] if messages else []), manifest_file]


def render_csv(
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    students: Mapping[str, Student],
    links: Mapping[str, str],
) -> str:
    """One row per review, reviewers in the manifest's order (the kernel's writer: names and
    logins that look like formulas are neutralised)."""
    rows: list[list[Cell]] = []
    for sid in manifest.students:
        reviewer = students[sid]
        for author_sid in manifest.allocation[sid]:
            author = students[author_sid]
            row: list[Cell] = [deliverable.id, sid, reviewer.name, reviewer.email]
            row += [author_sid, author.name, author.github, links[author_sid]]
            if manifest.anonymous:
                row.append(pseudonym(manifest.pseudonym_key, author_sid))
            rows.append(row)
    header = [*CSV_COLUMNS, "author_pseudonym"] if manifest.anonymous else list(CSV_COLUMNS)
    return csv_text(header, rows)


def check_link_pattern(course: Course, deliverable: PeerReviewDeliverable) -> None:
    pattern = deliverable.submission_link
    if not pattern:
        return
    try:
        parsed = [(name, spec) for _, name, spec, _ in string.Formatter().parse(pattern)]
        names = [name for name, _ in parsed if name is not None]
        if any("{" in (spec or "") for _, spec in parsed):
            raise ValueError("a field inside a format spec is not supported")
        # A spec or conversion str.format refuses fails here, not while filling in the links.
        if not set(names) - set(LINK_FIELDS):
            pattern.format(**dict.fromkeys(LINK_FIELDS, "x"))
    except ValueError as exc:
        raise UserError(
            f"schedule.yaml: '{deliverable.id}' submission_link '{pattern}': {exc}"
        ) from None
    unknown = [name for name in names if name not in LINK_FIELDS]
    if unknown:
        raise UserError(
            f"schedule.yaml: '{deliverable.id}' submission_link uses {{{unknown[0]}}}; "
            f"use {', '.join('{' + f + '}' for f in LINK_FIELDS)}"
        )
    if "org" in names and course.schedule.course.github is None:
        raise UserError(
            f"schedule.yaml: '{deliverable.id}' submission_link uses {{org}}; set course.github.org"
        )


def submission_links(
    course: Course,
    deliverable: PeerReviewDeliverable,
    manifest: Manifest,
    students: Mapping[str, Student],
) -> dict[str, str]:
    """Each taking-part student's submission link ("" when schedule.yaml gives no pattern)."""
    check_link_pattern(course, deliverable)
    pattern = deliverable.submission_link
    if not pattern:
        return dict.fromkeys(manifest.students, "")
    org = course.schedule.course.github.org if course.schedule.course.github else ""
    return {
        sid: pattern.format(github=students[sid].github, sid=sid, org=org)
        for sid in manifest.students
    }


def _students(course: Course, manifest: Manifest) -> dict[str, Student]:
    by_sid = {student.sid: student for student in course.students}
    missing = [sid for sid in manifest.students if sid not in by_sid]
    if missing:
        raise UserError(
            f"{', '.join(missing[:5])} in the allocation for '{manifest.deliverable}' "
            f"{'is' if len(missing) == 1 else 'are'} not in the roster; "
            f"--drop {missing[0]} or re-run with --force"
        )
    return by_sid


def _remove_staged(paths: Iterable[Path]) -> None:
    for path in paths:
        for leftover in leftover_temp_files(path):
            leftover.unlink(missing_ok=True)
        path.unlink(missing_ok=True)


@contextmanager
def _naming(target: Path) -> Iterator[None]:
    """Errors name the file the TA knows, not its hidden staging file."""
    try:
        yield
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror, str(target)) from None


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM for a few renames (delivered right after), where possible."""
    import signal
    import threading

    if (
        not hasattr(signal, "pthread_sigmask")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _replace_keeping_mode(staged: Path, target: Path) -> None:
    """Rename into place; a file the TA gave other permissions keeps them."""
    with suppress(FileNotFoundError):
        os.chmod(staged, stat.S_IMODE(target.stat().st_mode))
    os.replace(staged, target)
