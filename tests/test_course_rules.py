"""One test per rule in coursectl.course.rules: a small course in tmp that breaks it gets its
message, the course it was made from gets nothing. Each test names the rule it covers."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from coursectl.course import rules
from coursectl.course.loading import read_course_files
from coursectl.course.rules import RULES, WARNINGS, Rule, rule_summaries

# Term Mon 2026-03-02..Fri 03-27; spring break is the whole second calendar week, so course
# week 2 starts Mon 03-16. Every rule holds for it.
SCHEDULE = """\
course:
  code: TEST 1
  name: Rules course
  term: Spring 2026
  timezone: America/Los_Angeles
  start: Mon 2026-03-02
  end: Fri 2026-03-27
  roster: roster.csv
  github:
    org: test-org
meetings:
  - id: lecture
    kind: lecture
    title: Lecture
    days: [MO, WE]
    start: "10:00"
    end: "11:20"
  - id: section-a
    kind: section
    section: A
    title: Section A
    days: [TU]
    start: "09:00"
    end: "09:50"
breaks:
  - id: spring-break
    title: Spring break
    start: Mon 2026-03-09
    end: Fri 2026-03-13
weeks:
  - number: 1
    title: One
    lectures:
      - {number: 1, date: Mon 2026-03-02, title: First}
      - {number: 2, date: Wed 2026-03-04, title: Second}
    section:
      date: Tue 2026-03-03
      title: Section one
  - number: 2
    title: Two
    lectures:
      - {number: 3, date: Mon 2026-03-16, title: Third}
deliverables:
  - id: pp1
    kind: portfolio-piece
    title: Portfolio Piece 1
    week: 1
    due: Fri 2026-03-06 23:59
    platform: gradescope
  - id: pp1-peer-reviews
    kind: peer-review
    title: PP1 peer reviews
    week: 2
    due: Wed 2026-03-18 23:59
    platform: gradescope
    reviews: pp1
    rubric: peer-review
    submission_link: https://github.com/{org}/pp1-{github}
  - id: exam-1
    kind: exam
    title: Exam 1
    week: 2
    start: Wed 2026-03-18 10:00
    due: Wed 2026-03-18 11:20
    platform: in-class
  - id: reflection-1
    kind: reflection
    title: Reflection
    week: 2
    due: Fri 2026-03-20 23:59
    platform: github
    path: reflections/week-01.md
"""

RUBRIC = """\
id: peer-review
title: Peer review rubric
criteria:
  - name: What worked well
    description: 2-3 specific observations
"""

POLICY = """\
title: Test policy
categories:
  - id: portfolio
    title: Portfolio
    weight: 60
    items:
      - {deliverable: pp1, weight: 80}
      - {deliverable: pp1-peer-reviews, weight: 20, rule: completion}
  - id: reflections
    title: Reflections
    weight: 40
    items:
      - {kind: reflection, weight: 50, rule: completion}
      - {kind: exam, weight: 50}
gradebook:
  canvas_ids:
    pp1: "510001"
"""

ROSTER = """\
sid,name,email,github,section
1001,Ada Example,ada@example.edu,ada-example,A
1002,Bo Example,bo@example.edu,bo-example,A
"""

ADJUSTMENTS = "sid,deliverable,action,until,note\n1001,pp1,excused,,ill\n"


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} is not once in the text"
    return text.replace(old, new)


def line(text: str, needle: str) -> int:
    """The 1-based line the first `needle` is on."""
    return text[: text.index(needle)].count("\n") + 1


def write(
    folder: Path,
    schedule: str = SCHEDULE,
    policy: str | None = POLICY,
    rubric: str | None = RUBRIC,
    roster: str | None = ROSTER,
    adjustments: str | None = ADJUSTMENTS,
) -> None:
    """The course's files in `folder`; a file given as None is not there."""
    (folder / "rubrics").mkdir(parents=True, exist_ok=True)
    (folder / "grades").mkdir(exist_ok=True)
    (folder / "schedule.yaml").write_text(schedule, encoding="utf-8")
    for name, text in (
        ("roster.csv", roster),
        ("grades/adjustments.csv", adjustments),
        ("rubrics/peer-review.yaml", rubric),
        ("rubrics/grading-policy.yaml", policy),
    ):
        if text is None:
            (folder / name).unlink(missing_ok=True)
        else:
            (folder / name).write_text(text, encoding="utf-8")


