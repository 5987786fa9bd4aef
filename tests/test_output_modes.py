"""File modes of outputs: files for students are readable as the umask allows, a replaced file
keeps its mode, and files naming students (grades, rosters) are private (0600) when new.

Each test sets the umask itself (a TA's is usually 022) and restores it afterwards.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.files import atomic_write_bytes, atomic_write_text


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def umask_027() -> Iterator[None]:
    previous = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_files_take_the_umask(tmp_path: Path, umask_022: None) -> None:
    atomic_write_text(tmp_path / "a.txt", "a\n")
    atomic_write_bytes(tmp_path / "b.bin", b"b")
    assert {p.name: oct(mode(p)) for p in tmp_path.iterdir()} == {
        "a.txt": "0o644",
        "b.bin": "0o644",
    }


def test_a_stricter_umask_is_respected(tmp_path: Path, umask_027: None) -> None:
    atomic_write_text(tmp_path / "a.txt", "a\n")
    assert oct(mode(tmp_path / "a.txt")) == "0o640"


def test_private_files_are_owner_only_when_new(tmp_path: Path, umask_022: None) -> None:
    atomic_write_text(tmp_path / "grades.csv", "sid\n", private=True)
    assert oct(mode(tmp_path / "grades.csv")) == "0o600"


def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    shared = tmp_path / "feed.ics"
    shared.write_text("old\n")
    shared.chmod(0o664)  # group-writable, as a TA set it up for the course staff
    atomic_write_text(shared, "new\n")
    assert (shared.read_text(), oct(mode(shared))) == ("new\n", "0o664")
    # A file the TA chose to open up stays so, even for a private output.
    opened = tmp_path / "gradebook.csv"
    opened.write_text("old\n")
    opened.chmod(0o640)
    atomic_write_text(opened, "new\n", private=True)
    assert oct(mode(opened)) == "0o640"


def test_no_temp_file_is_left(tmp_path: Path, umask_022: None) -> None:
    atomic_write_text(tmp_path / "a.txt", "a\n")
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_calendars_are_readable_by_everyone_under_umask_022(
    runner: CliRunner, course_dir: Path, umask_022: None
) -> None:
    result = runner.invoke(app, ["calendar", "--all", "--course", str(course_dir)])
    assert result.exit_code == 0, result.output
    feeds = sorted((course_dir / "build" / "calendar").glob("*.ics"))
    assert len(feeds) >= 3
    assert {p.name: oct(mode(p)) for p in feeds} == {p.name: "0o644" for p in feeds}


def test_rerendering_keeps_a_published_files_mode(
    runner: CliRunner, course_dir: Path, umask_022: None
) -> None:
    page = course_dir / "build" / "week-07.html"
    argv = ["render", "week", "7", "--course", str(course_dir), "--out", str(page)]
    assert runner.invoke(app, argv).exit_code == 0
    assert oct(mode(page)) == "0o644"
    page.chmod(0o604)  # what a web server needs, whatever the group
    assert runner.invoke(app, argv).exit_code == 0
    assert oct(mode(page)) == "0o604"


def test_gradebook_files_are_private_under_umask_022(
    runner: CliRunner, course_dir: Path, umask_022: None
) -> None:
    out = course_dir / "grades"
    result = runner.invoke(
        app,
        [
            "gradebook",
            "--course",
            str(course_dir),
            "--inputs",
            str(course_dir / "exports" / "sample"),
            "--out",
            str(out),
            "--format",
            "both",
        ],
    )
    assert result.exit_code == 0, result.output
    written = sorted(out.glob("*.csv"))
    assert [p.name for p in written] == ["gradebook-canvas.csv", "gradebook.csv"]
    assert {p.name: oct(mode(p)) for p in written} == {p.name: "0o600" for p in written}
