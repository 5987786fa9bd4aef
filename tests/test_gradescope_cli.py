"""`coursectl gradescope roster | check-dates | extensions` against the local fake Gradescope.

The fake is filled from the shipped course (its synthetic roster and its Gradescope
deliverables) and then made to differ the way real courses drift: a dropped and a new student,
a changed email and section, a deadline typed in the wrong time zone, a missing late due date,
an assignment not created yet, and extensions.
"""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner, Result

from coursectl.cli import app
from coursectl.course import load_course
from coursectl.course.roster import read_roster
from tests.conftest import Golden
from tests.fake_gradescope import (
    FakeAssignment,
    FakeCourse,
    FakeExtension,
    FakeGradescope,
    FakeMember,
)

EMAIL = "head.ta@university.example.edu"
PASSWORD = "correct horse & battery"
COURSE_ID = "1234567"


@dataclass
class Scenario:
    fake: FakeGradescope
    course_dir: Path
    dropped_sid: str
    email_sid: str
    section_sid: str
    new_sid: str

    def env(self, **extra: str | None) -> dict[str, str | None]:
        env: dict[str, str | None] = {
            "GRADESCOPE_URL": self.fake.url,
            "GRADESCOPE_EMAIL": EMAIL,
            "GRADESCOPE_PASSWORD": PASSWORD,
            "COURSECTL_COURSE": str(self.course_dir),
            "COLUMNS": "220",
        }
        env.update(extra)
        return env


def build_fake(
    course_dir: Path, gradescope_zone: str | None = None
) -> tuple[FakeGradescope, dict[str, str]]:
    course = load_course(course_dir)
    zone = course.schedule.course.timezone
    students = course.students
    ids: dict[str, str] = {}
    members: list[FakeMember] = []
    for index, s in enumerate(students):
        if index == 0:
            ids["dropped"] = s.sid
            continue
        email, sections, sid = s.email, [f"Section {s.section}"], s.sid
        if index == 1:
            email, ids["email"] = "new.address@students.example.edu", s.sid
        if index == 2:
            sections, ids["section"] = [f"Section {'A' if s.section != 'A' else 'B'}"], s.sid
        if index == 3:
            sid = ""  # no sid on Gradescope: matched by email
        members.append(FakeMember(str(500000 + index), s.name, email, sid, "Student", sections))
    ids["new"] = "9199999"
    members.append(
        FakeMember(
            "599999",
            "Quinn Newcomer",
            "quinn.n@students.example.edu",
            "9199999",
            "Student",
            ["Section C"],
        )
    )
    members.append(FakeMember("600001", "Head TA", EMAIL, "", "TA"))
    assignments: list[FakeAssignment] = []
    for d in course.schedule.deliverables:
        if d.platform != "gradescope" or not d.gradescope_id:
            continue
        if d.id == "final-self-assessment":
            continue  # not created on Gradescope yet
        due = d.due
        late_due: datetime | None = due + timedelta(days=3)
        if d.id == "pp1-peer-reviews":
            due = due - timedelta(hours=3)  # typed in as Eastern time: 20:59 Pacific
            late_due = d.due + timedelta(days=3)
        if d.id == "course-survey":
            late_due = None  # late submissions never switched on
        assignments.append(
            FakeAssignment(d.gradescope_id, d.title, d.due - timedelta(days=7), due, late_due)
        )
    # Brackets are rich markup: a title must be printed as it is, not styled or refused.
    assignments.append(FakeAssignment("7100000", "Practice quiz [/] [bold]draft", None, None))
    la = ZoneInfo(zone)
    extensions = {
        "7000002": [
            FakeExtension(
                "500005",
                due=datetime(2026, 3, 6, 23, 59, tzinfo=la),
                late_due=datetime(2026, 3, 9, 23, 59, tzinfo=la),
            ),
            FakeExtension(
                "777777", due=datetime(2026, 3, 6, 23, 59, tzinfo=la)
            ),  # someone since removed
        ],
        "7000004": [FakeExtension("500006", late_due=datetime(2026, 3, 10, 12, 0, tzinfo=la))],
        # Student 3 has no sid on Gradescope: the roster student is found by email.
        "7000003": [FakeExtension("500003", due=datetime(2026, 3, 8, 23, 59, tzinfo=la))],
    }
    gs_course = FakeCourse(
        COURSE_ID,
        "LLM 101",
        "Large Language Models",
        timezone=gradescope_zone or zone,
        members=members,
        assignments=assignments,
        extensions=extensions,
    )
    hidden = FakeCourse("7654321", "CS 999", "Another course", hidden=True)
    return FakeGradescope(EMAIL, PASSWORD, [gs_course, hidden]), ids