def check(rule: Rule, folder: Path) -> list[str]:
    """`rule` on the course in `folder`, as lines; the files themselves must have no problem."""
    files, problems = read_course_files(folder)
    assert files is not None and problems == []
    return [str(p) for p in rule(files)]


def run(rule: Rule, folder: Path, schedule: str = SCHEDULE, **files: str | None) -> list[str]:
    """`rule` on a course written to `folder` (under the current folder, so messages name its
    files as a TA would type them): `write`'s files, with the ones given replaced."""
    write(folder, schedule, **files)
    return check(rule, folder)


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path / "course"


def at(needle: str, text: str = SCHEDULE, file: str = "course/schedule.yaml") -> str:
    return f"{file}:{line(text, needle)}"


# ---------------------------------------------------------------------------- schedule.yaml


@pytest.mark.parametrize(
    ("zone", "region"),
    [
        ("EST", "America/New_York"),
        ("EST5EDT", "America/New_York"),
        ("MST", "America/Denver"),
        ("HST", "Pacific/Honolulu"),
        ("GMT", "Europe/London"),
        ("CET", "Europe/Paris"),
        ("Etc/GMT+5", "America/New_York"),
        ("Etc/GMT-1", "Europe/Paris"),
    ],
)
def test_timezone_is_a_region(course: Path, zone: str, region: str) -> None:
    for fine in ("America/Los_Angeles", "America/Phoenix", "UTC"):  # Phoenix: no DST, a place
        assert (
            run(rules.timezone_is_a_region, course, edit(SCHEDULE, "America/Los_Angeles", fine))
            == []
        )
    broken = edit(SCHEDULE, "America/Los_Angeles", zone)
    [message] = run(rules.timezone_is_a_region, course, broken)
    assert message.startswith(f"{at('timezone:', broken)}:13: '{zone}' is ")
    assert message.endswith(f"e.g. '{region}'") or f"e.g. '{region}' (" in message


@pytest.mark.parametrize(
    ("written", "advice"),
    [
        (
            "UTC-5",
            "'UTC-5' is a fixed offset from UTC: summer time would be wrong for the whole "
            "term; write the region's IANA zone, e.g. 'America/New_York'",
        ),
        ("GMT+1", "e.g. 'Europe/Paris'"),
        ("+05:30", "e.g. 'Asia/Kolkata'"),
        (
            "PST",
            "'PST' is an abbreviation, not the zone of a place: the clock changes would be "
            "wrong for the term; write the IANA region zone, e.g. 'America/Los_Angeles'",
        ),
        ("America/Springfield", "'America/Springfield' is not an IANA time zone"),
    ],
)
def test_timezone_is_a_region_when_zoneinfo_does_not_know_it(
    course: Path, written: str, advice: str
) -> None:
    """Zones zoneinfo refuses are the model's error; it says the same thing as the rule."""
    write(course, edit(SCHEDULE, "America/Los_Angeles", f"'{written}'"))
    _, problems = read_course_files(course)
    assert [p.line for p in problems] == [line(SCHEDULE, "timezone:")]
    assert advice in problems[0].message


def test_course_not_empty(course: Path) -> None:
    assert run(rules.course_not_empty, course) == []
    no_weeks = SCHEDULE[: SCHEDULE.index("weeks:")] + SCHEDULE[SCHEDULE.index("deliverables:") :]
    assert run(rules.course_not_empty, course, no_weeks, policy=None) == []
    empty = SCHEDULE[: SCHEDULE.index("weeks:")] + "deliverables: []\n"
    assert run(rules.course_not_empty, course, empty, policy=None) == [
        f"{at('deliverables: []', empty)}:15: the course has no weeks and no deliverables: "
        "there is nothing to render, remind of or grade; add weeks: and deliverables: to "
        "schedule.yaml"
    ]
    assert run(rules.course_not_empty, course, SCHEDULE[: SCHEDULE.index("weeks:")]) == [
        "course/schedule.yaml:1:1: the course has no weeks and no deliverables: there is "
        "nothing to render, remind of or grade; add weeks: and deliverables: to schedule.yaml"
    ]


