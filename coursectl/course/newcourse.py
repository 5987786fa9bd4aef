"""Start a course: a new course folder from a few answers (`init`), or next term's copy of
last term's course (`new-term`).

`init` builds the course as the model (`Schedule`, `GradingPolicy`) and renders the YAML from
the jinja2 templates in `skeleton/`, so the files it writes load back as what was built.
`new-term` edits last term's files as text (every date moved by the same whole weeks, the
term's name replaced) so that the TA's comments and layout survive.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from coursectl.course.model import (
    Break,
    CourseInfo,
    Deliverable,
    GitHubSettings,
    GradingPolicy,
    LateRule,
    Lecture,
    Meeting,
    PolicyCategory,
    PolicyItem,
    Repeat,
    Schedule,
    Week,
    Weekday,
    _weekday_from_word,
)
from coursectl.course.roster import REQUIRED_COLUMNS
from coursectl.errors import UserError
from coursectl.files import atomic_write_bytes, atomic_write_text

ROSTER = "rosters/roster.csv"
# Folders of a course that name students or are rebuilt: never copied into a new term.
LEFT_BEHIND = ("rosters", "grades", "exports", "reviews", "build", ".coursectl", "samples")
_SEASONS = {"winter": "wi", "spring": "sp", "summer": "su", "fall": "fa", "autumn": "au"}


@dataclass(frozen=True)
class MeetingTimes:
    """'MO WE 10:00-11:20': days of the week and a time of day."""

    days: tuple[Weekday, ...]
    start: time
    end: time


@dataclass(frozen=True)
class SectionTimes:
    """'A TU 09:00-09:50': a discussion section's roster name and when it meets."""

    name: str
    times: MeetingTimes


@dataclass(frozen=True)
class BreakDays:
    """'2026-03-09..2026-03-13 Spring break': days off, the last one included."""

    start: date
    end: date | None
    title: str


@dataclass
class CourseSpec:
    """What `coursectl init` asks."""

    code: str
    name: str
    start: date
    end: date
    timezone: str
    lectures: MeetingTimes
    sections: list[SectionTimes] = field(default_factory=list)
    breaks: list[BreakDays] = field(default_factory=list)
    term: str | None = None
    github_org: str | None = None


def parse_meeting(text: str, what: str = "--meets") -> MeetingTimes:
    """'MO WE 10:00-11:20', 'Mon,Wed 10:00-11:20' or 'TuTh 9:30-10:45'."""
    match = re.fullmatch(r"\s*(.*?)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*", text)
    example = f"{what} 'MO WE 10:00-11:20'"
    if not match:
        raise UserError(f"{what}: '{text}' is not days and times; write e.g. {example}")
    words = [w for w in re.split(r"[\s,/]+|(?<=[a-z])(?=[A-Z])", match.group(1)) if w]
    days = []
    for word in words:
        index = _weekday_from_word(word)
        if index is None:
            raise UserError(f"{what}: '{word}' is not a weekday; write e.g. {example}")
        days.append(list(Weekday)[index])
    start, end = (time.fromisoformat(t.zfill(5)) for t in match.group(2, 3))
    if not days or end <= start:
        raise UserError(f"{what}: '{text}' needs days and an end after the start; e.g. {example}")
    return MeetingTimes(tuple(days), start, end)


def parse_section(text: str) -> SectionTimes:
    name, _, rest = text.strip().partition(" ")
    if not name or not rest:
        raise UserError(
            f"--section: '{text}' needs a name and times; write e.g. 'A TU 09:00-09:50'"
        )
    return SectionTimes(name, parse_meeting(rest, "--section"))


def parse_break(text: str) -> BreakDays:
    match = re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?\s+(.+)", text)
    if not match:
        raise UserError(
            f"--break: '{text}' is not dates and a title; write e.g. "
            "'2026-03-09..2026-03-13 Spring break' or '2026-01-19 MLK Day'"
        )
    try:
        start = date.fromisoformat(match.group(1))
        end = date.fromisoformat(match.group(2)) if match.group(2) else None
    except ValueError as exc:
        raise UserError(f"--break: '{text}': {exc}; write dates as YYYY-MM-DD") from None
    return BreakDays(start, end, match.group(3).strip())