@pytest.fixture
def scenario(course_dir: Path) -> Iterator[Scenario]:
    fake, ids = build_fake(course_dir)
    with fake:
        yield Scenario(fake, course_dir, ids["dropped"], ids["email"], ids["section"], ids["new"])


def run(
    runner: CliRunner, scenario: Scenario, *args: str, input: str | None = None, **env: str | None
) -> Result:
    return runner.invoke(app, ["gradescope", *args], env=scenario.env(**env), input=input)


def table_rows(output: str) -> dict[str, list[str]]:
    """The cells of each row of a rich table (lines of a cell joined by a space), by first line."""
    rows: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        if line.startswith(("┡", "└", "├")):
            current = None
            continue
        cells = [c.strip() for c in line.split("│")][1:-1]
        if not cells:
            continue
        if current is None or (cells[0] and not cells[0].startswith("#")):
            current = cells
            rows[cells[0]] = current
        else:
            for index, cell in enumerate(cells):
                current[index] = f"{current[index]} {cell}".strip()
    return rows


def no_secret(text: str) -> bool:
    return PASSWORD not in text and quote_plus(PASSWORD) not in text and "battery" not in text


# ---------------------------------------------------------------------------- roster


def test_roster_reports_differences_and_leaves_rosters_alone(
    runner: CliRunner, scenario: Scenario
) -> None:
    roster_path = scenario.course_dir / "rosters" / "synthetic-roster.csv"
    before = roster_path.read_bytes()
    result = run(runner, scenario, "roster")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()

    def line_of(kind: str, sid: str) -> str:
        return next(line for line in lines if f" {sid} " in f" {line} " and kind in line)

    assert "new.address@students.example.edu" in line_of("email", scenario.email_sid)
    assert line_of("dropped", scenario.dropped_sid)
    assert "Quinn Newcomer" in line_of("new", scenario.new_sid)
    assert line_of("section", scenario.section_sid)
    assert "1 new, 1 dropped, 1 changed email, 1 changed section" in result.output
    assert roster_path.read_bytes() == before, "rosters/ changed without --write"

    proposed = scenario.course_dir / ".coursectl" / "gradescope" / "roster-proposed.csv"
    rows = list(csv.DictReader(io.StringIO(proposed.read_text(encoding="utf-8"))))
    by_sid = {r["sid"]: r for r in rows}
    assert scenario.dropped_sid not in by_sid
    assert by_sid[scenario.email_sid]["email"] == "new.address@students.example.edu"
    assert by_sid["9199999"]["section"] == "C" and by_sid["9199999"]["github"] == ""
    assert len(rows) == 48  # 48 - 1 dropped + 1 new
    assert all(r["team"] for r in rows if r["sid"] != "9199999"), "teams were lost"


def test_roster_write_replaces_the_roster_and_keeps_a_backup(
    runner: CliRunner, scenario: Scenario
) -> None:
    roster_path = scenario.course_dir / "rosters" / "synthetic-roster.csv"
    before = roster_path.read_bytes()
    result = run(runner, scenario, "roster", "--write")
    assert result.exit_code == 0, result.output
    backups = list(roster_path.parent.glob("synthetic-roster.*.bak.csv"))
    assert len(backups) == 1 and backups[0].read_bytes() == before
    students, problems = read_roster(roster_path, "roster")
    # The new student has no GitHub name yet: the roster reader says so, and so did the command.
    assert [p.message for p in problems] == ["empty github; fill it in or remove the row"]
    assert "fill in the github column" in result.output
    emails = {s.sid: s.email for s in students}
    assert emails[scenario.email_sid] == "new.address@students.example.edu"
    assert scenario.dropped_sid not in emails


