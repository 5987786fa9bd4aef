"""`coursectl render week` / `coursectl render reminder` as a TA runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course import load_course
from coursectl.pages.views import render_reminder, render_week
from tests.conftest import REPO_ROOT


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error")]


def test_week_prints_markdown(runner: CliRunner) -> None:
    result = runner.invoke(app, ["render", "week", "7", "--course", str(REPO_ROOT)])
    assert result.exit_code == 0, result.output
    assert result.stdout == render_week(load_course(REPO_ROOT), 7, "md")
    assert "- Week 7 Reflection due Friday, Mar 6 by 11:59pm (GitHub)" in result.stdout


def test_week_html_to_a_file_and_again(runner: CliRunner, course_dir: Path) -> None:
    out = course_dir / "build" / "week-07.html"
    argv = ["render", "week", "7", "--course", str(course_dir), "--out", str(out)]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>"), "the .html extension chooses HTML"
    assert text == render_week(load_course(course_dir), 7, "html")
    # Its own earlier output is replaced without --force (re-run after a schedule change).
    schedule = course_dir / "schedule.yaml"
    schedule.write_text(
        schedule.read_text(encoding="utf-8").replace(
            "title: Course survey", "title: Mid-term survey"
        ),
        encoding="utf-8",
    )
    again = runner.invoke(app, argv)
    assert again.exit_code == 0, again.output
    assert '<li class="deliverable">Mid-term survey due ' in out.read_text(encoding="utf-8")


def test_out_never_replaces_a_file_it_did_not_write_without_force(
    runner: CliRunner, course_dir: Path
) -> None:
    notes = course_dir / "week-07-notes.md"
    notes.write_text("my hand-written notes\n", encoding="utf-8")
    argv = ["render", "week", "7", "--course", str(course_dir), "--out", str(notes)]
    refused = runner.invoke(app, argv)
    assert refused.exit_code == 1
    assert _errors(refused.output) == [
        f"error: {notes}: exists and was not written by coursectl render; pass --force to replace it"
    ]
    assert notes.read_text(encoding="utf-8") == "my hand-written notes\n"
    forced = runner.invoke(app, [*argv, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "# Week 7: Training at Scale and Post-Training" in notes.read_text(encoding="utf-8")


def test_reminder(runner: CliRunner) -> None:
    result = runner.invoke(app, ["render", "reminder", "pp1-peer-reviews", "-C", str(REPO_ROOT)])
    assert result.exit_code == 0, result.output
    assert result.stdout == render_reminder(load_course(REPO_ROOT), "pp1-peer-reviews")
    assert (
        "due Wednesday, March 4 by 11:59pm PST (course time zone, America/Los_Angeles)"
        in result.stdout
    )
    assert (
        "on completion; 20% of your portfolio piece grade (1% of overall course grade)"
        in result.stdout
    )


def test_mistakes_are_one_line_errors(runner: CliRunner, course_dir: Path) -> None:
    cases = {
        ("week", "42"): "error: schedule.yaml has no week 42; weeks: 1, 2, 3",
        ("week", "7", "--format", "pdf"): "error: --format: 'pdf' is not a format; use md or html",
        ("reminder", "survey"): "error: schedule.yaml has no deliverable 'survey'",
    }
    for args, expected in cases.items():
        result = runner.invoke(app, ["render", *args, "--course", str(course_dir)])
        assert result.exit_code == 1, (args, result.output)
        errors = _errors(result.output)
        assert len(errors) == 1 and errors[0].startswith(expected), (args, result.output)
        assert "Traceback" not in result.output


def test_broken_template_is_one_line_with_file_and_line(
    runner: CliRunner, course_dir: Path
) -> None:
    template = course_dir / "templates" / "reminder.md.j2"
    lines = template.read_text(encoding="utf-8").splitlines()
    lines[4] = "{{ page.deliverable.due_short | no_such_filter }}"
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["render", "reminder", "course-survey", "--course", str(course_dir)]
    )
    assert result.exit_code == 1
    errors = _errors(result.output)
    assert len(errors) == 1, result.output
    assert errors[0].startswith(f"error: {template}:5: template syntax error: "), errors[0]
    assert "no_such_filter" in errors[0]


def test_template_error_from_inside_the_course_folder_names_the_relative_file(
    runner: CliRunner, course_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = course_dir / "templates" / "week.md.j2"
    lines = template.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if "page.summary" in line) + 1
    lines[number - 1] = lines[number - 1].replace("page.summary", "page.sumary")
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(course_dir)
    result = runner.invoke(app, ["render", "week", "7", "--course", "."])
    assert result.exit_code == 1
    assert _errors(result.output) == [
        f"error: templates/week.md.j2:{number}: 'coursectl.pages.views.WeekPage object' has no "
        "attribute 'sumary'; check the name against docs/commands.md, Templates"
    ]