def test_unique_ids(course: Path) -> None:
    assert run(rules.unique_ids, course) == []
    broken = edit(SCHEDULE, "id: exam-1", "id: pp1")
    again = at("- id: pp1\n    kind: exam", broken)
    assert run(rules.unique_ids, course, broken) == [
        f"{again}:5: duplicate id 'pp1' (first on line {line(broken, '- id: pp1')}); make it unique"
    ]


def test_unique_ids_for_week_numbers(course: Path) -> None:
    broken = edit(SCHEDULE, "number: 2\n", "number: 1\n")
    again = line(broken, "  - number: 1\n    title: Two")
    assert run(rules.unique_ids, course, broken) == [
        f"course/schedule.yaml:{again}:5: duplicate week number '1' (first on line "
        f"{line(broken, '- number: 1')}); make it unique"
    ]


def test_breaks_in_term(course: Path) -> None:
    assert run(rules.breaks_in_term, course) == []
    broken = edit(SCHEDULE, "end: Fri 2026-03-13", "end: Fri 2026-04-03")
    assert run(rules.breaks_in_term, course, broken) == [
        f"{at('- id: spring-break')}:5: break 'spring-break' (2026-03-09..2026-04-03) is outside "
        "the term (2026-03-02..2026-03-27); fix its dates or the term"
    ]


def test_meetings_end_after_start(course: Path) -> None:
    assert run(rules.meetings_end_after_start, course) == []
    broken = edit(SCHEDULE, '    end: "09:50"\n', '    end: "09:50"\n    last: Fri 2026-02-27\n')
    assert run(rules.meetings_end_after_start, course, broken) == [
        f"{at('- id: section-a')}:5: meeting 'section-a' ends (2026-02-27) before it starts "
        "(2026-03-02)"
    ]


def test_times_exist(course: Path) -> None:
    assert run(rules.times_exist, course) == []
    broken = edit(SCHEDULE, "due: Fri 2026-03-06 23:59", "due: Sun 2026-03-08 02:30")
    assert run(rules.times_exist, course, broken) == [
        f"{at('due: Sun 2026-03-08', broken)}:10: 'pp1': Sun 2026-03-08 02:30 does not exist in "
        "America/Los_Angeles (clocks jump from 02:00 to 03:00 that night); write 03:00 or 01:59"
    ]


@pytest.mark.parametrize(
    ("written", "suggestion"),
    [
        (
            "Sun 2026-11-01 01:30",
            "write 00:59 or 02:00, or add the offset: '2026-11-01 01:30-07:00' (the first) or "
            "'2026-11-01 01:30-08:00' (the second)",
        ),
        ("Sun 2026-11-01 01:00", "write 00:59 or 02:00"),
        ("Sun 2026-11-01 01:59", "write 00:59 or 02:00"),
    ],
)
def test_times_happen_once(course: Path, written: str, suggestion: str) -> None:
    assert run(rules.times_happen_once, course) == []
    for fine in ("Sun 2026-11-01 00:59", "Sun 2026-11-01 02:00", "Sun 2026-11-01 01:30-08:00"):
        assert (
            run(rules.times_happen_once, course, edit(SCHEDULE, "Fri 2026-03-06 23:59", fine)) == []
        )
    broken = edit(SCHEDULE, "due: Fri 2026-03-06 23:59", f"due: {written}")
    [message] = run(rules.times_happen_once, course, broken)
    assert message.startswith(
        f"{at('due: Sun 2026-11-01', broken)}:10: 'pp1': {written} happens twice in "
        "America/Los_Angeles (clocks go back from 02:00 to 01:00 that night); "
    )
    assert suggestion in message
    exam = edit(SCHEDULE, "start: Wed 2026-03-18 10:00", "start: Sun 2026-11-01 01:15")
    exam = edit(exam, "due: Wed 2026-03-18 11:20", "due: Sun 2026-11-01 03:00")
    [message] = run(rules.times_happen_once, course, exam)
    assert message.startswith(f"{at('start: Sun 2026-11-01', exam)}:12: 'exam-1': ")