def test_roster_refuses_to_drop_everyone(runner: CliRunner, scenario: Scenario) -> None:
    scenario.fake.courses[COURSE_ID].members = [
        m for m in scenario.fake.courses[COURSE_ID].members if m.role != "Student"
    ]
    result = run(runner, scenario, "roster", "--write")
    assert result.exit_code == 1
    assert "lists no students" in result.output


def _add_sid_trouble(scenario: Scenario) -> tuple[str, str]:
    """A second member carrying a roster student's sid (in a section the course lacks), and a
    member with no sid whose email is on no roster row. Returns (shared sid, the original's name).
    """
    gs = scenario.fake.courses[COURSE_ID]
    original = next(m for m in gs.members if m.user_id == "500005")
    gs.members.append(
        FakeMember(
            "599001",
            "Robin Impostor",
            "robin.i@students.example.edu",
            original.sid,
            "Student",
            ["Section Z"],
        )
    )
    gs.members.append(FakeMember("599002", "Sam Nosid", "sam.n@students.example.edu", ""))
    gs.extensions["7000004"].append(
        FakeExtension("599001", due=datetime(2026, 3, 20, 23, 59, tzinfo=ZoneInfo("UTC")))
    )
    return original.sid, original.name


def test_roster_with_a_shared_sid_names_both_members_and_writes_no_broken_roster(
    runner: CliRunner, scenario: Scenario
) -> None:
    sid, name = _add_sid_trouble(scenario)
    roster_path = scenario.course_dir / "rosters" / "synthetic-roster.csv"
    before = roster_path.read_bytes()
    result = run(runner, scenario, "roster", COLUMNS="400")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    conflicts = [line for line in lines if line.startswith("conflict:")]
    assert conflicts == [
        f"conflict: Gradescope members '{name}' <{scenario.fake.courses[COURSE_ID].members[4].email}>"
        f" and 'Robin Impostor' <robin.i@students.example.edu> share sid {sid}; fix the SID of "
        "the wrong one in Gradescope's roster"
    ]
    assert (
        "warning: Gradescope member 'Sam Nosid' <sam.n@students.example.edu> has no sid and "
        "matches no roster email; not written: add their SID on Gradescope"
    ) in lines
    assert "1 new, 1 dropped" in result.output  # only Quinn is new; the shared sid is kept
    proposed = scenario.course_dir / ".coursectl" / "gradescope" / "roster-proposed.csv"
    rows = list(csv.DictReader(io.StringIO(proposed.read_text(encoding="utf-8"))))
    sids = [r["sid"] for r in rows]
    assert sids.count(sid) == 1 and "" not in sids
    assert {r["section"] for r in rows} <= {"A", "B", "C", "D"}
    assert len(rows) == 48

    written = run(runner, scenario, "roster", "--write", COLUMNS="400")
    assert written.exit_code == 1, written.output
    assert "1 sid(s) are shared by two Gradescope members" in written.output
    assert roster_path.read_bytes() == before
    assert not list(roster_path.parent.glob("*.bak.csv"))


def test_roster_member_without_sid_is_left_out_with_a_warning(
    runner: CliRunner, scenario: Scenario
) -> None:
    scenario.fake.courses[COURSE_ID].members.append(
        FakeMember(
            "599002", "Sam Nosid", "sam.n@students.example.edu", "", "Student", ["Section Q"]
        )
    )
    scenario.course_dir.joinpath("rosters", "real.csv").write_bytes(
        scenario.course_dir.joinpath("rosters", "synthetic-roster.csv").read_bytes()
    )
    schedule = scenario.course_dir / "schedule.yaml"
    schedule.write_text(
        schedule.read_text(encoding="utf-8").replace(
            "rosters/synthetic-roster.csv", "rosters/real.csv"
        ),
        encoding="utf-8",
    )
    result = run(runner, scenario, "roster", "--write", COLUMNS="400")
    assert result.exit_code == 0, result.output
    assert "warning: Gradescope member 'Sam Nosid'" in result.output
    students, problems = read_roster(scenario.course_dir / "rosters" / "real.csv", "roster")
    assert [p.message for p in problems] == ["empty github; fill it in or remove the row"]
    assert all(s.sid for s in students) and "Sam Nosid" not in {s.name for s in students}


