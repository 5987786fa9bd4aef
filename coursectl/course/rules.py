"""The checks run on every loaded course, beyond what each file's model checks by itself: one
small function per rule, taking the parsed files (`CourseFiles`) and returning what is wrong,
each `Problem` naming its file and line.

`RULES` are mistakes: `coursectl validate` fails on them and no command starts. `WARNINGS` are
what may be intended but usually is a slip: `validate` shows them, commands go on. Both run in
list order; `rule_summaries()` names them for `validate` to list.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from coursectl.course.model import (
    ExamDeliverable,
    GradingPolicy,
    PeerReviewDeliverable,
    Rubric,
    Schedule,
    SelfAssessmentDeliverable,
)
from coursectl.course.roster import Student
from coursectl.course.yamlsource import PathKey, SourceMap
from coursectl.errors import Problem
from coursectl.files import display_path

RUBRICS_DIR = "rubrics"
DEFAULT_PEER_REVIEW_RUBRIC = "peer-review"  # what reviews/outputs.py falls back to


@dataclass(frozen=True)
class CourseFiles:
    """What the rules look at: the parsed files, and where each value is in its file."""

    root: Path
    schedule: Schedule
    smap: SourceMap  # schedule.yaml's
    rubrics: dict[str, Rubric] = field(default_factory=dict)  # by the id inside each file
    rubric_ids: dict[str, str] = field(default_factory=dict)  # file stem -> the id inside
    policy: GradingPolicy | None = None
    policy_map: SourceMap | None = None
    students: list[Student] | None = None  # None: the roster was not read


Rule = Callable[[CourseFiles], list[Problem]]


# ---------------------------------------------------------------------------- schedule.yaml


def unique_ids(course: CourseFiles) -> list[Problem]:
    """Meeting, break and deliverable ids and week numbers are each used once."""
    schedule, smap = course.schedule, course.smap
    problems = []
    for key, items in (
        ("meetings", [m.id for m in schedule.meetings]),
        ("breaks", [b.id for b in schedule.breaks]),
        ("deliverables", [d.id for d in schedule.deliverables]),
        ("weeks", [str(w.number) for w in schedule.weeks]),
    ):
        first: dict[str, int] = {}
        for index, value in enumerate(items):
            seen = first.setdefault(value, index)
            if seen != index:
                what = "week number" if key == "weeks" else "id"
                first_line = smap.locate((key, seen))[0]
                problems.append(
                    smap.problem(
                        (key, index),
                        f"duplicate {what} '{value}' (first on line {first_line}); make it unique",
                    )
                )
    return problems


def breaks_in_term(course: CourseFiles) -> list[Problem]:
    """Every break lies inside the term."""
    info = course.schedule.course
    return [
        course.smap.problem(
            ("breaks", index),
            f"break '{off.id}' ({off.start}..{off.last_day}) is outside the term "
            f"({info.start}..{info.end}); fix its dates or the term",
        )
        for index, off in enumerate(course.schedule.breaks)
        if off.start < info.start or off.last_day > info.end
    ]


def meetings_end_after_start(course: CourseFiles) -> list[Problem]:
    """A meeting series' last day is not before its first."""
    info = course.schedule.course
    problems = []
    for index, meeting in enumerate(course.schedule.meetings):
        first_day, last_day = meeting.first or info.start, meeting.last or info.end
        if last_day < first_day:
            problems.append(
                course.smap.problem(
                    ("meetings", index),
                    f"meeting '{meeting.id}' ends ({last_day}) before it starts ({first_day})",
                )
            )
    return problems