def test_deadlines_outside_breaks(course: Path) -> None:
    assert run(rules.deadlines_outside_breaks, course) == []
    broken = edit(SCHEDULE, "due: Fri 2026-03-06 23:59", "due: Wed 2026-03-11 23:59")
    assert run(rules.deadlines_outside_breaks, course, broken) == [
        f"{at('due: Wed 2026-03-11', broken)}:10: 'pp1' is due Wed 2026-03-11, inside 'Spring "
        "break' (2026-03-09..2026-03-13); move the deadline out of the break"
    ]


def test_deadlines_in_term(course: Path) -> None:
    assert run(rules.deadlines_in_term, course) == []
    broken = edit(SCHEDULE, "due: Fri 2026-03-20 23:59", "due: Fri 2026-04-03 23:59")
    assert run(rules.deadlines_in_term, course, broken) == [
        f"{at('due: Fri 2026-04-03', broken)}:10: 'reflection-1' is due 2026-04-03, outside the "
        "term (2026-03-02..2026-03-27)"
    ]


def test_reviews_name_a_submission(course: Path) -> None:
    assert run(rules.reviews_name_a_submission, course) == []
    unknown = edit(SCHEDULE, "reviews: pp1", "reviews: pp9")
    assert run(rules.reviews_name_a_submission, course, unknown) == [
        f"{at('reviews: pp9', unknown)}:14: 'pp1-peer-reviews' reviews unknown deliverable "
        "'pp9'; use one of the deliverable ids"
    ]
    meta = SCHEDULE + (
        "  - id: meta\n    kind: peer-review\n    title: Meta\n    due: Fri 2026-03-20 23:59\n"
        "    platform: gradescope\n    reviews: pp1-peer-reviews\n    rubric: peer-review\n"
    )
    assert run(rules.reviews_name_a_submission, course, meta) == [
        f"{at('reviews: pp1-peer-reviews', meta)}:14: 'meta' reviews 'pp1-peer-reviews', which "
        "is itself a peer review; name the deliverable whose submissions are reviewed, e.g. 'pp1'"
    ]


def test_rubrics_exist(course: Path) -> None:
    assert run(rules.rubrics_exist, course) == []
    where = at("rubric: peer-review")
    assert run(rules.rubrics_exist, course, rubric=None) == [
        f"{where}:13: 'pp1-peer-reviews' names rubric 'peer-review', but "
        "course/rubrics/peer-review.yaml is missing (no rubric there has id 'peer-review'); "
        "add the file or fix the id"
    ]
    assert run(rules.rubrics_exist, course, rubric=edit(RUBRIC, "id: peer-review", "id: peer")) == [
        f"{where}:13: 'pp1-peer-reviews' names rubric 'peer-review', but "
        "course/rubrics/peer-review.yaml has id 'peer'; make the two agree"
    ]


def test_rubrics_exist_without_a_rubrics_folder(course: Path) -> None:
    write(course, rubric=None, policy=None)
    (course / "rubrics").rmdir()
    assert check(rules.rubrics_exist, course) == [
        f"{at('rubric: peer-review')}:13: 'pp1-peer-reviews' names rubric 'peer-review', but "
        "there is no course/rubrics/ folder; create course/rubrics/peer-review.yaml"
    ]


def test_exams_on_one_day(course: Path) -> None:
    assert run(rules.exams_on_one_day, course) == []
    broken = edit(SCHEDULE, "start: Wed 2026-03-18 10:00", "start: Tue 2026-03-17 10:00")
    assert run(rules.exams_on_one_day, course, broken) == [
        f"{at('start: Tue 2026-03-17', broken)}:12: exam 'exam-1' starts and ends on different days"
    ]