def test_extensions_of_members_sharing_a_sid_are_not_attributed(
    runner: CliRunner, scenario: Scenario
) -> None:
    sid, name = _add_sid_trouble(scenario)
    result = run(runner, scenario, "extensions", COLUMNS="400")
    assert result.exit_code == 0, result.output
    conflicts = [line for line in result.output.splitlines() if line.startswith("conflict:")]
    # Both members' extensions (the original's on pp1-peer-reviews, the impostor's) are held.
    assert len(conflicts) == 2, result.output
    assert all(f"share sid {sid}" in line and "Robin Impostor" in line for line in conflicts)
    assert any(
        line.startswith("conflict: extension on pp1-peer-reviews for '") for line in conflicts
    )
    written = (scenario.course_dir / "grades" / "extensions.csv").read_text(encoding="utf-8")
    assert sid not in written and name not in written


# ---------------------------------------------------------------------------- check-dates


def test_check_dates_lists_drift_in_the_course_zone(runner: CliRunner, scenario: Scenario) -> None:
    result = run(runner, scenario, "check-dates")
    assert result.exit_code == 1, result.output
    rows = table_rows(result.output)
    assert rows["pp1-peer-reviews"] == [
        "pp1-peer-reviews #7000002",
        "due  Wed Mar 04 23:59 late Sat Mar 07 23:59",
        "Wed Mar 04 20:59 (-3h) same",
        "DRIFT",
    ]
    assert rows["course-survey"][2:] == ["same not set", "DRIFT"]
    assert rows["pp1"][2:] == rows["midcourse-self-assessment"][2:] == ["same same", "ok"]
    assert rows["final-self-assessment"][3] == "MISSING"
    assert "Gradescope assignment 7100000 'Practice quiz [/] [bold]draft'" in result.output
    assert "7 checked: 2 drift, 1 missing" in result.output
    assert scenario.fake.edits == []


def test_check_dates_needs_no_roster(runner: CliRunner, scenario: Scenario) -> None:
    """Dates name no student: a co-TA's clone without the git-ignored roster can check them."""
    (scenario.course_dir / "rosters" / "synthetic-roster.csv").unlink()
    result = run(runner, scenario, "check-dates")
    assert "roster" not in result.stderr, result.stderr
    assert "7 checked: 2 drift, 1 missing" in result.output


def test_push_sets_schedule_dates_and_keeps_release(runner: CliRunner, scenario: Scenario) -> None:
    course = load_course(scenario.course_dir)
    release_before = {a.id: a.release for a in scenario.fake.courses[COURSE_ID].assignments}
    result = run(runner, scenario, "check-dates", "--push", "--yes")
    # Still exit 1: final-self-assessment is missing on Gradescope, which --push cannot fix.
    assert result.exit_code == 1, result.output
    assert "they now match" in result.output
    edits = {e.assignment_id: e for e in scenario.fake.edits}
    assert set(edits) == {"7000002", "7000003"}
    peer = course.schedule.deliverable("pp1-peer-reviews")
    assert peer is not None
    assert edits["7000002"].form["assignment[due_date_string]"] == "2026-03-04T23:59"
    assert edits["7000002"].due == peer.due
    assert edits["7000003"].form["assignment[hard_due_date_string]"] == "2026-03-09T23:59"
    assert edits["7000003"].form["assignment[allow_late_submissions]"] == "1"
    for assignment_id, edit in edits.items():
        assert edit.release == release_before[assignment_id], "push cleared or moved a release date"
    again = run(runner, scenario, "check-dates")
    assert "7 checked: 0 drift, 1 missing" in again.output


def test_push_asks_first(runner: CliRunner, scenario: Scenario) -> None:
    declined = run(runner, scenario, "check-dates", "--push", input="n\n")
    assert "Change 2 assignment(s) on Gradescope?" in declined.output
    assert "nothing changed" in declined.output and scenario.fake.edits == []
    accepted = run(runner, scenario, "check-dates", "--push", input="y\n")
    assert len(scenario.fake.edits) == 2, accepted.output


