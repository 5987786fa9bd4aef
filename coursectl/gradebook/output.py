"""Writing the gradebook's files atomically, and knowing whether git would publish them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coursectl.atomic import atomic_write_text
from coursectl.errors import Problem, UserError
from coursectl.gitstate import GitState, git_state
from coursectl.gradebook.compute import Gradebook
from coursectl.gradebook.render import canvas_csv, gradebook_csv

GRADEBOOK_FILE = "gradebook.csv"
CANVAS_FILE = "gradebook-canvas.csv"


@dataclass(frozen=True)
class Planned:
    path: Path
    text: str
    git: GitState


def plan_outputs(book: Gradebook, out_dir: Path, formats: list[str]) -> list[Planned]:
    """Render every requested output (nothing written yet)."""
    planned: list[Planned] = []
    if "csv" in formats:
        path = out_dir / GRADEBOOK_FILE
        planned.append(Planned(path, gradebook_csv(book), git_state(path)))
    if "canvas" in formats:
        path = out_dir / CANVAS_FILE
        planned.append(Planned(path, canvas_csv(book), git_state(path)))
    return planned


def write_outputs(planned: list[Planned], force: bool) -> list[Path]:
    """Write all files, or none when one would land in a file git tracks (unless forced)."""
    tracked = [p for p in planned if p.git is GitState.TRACKED]
    if tracked and not force:
        raise UserError(
            [
                Problem(
                    str(p.path),
                    None,
                    None,
                    "git tracks this file: grades written here would be committed (FERPA); "
                    "write to grades/ (git-ignored) with --out, or pass --force",
                )
                for p in tracked
            ]
        )
    for item in planned:
        atomic_write_text(item.path, item.text, private=True)  # grades: FERPA
    return [p.path for p in planned]