def test_deliverable_weeks_exist(course: Path) -> None:
    assert run(rules.deliverable_weeks_exist, course) == []
    broken = edit(SCHEDULE, "    week: 1\n", "    week: 7\n")
    assert run(rules.deliverable_weeks_exist, course, broken) == [
        f"{at('week: 7', broken)}:11: 'pp1' names week 7, which schedule.yaml does not have"
    ]


def test_github_org_set(course: Path) -> None:
    assert run(rules.github_org_set, course) == []
    broken = edit(SCHEDULE, "  github:\n    org: test-org\n", "")
    assert run(rules.github_org_set, course, broken) == [
        f"{at('platform: github', broken)}:15: platform github needs course.github.org in "
        "schedule.yaml"
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "{org}/pp1-{github}",
            "{org}/pp1-{login}",
            "'pp1-peer-reviews' submission_link 'https://github.com/{org}/pp1-{login}' uses "
            "{login}, which coursectl cannot fill; use {github}, {sid}, {org}",
        ),
        (
            "{org}/pp1-{github}",
            "{org}/pp1-{gthub}",
            "uses {gthub}, which coursectl cannot fill; did you mean {github}? use {github}, "
            "{sid}, {org}",
        ),
        ("{org}/pp1-{github}", "{org}/pp1-{github", "is not a pattern ("),
        ("{org}/pp1-{github}", "{org}/pp1-{}", "uses {}, which coursectl cannot fill"),
        ("{org}/pp1-{github}", "{org}/pp1-{github.lower}", "uses {github.lower}, which"),
        ("{org}/pp1-{github}", "{org}/pp1-{github:>{sid}}", "a field inside a format spec"),
        ("{org}/pp1-{github}", "{org}/pp1-{github:d}", "cannot be filled ("),
    ],
)
def test_patterns_can_be_filled(course: Path, old: str, new: str, message: str) -> None:
    assert run(rules.patterns_can_be_filled, course) == []
    broken = edit(SCHEDULE, old, new)
    [found] = run(rules.patterns_can_be_filled, course, broken)
    assert found.startswith(f"{at('submission_link:', broken)}:22: ")
    assert message in found


def test_patterns_can_be_filled_for_reflection_repos(course: Path) -> None:
    where = "    path: reflections/week-01.md\n"
    repo = edit(SCHEDULE, where, where + "    repo: '{org}/reflections-{student}'\n")
    assert run(rules.patterns_can_be_filled, course, repo) == [
        f"{at('repo:', repo)}:11: 'reflection-1' repo '{{org}}/reflections-{{student}}' uses "
        "{student}, which coursectl cannot fill; use {org}, {github}, {sid}"
    ]
    flat = edit(SCHEDULE, where, where + "    repo: 'reflections-{github}'\n")
    assert run(rules.patterns_can_be_filled, course, flat) == [
        f"{at('repo:', flat)}:11: 'reflection-1' repo 'reflections-{{github}}' gives "
        "'reflections-x', not owner/name; write e.g. '{org}/reflections-{github}'"
    ]
    no_org = edit(SCHEDULE, "  github:\n    org: test-org\n", "")
    assert [m for m in run(rules.patterns_can_be_filled, course, no_org)] == [
        f"{at('submission_link:', no_org)}:22: 'pp1-peer-reviews' submission_link "
        "'https://github.com/{org}/pp1-{github}' uses {org}, but course.github.org is not set; "
        "set it or drop {org}"
    ]  # the reflection on GitHub: github_org_set says it


def test_lecture_numbers_unique(course: Path) -> None:
    assert run(rules.lecture_numbers_unique, course) == []
    broken = edit(SCHEDULE, "{number: 3,", "{number: 2,")
    assert run(rules.lecture_numbers_unique, course, broken) == [
        f"{at('{number: 2, date: Mon', broken)}:18: two lectures numbered 2 (first on line "
        f"{line(broken, '{number: 2,')}); renumber one"
    ]