def _create_missing_assignment(scenario: Scenario) -> None:
    """Create final-self-assessment on the fake with the schedule's dates: nothing is missing."""
    item = load_course(scenario.course_dir).schedule.deliverable("final-self-assessment")
    assert item is not None and item.gradescope_id
    scenario.fake.courses[COURSE_ID].assignments.append(
        FakeAssignment(
            item.gradescope_id,
            item.title,
            item.due - timedelta(days=7),
            item.due,
            item.due + timedelta(days=3),
        )
    )


def test_check_dates_exit_codes_follow_what_is_left_to_do(
    runner: CliRunner, scenario: Scenario
) -> None:
    # Drift and a missing assignment: exit 1 after a push, and the last line says why.
    pushed = run(runner, scenario, "check-dates", "--push", input="y\n")
    assert pushed.exit_code == 1, pushed.output
    assert pushed.output.rstrip().splitlines()[-1] == (
        "set the dates of 2 assignment(s) on Gradescope; they now match, but 1 deliverable(s) "
        "are still missing there (see above)"
    )
    # Only the missing assignment is left: still exit 1, with or without --push.
    assert run(runner, scenario, "check-dates").exit_code == 1
    assert run(runner, scenario, "check-dates", "--push", "--yes").exit_code == 1
    # Everything matches: exit 0.
    _create_missing_assignment(scenario)
    clean = run(runner, scenario, "check-dates")
    assert clean.exit_code == 0, clean.output
    assert "7 checked: 0 drift, 0 missing" in clean.output


def test_successful_push_exits_0(runner: CliRunner, scenario: Scenario) -> None:
    _create_missing_assignment(scenario)
    declined = run(runner, scenario, "check-dates", "--push", input="n\n")
    assert declined.exit_code == 1 and "nothing changed" in declined.output
    pushed = run(runner, scenario, "check-dates", "--push", input="y\n")
    assert pushed.exit_code == 0, pushed.output
    assert pushed.output.rstrip().endswith(
        "set the dates of 2 assignment(s) on Gradescope; they now match"
    )
    assert len(scenario.fake.edits) == 2
    assert run(runner, scenario, "check-dates").exit_code == 0


@pytest.mark.parametrize(
    "address", ["notaurl", "gradescope.example.edu", "ftp://gradescope.example.edu"]
)
def test_url_without_http_is_one_line_before_any_login(
    runner: CliRunner, scenario: Scenario, address: str
) -> None:
    # requests' MissingSchema is a ValueError, which the login read as a rejected password.
    for how in (("--url", address), ()):
        result = run(
            runner,
            scenario,
            "roster",
            *how,
            GRADESCOPE_URL=address,
            GRADESCOPE_PASSWORD=None,
            input="",
        )
        assert result.exit_code == 1, result.output
        assert result.output.splitlines() == [
            f"error: --url/GRADESCOPE_URL '{address}' is not a web address; write it with "
            "https://, e.g. https://www.gradescope.com"
        ]
    assert not scenario.fake.edits


def test_push_refuses_when_gradescope_runs_in_another_zone(
    runner: CliRunner, course_dir: Path
) -> None:
    fake, ids = build_fake(course_dir, gradescope_zone="America/New_York")
    with fake:
        scenario = Scenario(
            fake, course_dir, ids["dropped"], ids["email"], ids["section"], ids["new"]
        )
        # Reading is still right: instants are compared, whatever zone Gradescope shows them in.
        read = run(runner, scenario, "check-dates")
        assert "7 checked: 2 drift, 1 missing" in read.output
        pushed = run(runner, scenario, "check-dates", "--push", "--yes")
    assert pushed.exit_code == 1
    assert "not in America/Los_Angeles" in pushed.output and "UTC-05:00" in pushed.output
    assert fake.edits == []


# ---------------------------------------------------------------------------- extensions


