"""Writing the gradebook's files atomically, and knowing whether git would publish them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from coursectl.atomic import atomic_write_text
from coursectl.errors import Problem, UserError
from coursectl.gradebook.compute import Gradebook
from coursectl.gradebook.render import canvas_csv, gradebook_csv

GRADEBOOK_FILE = "gradebook.csv"
CANVAS_FILE = "gradebook-canvas.csv"


class GitState(Enum):
    TRACKED = "tracked"  # committed or staged: grades would go into history
    NOT_IGNORED = "not-ignored"  # `git add .` would pick it up
    IGNORED = "ignored"
    NO_GIT = "no-git"


def git_state(path: Path) -> GitState:
    """What git would do with `path` (which may not exist yet)."""
    folder = path.parent if path.parent.exists() else Path.cwd()
    try:
        inside = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            text=True,
            check=False,
        )
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return GitState.NO_GIT
        absolute = str(path.resolve())
        tracked = subprocess.run(
            ["git", "-C", str(folder), "ls-files", "--error-unmatch", absolute],
            capture_output=True,
            check=False,
        )
        if tracked.returncode == 0:
            return GitState.TRACKED
        ignored = subprocess.run(
            ["git", "-C", str(folder), "check-ignore", "-q", "--no-index", absolute],
            capture_output=True,
            check=False,
        )
        return GitState.IGNORED if ignored.returncode == 0 else GitState.NOT_IGNORED
    except OSError:  # git not installed
        return GitState.NO_GIT


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
        atomic_write_text(item.path, item.text)
    return [p.path for p in planned]