def test_class_days_outside_breaks(course: Path) -> None:
    assert run(rules.class_days_outside_breaks, course) == []
    broken = edit(SCHEDULE, "date: Tue 2026-03-03", "date: Tue 2026-03-10")
    assert run(rules.class_days_outside_breaks, course, broken) == [
        f"{at('date: Tue 2026-03-10', broken)}:13: week 1's discussion section on 2026-03-10 "
        "falls in 'Spring break'"
    ]


def test_class_days_in_their_week(course: Path) -> None:
    assert run(rules.class_days_in_their_week, course) == []
    broken = edit(SCHEDULE, "date: Wed 2026-03-04", "date: Wed 2026-03-18")
    assert run(rules.class_days_in_their_week, course, broken) == [
        f"{at('date: Wed 2026-03-18', broken)}:27: Lecture 2 on 2026-03-18 is in course week 2, "
        "not week 1"
    ]


# ---------------------------------------------------------------------------- grading policy

POLICY_FILE = "course/rubrics/grading-policy.yaml"


def test_category_weights_total_100(course: Path) -> None:
    assert run(rules.category_weights_total_100, course) == []
    assert run(rules.category_weights_total_100, course, policy=None) == []
    broken = edit(POLICY, "weight: 40", "weight: 30")
    assert run(rules.category_weights_total_100, course, policy=broken) == [
        f"{at('  - id: portfolio', broken, POLICY_FILE)}:3: category weights add up to 90, not "
        "100; fix them"
    ]


def test_item_weights_total_100(course: Path) -> None:
    assert run(rules.item_weights_total_100, course) == []
    broken = edit(POLICY, "weight: 80", "weight: 70")
    assert run(rules.item_weights_total_100, course, policy=broken) == [
        f"{at('      - {deliverable: pp1,', broken, POLICY_FILE)}:7: item weights in 'portfolio' "
        "add up to 90, not 100"
    ]


def test_policy_items_exist(course: Path) -> None:
    assert run(rules.policy_items_exist, course) == []
    broken = edit(
        edit(POLICY, "{deliverable: pp1,", "{deliverable: pp2,"), "kind: reflection", "kind: essay"
    )
    assert run(rules.policy_items_exist, course, policy=broken) == [
        f"{at('pp2', broken, POLICY_FILE)}:23: unknown deliverable 'pp2'; use an id from "
        "schedule.yaml",
        f"{at('essay', broken, POLICY_FILE)}:16: no deliverable of kind 'essay' in schedule.yaml",
    ]


def test_gradebook_deliverables_exist(course: Path) -> None:
    assert run(rules.gradebook_deliverables_exist, course) == []
    broken = edit(POLICY, 'pp1: "510001"', 'pp7: "510001"')
    assert run(rules.gradebook_deliverables_exist, course, policy=broken) == [
        f"{at('pp7', broken, POLICY_FILE)}:10: unknown deliverable 'pp7' in canvas_ids; use an id "
        "from schedule.yaml"
    ]


def test_gradebook_files_private(course: Path) -> None:
    assert run(rules.gradebook_files_private, course) == []
    broken = POLICY + "  confirmations: rubrics/confirmations\n"
    assert run(rules.gradebook_files_private, course, policy=broken) == [
        f"{at('confirmations', broken, POLICY_FILE)}:18: 'rubrics/confirmations' must be a path "
        "inside the course folder and outside rubrics/ (it names students: keep it in a "
        "git-ignored folder such as grades/)"
    ]


# ---------------------------------------------------------------------------- roster


def test_roster_sections_exist(course: Path) -> None:
    assert run(rules.roster_sections_exist, course) == []
    broken = ROSTER + "1003,Cy Example,cy@example.edu,cy-example,Z\n"
    assert run(rules.roster_sections_exist, course, roster=broken) == [
        "course/roster.csv:4: unknown section 'Z' for 1003; use one of A"
    ]
    many = ROSTER + "".join(f"{2000 + n},S {n},s{n}@example.edu,s-{n},Z\n" for n in range(40))
    assert run(rules.roster_sections_exist, course, roster=many) == [
        "course/roster.csv:4: unknown section 'Z' for 2000 and 39 more students; use one of A"
    ]
    header, *rows = ROSTER.splitlines(keepends=True)
    renamed = header + "".join(r.replace(",A\n", f",{n % 2 + 101}\n") for n, r in enumerate(rows))
    assert run(rules.roster_sections_exist, course, roster=renamed) == [
        "course/roster.csv:2: none of the 2 students is in a section schedule.yaml's meetings "
        "name (A): the roster has 101, 102; make the section meetings' section: match the "
        "roster's section column"
    ]