def _skipped_by_clocks(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """For a local time the clocks skip (02:30 when DST starts), the first time after the gap
    and the last whole minute before it; None for a time that exists.

    zoneinfo quietly turns a skipped time into one an hour off, so the deadline would move.
    """
    if not isinstance(moment.tzinfo, ZoneInfo) or moment.tzinfo.key != zone.key:
        return None  # written with an explicit offset: it names an instant, nothing is skipped
    naive = moment.replace(tzinfo=None)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
        return None
    minute = timedelta(minutes=1)
    before = naive.replace(second=0, microsecond=0)
    for _ in range(24 * 60):  # gaps are an hour, a few at most
        before -= minute
        aware = before.replace(tzinfo=zone)
        if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == before:
            break
    after = (before.replace(tzinfo=zone).astimezone(UTC) + minute).astimezone(zone)
    return after.replace(tzinfo=None), before


def times_exist(course: CourseFiles) -> list[Problem]:
    """No deadline or start time is in the hour the clocks skip when summer time starts."""
    schedule = course.schedule
    problems = []
    for index, item in enumerate(schedule.deliverables):
        for key, moment in (("due", item.due), ("start", getattr(item, "start", None))):
            gap = _skipped_by_clocks(moment, schedule.tz) if moment is not None else None
            if gap is not None:
                after, before = gap
                problems.append(
                    course.smap.problem(
                        ("deliverables", index, key),
                        f"'{item.id}': {moment:%a %Y-%m-%d %H:%M} does not exist in "
                        f"{schedule.course.timezone} (clocks jump from "
                        f"{before + timedelta(minutes=1):%H:%M} to {after:%H:%M} that night); "
                        f"write {after:%H:%M} or {before:%H:%M}",
                    )
                )
    return problems


def deadlines_outside_breaks(course: CourseFiles) -> list[Problem]:
    """No deadline falls inside a break."""
    schedule = course.schedule
    problems = []
    for index, item in enumerate(schedule.deliverables):
        due = item.due.astimezone(schedule.tz)
        off = schedule.break_on(due.date())
        if off is not None:
            problems.append(
                course.smap.problem(
                    ("deliverables", index, "due"),
                    f"'{item.id}' is due {due:%a %Y-%m-%d}, inside '{off.title}' "
                    f"({off.start}..{off.last_day}); move the deadline out of the break",
                )
            )
    return problems


def deadlines_in_term(course: CourseFiles) -> list[Problem]:
    """Every deadline is inside the term."""
    schedule, info = course.schedule, course.schedule.course
    return [
        course.smap.problem(
            ("deliverables", index, "due"),
            f"'{item.id}' is due {due:%Y-%m-%d}, outside the term ({info.start}..{info.end})",
        )
        for index, item in enumerate(schedule.deliverables)
        if not info.start <= (due := item.due.astimezone(schedule.tz)).date() <= info.end
    ]


def reviews_name_a_submission(course: CourseFiles) -> list[Problem]:
    """A peer review's `reviews:` names a known deliverable that is not itself a peer review."""
    schedule = course.schedule
    ids = {d.id for d in schedule.deliverables}
    problems = []
    for index, item in enumerate(schedule.deliverables):
        if not isinstance(item, PeerReviewDeliverable):
            continue
        where = ("deliverables", index, "reviews")
        reviewed = schedule.deliverable(item.reviews)
        if item.reviews not in ids:
            problems.append(
                course.smap.problem(
                    where,
                    f"'{item.id}' reviews unknown deliverable '{item.reviews}'; use one of the "
                    "deliverable ids",
                )
            )
        elif isinstance(reviewed, PeerReviewDeliverable):
            problems.append(
                course.smap.problem(
                    where,
                    f"'{item.id}' reviews '{reviewed.id}', which is itself a peer review; "
                    "name the deliverable whose submissions are reviewed"
                    + (f", e.g. '{reviewed.reviews}'" if reviewed.reviews in ids else ""),
                )
            )
    return problems


def _why_rubric_missing(course: CourseFiles, rubric_id: str) -> str | None:
    """Why rubric `rubric_id` is not loaded, naming the file to add; None when its file is
    there but did not load (its own problems say why)."""
    folder = course.root / RUBRICS_DIR
    expected = folder / f"{rubric_id}.yaml"
    shown = display_path(expected)
    if not folder.is_dir():
        return (
            f"rubric '{rubric_id}', but there is no {display_path(folder)}/ folder; create {shown}"
        )
    if expected.exists():
        inside = course.rubric_ids.get(rubric_id)
        if inside is None:
            return None
        return f"rubric '{rubric_id}', but {shown} has id '{inside}'; make the two agree"
    close = difflib.get_close_matches(rubric_id, sorted(course.rubrics), n=1, cutoff=0.6)
    fix = f"did you mean '{close[0]}'?" if close else "add the file or fix the id"
    return (
        f"rubric '{rubric_id}', but {shown} is missing (no rubric there has id "
        f"'{rubric_id}'); {fix}"
    )


def rubrics_exist(course: CourseFiles) -> list[Problem]:
    """A rubric a deliverable names is a file in rubrics/ with that id inside."""
    problems = []
    for index, item in enumerate(course.schedule.deliverables):
        if not isinstance(item, SelfAssessmentDeliverable | PeerReviewDeliverable):
            continue
        if item.rubric and item.rubric not in course.rubrics:
            missing = _why_rubric_missing(course, item.rubric)
            if missing:
                problems.append(
                    course.smap.problem(
                        ("deliverables", index, "rubric"), f"'{item.id}' names {missing}"
                    )
                )
    return problems


def exams_on_one_day(course: CourseFiles) -> list[Problem]:
    """An exam starts and ends on the same day."""
    return [
        course.smap.problem(
            ("deliverables", index, "start"), f"exam '{item.id}' starts and ends on different days"
        )
        for index, item in enumerate(course.schedule.deliverables)
        if isinstance(item, ExamDeliverable) and item.start and item.start.date() != item.due.date()
    ]


def deliverable_weeks_exist(course: CourseFiles) -> list[Problem]:
    """A deliverable's `week:` is one of the weeks schedule.yaml lists."""
    schedule = course.schedule
    return [
        course.smap.problem(
            ("deliverables", index, "week"),
            f"'{item.id}' names week {item.week}, which schedule.yaml does not have",
        )
        for index, item in enumerate(schedule.deliverables)
        if item.week is not None and schedule.weeks and schedule.week(item.week) is None
    ]


def github_org_set(course: CourseFiles) -> list[Problem]:
    """Deliverables on GitHub have course.github.org set, to find their repositories in."""
    if course.schedule.course.github is not None:
        return []
    return [
        course.smap.problem(
            ("deliverables", index, "platform"),
            "platform github needs course.github.org in schedule.yaml",
        )
        for index, item in enumerate(course.schedule.deliverables)
        if item.platform == "github"
    ]


def lecture_numbers_unique(course: CourseFiles) -> list[Problem]:
    """No two lectures have the same number."""
    smap = course.smap
    first: dict[int, PathKey] = {}
    problems = []
    for w_index, week in enumerate(course.schedule.weeks):
        for l_index, lecture in enumerate(week.lectures):
            if lecture.number is None:
                continue
            where: PathKey = ("weeks", w_index, "lectures", l_index, "number")
            seen = first.setdefault(lecture.number, where)
            if seen != where:
                problems.append(
                    smap.problem(
                        where,
                        f"two lectures numbered {lecture.number} (first on line "
                        f"{smap.locate(seen)[0]}); renumber one",
                    )
                )
    return problems


def _class_days(schedule: Schedule) -> Iterator[tuple[PathKey, date, str, int]]:
    """Each week's lectures and discussion section: where its date is, the date, what it is
    called in messages, and the week's number."""
    for w_index, week in enumerate(schedule.weeks):
        for l_index, lecture in enumerate(week.lectures):
            label = f"Lecture {lecture.number or ''}".strip()
            yield ("weeks", w_index, "lectures", l_index, "date"), lecture.date, label, week.number
        if week.section:
            where = ("weeks", w_index, "section", "date")
            yield where, week.section.date, "discussion section", week.number


def class_days_outside_breaks(course: CourseFiles) -> list[Problem]:
    """No lecture or discussion section of a week falls inside a break."""
    problems = []
    for where, day, label, number in _class_days(course.schedule):
        off = course.schedule.break_on(day)
        if off is not None:
            problems.append(
                course.smap.problem(
                    where, f"week {number}'s {label} on {day} falls in '{off.title}'"
                )
            )
    return problems


def class_days_in_their_week(course: CourseFiles) -> list[Problem]:
    """A week's lectures and discussion section are dated inside that course week."""
    problems = []
    for where, day, label, number in _class_days(course.schedule):
        actual = course.schedule.week_of(day)
        if actual != number:
            problems.append(
                course.smap.problem(
                    where, f"{label} on {day} is in course week {actual}, not week {number}"
                )
            )
    return problems


# ---------------------------------------------------------------------------- grading policy


def category_weights_total_100(course: CourseFiles) -> list[Problem]:
    """The grading policy's category weights add up to 100."""
    if course.policy is None or course.policy_map is None:
        return []
    total = sum(c.weight for c in course.policy.categories)
    if abs(total - 100) <= 1e-6:
        return []
    return [
        course.policy_map.problem(
            ("categories",), f"category weights add up to {total:g}, not 100; fix them"
        )
    ]


def item_weights_total_100(course: CourseFiles) -> list[Problem]:
    """The item weights inside each grading-policy category add up to 100."""
    if course.policy is None or course.policy_map is None:
        return []
    problems = []
    for index, category in enumerate(course.policy.categories):
        share = sum(i.weight for i in category.items)
        if abs(share - 100) > 1e-6:
            problems.append(
                course.policy_map.problem(
                    ("categories", index, "items"),
                    f"item weights in '{category.id}' add up to {share:g}, not 100",
                )
            )
    return problems


def policy_items_exist(course: CourseFiles) -> list[Problem]:
    """A grading-policy item names a deliverable id, or a kind, that schedule.yaml has."""
    if course.policy is None or course.policy_map is None:
        return []
    ids = {d.id for d in course.schedule.deliverables}
    kinds = {d.kind for d in course.schedule.deliverables}
    problems = []
    for c_index, category in enumerate(course.policy.categories):
        for i_index, item in enumerate(category.items):
            where = ("categories", c_index, "items", i_index)
            if item.deliverable is not None and item.deliverable not in ids:
                problems.append(
                    course.policy_map.problem(
                        (*where, "deliverable"),
                        f"unknown deliverable '{item.deliverable}'; use an id from schedule.yaml",
                    )
                )
            if item.kind is not None and item.kind not in kinds:
                problems.append(
                    course.policy_map.problem(
                        (*where, "kind"), f"no deliverable of kind '{item.kind}' in schedule.yaml"
                    )
                )
    return problems


def gradebook_deliverables_exist(course: CourseFiles) -> list[Problem]:
    """The gradebook's gradescope_titles and canvas_ids are keyed by known deliverable ids."""
    if course.policy is None or course.policy_map is None:
        return []
    ids = {d.id for d in course.schedule.deliverables}
    return [
        course.policy_map.problem(
            ("gradebook", key, deliverable_id),
            f"unknown deliverable '{deliverable_id}' in {key}; use an id from schedule.yaml",
        )
        for key in ("gradescope_titles", "canvas_ids")
        for deliverable_id in getattr(course.policy.gradebook, key)
        if deliverable_id not in ids
    ]


def gradebook_files_private(course: CourseFiles) -> list[Problem]:
    """The gradebook's student-data files are inside the course folder and outside rubrics/."""
    if course.policy is None or course.policy_map is None:
        return []
    problems = []
    for key in ("adjustments", "extensions", "confirmations", "reviews_done", "reflections"):
        value = Path(getattr(course.policy.gradebook, key))
        if value.is_absolute() or ".." in value.parts or value.parts[:1] == (RUBRICS_DIR,):
            problems.append(
                course.policy_map.problem(
                    ("gradebook", key),
                    f"'{value}' must be a path inside the course folder and outside rubrics/ "
                    "(it names students: keep it in a git-ignored folder such as grades/)",
                )
            )
    return problems


# ---------------------------------------------------------------------------- roster


def unknown_sections(schedule: Schedule, students: list[Student], roster: str) -> list[Problem]:
    """Roster lines whose section is none of schedule.yaml's (none when it names no sections)."""
    sections = set(schedule.sections())
    if not sections:
        return []
    return [
        Problem(
            roster,
            student.line,
            None,
            f"unknown section '{student.section}' for {student.sid}; use one of "
            f"{', '.join(sorted(sections))}",
        )
        for student in students
        if student.section not in sections
    ]


def roster_sections_exist(course: CourseFiles) -> list[Problem]:
    """Every student's section is one that schedule.yaml's section meetings name."""
    roster = display_path(course.root / course.schedule.course.roster)
    return unknown_sections(course.schedule, course.students or [], roster)


def adjustments_name_known_students(course: CourseFiles) -> list[Problem]:
    """The gradebook's adjustments and extensions files name roster students and deliverables."""
    if course.policy is None or not course.students:
        return []
    from coursectl.course.adjustments import read_adjustments

    sids = {s.sid for s in course.students}
    problems = []
    for name in (course.policy.gradebook.adjustments, course.policy.gradebook.extensions):
        path = course.root / name
        problems += read_adjustments(path, display_path(path), course.schedule, sids)[1]
    return problems


# ---------------------------------------------------------------------------- warnings


def lectures_on_meeting_days(course: CourseFiles) -> list[Problem]:
    """A lecture is dated on a day a lecture meeting meets (a one-off make-up day may be meant)."""
    schedule, info = course.schedule, course.schedule.course
    series = [m for m in schedule.meetings if m.kind == "lecture"]
    if not series:
        return []
    pattern = "; ".join(
        f"'{m.id}' meets {', '.join(d.value for d in m.days)}"
        + (f" from {m.first}" if m.first else "")
        + (f" until {m.last}" if m.last else "")
        for m in series
    )
    warnings = []
    for w_index, week in enumerate(schedule.weeks):
        for l_index, lecture in enumerate(week.lectures):
            day = lecture.date
            if any(
                day.weekday() in {d.number for d in m.days}
                and (m.first or info.start) <= day <= (m.last or info.end)
                for m in series
            ):
                continue
            label = f"Lecture {lecture.number}" if lecture.number is not None else "a lecture"
            warnings.append(
                course.smap.problem(
                    ("weeks", w_index, "lectures", l_index, "date"),
                    f"{label} is on {day:%a %Y-%m-%d}, a day no lecture meets ({pattern}); "
                    "the calendar has no lecture then: fix the date unless it is a one-off",
                )
            )
    return warnings


def deliverable_week_is_due_week(course: CourseFiles) -> list[Problem]:
    """A deliverable's `week:` is the week it is due in (a week's work may be due later)."""
    schedule = course.schedule
    warnings = []
    for index, item in enumerate(schedule.deliverables):
        if item.week is None:
            continue
        due = item.due.astimezone(schedule.tz)
        due_week = schedule.week_of(due.date())
        if due_week != item.week:
            warnings.append(
                course.smap.problem(
                    ("deliverables", index, "week"),
                    f"'{item.id}' says week {item.week} but is due {due:%a %Y-%m-%d}, in course "
                    f"week {due_week}; `deadlines --week {item.week}` lists it: fix week: or due "
                    "unless that is meant",
                )
            )
    return warnings


def default_peer_review_rubric(course: CourseFiles) -> list[Problem]:
    """A peer review naming no rubric has rubrics/peer-review.yaml to fall back to."""
    # Without that file its review messages silently go out without a rubric.
    rubrics = course.rubrics
    if not rubrics or DEFAULT_PEER_REVIEW_RUBRIC in rubrics:
        return []  # a course without any rubric chose that (assign-reviews still says so)
    return [
        course.smap.problem(
            ("deliverables", index),
            f"'{item.id}' names no rubric and {RUBRICS_DIR}/{DEFAULT_PEER_REVIEW_RUBRIC}.yaml is "
            "missing: its review messages would go out without a rubric; restore the file or "
            "set rubric:",
        )
        for index, item in enumerate(course.schedule.deliverables)
        if isinstance(item, PeerReviewDeliverable) and not item.rubric
    ]


RULES: list[Rule] = [
    unique_ids,
    breaks_in_term,
    meetings_end_after_start,
    times_exist,
    deadlines_outside_breaks,
    deadlines_in_term,
    reviews_name_a_submission,
    rubrics_exist,
    exams_on_one_day,
    deliverable_weeks_exist,
    github_org_set,
    lecture_numbers_unique,
    class_days_outside_breaks,
    class_days_in_their_week,
    category_weights_total_100,
    item_weights_total_100,
    policy_items_exist,
    gradebook_deliverables_exist,
    gradebook_files_private,
    roster_sections_exist,
    adjustments_name_known_students,
]
WARNINGS: list[Rule] = [
    lectures_on_meeting_days,
    deliverable_week_is_due_week,
    default_peer_review_rubric,
]


def problems_of(course: CourseFiles) -> list[Problem]:
    """What every rule in RULES finds, in rule order."""
    return [problem for rule in RULES for problem in rule(course)]


def warnings_of(course: CourseFiles) -> list[Problem]:
    """What every rule in WARNINGS finds, in rule order."""
    return [warning for rule in WARNINGS for warning in rule(course)]


class RuleSummary(NamedTuple):
    name: str  # the function's name
    kind: str  # "error" (validate fails, commands refuse) or "warning" (shown only)
    summary: str  # the first line of its docstring


def rule_summaries() -> list[RuleSummary]:
    """Every rule, errors then warnings, with what it checks: for `coursectl validate` to list."""
    return [
        RuleSummary(rule.__name__, kind, (rule.__doc__ or "").strip().splitlines()[0])
        for kind, rules in (("error", RULES), ("warning", WARNINGS))
        for rule in rules
    ]
