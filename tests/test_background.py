"""coursectl/background.py: a job in a forked child, its errors raised in the parent, and
assign-reviews writing the same messages whether or not they were written in a child."""

from __future__ import annotations

import errno
import os
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl import background
from coursectl.cli import app
from coursectl.errors import Problem, UserError
from coursectl.reviews import outputs

needs_fork = pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux")


@pytest.fixture(autouse=True)
def _forking_is_safe_here() -> None:
    """can_fork() also refuses while other threads run (earlier tests' servers may still be
    stopping): decide when the test runs, not when it is collected."""
    if sys.platform == "linux" and not background.can_fork():
        pytest.skip("other threads are running in this test process; forking is unsafe")


@needs_fork
def test_the_job_runs_in_another_process(tmp_path: Path) -> None:
    target = tmp_path / "pid.txt"
    job = background.start(
        lambda: target.write_text(str(os.getpid())), fork=True, cleanup=lambda: None
    )
    job.wait()
    assert int(target.read_text()) != os.getpid()


def test_without_fork_the_job_runs_at_once(tmp_path: Path) -> None:
    target = tmp_path / "pid.txt"
    background.start(lambda: target.write_text(str(os.getpid())), fork=False, cleanup=lambda: None)
    assert int(target.read_text()) == os.getpid()


@needs_fork
def test_a_user_error_in_the_child_is_raised_in_the_parent_as_it_was() -> None:
    def job() -> None:
        raise UserError(Problem("templates/review-message.md.j2", 3, None, "template error"), 2)

    pending = background.start(job, fork=True, cleanup=lambda: None)
    with pytest.raises(UserError) as caught:
        pending.wait()
    assert caught.value.lines() == ["templates/review-message.md.j2:3: template error"]
    assert caught.value.exit_code == 2


@needs_fork
def test_an_os_error_in_the_child_keeps_its_errno_and_file() -> None:
    def job() -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "reviews/messages.jsonl")

    pending = background.start(job, fork=True, cleanup=lambda: None)
    with pytest.raises(OSError) as caught:
        pending.wait()
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == "reviews/messages.jsonl"


@needs_fork
def test_cancel_stops_the_child_and_removes_its_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "messages.jsonl"
    started = tmp_path / ".messages.jsonl.abc123.tmp"

    def job() -> None:
        started.write_text("half a file")
        time.sleep(60)

    pending = background.start(job, fork=True, cleanup=background.remove_temp_files(target))
    deadline = time.monotonic() + 10
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert started.exists()
    begun = time.monotonic()
    pending.cancel()
    assert time.monotonic() - begun < 5
    assert not started.exists() and not target.exists()


def messages_of(runner: CliRunner, course: Path) -> bytes:
    result = runner.invoke(
        app, ["assign-reviews", "pp1-peer-reviews", "--seed", "11", "--course", str(course)]
    )
    assert result.exit_code == 0, result.stderr
    return (course / "reviews" / "pp1-peer-reviews" / "messages.jsonl").read_bytes()


@needs_fork
def test_messages_written_in_a_child_are_the_same_bytes(
    runner: CliRunner, course_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    other = tmp_path / "other-course"
    shutil.copytree(course_dir, other)
    in_parent = messages_of(runner, course_dir)
    monkeypatch.setattr(outputs, "BACKGROUND_MESSAGES_FROM", 0)  # the shipped 48 students fork
    in_child = messages_of(runner, other)
    assert in_child == in_parent and in_child.count(b"\n") == 48


@needs_fork
def test_a_template_mistake_in_the_child_is_one_line_and_writes_nothing(
    runner: CliRunner, course_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outputs, "BACKGROUND_MESSAGES_FROM", 0)
    (course_dir / "templates" / "review-message.md.j2").write_text("Hi {{ reviewer.name }\n")
    result = runner.invoke(app, ["assign-reviews", "pp1-peer-reviews", "--course", str(course_dir)])
    assert result.exit_code == 1
    assert "review-message.md.j2:1: template error" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    folder = course_dir / "reviews" / "pp1-peer-reviews"
    assert not (folder / "reviews.csv").exists() and not (folder / "manifest.json").exists()
    assert not list(course_dir.rglob(".*.tmp"))


@pytest.mark.parametrize("fork_from", [0, 10**9], ids=["forked", "in-process"])
def test_a_failed_check_replaces_nothing(
    runner: CliRunner, course_dir: Path, monkeypatch: pytest.MonkeyPatch, fork_from: int
) -> None:
    """The allocation check runs while the messages render; when it fails, the previous
    round's CSV, messages and manifest stay as they were and no staging file is left."""
    from coursectl.course import load_course
    from coursectl.reviews.assign import peer_review
    from coursectl.reviews.manifest import load_manifest, manifest_path

    messages_of(runner, course_dir)  # a first round, written normally
    folder = course_dir / "reviews" / "pp1-peer-reviews"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    monkeypatch.setattr(outputs, "BACKGROUND_MESSAGES_FROM", fork_from)
    course = load_course(course_dir)
    path = manifest_path(course_dir, "pp1-peer-reviews")
    manifest = load_manifest(path)
    manifest.seed += 1  # a different manifest, so a write would show

    def failing_check(positions: object) -> None:
        raise UserError("internal check failed for 'pp1-peer-reviews', nothing was written")

    with pytest.raises(UserError, match="nothing was written"):
        outputs.write_outputs(
            course,
            peer_review(course, "pp1-peer-reviews"),
            manifest,
            path,
            [],
            True,
            check=failing_check,
        )
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