def test_adjustments_name_known_students(course: Path) -> None:
    assert run(rules.adjustments_name_known_students, course) == []
    broken = ADJUSTMENTS + "9999,pp1,excused,,\n"
    [message] = run(rules.adjustments_name_known_students, course, adjustments=broken)
    assert message.startswith("course/grades/adjustments.csv:3: ") and "9999" in message


# ---------------------------------------------------------------------------- warnings


def test_lectures_on_meeting_days(course: Path) -> None:
    assert run(rules.lectures_on_meeting_days, course) == []
    broken = edit(SCHEDULE, "date: Mon 2026-03-16", "date: Tue 2026-03-17")
    assert run(rules.lectures_on_meeting_days, course, broken) == [
        f"{at('date: Tue 2026-03-17', broken)}:27: Lecture 3 is on Tue 2026-03-17, a day no "
        "lecture meets ('lecture' meets MO, WE); the calendar has no lecture then: fix the date "
        "unless it is a one-off"
    ]


def test_deliverable_week_is_due_week(course: Path) -> None:
    assert run(rules.deliverable_week_is_due_week, course) == []
    broken = edit(SCHEDULE, "    week: 1\n", "    week: 2\n")
    assert run(rules.deliverable_week_is_due_week, course, broken) == [
        f"{at('    week: 2', broken)}:11: 'pp1' says week 2 but is due Fri 2026-03-06, in course "
        "week 1; `deadlines --week 2` lists it: fix week: or due unless that is meant"
    ]


def test_peer_reviews_have_link_and_rubric(course: Path) -> None:
    assert run(rules.peer_reviews_have_link_and_rubric, course) == []
    where = at("- id: pp1-peer-reviews")
    no_rubric = edit(SCHEDULE, "    rubric: peer-review\n", "")
    assert run(rules.peer_reviews_have_link_and_rubric, course, no_rubric) == []  # the default
    other = edit(RUBRIC, "id: peer-review", "id: other")
    assert run(rules.peer_reviews_have_link_and_rubric, course, no_rubric, rubric=None) == []
    (course / "rubrics" / "other.yaml").write_text(other, encoding="utf-8")
    assert run(rules.peer_reviews_have_link_and_rubric, course, no_rubric, rubric=None) == [
        f"{at('- id: pp1-peer-reviews', no_rubric)}:5: 'pp1-peer-reviews' names no rubric and "
        "rubrics/peer-review.yaml is missing: its review messages would go out without a "
        "rubric; restore the file or set rubric:"
    ]
    no_link = edit(SCHEDULE, "    submission_link: https://github.com/{org}/pp1-{github}\n", "")
    assert run(rules.peer_reviews_have_link_and_rubric, course, no_link) == [
        f"{where}:5: 'pp1-peer-reviews' has no submission_link: its review messages would not "
        "say where each author's work is; set submission_link:, e.g. "
        "https://github.com/{org}/pp1-{github}"
    ]
    (course / "rubrics" / "other.yaml").unlink()
    neither = edit(no_link, "    rubric: peer-review\n", "")
    assert run(rules.peer_reviews_have_link_and_rubric, course, neither, rubric=None) == [
        f"{where}:5: 'pp1-peer-reviews' has no submission_link and no rubric (no rubric: and "
        "no rubrics/peer-review.yaml): its review messages would name authors but give nothing "
        "to open or score by; set submission_link: (e.g. https://github.com/{org}/pp1-{github}) "
        "and rubric:"
    ]


