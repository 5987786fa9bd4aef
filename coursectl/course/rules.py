"""The checks run on every loaded course, beyond what each file's model checks by itself: one
small function per rule, taking the parsed files (`CourseFiles`) and returning what is wrong,
each `Problem` naming its file and line.

`RULES` are mistakes: `coursectl validate` fails on them and no command starts. `WARNINGS` are
what may be intended but usually is a slip: `validate` shows them, commands go on. Both run in
list order; `rule_summaries()` names them for `validate` to list.
"""

from __future__ import annotations

import difflib
import re
import string
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files as package_files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coursectl.course.model import (
    ExamDeliverable,
    GradingPolicy,
    PeerReviewDeliverable,
    ReflectionDeliverable,
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
TEMPLATES_DIR = "templates"
# The fields a pattern may use: reviews/outputs.py fills submission_link, reflections/check.py
# a reflection's repo (tests/test_course_rules.py keeps these in step with them).
LINK_FIELDS = ("github", "sid", "org")
REPO_FIELDS = ("org", "github", "sid")


def package_templates() -> Traversable | None:
    """The default templates shipped inside the package (`coursectl/templates/`), or None
    when this coursectl has none: then only the course's own templates/ counts."""
    folder = package_files("coursectl") / TEMPLATES_DIR
    return folder if folder.is_dir() else None


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
    # Where a template the course lacks comes from (`package_templates()`); None: nowhere.
    default_templates: Traversable | None = None


Rule = Callable[[CourseFiles], list[Problem]]


# ---------------------------------------------------------------------------- schedule.yaml


# Abbreviations TAs write for a zone, and the region zone to write instead. zoneinfo knows
# some of them (EST, MST, HST, CET...) as zones that never change their clocks, or change them
# by old US rules: a course written in one is an hour off for half the term.
ZONE_ABBREVIATIONS = {
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "EST5EDT": "America/New_York",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "CST6CDT": "America/Chicago",
    "MST": "America/Denver",  # Arizona, which keeps MST all year: America/Phoenix
    "MDT": "America/Denver",
    "MST7MDT": "America/Denver",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "PST8PDT": "America/Los_Angeles",
    "AKST": "America/Anchorage",
    "AKDT": "America/Anchorage",
    "HST": "Pacific/Honolulu",
    "GMT": "Europe/London",
    "GMT0": "Europe/London",
    "GMT+0": "Europe/London",
    "GMT-0": "Europe/London",
    "GREENWICH": "Europe/London",
    "BST": "Europe/London",
    "WET": "Europe/Lisbon",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
    "MET": "Europe/Paris",
    "EET": "Europe/Athens",
    "EEST": "Europe/Athens",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "NZST": "Pacific/Auckland",
}
# A region that keeps each standard offset (hours east of UTC), for "UTC-5" or "Etc/GMT+5".
OFFSET_REGIONS = {
    -10.0: "Pacific/Honolulu",
    -9.0: "America/Anchorage",
    -8.0: "America/Los_Angeles",
    -7.0: "America/Denver",
    -6.0: "America/Chicago",
    -5.0: "America/New_York",
    -4.0: "America/Halifax",
    -3.0: "America/Sao_Paulo",
    0.0: "Europe/London",
    1.0: "Europe/Paris",
    2.0: "Europe/Athens",
    3.0: "Europe/Moscow",
    5.5: "Asia/Kolkata",
    8.0: "Asia/Shanghai",
    9.0: "Asia/Tokyo",
    10.0: "Australia/Sydney",
    12.0: "Pacific/Auckland",
}
UTC_ZONES = ("UTC", "Etc/UTC")  # a course that runs on UTC says so on purpose
_OFFSET = re.compile(r"^(?:UTC|GMT|Z)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_ETC_OFFSET = re.compile(r"^Etc/GMT([+-]\d{1,2})$")


def _offset_advice(hours: float, written: str) -> str:
    region = OFFSET_REGIONS.get(hours, "America/New_York")
    return (
        f"'{written}' is a fixed offset from UTC: summer time would be wrong for the whole "
        f"term; write the region's IANA zone, e.g. '{region}'"
    )


def zone_advice(written: str) -> str | None:
    """What to write instead of a zone that is an abbreviation or a fixed offset (`EST`,
    `UTC-5`, `Etc/GMT+5`), whether or not zoneinfo knows it; None for a region zone."""
    text = written.strip()
    if text in UTC_ZONES:
        return None
    region = ZONE_ABBREVIATIONS.get(text.upper())
    if region is not None:
        return (
            f"'{written}' is an abbreviation, not the zone of a place: the clock changes would "
            f"be wrong for the term; write the IANA region zone, e.g. '{region}'"
            + (" (or 'America/Phoenix' in Arizona)" if text.upper() == "MST" else "")
        )
    etc = _ETC_OFFSET.match(text)
    if etc:  # Etc/GMT+5 is five hours *behind* UTC: the POSIX sign
        return _offset_advice(-float(etc.group(1)), written) + " (Etc/GMT+5 means UTC-5)"
    offset = _OFFSET.match(text)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        hours = int(offset.group(2)) + int(offset.group(3) or 0) / 60
        return _offset_advice(sign * hours, written)
    if text.startswith("Etc/"):
        try:
            fixed = ZoneInfo(text).utcoffset(datetime(2026, 1, 15))
        except (ZoneInfoNotFoundError, ValueError):
            return None
        hours = fixed.total_seconds() / 3600 if fixed is not None else 0.0
        return _offset_advice(hours, written)
    return None


def timezone_is_a_region(course: CourseFiles) -> list[Problem]:
    """course.timezone is a place's IANA zone, not an abbreviation or fixed offset (EST, UTC-5)."""
    advice = zone_advice(course.schedule.course.timezone)
    return [] if advice is None else [course.smap.problem(("course", "timezone"), advice)]


def course_not_empty(course: CourseFiles) -> list[Problem]:
    """schedule.yaml lists weeks or deliverables: a course with neither has nothing to run."""
    schedule = course.schedule
    if schedule.weeks or schedule.deliverables:
        return []
    where: PathKey = ("deliverables",) if ("deliverables",) in course.smap.positions else ()
    return [
        course.smap.problem(
            where,
            "the course has no weeks and no deliverables: there is nothing to render, remind "
            "of or grade; add weeks: and deliverables: to schedule.yaml",
        )
    ]


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


def _repeated_by_clocks(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """For a local time that happens twice (01:30 when summer time ends), the last whole
    minute before the repeated hour and the first time after it; None for a time that
    happens once.

    zoneinfo takes the first of the two (fold=0) without a word; students may read the second.
    """
    if not isinstance(moment.tzinfo, ZoneInfo) or moment.tzinfo.key != zone.key:
        return None  # written with an explicit offset: it names one instant
    first, second = moment.replace(fold=0), moment.replace(fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    minute = timedelta(minutes=1)
    start = first.replace(second=0, microsecond=0)
    for _ in range(24 * 60):  # repeated hours are an hour, a few at most
        earlier = start - minute
        if earlier.replace(fold=0).utcoffset() == earlier.replace(fold=1).utcoffset():
            break
        start = earlier
    end = second.replace(second=0, microsecond=0)
    for _ in range(24 * 60):
        end += minute
        if end.replace(fold=0).utcoffset() == end.replace(fold=1).utcoffset():
            break
    return (start - minute).replace(tzinfo=None), end.replace(tzinfo=None)


def times_happen_once(course: CourseFiles) -> list[Problem]:
    """No deadline or start time is in the hour that happens twice when summer time ends."""
    schedule = course.schedule
    problems = []
    for index, item in enumerate(schedule.deliverables):
        for key, moment in (("due", item.due), ("start", getattr(item, "start", None))):
            if moment is None:
                continue
            twice = _repeated_by_clocks(moment, schedule.tz)
            if twice is None:
                continue
            before, after = twice
            first, second = (moment.replace(fold=fold).strftime("%z") for fold in (0, 1))
            local = f"{moment:%Y-%m-%d %H:%M}"
            problems.append(
                course.smap.problem(
                    ("deliverables", index, key),
                    f"'{item.id}': {moment:%a %Y-%m-%d %H:%M} happens twice in "
                    f"{schedule.course.timezone} (clocks go back from "
                    f"{after:%H:%M} to {before + timedelta(minutes=1):%H:%M} that night); write "
                    f"{before:%H:%M} or {after:%H:%M}, or add the offset: "
                    f"'{local}{first[:3]}:{first[3:]}' (the first) or "
                    f"'{local}{second[:3]}:{second[3:]}' (the second)",
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


def _pattern_mistake(pattern: str, fields: tuple[str, ...]) -> str | None:
    """What keeps `pattern` from being filled with `fields` by str.format, or None."""
    allowed = ", ".join("{" + name + "}" for name in fields)
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        return (
            f"is not a pattern ({exc}); write fields as {allowed}, a brace itself as {{{{ or }}}}"
        )
    names = [name for _, name, _, _ in parsed if name is not None]
    for name in names:
        if name not in fields:
            close = difflib.get_close_matches(name, fields, n=1, cutoff=0.6)
            hint = f"did you mean {{{close[0]}}}? " if close else ""
            return f"uses {{{name}}}, which coursectl cannot fill; {hint}use {allowed}"
    if any("{" in (spec or "") for _, _, spec, _ in parsed):
        return f"has a field inside a format spec; use plain {allowed}"
    try:
        pattern.format(**dict.fromkeys(fields, "x"))
    except (ValueError, KeyError, IndexError) as exc:
        return f"cannot be filled ({exc}); use plain {allowed}"
    return None


def patterns_can_be_filled(course: CourseFiles) -> list[Problem]:
    """A peer review's submission_link and a reflection's repo use only the fields coursectl fills."""
    has_org = course.schedule.course.github is not None
    problems = []
    for index, item in enumerate(course.schedule.deliverables):
        if isinstance(item, PeerReviewDeliverable) and item.submission_link:
            key, pattern, fields = "submission_link", item.submission_link, LINK_FIELDS
        elif isinstance(item, ReflectionDeliverable):
            key, pattern, fields = "repo", item.repo, REPO_FIELDS
        else:
            continue
        mistake = _pattern_mistake(pattern, fields)
        filled = pattern.format(**dict.fromkeys(fields, "x")) if mistake is None else ""
        if mistake is None and key == "repo" and not re.fullmatch(r"[^/\s]+/[^/\s]+", filled):
            mistake = (
                f"gives '{filled}', not owner/name; write e.g. '{{org}}/reflections-{{github}}'"
            )
        # A reflection on GitHub without an org is already github_org_set's line.
        platform_says_it = key == "repo" and item.platform == "github"
        if mistake is None and not has_org and "{org}" in pattern and not platform_says_it:
            mistake = "uses {org}, but course.github.org is not set; set it or drop {org}"
        if mistake is not None:
            problems.append(
                course.smap.problem(
                    ("deliverables", index, key), f"'{item.id}' {key} '{pattern}' {mistake}"
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
    """Roster sections that none of schedule.yaml's section meetings name (nothing when it names
    no sections): one line per section, at its first student, not one per student."""
    sections = set(schedule.sections())
    if not sections:
        return []
    unknown: dict[str, list[Student]] = defaultdict(list)
    for student in students:
        if student.section not in sections:
            unknown[student.section].append(student)
    if not unknown:
        return []
    known = ", ".join(sorted(sections))
    if len(unknown) > 1 and not any(s.section in sections for s in students):
        # Every student is off: the meetings' section: names are the likely mistake.
        first = min((group[0] for group in unknown.values()), key=lambda s: s.line or 0)
        return [
            Problem(
                roster,
                first.line,
                None,
                f"none of the {len(students)} students is in a section schedule.yaml's "
                f"meetings name ({known}): the roster has {', '.join(sorted(unknown))}; make "
                "the section meetings' section: match the roster's section column",
            )
        ]
    problems = []
    for name, group in unknown.items():
        more = f" and {len(group) - 1} more students" if len(group) > 1 else ""
        problems.append(
            Problem(
                roster,
                group[0].line,
                None,
                f"unknown section '{name}' for {group[0].sid}{more}; use one of {known}",
            )
        )
    return problems


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


def peer_reviews_have_link_and_rubric(course: CourseFiles) -> list[Problem]:
    """A peer review has a submission_link and a rubric (its own or rubrics/peer-review.yaml)."""
    # Without them its review messages silently go out naming authors but no work to open or
    # no rubric to score it by.
    warnings = []
    for index, item in enumerate(course.schedule.deliverables):
        if not isinstance(item, PeerReviewDeliverable):
            continue
        no_rubric = not item.rubric and DEFAULT_PEER_REVIEW_RUBRIC not in course.rubrics
        no_link = not item.submission_link
        if no_rubric and not no_link and not course.rubrics:
            continue  # a course without any rubric chose that (assign-reviews still says so)
        link_example = f"https://github.com/{{org}}/{item.reviews}-{{github}}"
        default_file = f"{RUBRICS_DIR}/{DEFAULT_PEER_REVIEW_RUBRIC}.yaml"
        if no_rubric and no_link:
            message = (
                f"'{item.id}' has no submission_link and no rubric (no rubric: and no "
                f"{default_file}): its review messages would name authors but give nothing to "
                f"open or score by; set submission_link: (e.g. {link_example}) and rubric:"
            )
        elif no_rubric:
            message = (
                f"'{item.id}' names no rubric and {default_file} is missing: its review messages "
                "would go out without a rubric; restore the file or set rubric:"
            )
        elif no_link:
            message = (
                f"'{item.id}' has no submission_link: its review messages would not say where "
                f"each author's work is; set submission_link:, e.g. {link_example}"
            )
        else:
            continue
        warnings.append(course.smap.problem(("deliverables", index), message))
    return warnings


def policy_grades_every_deliverable(course: CourseFiles) -> list[Problem]:
    """The grading policy grades every deliverable, by its id or its kind (a survey may be meant)."""
    if course.policy is None:
        return []
    ids = {i.deliverable for c in course.policy.categories for i in c.items if i.deliverable}
    kinds = {i.kind for c in course.policy.categories for i in c.items if i.kind}
    return [
        course.smap.problem(
            ("deliverables", index),
            f"'{item.id}' is in no category of {RUBRICS_DIR}/grading-policy.yaml: the gradebook "
            f"gives it no weight; add an item {{deliverable: {item.id}, weight: ...}} unless it "
            "is not graded",
        )
        for index, item in enumerate(course.schedule.deliverables)
        if item.id not in ids and item.kind not in kinds
    ]


def _templates_needed(schedule: Schedule) -> list[tuple[str, str]]:
    """Each template this course's commands render, with the command that renders it."""
    kinds = {d.kind for d in schedule.deliverables}
    reflections_on_github = any(
        d.kind == "reflection" and d.platform == "github" for d in schedule.deliverables
    )
    needed = [
        ("week.md.j2", "render week", bool(schedule.weeks)),
        ("week.html.j2", "render week --format html", bool(schedule.weeks)),
        ("reminder.md.j2", "render reminder", bool(schedule.deliverables)),
        ("review-message.md.j2", "assign-reviews", "peer-review" in kinds),
        ("reflection-feedback.md.j2", "check-reflections --comment", reflections_on_github),
    ]
    return [(name, command) for name, command, used in needed if used]


def templates_exist(course: CourseFiles) -> list[Problem]:
    """Each template a command needs is in the course's templates/ or among coursectl's defaults."""
    own = course.root / TEMPLATES_DIR
    defaults = course.default_templates
    if defaults is None and not own.is_dir():
        # Neither a templates/ folder nor packaged defaults: the course renders nothing on
        # purpose (deadlines, calendars and grades need no template).
        return []
    return [
        Problem(
            display_path(own / name),
            None,
            None,
            f"missing, and `coursectl {command}` needs it; restore it "
            f"(git checkout -- {TEMPLATES_DIR}/{name}) or copy one from coursectl's templates",
        )
        for name, command in _templates_needed(course.schedule)
        if not (own / name).is_file() and not (defaults is not None and (defaults / name).is_file())
    ]


RULES: list[Rule] = [
    timezone_is_a_region,
    course_not_empty,
    unique_ids,
    breaks_in_term,
    meetings_end_after_start,
    times_exist,
    times_happen_once,
    deadlines_outside_breaks,
    deadlines_in_term,
    reviews_name_a_submission,
    rubrics_exist,
    exams_on_one_day,
    deliverable_weeks_exist,
    github_org_set,
    patterns_can_be_filled,
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
    peer_reviews_have_link_and_rubric,
    policy_grades_every_deliverable,
    templates_exist,
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
