"""`coursectl calendar`: options that contradict each other are one error line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app


@pytest.fixture
def here(course_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(course_dir)
    return course_dir


def test_calendar_alarm_with_no_alarms_is_one_error(runner: CliRunner, here: Path) -> None:
    result = runner.invoke(app, ["calendar", "--alarm", "2d", "--no-alarms"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: --alarm and --no-alarms contradict each other; choose one"
    ]
    assert not (here / "build" / "calendar").exists()