def term_name(start: date) -> str:
    """The usual name of a term starting on `start`: 'Spring 2027', 'Fall 2026'."""
    season = "Spring" if start.month <= 4 else "Summer" if start.month <= 7 else "Fall"
    return f"{season} {start.year}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def term_short(term: str) -> str | None:
    """'Spring 2026' -> 'sp26', the spelling of a term in GitHub orgs and URLs; None if the
    term is not a season and a year."""
    match = re.fullmatch(r"\s*([A-Za-z]+)\s+(\d{4})\s*", term)
    if not match or match.group(1).lower() not in _SEASONS:
        return None
    return f"{_SEASONS[match.group(1).lower()]}{match.group(2)[2:]}"


# ---------------------------------------------------------------------------- init


def build_course(spec: CourseSpec) -> tuple[Schedule, GradingPolicy]:
    """The course `spec` describes, as the model: weeks with a lecture per meeting day, a
    weekly reflection, one assignment with peer reviews, a final project, and their policy."""
    term = spec.term or term_name(spec.start)
    org = spec.github_org or f"{slug(spec.code).replace('-', '')}-{term_short(term) or slug(term)}"
    info = CourseInfo(
        code=spec.code,
        name=spec.name,
        term=term,
        timezone=spec.timezone,
        start=spec.start,
        end=spec.end,
        roster=ROSTER,
        github=GitHubSettings(org=org),
    )
    meetings = [
        Meeting(
            id="lecture",
            kind="lecture",
            title="Lecture",
            days=list(spec.lectures.days),
            start=spec.lectures.start,
            end=spec.lectures.end,
        )
    ]
    meetings += [
        Meeting(
            id=f"section-{slug(s.name)}",
            kind="section",
            section=s.name,
            title=f"Discussion section {s.name}",
            days=list(s.times.days),
            start=s.times.start,
            end=s.times.end,
        )
        for s in spec.sections
    ]
    breaks = [
        Break(
            id=slug(b.title) or f"break-{n}",
            title=b.title,
            kind="break" if b.end and b.end > b.start else "holiday",
            start=b.start,
            end=b.end,
        )
        for n, b in enumerate(spec.breaks, 1)
    ]
    schedule = Schedule(course=info, meetings=meetings, breaks=breaks)
    weeks, count = [], 0
    for number in schedule.week_numbers():
        lectures = []
        for lecture in schedule.meeting_lectures(number):
            count += 1
            lectures.append(Lecture(number=count, date=lecture.date, title=f"Lecture {count}"))
        weeks.append(Week(number=number, title=f"Week {number}", lectures=lectures))
    teaching = [w.number for w in weeks if w.lectures]
    if not teaching:
        raise UserError(
            f"no lecture falls between {spec.start} and {spec.end} on {_days(spec.lectures)}; "
            "check --start, --end and --meets"
        )
    schedule.weeks = weeks
    reflection = Repeat(
        every=Weekday.FR,
        at=time(23, 59),
        weeks=list(range(1, teaching[-1] + 1)),
        deliverable={
            "id": "reflection-w{week:02}",
            "kind": "reflection",
            "title": "Week {week} reflection",
            "platform": "github",
            "path": "reflections/week-{week:02}.md",
        },
    )
    schedule.repeats = [reflection]
    middle = teaching[len(teaching) // 2]
    assignment_due = _free_day(schedule, middle, Weekday.FR)
    reviews_due = _free_day(schedule, schedule.week_of(assignment_due.date()) + 1, Weekday.WE)
    project_due = _free_day(schedule, teaching[-1], Weekday.FR)
    deliverables: list[dict[str, Any]] = [
        {
            "id": "assignment-1",
            "kind": "assignment",
            "title": "Assignment 1",
            "due": assignment_due,
            "platform": "github",
        },
        {
            "id": "assignment-1-peer-reviews",
            "kind": "peer-review",
            "title": "Assignment 1 peer reviews",
            "due": reviews_due,
            "platform": "github",
            "reviews": "assignment-1",
            "reviews_per_student": 2,
            "submission_link": "https://github.com/{org}/assignment-1-{github}",
            "rubric": "peer-review",
        },
        {
            "id": "final-project",
            "kind": "project",
            "title": "Final project",
            "due": project_due,
            "platform": "github",
        },
    ]
    # Built through the model so the week numbers and time zone are what loading will see.
    schedule = Schedule.model_validate(
        {
            **schedule.model_dump(exclude={"deliverables", "repeats"}),
            "repeats": [reflection.model_dump()],
            "deliverables": [
                {**d, "week": schedule.week_of(d["due"].date()), "due": d["due"]}
                for d in deliverables
            ],
        }
    )
    policy = GradingPolicy(
        title=f"{spec.code} {term} grading policy",
        categories=[
            PolicyCategory(
                id="reflections",
                title="Weekly reflections",
                weight=20,
                items=[PolicyItem(kind="reflection", weight=100, rule="completion")],
            ),
            PolicyCategory(
                id="assignment-1",
                title="Assignment 1",
                weight=30,
                items=[
                    PolicyItem(deliverable="assignment-1", weight=80),
                    PolicyItem(
                        deliverable="assignment-1-peer-reviews", weight=20, rule="completion"
                    ),
                ],
            ),
            PolicyCategory(
                id="final-project",
                title="Final project",
                weight=50,
                items=[PolicyItem(deliverable="final-project", weight=100)],
            ),
        ],
        late=LateRule(grace_minutes=15, penalty_per_day=10, max_days=3),
    )
    return schedule, policy


def _days(times: MeetingTimes) -> str:
    return " ".join(d.value for d in times.days)


def _free_day(schedule: Schedule, week: int, weekday: Weekday) -> datetime:
    """23:59 on `weekday` of course week `week`, or the nearest earlier day that is in the term
    and not in a break (a deadline in spring break is a validate error)."""
    day = schedule.monday_of(max(week, 1)) + timedelta(days=weekday.number)
    day = min(day, schedule.course.end)
    while schedule.break_on(day) and day > schedule.course.start:
        day -= timedelta(days=1)
    return datetime.combine(day, time(23, 59))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("coursectl.course", "skeleton"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    # JSON strings are YAML double-quoted scalars: any title, quotes and colons included.
    env.filters["q"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    env.filters["day"] = lambda value: f"{value:%a %Y-%m-%d}"
    env.filters["moment"] = lambda value: f"{value:%a %Y-%m-%d %H:%M}"
    env.filters["num"] = lambda value: f"{value:g}"
    env.filters["week_ranges"] = _week_ranges
    return env


def _week_ranges(weeks: list[int]) -> str:
    """[1, 2, 3, 5] -> '1-3, 5'."""
    parts: list[str] = []
    for number in sorted(weeks):
        if parts and parts[-1].split("-")[-1] == str(number - 1):
            parts[-1] = f"{parts[-1].split('-')[0]}-{number}"
        else:
            parts.append(str(number))
    return ", ".join(parts)


def render_course(schedule: Schedule, policy: GradingPolicy) -> dict[str, str]:
    """The files of a new course folder, by path relative to it."""
    env = _environment()
    repeated = {d.id for repeat in schedule.repeats for d in repeat.expand(schedule)}
    explicit: list[Deliverable] = [d for d in schedule.deliverables if d.id not in repeated]
    files = {
        "schedule.yaml": env.get_template("schedule.yaml.j2").render(
            info=schedule.course,
            meetings=schedule.meetings,
            breaks=schedule.breaks,
            weeks=schedule.weeks,
            repeats=schedule.repeats,
            deliverables=explicit,
        ),
        "rubrics/grading-policy.yaml": env.get_template("grading-policy.yaml.j2").render(
            info=schedule.course, policy=policy
        ),
        "rubrics/peer-review.yaml": env.get_template("peer-review.yaml.j2").render(),
        ".gitignore": env.get_template("gitignore.j2").render(),
        schedule.course.roster: roster_stub(schedule),
    }
    return files


def roster_stub(schedule: Schedule) -> str:
    """The roster's header and one row no one could take for a student (delete it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REQUIRED_COLUMNS)
    section = (schedule.sections() or ["A"])[0]
    writer.writerow(
        ["0000000", "Example Student (delete me)", "example@example.edu", "example", section]
    )
    return out.getvalue()


def refuse_non_empty(dest: Path, force: bool) -> None:
    if dest.exists() and not dest.is_dir():
        raise UserError(f"{dest}: is a file; choose a new folder for the course")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise UserError(
            f"{dest}: folder is not empty; choose a new folder, or pass --force to write "
            "the course's files into it (files of the same name are replaced)"
        )


def package_templates() -> list[tuple[str, bytes]]:
    """The page and message templates coursectl ships (coursectl/templates/), if any."""
    root = resources.files("coursectl").joinpath("templates")
    if not root.is_dir():
        return []
    return sorted(
        (item.name, item.read_bytes())
        for item in root.iterdir()
        if item.is_file() and item.name.endswith(".j2")
    )


def init_course(dest: Path, spec: CourseSpec, *, force: bool = False) -> list[str]:
    """Write a new course folder for `spec` into `dest` (new or empty, or any with `force`);
    the files written, relative to `dest`."""
    refuse_non_empty(dest, force)
    try:
        schedule, policy = build_course(spec)
    except ValueError as exc:  # pydantic's, for an answer the model refuses (a bad zone)
        raise UserError(_first_error(exc)) from None
    files = render_course(schedule, policy)
    for name, data in package_templates():
        files[f"templates/{name}"] = data.decode("utf-8")
    for relative, text in files.items():
        path = dest / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text, private=relative == schedule.course.roster)
    return list(files)


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return str(first["msg"]).removeprefix("Value error, ")
    return str(exc)


# ---------------------------------------------------------------------------- new-term

_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")


@dataclass(frozen=True)
class NewTerm:
    """What `new-term` did: the files written and what the TA should look at."""

    files: list[str]
    weeks: int
    term: str
    notes: list[str]


def shift_dates(text: str, days: int) -> str:
    """Every YYYY-MM-DD in `text` moved by `days` (a whole number of weeks keeps the weekday
    a date is written with)."""

    def moved(match: re.Match[str]) -> str:
        try:
            day = date(*(int(g) for g in match.groups()))
        except ValueError:
            return match.group(0)
        return (day + timedelta(days=days)).isoformat()

    return _DATE.sub(moved, text)


def _rename_term(text: str, old: str, new: str) -> str:
    text = text.replace(old, new)
    old_short, new_short = term_short(old), term_short(new)
    if old_short and new_short:
        text = re.sub(rf"(?<![A-Za-z0-9]){old_short}(?![A-Za-z0-9])", new_short, text)
    return text


def new_term(
    old: Path, dest: Path, schedule: Schedule, start: date, term: str | None, force: bool
) -> NewTerm:
    """Copy the course in `old` (whose loaded schedule is `schedule`) into `dest` for a term
    starting the week of `start`: every date moves by the same whole weeks, the term's name
    (and its short form, sp26) changes in ids, URLs and calendar UIDs, and the roster, grades
    and other files naming students stay behind (a roster stub takes the roster's place)."""
    refuse_non_empty(dest, force)
    old_start = schedule.course.start
    weeks = (
        (start - timedelta(days=start.weekday()))
        - (old_start - timedelta(days=old_start.weekday()))
    ).days // 7
    new_name = term or term_name(old_start + timedelta(weeks=weeks))
    if new_name == schedule.course.term:
        raise UserError(
            f"the new term is also called '{new_name}'; pass --term with its name, so the two "
            "terms' calendar events do not collide"
        )
    files: dict[str, bytes] = {}
    for path in [old / "schedule.yaml", *sorted((old / "rubrics").glob("*.yaml"))]:
        text = path.read_text(encoding="utf-8")
        text = _rename_term(shift_dates(text, weeks * 7), schedule.course.term, new_name)
        files[path.relative_to(old).as_posix()] = text.encode("utf-8")
    for folder in ("templates",):
        for path in sorted((old / folder).rglob("*")) if (old / folder).is_dir() else []:
            if path.is_file():
                files[path.relative_to(old).as_posix()] = path.read_bytes()
    env = _environment()
    gitignore = old / ".gitignore"
    files[".gitignore"] = env.get_template("gitignore.j2").render().encode("utf-8")
    files[schedule.course.roster] = roster_stub(schedule).encode("utf-8")
    for relative, data in files.items():
        path = dest / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data, private=relative == schedule.course.roster)
    notes = []
    moved_start = old_start + timedelta(weeks=weeks)
    if moved_start != start:
        notes.append(
            f"the term starts {moved_start:%a %Y-%m-%d}, {weeks} weeks after last term's "
            f"{old_start:%a %Y-%m-%d} (every date keeps its weekday); edit course.start if "
            f"it should be {start:%a %Y-%m-%d}"
        )
    if schedule.breaks:
        notes.append(
            "holidays and breaks moved with the term: check them against the new academic "
            "calendar (" + ", ".join(b.title for b in schedule.breaks) + ")"
        )
    if schedule.course.gradescope or any(d.gradescope_id for d in schedule.deliverables):
        notes.append(
            "Gradescope ids (course.gradescope.course_id, gradescope_id) are last term's: "
            "replace them with the new course's"
        )
    if gitignore.is_file():
        notes.append(".gitignore is coursectl's default; copy over any lines of your own")
    return NewTerm(sorted(files), weeks, new_name, notes)
