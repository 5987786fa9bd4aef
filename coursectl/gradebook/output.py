"""Writing the gradebook's files atomically, knowing whether git would publish them, and
refusing to replace a file coursectl did not write."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from coursectl.errors import Problem, UserError
from coursectl.files import GitState, atomic_write_text, git_state
from coursectl.gradebook.compute import Gradebook
from coursectl.gradebook.sheets import STUDENT_COLUMNS, canvas_csv, gradebook_csv

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
    out: Path | None, default_folder: Path, formats: list[str]
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
            f"--out {out}: --format both writes two files ({written}); give --out a folder"
        )
    if str(out) == STDOUT:
        return {formats[0]: None}
    if single_file:
        return {formats[0]: out}
    return {fmt: out / FILE_NAMES[fmt] for fmt in formats}


def render_output(book: Gradebook, fmt: str) -> str:
    """The text of one output format ('csv' or 'canvas')."""
    return canvas_csv(book) if fmt == "canvas" else gradebook_csv(book)


def plan_files(book: Gradebook, targets: Mapping[str, Path]) -> list[Planned]:
    """Render every requested output for its file (nothing written yet)."""
    return [
        Planned(path, render_output(book, fmt), git_state(path)) for fmt, path in targets.items()
    ]


def plan_outputs(book: Gradebook, out_dir: Path, formats: list[str]) -> list[Planned]:
    """Render every requested output into the folder `out_dir` (nothing written yet)."""
    return plan_files(book, {fmt: out_dir / FILE_NAMES[fmt] for fmt in formats})


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


def write_outputs(planned: list[Planned], force: bool) -> list[Path]:
    """Write all files, or none when one would land in a file git tracks or replace a file
    coursectl did not write (unless forced)."""
    if force:
        refused: list[Problem] = []
    else:
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
    if refused:
        raise UserError(refused)
    for item in planned:
        atomic_write_text(item.path, item.text, private=True)  # grades: FERPA
    return [p.path for p in planned]
