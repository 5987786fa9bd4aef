"""Whether git would publish a file: outputs naming students must stay out of commits (FERPA).

A module of its own so that commands can ask without importing the gradebook (pandas).
"""

from __future__ import annotations

import subprocess
from enum import Enum
from pathlib import Path


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