def test_extensions_written_for_the_gradebook(
    runner: CliRunner, scenario: Scenario, golden: Golden
) -> None:
    result = run(runner, scenario, "extensions")
    assert result.exit_code == 0, result.output
    target = scenario.course_dir / "grades" / "extensions.csv"
    text = target.read_text(encoding="utf-8")
    golden.check("gradescope-extensions.csv", text)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["deliverable"], r["action"], r["until"], r["late_due"]) for r in rows] == [
        # Only the late due date was extended: `until` stays the schedule's due date.
        ("course-survey", "extension", "2026-03-08T23:59-07:00", ""),
        (
            "midcourse-self-assessment",
            "extension",
            "2026-03-06T23:59-08:00",
            "2026-03-10T12:00-07:00",
        ),
        ("pp1-peer-reviews", "extension", "2026-03-06T23:59-08:00", "2026-03-09T23:59-07:00"),
    ]
    course = load_course(scenario.course_dir)
    sids = {s.sid for s in course.students}
    assert all(r["sid"] in sids for r in rows)
    assert "777777" in result.output and "not on the course roster" in result.output
    assert "3 extension(s) written" in result.output


def test_out_is_the_option_and_output_still_works(
    runner: CliRunner, scenario: Scenario, tmp_path: Path
) -> None:
    for spelling in ("--out", "-o", "--output"):
        target = tmp_path / f"extensions{spelling}.csv"
        result = run(runner, scenario, "extensions", spelling, str(target))
        assert result.exit_code == 0, result.output
        assert f"3 extension(s) written to {target}" in result.output
        proposed = tmp_path / f"roster{spelling}.csv"
        assert run(runner, scenario, "roster", spelling, str(proposed)).exit_code == 0
        assert proposed.read_text(encoding="utf-8").startswith("sid,")
    both = run(runner, scenario, "extensions", "--out", "a.csv", "--output", "b.csv")
    assert both.exit_code == 1
    assert both.output == "error: --output is the old name of --out; give --out once\n"
    assert "--output" not in run(runner, scenario, "extensions", "--help").output


@pytest.mark.parametrize("command", ["check-dates", "extensions", "roster"])
def test_tables_fit_80_columns_and_keep_ids_whole(
    runner: CliRunner, scenario: Scenario, command: str
) -> None:
    result = run(runner, scenario, command, COLUMNS="80")
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80, result.output
    assert "…" not in result.output
    schedule = load_course(scenario.course_dir).schedule
    shown = {
        "check-dates": [d.id for d in schedule.deliverables if d.platform == "gradescope"],
        "extensions": ["course-survey", "midcourse-self-assessment", "pp1-peer-reviews"],
        "roster": [scenario.dropped_sid, scenario.email_sid, scenario.new_sid],
    }[command]
    for item in shown:
        assert any(f"│ {item} " in line for line in lines), (item, result.output)


# ---------------------------------------------------------------------------- failures and secrets


def test_wrong_password_is_one_line_without_the_password(
    runner: CliRunner, scenario: Scenario
) -> None:
    result = run(runner, scenario, "check-dates", GRADESCOPE_PASSWORD="wrong " + PASSWORD)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: Gradescope at {scenario.fake.url} rejected the email or password for {EMAIL}; "
        "check --email/GRADESCOPE_EMAIL and GRADESCOPE_PASSWORD"
    ]
    assert no_secret(result.output) and "Traceback" not in result.output


@pytest.mark.filterwarnings("ignore::getpass.GetPassWarning")  # the test's stdin is no terminal
def test_password_prompt_is_hidden(runner: CliRunner, scenario: Scenario) -> None:
    result = run(runner, scenario, "extensions", input=PASSWORD + "\n", GRADESCOPE_PASSWORD=None)
    assert result.exit_code == 0, result.output
    assert f"Gradescope password for {EMAIL}" in result.output
    assert no_secret(result.output)
    assert scenario.fake.successful_logins == 1


@pytest.mark.filterwarnings("ignore::getpass.GetPassWarning")
def test_no_password_anywhere_is_an_error(runner: CliRunner, scenario: Scenario) -> None:
    result = run(runner, scenario, "roster", input="", GRADESCOPE_PASSWORD=None)
    assert result.exit_code == 1
    assert "set GRADESCOPE_PASSWORD" in result.output


def test_server_gone_at_login_leaks_nothing(runner: CliRunner, scenario: Scenario) -> None:
    scenario.fake.vanish_after_home_page = True
    result = run(runner, scenario, "roster")
    assert result.exit_code == 1
    assert "could not connect to Gradescope" in result.output
    assert no_secret(result.output) and "Traceback" not in result.output


