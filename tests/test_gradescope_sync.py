"""The pure comparisons behind `coursectl gradescope`: no network, no gradescopeapi."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from coursectl.course import load_course
from coursectl.course.model import GradingPolicy, Schedule
from coursectl.course.roster import Student
from coursectl.errors import UserError
from coursectl.platforms.records import Assignment, Member
from coursectl.platforms.sync import (
    ExtensionRow,
    check_dates,
    describe_shift,
    diff_roster,
    expected_late_due,
    extensions_csv,
    plan_date_edits,
    plan_roster_sync,
    push_plan,
    section_key,
    zone_mismatches,
)

LA = ZoneInfo("America/Los_Angeles")


def schedule(*deliverables: dict[str, Any]) -> Schedule:
    return Schedule.model_validate(
        {
            "course": {
                "code": "T 1",
                "name": "Test",
                "term": "Spring 2026",
                "timezone": "America/Los_Angeles",
                "start": "2026-01-20",
                "end": "2026-05-15",
            },
            "deliverables": list(deliverables),
        }
    )


def policy(max_days: int | None) -> GradingPolicy:
    return GradingPolicy.model_validate(
        {
            "title": "p",
            "categories": [
                {
                    "id": "s",
                    "title": "S",
                    "weight": 100,
                    "items": [{"kind": "survey", "weight": 100}],
                }
            ],
            "late": {"max_days": max_days},
        }
    )


def survey(
    id: str, due: str, gradescope_id: str | None = None, title: str | None = None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": id,
        "kind": "survey",
        "title": title or id,
        "due": due,
        "platform": "gradescope",
    }
    if gradescope_id:
        item["gradescope_id"] = gradescope_id
    return item


def student(sid: str, email: str, section: str = "A", team: str | None = None) -> Student:
    return Student(
        sid=sid, name=f"Student {sid}", email=email, github=f"gh-{sid}", section=section, team=team
    )


def member(sid: str, email: str, *sections: str, role: str = "Student") -> Member:
    return Member(f"Student {sid}", sid, email, role, tuple(sections), "u" + sid)


# ---------------------------------------------------------------------------- roster


def test_section_names_match_with_or_without_the_word_section() -> None:
    assert (
        section_key("Section A") == section_key("a") == section_key("Discussion Section A") == "a"
    )
    assert section_key("Lab 2") == "lab 2"
    assert section_key("Section") == "section"  # nothing after the word: keep it


def test_roster_diff_matches_by_sid_then_email_and_ignores_staff() -> None:
    roster = [
        student("1", "one@u.edu", "A", "T1"),
        student("2", "two@u.edu", "B"),
        student("3", "three@u.edu", "C"),
        student("4", "four@u.edu", "D"),
    ]
    members = [
        member("1", "ONE@u.edu", "Section A"),  # same email, other case: no change
        member("", "two@u.edu", "Section B"),  # no sid on Gradescope: matched by email
        member("3", "three.new@u.edu", "Section D", "Lab 1"),  # email and section changed
        member("9", "nine@u.edu", "Section C"),  # new
        member("", "ta@u.edu", role="TA"),
    ]
    diff = diff_roster(roster, members, ["A", "B", "C", "D"])
    kinds = sorted((c.kind, c.sid) for c in diff.changes)
    assert kinds == [("dropped", "4"), ("email", "3"), ("new", "9"), ("section", "3")]
    assert diff.gradescope_students == 4
    proposed = {s.sid: s for s in diff.proposed}
    assert set(proposed) == {"1", "2", "3", "9"}
    assert proposed["1"].team == "T1" and proposed["1"].github == "gh-1"
    assert (proposed["3"].email, proposed["3"].section) == ("three.new@u.edu", "D")
    assert (proposed["9"].section, proposed["9"].github) == ("C", "")


def test_a_student_without_sections_on_gradescope_keeps_the_roster_section() -> None:
    diff = diff_roster([student("1", "a@u.edu", "B")], [member("1", "a@u.edu")])
    assert diff.changes == [] and diff.proposed[0].section == "B"


# ---------------------------------------------------------------------------- dates


def test_late_due_keeps_the_wall_clock_across_dst() -> None:
    due = datetime(2026, 3, 6, 23, 59, tzinfo=LA)  # Friday before DST starts (Sun Mar 8)
    check, late = expected_late_due(due, policy(3))
    assert check and late is not None
    assert late.astimezone(LA).strftime("%a %m-%d %H:%M %Z") == "Mon 03-09 23:59 PDT"
    assert late - due == timedelta(days=3)  # wall-clock arithmetic ...
    assert late.astimezone(UTC) - due.astimezone(UTC) == timedelta(hours=71)  # ... 71 real hours
    assert expected_late_due(due, policy(0)) == (True, None)
    assert expected_late_due(due, policy(None)) == (False, None)
    assert expected_late_due(due, None) == (False, None)


def test_check_dates_by_id_then_title_to_the_minute() -> None:
    sched = schedule(
        survey("by-id", "2026-03-04 23:59", gradescope_id="11"),
        survey("by-title", "2026-03-06 23:59", title="Course  Survey"),
        survey("ambiguous", "2026-03-06 23:59", title="Quiz"),
    )
    due_utc = datetime(2026, 3, 5, 7, 59, 30, tzinfo=UTC)  # 23:59:30 Pacific: same minute
    assignments = [
        Assignment("11", "Renamed on Gradescope", None, due_utc, None),
        Assignment("12", "course survey", None, datetime(2026, 3, 7, 0, 59, tzinfo=LA), None),
        Assignment("13", "Quiz", None, None, None),
        Assignment("14", "Quiz", None, None, None),
    ]
    report = check_dates(sched, policy(None), assignments)
    status = {c.deliverable.id: (c.status, c.matched_by) for c in report.checks}
    assert status == {
        "by-id": ("ok", "id"),
        "by-title": ("drift", "title"),
        "ambiguous": ("missing", ""),
    }
    assert {a.id for a in report.unscheduled} == {"13", "14"}
    (edit,) = plan_date_edits(report)
    assert edit.assignment.id == "12" and edit.due == datetime(2026, 3, 6, 23, 59, tzinfo=LA)


def test_dates_report_says_what_is_left_and_push_plan_refuses_another_zone() -> None:
    sched = schedule(
        survey("by-id", "2026-03-04 23:59", gradescope_id="11"),
        survey("gone", "2026-03-06 23:59", gradescope_id="99"),
        survey("by-title", "2026-03-06 23:59", title="Survey"),
    )
    eastern = datetime(2026, 3, 5, 2, 59, tzinfo=ZoneInfo("America/New_York"))
    assignments = [
        Assignment("11", "By id", None, eastern, None),  # 23:59 Pacific: same instant
        Assignment("12", "Survey", None, datetime(2026, 3, 6, 20, 59, tzinfo=LA), None),
        Assignment("13", "Practice", None, None, None),
    ]
    report = check_dates(sched, policy(None), assignments)
    assert not report.clean
    assert report.notes() == [
        "missing: no Gradescope assignment with id 99 for 'gone'; "
        "create it or fix gradescope_id in schedule.yaml",
        "not in schedule.yaml: Gradescope assignment 13 'Practice'",
    ]
    assert report.summary() == "3 checked: 1 drift, 1 missing"
    with pytest.raises(UserError, match=r"course 7 is not in America/Los_Angeles \('By id'"):
        push_plan(report, assignments, LA, "7")
    edits = push_plan(report, assignments[1:], LA, "7")
    assert [e.assignment.id for e in edits] == ["12"]
    assert report.after_push(edits) == (
        "set the dates of 1 assignment(s) on Gradescope; they now match, but 1 deliverable(s) "
        "are still missing there (see above)"
    )


def test_late_due_is_checked_only_when_the_policy_says() -> None:
    sched = schedule(survey("s", "2026-04-03 23:59", gradescope_id="1"))
    due = datetime(2026, 4, 3, 23, 59, tzinfo=LA)
    odd_late = Assignment("1", "s", None, due, due + timedelta(days=10))
    assert check_dates(sched, policy(None), [odd_late]).checks[0].status == "ok"
    report = check_dates(sched, policy(3), [odd_late])
    assert report.checks[0].status == "drift"
    (edit,) = plan_date_edits(report)
    assert edit.late_due == due + timedelta(days=3)
    none_late = check_dates(sched, policy(0), [odd_late])
    assert none_late.checks[0].late_drift and plan_date_edits(none_late)[0].late_due is None


def test_describe_shift() -> None:
    base = datetime(2026, 3, 4, 23, 59, tzinfo=LA)
    assert describe_shift(base + timedelta(hours=1), base) == "+1h"
    assert describe_shift(base - timedelta(days=1, hours=2, minutes=30), base) == "-1d 2h 30m"
    assert describe_shift(None, base) == "not set"
    assert describe_shift(base, None) == "should be unset"
    assert describe_shift(base, base) == ""


def test_zone_mismatch_seen_from_the_offsets() -> None:
    eastern = datetime(2026, 3, 4, 23, 59, tzinfo=ZoneInfo("America/New_York"))
    pacific = datetime(2026, 3, 4, 23, 59, tzinfo=LA)
    assert zone_mismatches([Assignment("1", "a", None, pacific, None)], LA) == []
    (found,) = zone_mismatches([Assignment("1", "a", None, eastern, None)], LA)
    assert "UTC-05:00" in found and "UTC-08:00" in found


# ---------------------------------------------------------------------------- extensions


def test_extensions_csv_is_readable_and_formula_safe() -> None:
    rows = [
        ExtensionRow(
            "pp1",
            "7",
            "123",
            "a@u.edu",
            '=HYPERLINK("x")',
            datetime(2026, 3, 9, 23, 59, tzinfo=LA),
            None,
            True,
        ),
    ]
    text = extensions_csv(rows, LA)
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["name"].startswith("'=")
    assert (row["sid"], row["deliverable"], row["action"]) == ("123", "pp1", "extension")
    assert row["until"] == "2026-03-09T23:59-07:00" and row["late_due"] == ""
    assert datetime.fromisoformat(row["until"]) == rows[0].due


def test_roster_sync_plans_the_write_and_refuses_shared_sids(tmp_path: Path) -> None:
    course_dir = tmp_path / "course"
    shutil.copytree(Path(__file__).parent / "courses" / "valid", course_dir)
    course = load_course(course_dir)
    first, *rest = course.students
    members = [member(first.sid, "moved@example.edu", first.section)]
    members += [member(s.sid, s.email, s.section) for s in rest]
    proposed = tmp_path / "proposed.csv"
    now = datetime(2026, 3, 1, 9, 30)

    dry = plan_roster_sync(course, members, "123", proposed, False, now)
    assert [c.kind for c in dry.diff.changes] == ["email"]
    assert dry.backup is None and dry.refusal is None
    assert "--write" in dry.after[0]

    sync = plan_roster_sync(course, members, "123", proposed, True, now)
    assert sync.refusal is None
    assert sync.backup is not None and "20260301-093000.bak" in sync.backup.name
    assert "moved@example.edu" in sync.text

    shared = [*members, member(first.sid, "twin@example.edu", first.section)]
    refused = plan_roster_sync(course, shared, "123", proposed, True, now)
    assert refused.backup is None
    assert refused.refusal is not None and "shared by two" in refused.refusal

    with pytest.raises(UserError, match="lists no students"):
        plan_roster_sync(course, [], "123", proposed, True, now)