def test_policy_grades_every_deliverable(course: Path) -> None:
    assert run(rules.policy_grades_every_deliverable, course) == []
    assert run(rules.policy_grades_every_deliverable, course, policy=None) == []
    broken = edit(
        POLICY, "{deliverable: pp1-peer-reviews, weight: 20", "{deliverable: pp1, weight: 20"
    )
    assert run(rules.policy_grades_every_deliverable, course, policy=broken) == [
        f"{at('- id: pp1-peer-reviews')}:5: 'pp1-peer-reviews' is in no category of "
        "rubrics/grading-policy.yaml: the gradebook gives it no weight; add an item "
        "{deliverable: pp1-peer-reviews, weight: ...} unless it is not graded"
    ]


ALL_TEMPLATES = (
    "week.md.j2",
    "week.html.j2",
    "reminder.md.j2",
    "review-message.md.j2",
    "reflection-feedback.md.j2",
)


def templates_found(folder: Path, defaults: Path | None) -> list[str]:
    files, problems = read_course_files(folder)
    assert files is not None and problems == []
    found = rules.templates_exist(dataclasses.replace(files, default_templates=defaults))
    return [str(p) for p in found]


def test_templates_exist(course: Path, tmp_path: Path) -> None:
    write(course)
    own, packaged = course / "templates", tmp_path / "packaged"
    assert templates_found(course, None) == []  # no templates anywhere: renders nothing
    own.mkdir()
    for name in ALL_TEMPLATES:
        (own / name).write_text("{{ page }}\n", encoding="utf-8")
    assert templates_found(course, None) == []
    (own / "review-message.md.j2").unlink()
    assert templates_found(course, None) == [
        "course/templates/review-message.md.j2: missing, and `coursectl assign-reviews` needs "
        "it; restore it (git checkout -- templates/review-message.md.j2) or copy one from "
        "coursectl's templates"
    ]
    packaged.mkdir()
    (packaged / "review-message.md.j2").write_text("{{ reviewer }}\n", encoding="utf-8")
    assert templates_found(course, packaged) == []  # the package's default serves
    for name in ALL_TEMPLATES:
        (own / name).unlink(missing_ok=True)
        if name != "week.md.j2":
            (packaged / name).write_text("{{ page }}\n", encoding="utf-8")
    own.rmdir()
    [missing] = templates_found(course, packaged)  # no templates/, and a default is lacking
    assert missing.startswith("course/templates/week.md.j2: missing, and `coursectl render week`")


def test_templates_exist_names_what_the_commands_read() -> None:
    from coursectl.pages import views
    from coursectl.reflections import feedback
    from coursectl.reviews import messages, outputs

    used = {
        *views.WEEK_TEMPLATES.values(),
        views.REMINDER_TEMPLATE,
        messages.TEMPLATE.removeprefix("templates/"),
        feedback.TEMPLATE.removeprefix("templates/"),
    }
    assert used == set(ALL_TEMPLATES)
    assert rules.LINK_FIELDS == outputs.LINK_FIELDS


# ---------------------------------------------------------------------------- the lists


def test_every_rule_has_a_one_line_docstring_and_a_test() -> None:
    tests = [name for name in dir(sys.modules[__name__]) if name.startswith("test_")]
    for rule in [*RULES, *WARNINGS]:
        doc = (rule.__doc__ or "").strip()
        assert doc and "\n" not in doc, f"{rule.__name__}: give it a one-line docstring"
        assert any(rule.__name__ in test for test in tests), f"{rule.__name__} has no test"


def test_rule_summaries_name_every_rule_errors_first() -> None:
    summaries = rule_summaries()
    assert [s.name for s in summaries] == [r.__name__ for r in [*RULES, *WARNINGS]]
    assert [s.kind for s in summaries] == ["error"] * len(RULES) + ["warning"] * len(WARNINGS)
    assert summaries[0].summary == (
        "course.timezone is a place's IANA zone, not an abbreviation or fixed offset (EST, UTC-5)."
    )


def test_every_rule_is_listed_in_the_course_files_reference() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "course-files.md").read_text(encoding="utf-8")
    for summary in rule_summaries():
        row = f"| `{summary.name}` | {summary.kind} | {summary.summary} |"
        assert row in docs, f"docs/course-files.md: add the row {row}"
