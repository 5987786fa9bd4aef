"""`coursectl demo`: the Quickstart's main job runs the weekly chain on a copy of the course."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course.demo import WEEKLY_JOB

REPO = Path(__file__).resolve().parent.parent


def _demo(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["demo", "--course", str(REPO), *args])
    return result.exit_code, result.stdout, result.stderr


def _tree(folder: Path) -> dict[str, int]:
    """Every file the course folder holds outside git's and the tools' own, with its mtime."""
    skip = {
        ".git",
        ".venv",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".hypothesis",
        "__pycache__",
    }
    return {
        str(path.relative_to(folder)): path.stat().st_mtime_ns
        for path in folder.rglob("*")
        if path.is_file() and not skip & set(path.relative_to(folder).parts)
    }


def test_demo_runs_the_weekly_job_and_leaves_its_outputs(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    here = Path.cwd()
    before = _tree(REPO)
    code, stdout, stderr = _demo("--out", str(out))
    assert code == 0, stderr
    assert Path.cwd() == here  # the demo changes into its folder and back
    # Every step is shown as the command a TA would type there, in order.
    shown = [line for line in stdout.splitlines() if line.startswith("$ coursectl ")]
    assert len(shown) == len(WEEKLY_JOB)
    assert shown[0] == "$ coursectl validate"
    assert "$ coursectl assign-reviews pp1-peer-reviews" in shown[4]
    # What a TA would open afterwards.
    calendars = sorted(p.name for p in (out / "build" / "calendar").glob("*.ics"))
    assert "llm-101-spring-2026-deadlines.ics" in calendars and len(calendars) == 6
    assert "BEGIN:VCALENDAR" in (out / "build/calendar/llm-101-spring-2026.ics").read_text()
    assert "Week 7" in (out / "build" / "week-07.html").read_text(encoding="utf-8")
    with (out / "reviews/pp1-peer-reviews/reviews.csv").open(encoding="utf-8") as handle:
        reviews = list(csv.DictReader(handle))
    assert reviews and all(row["reviewer_sid"] != row["author_sid"] for row in reviews)
    with (out / "grades" / "gradebook.csv").open(encoding="utf-8") as handle:
        grades = list(csv.DictReader(handle))
    assert len(grades) == 48  # the shipped synthetic roster
    assert "Total:" in stdout  # gradebook explain 9100038
    # The course folder itself is untouched (a Quickstart demo run there earlier too): outputs
    # went to the copy.
    assert _tree(REPO) == before


def test_demo_never_replaces_a_folder_it_did_not_make(tmp_path: Path) -> None:
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "todo.txt").write_text("keep me", encoding="utf-8")
    for extra in ([], ["--force"]):
        code, _, stderr = _demo("--out", str(mine), *extra)
        assert code == 1
        assert stderr.strip() == (
            f"error: {mine}: folder is not empty and is not a coursectl demo; choose another --out"
        )
    assert (mine / "todo.txt").read_text(encoding="utf-8") == "keep me"


def test_demo_runs_again_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert _demo("--out", str(out))[0] == 0
    (out / "build" / "stale.txt").write_text("from the first run", encoding="utf-8")
    code, _, stderr = _demo("--out", str(out))
    assert code == 1 and "holds an earlier demo; pass --force to replace it" in stderr
    assert (out / "build" / "stale.txt").exists()
    code, _, stderr = _demo("--out", str(out), "--force")
    assert code == 0, stderr
    assert not (out / "build" / "stale.txt").exists()  # a fresh copy, not a mix of two runs


def test_demo_stops_at_the_step_that_fails(tmp_path: Path) -> None:
    course = tmp_path / "course"
    course.mkdir()
    for name in ("schedule.yaml", "rosters", "rubrics", "templates", "exports"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, course / name)
        else:
            shutil.copy2(source, course / name)
    # No samples/ folder: the reflections step has no submissions to read.
    result = CliRunner().invoke(
        app, ["demo", "--course", str(course), "--out", str(tmp_path / "demo")]
    )
    assert result.exit_code == 1
    assert "demo stopped at step 4 of 8" in result.stderr
    assert "samples/reflections" in result.stderr
    assert "$ coursectl assign-reviews" not in result.stdout


def test_demo_needs_a_course(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--course", str(tmp_path), "--out", "x"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {tmp_path}/schedule.yaml")
