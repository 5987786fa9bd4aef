"""The pure checker: every status, from RepoFetch values a source could return."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from coursectl.course.model import ReflectionDeliverable, WordRange
from coursectl.course.roster import Student
from coursectl.errors import UserError
from coursectl.reflections.check import (
    STATUSES,
    check_reflections,
    classify,
    find_reflection,
    format_duration,
    plan_requests,
)
from coursectl.reflections.source import FileSnapshot, RepoFetch, RepoRequest

PACIFIC = ZoneInfo("America/Los_Angeles")
DUE = datetime(2026, 3, 6, 23, 59, tzinfo=PACIFIC)
CUTOFF = DUE + timedelta(minutes=15)
RANGE = WordRange(min=3, max=6)
REQUEST = RepoRequest("9100001", "avery", "org/reflections-avery", "reflections/week-07.md")


def snap(
    text: str | bytes, at: datetime, sha: str = "abc123", verified: bool = True
) -> FileSnapshot:
    content = text.encode() if isinstance(text, str) else text
    return FileSnapshot(content, sha, at, verified)


BEFORE = DUE - timedelta(hours=2)
AFTER = DUE + timedelta(hours=3)


@pytest.mark.parametrize(
    ("on_time", "latest", "status", "words"),
    [
        (None, None, "missing", None),
        (snap("", BEFORE), None, "empty", 0),
        (
            snap("---\ntitle: only front matter\n---\n<!-- and a comment -->", BEFORE),
            None,
            "empty",
            0,
        ),
        (snap("two words", BEFORE), None, "too-short", 2),
        (snap("one two three four", BEFORE), None, "ok", 4),
        (snap("one two three four five six seven", BEFORE), None, "too-long", 7),
        (None, snap("one two three four", AFTER), "late", 4),
        (snap("two words", BEFORE), snap("one two three four", AFTER), "late", 4),
        (snap("", BEFORE), snap("one two three", AFTER), "late", 3),
        (snap("one two three four", BEFORE), snap("one two three four five", AFTER), "ok", 4),
        (None, snap("", AFTER), "empty", 0),
        (
            snap("two words", BEFORE),
            snap("two words again", AFTER - timedelta(hours=3, minutes=30)),
            "ok",  # a "latest" that came in time is graded
            3,
        ),
    ],
)
def test_statuses(
    on_time: FileSnapshot | None, latest: FileSnapshot | None, status: str, words: int | None
) -> None:
    record = classify(RepoFetch(REQUEST, "ok", on_time=on_time, latest=latest), RANGE, DUE, CUTOFF)
    assert (record.status, record.words) == (status, words)
    assert record.status in STATUSES


def test_late_reports_the_late_version_and_real_lateness() -> None:
    late = snap("one two three four", datetime(2026, 3, 8, 18, 0, tzinfo=UTC), sha="late1")
    record = classify(
        RepoFetch(REQUEST, "ok", on_time=snap("x", BEFORE), latest=late), RANGE, DUE, CUTOFF
    )
    assert record.status == "late" and record.commit == "late1"
    assert record.submitted_at == late.received_at
    # 23:59 PST Mar 6 is 07:59 UTC Mar 7; to 18:00 UTC Mar 8 is 34:01.
    assert record.late_by == timedelta(hours=34, minutes=1)
    assert format_duration(record.late_by) == "34:01:00"
    assert "on-time version: 1 words, below 3" in record.reason


@pytest.mark.parametrize(
    ("on_time", "late_text", "status", "words"),
    [
        (snap("two words", BEFORE), "x", "too-short", 1),
        (None, "x", "too-short", 1),
        (snap("two words", BEFORE), "one two three four five six seven eight", "too-long", 8),
        (snap("a b c d e f g h", BEFORE), "a b", "too-short", 2),
        (snap("two words", BEFORE), "", "empty", 0),
    ],
)
def test_late_version_outside_the_range_is_never_late_credit(
    on_time: FileSnapshot | None, late_text: str, status: str, words: int
) -> None:
    """`late` means complete-but-late to the gradebook; a late version out of range is not."""
    fetch = RepoFetch(REQUEST, "ok", on_time=on_time, latest=snap(late_text, AFTER, "v2"))
    record = classify(fetch, RANGE, DUE, CUTOFF)
    assert (record.status, record.words, record.commit) == (status, words, "v2")
    assert record.late_by == timedelta(hours=3)  # its lateness is still reported
    if on_time is not None:
        assert "on-time version:" in record.reason


def test_ok_with_a_later_edit_keeps_the_on_time_version_and_says_so() -> None:
    fetch = RepoFetch(
        REQUEST, "ok", on_time=snap("a b c d", BEFORE, "v1"), latest=snap("a b c d e", AFTER, "v2")
    )
    record = classify(fetch, RANGE, DUE, CUTOFF)
    assert (record.status, record.commit, record.late_by) == ("ok", "v1", None)
    assert "changed after the deadline" in record.reason


@pytest.mark.parametrize("outcome", ["no-repo", "no-access", "error"])
def test_source_failures_pass_through_with_their_reason(outcome: str) -> None:
    fetch = RepoFetch(REQUEST, outcome, reason="HTTP 403: resource not accessible")  # type: ignore[arg-type]
    record = classify(fetch, RANGE, DUE, CUTOFF)
    assert (record.status, record.reason) == (outcome, "HTTP 403: resource not accessible")


@pytest.mark.parametrize(
    ("content", "status", "note"),
    [
        (b"\x00\x01binary\x00", "error", "binary"),
        (b"x" * 1_048_577, "error", "over 1 MiB"),
        ("r\u00e9sum\u00e9 caf\u00e9 words here".encode("cp1252"), "ok", "not valid UTF-8"),
        ("\ufeffone two three".encode(), "ok", ""),
        ("one two three four".encode("utf-16"), "ok", "UTF-16"),
    ],
)
def test_unusual_bytes(content: bytes, status: str, note: str) -> None:
    record = classify(RepoFetch(REQUEST, "ok", on_time=snap(content, BEFORE)), RANGE, DUE, CUTOFF)
    assert record.status == status
    assert note in record.reason


def test_time_source_none_shows_no_time_and_never_late() -> None:
    undated = FileSnapshot(b"one two three", "", CUTOFF, False, "none")
    record = classify(RepoFetch(REQUEST, "ok", on_time=undated), RANGE, DUE, CUTOFF)
    assert (record.status, record.submitted_at, record.time_source) == ("ok", None, "none")


def _deliverable(**changes: object) -> ReflectionDeliverable:
    data: dict[str, object] = {
        "id": "week-07-reflection",
        "kind": "reflection",
        "title": "Week 7 Reflection",
        "week": 7,
        "due": DUE,
        "platform": "github",
        "path": "reflections/week-07.md",
        "words": {"min": 3, "max": 6},
        "grace_minutes": 15,
    }
    data.update(changes)
    return ReflectionDeliverable.model_validate(data)


STUDENTS = [
    Student("1", "A", "a@x.edu", "ann", "A"),
    Student("2", "B", "b@x.edu", "", "A"),
    Student("3", "C", "c@x.edu", "cal", "B"),
    Student("4", "D", "d@x.edu", "dot", "B"),
]


def test_whole_class_in_roster_order_one_failure_does_not_stop_others() -> None:
    seen: list[datetime] = []

    def fetch(requests: Sequence[RepoRequest], cutoff: datetime) -> list[RepoFetch]:
        seen.append(cutoff)
        assert [r.repo for r in requests] == [
            "llm/reflections-ann",
            "llm/reflections-cal",
            "llm/reflections-dot",
        ]
        return [
            RepoFetch(requests[2], "ok", on_time=snap("a b c d", BEFORE)),
            RepoFetch(requests[0], "error", reason="HTTP 502 after 3 tries"),
            # cal's result is missing entirely: a source bug, reported as that student's error.
        ]

    report = check_reflections(STUDENTS, _deliverable(), "llm", fetch)
    assert seen == [CUTOFF]
    assert [(r.sid, r.status) for r in report.records] == [
        ("1", "error"),
        ("2", "no-repo"),
        ("3", "error"),
        ("4", "ok"),
    ]
    assert report.records[1].reason == "no GitHub login in the roster"
    assert report.counts() == {"ok": 1, "no-repo": 1, "error": 2}


def test_plan_requests_fills_the_pattern() -> None:
    requests, skipped = plan_requests(
        STUDENTS[:1], _deliverable(repo="{org}/{github}-{sid}-refl"), "llm"
    )
    assert (
        requests == [RepoRequest("1", "ann", "llm/ann-1-refl", "reflections/week-07.md")]
        and not skipped
    )
    with pytest.raises(UserError, match=r"course.github.org"):
        plan_requests(STUDENTS[:1], _deliverable(), None)
    with pytest.raises(UserError, match="not valid"):
        plan_requests(STUDENTS[:1], _deliverable(repo="{org}/{nope}"), "llm")


def test_find_reflection_by_week_or_id() -> None:
    items = [_deliverable(), _deliverable(id="week-08-reflection", week=8)]
    assert find_reflection(items, "7").id == "week-07-reflection"
    assert find_reflection(items, "week-08-reflection").week == 8
    with pytest.raises(UserError, match="no reflection due in week 9; weeks with one: 7, 8"):
        find_reflection(items, "9")
    with pytest.raises(UserError, match="no reflection deliverable 'week-7'"):
        find_reflection(items, "week-7")
    with pytest.raises(UserError, match="give one id"):
        find_reflection([*items, _deliverable(id="week-07-extra")], "7")