def test_course_the_account_cannot_see(runner: CliRunner, scenario: Scenario) -> None:
    result = run(runner, scenario, "roster", "--course-id", "7654321")
    assert result.exit_code == 1
    assert "has no Gradescope course 7654321 (its courses: 1234567 (LLM 101))" in result.output


def test_expired_session_mid_run(runner: CliRunner, scenario: Scenario) -> None:
    scenario.fake.expire_after_requests = 1  # the assignments page, then the session expires
    result = run(runner, scenario, "extensions")
    assert result.exit_code == 1
    assert "session expired" in result.output and "run the command again" in result.output
    assert not (scenario.course_dir / "grades" / "extensions.csv").exists()


def test_missing_course_id(runner: CliRunner, scenario: Scenario) -> None:
    schedule = scenario.course_dir / "schedule.yaml"
    schedule.write_text(
        schedule.read_text(encoding="utf-8").replace('course_id: "1234567"', "course_id: null"),
        encoding="utf-8",
    )
    result = run(runner, scenario, "check-dates")
    assert result.exit_code == 1
    assert "set course.gradescope.course_id or pass --course-id" in result.output
    assert (
        run(runner, scenario, "check-dates", "--course-id", COURSE_ID).exit_code == 1
    )  # drift, not an error


def test_each_subcommand_has_help_example_and_reference_section() -> None:
    # tests/test_cli_help.py does not descend into sub-apps (typer vendors click, so its
    # isinstance(command, click.Group) is False): check the gradescope commands here.
    import typer.main

    from coursectl.commands.gradescope_command import app as gradescope_app

    readme = (Path(__file__).resolve().parent.parent / "docs" / "commands.md").read_text(
        encoding="utf-8"
    )
    group = typer.main.get_command(gradescope_app)
    commands = group.commands  # type: ignore[attr-defined]
    assert set(commands) == {"roster", "check-dates", "extensions"}
    for name, command in commands.items():
        first_line = (command.help or "").strip().splitlines()[0]
        assert first_line.endswith("."), name
        assert f"Example: coursectl gradescope {name}" in (command.help or "")
        section = readme.split(f"## `coursectl gradescope {name}`", 1)[1].split("\n#", 1)[0]
        assert f"coursectl gradescope {name}" in section and "```sh" in section
        # The password is never a command-line argument (it would land in shell history and ps).
        assert not any("password" in p.name.lower() for p in command.params), name


def test_without_the_extra_the_command_names_the_pip_command(course_dir: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.modules['gradescopeapi'] = None  # as if coursectl[gradescope] were not installed\n"
        "from coursectl.cli import app\n"
        f"app(['gradescope', 'roster', '--course', {str(course_dir)!r}])\n"
    )
    repo = Path(__file__).resolve().parent.parent
    env = {"GRADESCOPE_EMAIL": EMAIL, "GRADESCOPE_PASSWORD": PASSWORD, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=repo, env=env
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: Gradescope support is not installed; install it with: "
        "pip install 'coursectl[gradescope]'"
    ]


def test_roster_write_refuses_a_roster_git_tracks(runner: CliRunner, scenario: Scenario) -> None:
    # The shipped course points at the committed synthetic roster: --write put real students
    # into a tracked file, one `git commit -a` away from history (FERPA).
    course = scenario.course_dir
    git = ["git", "-C", str(course), "-c", "user.name=TA", "-c", "user.email=ta@example.edu"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "rosters/synthetic-roster.csv"], check=True)
    subprocess.run([*git, "commit", "-qm", "synthetic roster"], check=True)
    roster_path = course / "rosters" / "synthetic-roster.csv"
    before = roster_path.read_bytes()
    result = run(runner, scenario, "roster", "--write")
    assert result.exit_code == 1, result.output
    assert f"error: {roster_path}: git tracks this file" in result.output.replace("\n", "")
    assert roster_path.read_bytes() == before
    assert not list(roster_path.parent.glob("*.bak.csv"))
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    assert "synthetic-roster" not in status.stdout
