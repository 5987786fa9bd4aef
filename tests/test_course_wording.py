"""pydantic's errors for what TAs commonly get wrong in schedule.yaml and grading-policy.yaml,
said as what to write instead: one line each, at the line of the mistake."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coursectl.course.loading import read_course_files
from coursectl.course.model import GradingPolicy, Schedule
from coursectl.course.wording import model_at

COURSES = Path(__file__).parent / "courses"
SCHEDULE, POLICY = "schedule.yaml", "rubrics/grading-policy.yaml"
REFLECTION_PATH = "    path: reflections/week-01.md\n"

# (file, text to replace, what a TA wrote instead, the one line validate gives)
CASES = [
    (
        SCHEDULE,
        REFLECTION_PATH,
        REFLECTION_PATH + "    words: 300-500\n",
        "words: '300-500' is not a word range; write words: {min: 300, max: 500}",
    ),
    (
        SCHEDULE,
        "days: [MO, WE]",
        "days: MO WE",
        "days: 'MO WE' is several days in one; write days: [MO, WE]",
    ),
    (SCHEDULE, "days: [MO, WE]", "days: Mon, Wed", "write days: [MO, WE]"),
    (
        SCHEDULE,
        "days: [MO, WE]",
        "days: [MO, Funday]",
        "days: 'Funday' is not a weekday; write MO, TU, WE, TH, FR, SA or SU",
    ),
    (
        SCHEDULE,
        "    platform: gradescope\n    reviews",
        "    platform: Gradescope\n    reviews",
        "platform: unknown value 'Gradescope'; did you mean 'gradescope'? (one of github, "
        "gradescope, canvas, in-class, other)",
    ),
    (
        SCHEDULE,
        "kind: portfolio-piece",
        "kind: portfolio",
        "kind: unknown kind 'portfolio'; did you mean 'portfolio-piece'?",
    ),
    (
        SCHEDULE,
        "kind: portfolio-piece",
        "knid: portfolio-piece",
        "unknown key 'knid'; did you mean 'kind'?",
    ),
    (
        SCHEDULE,
        "  github:\n    org: test-org",
        "  github: test-org",
        "github: 'test-org' should be keys, not one value; write github: {org: test-org}",
    ),
    (
        SCHEDULE,
        "  name: Minimal course",
        "  name: 2026",
        "name: 2026 is read as a number; put it in quotes: '2026'",
    ),
    (
        SCHEDULE,
        "  name: Minimal course",
        "  name:",
        "name: is empty; write its value or remove the key",
    ),
    (
        SCHEDULE,
        "    reviews: pp1",
        "    reviews: pp1\n    reviews_per_student: 0",
        "reviews_per_student: 0 is too small; it must be 1 or more",
    ),
    (
        SCHEDULE,
        "deliverables:",
        "deliverable:",
        "unknown key 'deliverable'; did you mean 'deliverables'?",
    ),
    (
        SCHEDULE,
        "    location: Room 1",
        "    location: Room 1\n    first: yes",
        "first: true is not a date; write YYYY-MM-DD",
    ),
    (
        SCHEDULE,
        "    location: Room 1",
        "    location: Room 1\n    locaton: Room 2",
        "unknown key 'locaton'",
    ),  # present: no suggestion of it
    (
        SCHEDULE,
        "    platform: gradescope\n  - id: pp1-peer",
        "    platform: gradescope\n    words: {min: 1, max: 2}\n  - id: pp1-peer",
        "'words' is a key of kind reflection, not of portfolio-piece; remove it or fix kind:",
    ),
    (POLICY, "    weight: 60", "    weight: 60%", "weight: '60%' is not a number; write 60"),
    (POLICY, "    weight: 60", "    weight: 0", "weight: 0 is too small; it must be more than 0"),
    (POLICY, "    weight: 60", "    weigth: 60", "unknown key 'weigth'; did you mean 'weight'?"),
    (
        POLICY,
        "rule: completion}\n  - id",
        "rule: complete}\n  - id",
        "rule: unknown value 'complete'; did you mean 'completion'?",
    ),
    (
        POLICY,
        "      - {kind: reflection, weight: 100, rule: completion}",
        "      - {kind: reflection, weight: 100, late: no}",
        "",  # `no` is YAML for false: fine
    ),
    (
        POLICY,
        "      - {kind: reflection, weight: 100, rule: completion}",
        "      - {kind: reflection, weight: 100, late: none}",
        "late: 'none' is not true or false; write true or false",
    ),
    (
        POLICY,
        "    items:\n      - {kind: reflection, weight: 100, rule: completion}",
        "    items: {kind: reflection, weight: 100, rule: completion}",
        "items: write a list: put '- ' before each entry (one '- ' per item)",
    ),
    (
        POLICY,
        "      - {kind: reflection, weight: 100, rule: completion}",
        "      - reflection",
        "items: 'reflection' should be keys, not one value; write - {kind: reflection, weight: 100}",
    ),
    (
        POLICY,
        "title: Test policy",
        "title: Test policy\nlate: 10",
        "late: 10 should be keys, not one value; write late: {grace_minutes: 15, penalty_per_day: 10, max_days: 3}",
    ),
    (
        POLICY,
        "title: Test policy",
        "title: Test policy\nlate:\n  penalty_per_day: 150",
        "penalty_per_day: 150 is too large; it must be 100 or less",
    ),
    (
        POLICY,
        "title: Test policy",
        "title: Test policy\nlate:\n  grace_minutes: 15 minutes",
        "grace_minutes: '15 minutes' is not a whole number; write 15",
    ),
    (
        POLICY,
        "title: Test policy",
        "title: Test policy\ngradebook:\n  complete_statuses: ok",
        "complete_statuses: write a list: complete_statuses: [ok]",
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "message"), CASES, ids=[c[2].strip() for c in CASES]
)
def test_common_mistakes_say_what_to_write(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    course = tmp_path / "course"
    shutil.copytree(COURSES / "valid", course)
    path = course / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    _, problems = read_course_files(course)
    if not message:
        assert problems == []
        return
    assert len(problems) == 1, problems
    [problem] = problems
    assert message in problem.message
    # At the lines the TA changed (a key whose value is a block: at the block's first line).
    first = text[: text.index(old)].count("\n") + 1
    assert problem.line is not None and first <= problem.line <= first + new.count("\n") + 1


def test_model_at_follows_lists_and_kinds() -> None:
    assert model_at(Schedule, ("deliverables", 3, "reflection", "words"))[0].__name__ == "WordRange"  # type: ignore[union-attr]
    model, others = model_at(Schedule, ("deliverables", 0, "exam"))
    assert model is not None and model.__name__ == "ExamDeliverable" and len(others) == 6
    assert model_at(GradingPolicy, ("categories", 0, "items", 2))[0].__name__ == "PolicyItem"  # type: ignore[union-attr]
    assert model_at(Schedule, ("nowhere",)) == (None, [])
