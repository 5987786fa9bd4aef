"""One gradebook run: building it, writing its files atomically, knowing whether git would
publish them, and refusing to replace a file coursectl did not write."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursectl.course.matching import NO_MATCH, RosterIndex
from coursectl.errors import Problem, UserError
from coursectl.files import GitState, atomic_write_text, git_state
from coursectl.gradebook.compute import Gradebook, gradebook_for
from coursectl.gradebook.sheets import STUDENT_COLUMNS, canvas_csv, explain, gradebook_csv

GRADEBOOK_FILE = "gradebook.csv"
CANVAS_FILE = "gradebook-canvas.csv"
FILE_NAMES: dict[str, str] = {"csv": GRADEBOOK_FILE, "canvas": CANVAS_FILE}
STDOUT = "-"
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
_GRADEBOOK_LAST_COLUMNS = ("total", "counted weight", "notes")
_HEAD_BYTES = 65536


@dataclass(frozen=True)
class Planned:
    path: Path
    text: str
    git: GitState


def output_paths(
    out: Path | None, default_folder: Path, formats: list[str], option: str = "--files"
) -> dict[str, Path | None]:
    """Where each format is written; None means standard output.

    --out is a folder, except: '-' is standard output, and a name ending in .csv (that is not
    an existing folder) is the file itself; both only when one format is written.
    """
    if out is None:
        return {fmt: default_folder / FILE_NAMES[fmt] for fmt in formats}
    single_file = str(out) == STDOUT or (out.suffix.lower() == ".csv" and not out.is_dir())
    if single_file and len(formats) > 1:
        written = " and ".join(FILE_NAMES[fmt] for fmt in formats)
        raise UserError(
            f"--out {out}: {option} both writes two files ({written}); give --out a folder"
        )
    if str(out) == STDOUT:
        return {formats[0]: None}
    if single_file:
        return {formats[0]: out}
    return {fmt: out / FILE_NAMES[fmt] for fmt in formats}


def render_output(book: Gradebook, fmt: str) -> str:
    """The text of one output format ('csv' or 'canvas')."""
    return canvas_csv(book) if fmt == "canvas" else gradebook_csv(book)


def _head_rows(path: Path) -> list[list[str]] | None:
    """The complete CSV rows in the first 64 KiB of `path`, or None when it cannot be read."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
            more = bool(handle.read(1))
    except OSError:
        return None
    text = head.decode("utf-8-sig", errors="replace")
    lines = text.split("\n")
    if more:
        lines = lines[:-1]  # cut in the middle
    try:
        return [row for row in csv.reader(io.StringIO("\n".join(lines))) if row]
    except csv.Error:
        return None


def written_by_us(path: Path) -> bool:
    """True when `path` holds an earlier gradebook output (safe to regenerate over).

    CSV has no room for a marker (a comment line would break Canvas's import), so the file is
    recognised by its header: gradebook.csv starts with the student columns and ends with
    total, counted weight, notes; the Canvas import has Canvas's columns, a Points Possible row
    and a blank Canvas ID on every student, which Canvas's own export always fills.
    """
    rows = _head_rows(path)
    if not rows:
        return False
    header = tuple(rows[0])
    if header[: len(STUDENT_COLUMNS)] == STUDENT_COLUMNS:
        return header[-len(_GRADEBOOK_LAST_COLUMNS) :] == _GRADEBOOK_LAST_COLUMNS
    if header[: len(CANVAS_COLUMNS)] == CANVAS_COLUMNS:
        return (
            len(rows) >= 2
            and rows[1][0].strip() == "Points Possible"
            and all(len(row) > 1 and row[1] == "" for row in rows[2:])
        )
    return False


def _replaceable(item: Planned) -> bool:
    path = item.path
    if not path.exists() or path.is_dir() or written_by_us(path):
        return True  # a folder is refused by the atomic write, naming it
    try:
        return path.read_bytes() == item.text.encode("utf-8")
    except OSError:
        return False


def _refused(planned: list[Planned]) -> list[Problem]:
    """Files that would land in a file git tracks or replace a file coursectl did not write."""
    refused = [
        Problem(
            str(p.path),
            None,
            None,
            "git tracks this file: grades written here would be committed (FERPA); "
            "write to grades/ (git-ignored) with --out, or pass --force",
        )
        for p in planned
        if p.git is GitState.TRACKED
    ]
    refused += [
        Problem(
            str(p.path),
            None,
            None,
            "exists and was not written by coursectl gradebook; pass --force to replace it",
        )
        for p in planned
        if p.git is not GitState.TRACKED and not _replaceable(p)
    ]
    return refused


@dataclass
class Outcome:
    """What one `coursectl gradebook` run did. When `refused` is not empty nothing was written."""

    book: Gradebook
    written: list[Path]
    not_ignored: list[Path]  # outputs git does not ignore (grades could be committed)
    refused: list[Problem]
    stdout: str  # the CSV asked for with --out -, else ""

    def summary(self) -> dict[str, Any]:
        """The run in numbers: what `--format json` prints and the table shows."""
        book = self.book
        return {
            "students": len(book.course.students),
            "items": len(book.items),
            "items_with_data": sum(1 for r in book.items if not all(r.state == "pending")),
            "warnings": [str(notice) for notice in book.notices],
            "unconfirmed": book.unconfirmed,
            "written": [str(path) for path in self.written],
        }


def make_gradebook(
    course_dir: Path,
    inputs: Path | None,
    out: Path | None,
    files: list[str],
    *,
    force: bool = False,
    strict: bool = False,
    option: str = "--files",
) -> Outcome:
    """Build the gradebook and write the files asked for ('csv', 'canvas') atomically: all of
    them, or none when one is refused (unless `force`). `out` as in `output_paths`; `option`
    names the files option in its messages."""
    targets = output_paths(out, course_dir / "grades", files, option)  # before the work
    book = gradebook_for(course_dir, inputs, strict)
    planned = [
        Planned(path, render_output(book, fmt), git_state(path))
        for fmt, path in targets.items()
        if path is not None
    ]
    not_ignored = [p.path for p in planned if p.git is GitState.NOT_IGNORED]
    refused = [] if force else _refused(planned)
    if refused:
        return Outcome(book, [], not_ignored, refused, "")
    for item in planned:
        atomic_write_text(item.path, item.text, private=True)  # grades: FERPA
    stdout = "".join(render_output(book, fmt) for fmt, path in targets.items() if path is None)
    return Outcome(book, [p.path for p in planned], not_ignored, [], stdout)


def explain_student(course_dir: Path, inputs: Path | None, student: str) -> tuple[Gradebook, str]:
    """The gradebook and how one student's numbers were computed (sid, email or GitHub name)."""
    book = gradebook_for(course_dir, inputs)
    policy = book.course.policy
    roster = RosterIndex.build(
        book.course.students, policy.gradebook.email_aliases if policy else []
    )
    position, _ = roster.match(student, student, student)
    if position == NO_MATCH:
        raise UserError(
            f"error: no roster student with sid, email or GitHub name '{student}'; check the roster"
        )
    return book, explain(book, position)
