"""The demo: a copy of a course's input files in a folder of its own, and the weekly job a TA
runs on it, as command lines.

The copy keeps the course folder clean (the job writes build/, reviews/ and grades/) and lets
the demo run again from scratch. Only inputs are copied; real rosters other than the one the
schedule names stay where they are.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from coursectl.errors import UserError

# The folders the weekly job reads besides schedule.yaml and the roster (a folder that is
# missing is skipped: a course need not have sample submissions).
INPUT_FOLDERS = ("rubrics", "templates", "samples", "exports/sample")

# A file the demo leaves in its folder, so that --force only ever replaces a demo folder.
MARKER = ".coursectl-demo"

# The weekly job on the shipped course (LLM 101, Spring 2026, week 7), in the order a TA runs
# it; each runs offline on the demo folder's copies.
WEEKLY_JOB: tuple[tuple[str, ...], ...] = (
    ("validate",),
    ("deadlines", "--week", "7", "--now", "Tue 2026-03-03 12:00"),
    ("calendar", "--all"),
    ("check-reflections", "7", "--source", "local", "samples/reflections"),
    (
        "assign-reviews",
        "pp1-peer-reviews",
        "--submitted",
        "samples/pp1-submitted.txt",
        "--seed",
        "7",
    ),
    ("render", "week", "7", "--out", "build/week-07.html"),
    ("gradebook", "--inputs", "exports/sample", "--files", "both"),
    ("gradebook", "explain", "9100038", "--inputs", "exports/sample"),
)


def prepare_demo_folder(course: Path, roster: str, dest: Path, *, force: bool = False) -> None:
    """Copy `course`'s inputs (schedule.yaml, the roster file `roster`, INPUT_FOLDERS) into
    `dest`, a new or empty folder, or an earlier demo folder when `force`."""
    schedule = course / "schedule.yaml"
    if not schedule.is_file():
        raise UserError(
            f"{schedule}: no such file; run the demo in the coursectl folder "
            "(the shipped course) or pass --course DIR"
        )
    target = dest.resolve()
    inputs = [course.resolve(), *((course / folder).resolve() for folder in INPUT_FOLDERS)]
    if any(folder == target or folder in target.parents for folder in inputs[1:]) or (
        target == inputs[0]
    ):
        raise UserError(f"{dest}: is (inside) the course's input files; choose another --out")
    if dest.exists() and not dest.is_dir():
        raise UserError(f"{dest}: is a file; choose another --out folder")
    if dest.is_dir() and any(dest.iterdir()):
        if not (dest / MARKER).is_file():
            raise UserError(
                f"{dest}: folder is not empty and is not a coursectl demo; choose another --out"
            )
        if not force:
            raise UserError(
                f"{dest}: holds an earlier demo; pass --force to replace it, or choose another --out"
            )
        shutil.rmtree(dest)
    dest.mkdir(parents=True, exist_ok=True)
    (dest / MARKER).write_text(
        "A coursectl demo folder: `coursectl demo --force` replaces it.\n", encoding="utf-8"
    )
    shutil.copy2(schedule, dest / "schedule.yaml")
    roster_file = course / roster
    if roster_file.is_file():
        (dest / roster).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(roster_file, dest / roster)
    for folder in INPUT_FOLDERS:
        if (course / folder).is_dir():
            shutil.copytree(course / folder, dest / folder, ignore=_not_inputs)


def _not_inputs(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name in {"__pycache__", ".git"} or name.endswith(".py")]
