"""Starting a course: `coursectl init` writes a folder every command runs on, and `new-term`
moves last term's course onto a new calendar with every date on its weekday."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from coursectl.cli import app
from coursectl.course import inspect_course, load_course
from tests.test_cli_help import COMMANDS, _is_group
from tests.test_no_traceback import OFFLINE

REPO = Path(__file__).resolve().parent.parent
INIT_FLAGS = [
    "--code", "CS 201",
    "--name", "Data Structures",
    "--start", "2026-08-31",
    "--end", "2026-12-11",
    "--timezone", "America/New_York",
    "--meets", "MO WE 10:00-11:15",
    "--section", "A TU 09:00-09:50",
    "--section", "B TH 13:00-13:50",
    "--break", "2026-11-23..2026-11-27 Thanksgiving break",
    "--break", "2026-09-07 Labor Day",
]  # fmt: skip


def _init(runner: CliRunner, folder: Path, *extra: str) -> None:
    result = runner.invoke(app, ["init", str(folder), *INIT_FLAGS, *extra])
    assert result.exit_code == 0, result.output


@pytest.fixture
def new_course(runner: CliRunner, tmp_path: Path) -> Path:
    folder = tmp_path / "cs201"
    _init(runner, folder)
    return folder


def test_init_writes_a_course_that_validates(runner: CliRunner, new_course: Path) -> None:
    result = runner.invoke(app, ["validate", "--course", str(new_course)])
    assert result.exit_code == 0, result.output
    course = load_course(new_course)
    assert course.warnings == []
    schedule = course.schedule
    assert (schedule.course.term, schedule.course.github and schedule.course.github.org) == (
        "Fall 2026",
        "cs201-fa26",
    )
    # Lectures on Mondays and Wednesdays, none on Labor Day or in Thanksgiving week.
    lectures = [lecture.date for week in schedule.weeks for lecture in week.lectures]
    assert {day.weekday() for day in lectures} == {0, 2}
    assert date(2026, 9, 7) not in lectures and date(2026, 9, 9) in lectures
    assert not [day for day in lectures if date(2026, 11, 23) <= day <= date(2026, 11, 27)]
    # 14 teaching weeks (Thanksgiving week is not counted), a reflection each Friday.
    reflections = [d for d in schedule.deliverables if d.kind == "reflection"]
    assert [d.id for d in reflections] == [f"reflection-w{n:02}" for n in range(1, 15)]
    assert {d.due.strftime("%a %H:%M") for d in reflections} == {"Fri 23:59"}
    assert str(reflections[0].due.tzinfo) == "America/New_York"
    # The policy grades every deliverable and its weights add up.
    assert course.policy is not None
    assert sum(c.weight for c in course.policy.categories) == 100
    for category in course.policy.categories:
        assert sum(item.weight for item in category.items) == 100
    assert set(course.rubrics) == {"peer-review"}


def test_init_roster_and_gitignore_keep_students_out_of_git(new_course: Path) -> None:
    rows = list(csv.DictReader((new_course / "rosters" / "roster.csv").open()))
    assert [row["name"] for row in rows] == ["Example Student (delete me)"]
    ignored = (new_course / ".gitignore").read_text()
    for line in ("rosters/*", "grades/", "exports/"):
        assert line in ignored.splitlines()


def test_init_refuses_a_folder_that_is_not_empty(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me\n")
    result = runner.invoke(app, ["init", str(folder), *INIT_FLAGS])
    assert result.exit_code == 1
    assert "not empty" in result.output and "--force" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    _init(runner, folder, "--force")
    assert (folder / "notes.txt").read_text() == "keep me\n"
    assert inspect_course(folder)[1] == []


def test_init_without_a_terminal_names_the_missing_flag(runner: CliRunner, tmp_path: Path) -> None:
    flags = [f for f in INIT_FLAGS if f not in ("--meets", "MO WE 10:00-11:15")]
    result = runner.invoke(app, ["init", str(tmp_path / "c"), *flags])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: --meets is missing; pass --meets (or run init in a terminal to be asked)"
    )
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--meets", "MO XX 10:00-11:15", "'XX' is not a weekday"),
        ("--timezone", "Mars/Olympus", "not an IANA time zone"),
        ("--break", "next week Spring break", "is not dates and a title"),
        ("--start", "Sept 1", "is not a date"),
    ],
)
def test_init_answers_a_bad_flag_in_one_line(
    runner: CliRunner, tmp_path: Path, flag: str, value: str, message: str
) -> None:
    flags = list(INIT_FLAGS)
    flags[flags.index(flag) + 1] = value
    result = runner.invoke(app, ["init", str(tmp_path / "c"), *flags])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and message in result.output, result.output


# Commands that need a service (pointed at closed loopback ports, as in test_no_traceback):
# one line of error is all they may say. The demo replays the shipped course's week 7 with its
# sample submissions, which a new course does not have.
MAY_FAIL = {"calendar publish", "gradescope roster", "gradescope check-dates",
            "gradescope extensions", "canvas roster", "canvas link", "canvas push",
            "demo"}  # fmt: skip


def _fill_roster(course: Path) -> list[str]:
    """What a TA does after init: put the real roster (here: invented students) in place."""
    rows = ["sid,name,email,github,section"]
    rows += [
        f"99{n:05},Student {n},student{n}@example.edu,student-{n}-syn,{'AB'[n % 2]}"
        for n in range(12)
    ]
    (course / "rosters" / "roster.csv").write_text("\n".join(rows) + "\n")
    return [row.split(",")[0] for row in rows[1:]]


def test_every_command_runs_on_a_new_course(
    runner: CliRunner, new_course: Path, tmp_path: Path
) -> None:
    sids = _fill_roster(new_course)
    reflection = new_course / "submissions" / "student-1-syn" / "reflections" / "week-01.md"
    reflection.parent.mkdir(parents=True)
    reflection.write_text(" ".join(["word"] * 350) + "\n")
    args = {
        "init": [str(tmp_path / "another"), *INIT_FLAGS],
        "new-term": [str(new_course), str(tmp_path / "next"), "--start", "2027-08-30"],
        "demo": ["--out", str(tmp_path / "demo")],
        "validate": [],
        "deadlines": [],
        "calendar": ["--all"],
        "calendar publish": [],
        "check-reflections": ["1", "--source", "local", str(new_course / "submissions")],
        "assign-reviews": ["assignment-1-peer-reviews", "--seed", "1"],
        "gradescope roster": [],
        "gradescope check-dates": [],
        "gradescope extensions": [],
        "canvas roster": [],
        "canvas link": [],
        "canvas push": [],
        "gradebook": [],
        "gradebook explain": [sids[0]],
        "render week": ["1"],
        "render reminder": ["assignment-1-peer-reviews"],
    }
    leaves = {n for n, c in COMMANDS if not _is_group(c) or c.invoke_without_command}
    assert set(args) == leaves, "add the new command here"
    failed = {}
    for name, extra in args.items():
        course = [] if name in ("init", "new-term") else ["--course", str(new_course)]
        result = runner.invoke(
            app, [*name.split(), *extra, *course], env={**OFFLINE, "HOME": str(tmp_path)}
        )
        assert "Traceback" not in result.output, (name, result.output)
        assert isinstance(result.exception, SystemExit | None), (name, repr(result.exception))
        if result.exit_code != 0:
            failed[name] = result.output
    errors = {
        n: [line for line in o.splitlines() if line.startswith("error")] for n, o in failed.items()
    }
    for name in set(failed) & MAY_FAIL:
        assert len(errors[name]) == 1, (name, failed[name])
    assert set(failed) <= MAY_FAIL, failed


def _written_dates(text: str) -> list[tuple[str, date]]:
    return [
        (weekday, date.fromisoformat(day))
        for weekday, day in re.findall(
            r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w* (\d{4}-\d{2}-\d{2})", text
        )
    ]


def test_new_term_on_the_shipped_course(runner: CliRunner, tmp_path: Path) -> None:
    new = tmp_path / "spring-2027"
    result = runner.invoke(app, ["new-term", str(REPO), str(new), "--start", "2027-01-19"])
    assert result.exit_code == 0, result.output
    assert "Spring 2027" in result.output and "52 weeks" in result.output
    assert "warning" not in result.output, result.output
    course = load_course(new, roster=True)
    old = load_course(REPO, roster=False).schedule
    schedule = course.schedule
    assert (schedule.course.term, schedule.course.start) == ("Spring 2027", date(2027, 1, 19))
    assert schedule.course.github is not None and schedule.course.github.org == "llm101-sp27"
    # Every date written with a weekday still falls on it (validate checks the same)...
    text = (new / "schedule.yaml").read_text()
    dates = _written_dates(text)
    assert len(dates) > 50
    assert all(day.strftime("%a") == weekday[:3] for weekday, day in dates)
    # ...and every deadline moved by exactly 52 weeks, on the same weekday and local time.
    old_due = {d.id: d.due for d in old.deliverables}
    for item in schedule.deliverables:
        before = old_due[item.id]
        assert (item.due.date() - before.date()).days == 52 * 7
        assert (item.due.strftime("%a %H:%M"), item.week) == (
            before.strftime("%a %H:%M"),
            item.week,
        )
    # The term's calendar UIDs differ from last term's, so students' calendars keep both.
    assert (
        "spring-2027"
        in runner.invoke(
            app, ["calendar", "--course", str(new), "--out", str(tmp_path / "c.ics")]
        ).output
        + (tmp_path / "c.ics").read_text()
    )
    assert "spring-2026" not in (tmp_path / "c.ics").read_text()
    # The roster stays behind: a stub with one made-up row, and no grades or exports.
    assert [s.name for s in course.students] == ["Example Student (delete me)"]
    assert not (new / "grades").exists() and not (new / "exports").exists()


def test_new_term_needs_a_new_term_name(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["new-term", str(REPO), str(tmp_path / "n"), "--start", "2026-02-02"]
    )
    assert result.exit_code == 1
    assert "--term" in result.output and len(result.output.strip().splitlines()) == 1


def test_repeats_expand_to_dated_deliverables(new_course: Path) -> None:
    text = (new_course / "schedule.yaml").read_text()
    data = yaml.safe_load(text)
    assert data["repeats"][0]["weeks"] == "1-14"
    text = text.replace('weeks: "1-14"', 'weeks: "2-4, 12-13"')
    (new_course / "schedule.yaml").write_text(text)
    schedule = load_course(new_course).schedule
    due = {
        d.id: d.due.strftime("%a %Y-%m-%d %H:%M")
        for d in schedule.deliverables
        if d.kind == "reflection"
    }
    # Week 12 is the week before Thanksgiving; week 13 the one after it.
    assert due == {
        "reflection-w02": "Fri 2026-09-11 23:59",
        "reflection-w03": "Fri 2026-09-18 23:59",
        "reflection-w04": "Fri 2026-09-25 23:59",
        "reflection-w12": "Fri 2026-11-20 23:59",
        "reflection-w13": "Fri 2026-12-04 23:59",
    }


def test_a_repeat_without_week_in_its_id_is_refused(new_course: Path) -> None:
    path = new_course / "schedule.yaml"
    text = path.read_text().replace('id: "reflection-w{week:02}"', 'id: "reflection"')
    path.write_text(text)
    _, problems = inspect_course(new_course)
    line = next(
        n
        for n, text_line in enumerate(text.splitlines(), 1)
        if text_line.strip() == 'id: "reflection"'
    )
    assert [(p.line, "needs '{week}'" in p.message) for p in problems] == [(line, True)]


def test_weeks_without_lectures_get_them_from_meetings(new_course: Path) -> None:
    path = new_course / "schedule.yaml"
    data = yaml.safe_load(path.read_text())
    for week in data["weeks"][:2]:
        del week["lectures"]
    path.write_text(yaml.safe_dump(data))
    schedule = load_course(new_course).schedule
    assert [
        [(lec.date.isoformat(), lec.title) for lec in w.lectures] for w in schedule.weeks[:2]
    ] == [
        [("2026-08-31", "Lecture"), ("2026-09-02", "Lecture")],
        [("2026-09-09", "Lecture")],  # Monday is Labor Day
    ]


def test_a_problem_with_a_repeated_deliverable_names_its_rule(new_course: Path) -> None:
    path = new_course / "schedule.yaml"
    text = (
        path.read_text()
        .replace("every: FR", "every: MO")
        .replace("skip_breaks: true", "skip_breaks: false")
    )
    path.write_text(text)
    _, problems = inspect_course(new_course)
    line = next(
        n
        for n, text_line in enumerate(text.splitlines(), 1)
        if "reflection-w{week:02}" in text_line
    )
    # Week 2's Monday is Labor Day.
    assert [(p.line, "reflection-w02" in p.message) for p in problems] == [(line, True)], problems


def test_init_in_a_terminal_asks_for_what_is_missing(tmp_path: Path) -> None:
    # A real terminal (a pty), as a TA runs it: each missing answer is asked for in turn.
    import os
    import pty
    import subprocess
    import sys
    import time

    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "coursectl", "init", str(tmp_path / "c"), "--code", "CS 1"]
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    answers = ["Intro", "2026-08-31", "2026-12-11", "America/New_York", "MO WE 10:00-11:15"]
    answers += ["A TU 09:00-09:50; B TU 11:00-11:50", "2026-09-07 Labor Day"]
    seen = b""
    for answer in answers:
        deadline = time.monotonic() + 30
        while not seen.rstrip().endswith(b":") and time.monotonic() < deadline:
            seen += os.read(leader, 4096)
        seen = b""
        os.write(leader, answer.encode() + b"\n")
    assert process.wait(timeout=60) == 0
    os.close(leader)
    schedule = load_course(tmp_path / "c").schedule
    assert (schedule.course.name, schedule.sections()) == ("Intro", ["A", "B"])
    assert [b.title for b in schedule.breaks] == ["Labor Day"]
