"""kill -9 in the middle of any writing command: the previous outputs stay readable and whole,
and the next run works (a killed run's temp files and lock break nothing).

Each command runs in its own process on a private course copy. It is killed with SIGKILL as
soon as one of its hidden temp files appears, then at several points of its usual run time;
after each kill every output is byte-identical to the previous run's (the inputs did not
change), except the review manifest, whose event times differ: it must parse and hold the
same allocation.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_gradescope_cli import EMAIL, PASSWORD, build_fake

MANIFEST = Path("reviews/pp1-peer-reviews/manifest.json")
CALENDARS = [
    Path(f"build/calendar/llm-101-spring-2026{suffix}.ics")
    for suffix in ("", "-deadlines", "-section-a", "-section-b", "-section-c", "-section-d")
]
COMMANDS: dict[str, tuple[list[str], list[Path]]] = {
    "gradebook": (
        ["gradebook", "--inputs", "exports/sample", "--out", "grades", "--files", "both"],
        [Path("grades/gradebook.csv"), Path("grades/gradebook-canvas.csv")],
    ),
    "assign-reviews": (
        [
            "assign-reviews",
            "pp1-peer-reviews",
            "--submitted",
            "samples/pp1-submitted.txt",
            "--seed",
            "7",
            "--force",
        ],
        [
            Path("reviews/pp1-peer-reviews/reviews.csv"),
            MANIFEST,
            Path("reviews/pp1-peer-reviews/messages.jsonl"),
        ],
    ),
    "check-reflections": (
        [
            "check-reflections",
            "7",
            "--source",
            "local",
            "samples/reflections",
            "--out",
            "grades/reflections/week-07.csv",
            "--force",
        ],
        [Path("grades/reflections/week-07.csv")],
    ),
    "calendar": (["calendar", "--all"], [*CALENDARS, Path(".coursectl/calendar-published.json")]),
    "render": (
        ["render", "week", "7", "--out", "build/week-07.html"],
        [Path("build/week-07.html")],
    ),
    "gradescope extensions": (["gradescope", "extensions"], [Path("grades/extensions.csv")]),
}
DELAYS = (0.6, 0.9)  # fractions of an uninterrupted run's time


@pytest.fixture
def env(course_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    monkeypatch.chdir(course_dir)
    fake, _ = build_fake(course_dir)
    with fake:
        yield {
            **os.environ,
            "GRADESCOPE_URL": fake.url,
            "GRADESCOPE_EMAIL": EMAIL,
            "GRADESCOPE_PASSWORD": PASSWORD,
            "COURSECTL_COURSE": str(course_dir),
        }


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "coursectl", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def temp_files(folders: set[Path]) -> list[str]:
    found = []
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        found += [e.name for e in entries if e.name.endswith((".tmp", ".staged"))]
    return found


def kill_at_first_temp_file(process: subprocess.Popen[bytes], folders: set[Path]) -> None:
    while process.poll() is None:
        if temp_files(folders):
            process.send_signal(signal.SIGKILL)
            break
    process.wait()


def kill_after(process: subprocess.Popen[bytes], seconds: float) -> None:
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()


def allocation(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))["allocation"]


def assert_as_before(outputs: list[Path], before: dict[Path, bytes], when: str) -> None:
    for path in outputs:
        if path == MANIFEST:
            assert allocation(path) == json.loads(before[path])["allocation"], when
        else:
            assert path.read_bytes() == before[path], f"{path} {when}"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_kill_9_leaves_the_previous_outputs_and_the_next_run_works(
    name: str, env: dict[str, str]
) -> None:
    args, outputs = COMMANDS[name]
    began = time.monotonic()
    first = start(args, env)
    _, err = first.communicate(timeout=120)
    run_time = time.monotonic() - began
    assert first.returncode == 0, err.decode()
    before = {path: path.read_bytes() for path in outputs}
    folders = {path.parent for path in outputs}

    killed = 0
    process = start(args, env)
    kill_at_first_temp_file(process, folders)
    killed += process.returncode == -signal.SIGKILL
    assert_as_before(outputs, before, "after a kill at its first temp file")
    for fraction in DELAYS:
        process = start(args, env)
        kill_after(process, run_time * fraction)
        killed += process.returncode == -signal.SIGKILL
        assert_as_before(outputs, before, f"after a kill at {fraction:.0%} of the run")
    assert killed, "no run was killed before it ended: nothing was tested"

    # A killed run leaves its temp files (it cannot remove them); once they are old, the next
    # run removes them.
    hour_ago = time.time() - 3600
    for folder in folders:
        for leftover in temp_files({folder}):
            os.utime(folder / leftover, (hour_ago, hour_ago))
    after = start(args, env)
    _, err = after.communicate(timeout=120)
    assert after.returncode == 0, err.decode()
    assert_as_before(outputs, before, "after the next run")
    assert temp_files(folders) == []
