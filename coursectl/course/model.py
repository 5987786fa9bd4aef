"""The course model: everything schedule.yaml, rosters/ and rubrics/ say, validated.

Commands never walk raw dicts: they get a `Course` from `coursectl.course.load_course`.
Times in schedule.yaml are local to the course's time zone; after loading, every
deadline is a time-zone-aware datetime.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_PREFIX = re.compile(r"^\s*([A-Za-z]{2,9})\.?,?\s+(.*)$")


class Weekday(StrEnum):
    MO = "MO"
    TU = "TU"
    WE = "WE"
    TH = "TH"
    FR = "FR"
    SA = "SA"
    SU = "SU"

    @property
    def number(self) -> int:
        """Monday is 0, as in `date.weekday()`."""
        return list(Weekday).index(self)


def _weekday_from_word(word: str) -> int | None:
    word = word.lower()
    for index, name in enumerate(WEEKDAY_NAMES):
        if len(word) >= 2 and name.startswith(word):
            return index
    return None


def _split_weekday(value: str) -> tuple[int | None, str]:
    """'Wed 2026-03-04 23:59' -> (2, '2026-03-04 23:59'); a weekday is optional."""
    match = _WEEKDAY_PREFIX.match(value)
    if match and not match.group(1)[0].isdigit():
        weekday = _weekday_from_word(match.group(1))
        if weekday is not None:
            return weekday, match.group(2)
        # Not a weekday ('March 4'): the caller's date parsing says what to write instead.
    return None, value.strip()


def _check_weekday(weekday: int | None, day: date) -> None:
    if weekday is not None and weekday != day.weekday():
        actual = WEEKDAY_NAMES[day.weekday()].capitalize()
        written = WEEKDAY_NAMES[weekday].capitalize()
        raise ValueError(
            f"{day.isoformat()} is a {actual}, not a {written}; fix the date or the weekday"
        )


def _parse_local_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date) or not isinstance(value, str):
        return value
    weekday, rest = _split_weekday(value)
    try:
        day = date.fromisoformat(rest)
    except ValueError:
        raise ValueError(
            f"'{value}' is not a date; write YYYY-MM-DD, e.g. 'Mon 2026-03-02'"
        ) from None
    _check_weekday(weekday, day)
    return day


def _parse_local_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value
    if isinstance(value, date):
        raise ValueError(
            f"{value.isoformat()} has no time; a deadline needs one, e.g. '{value.isoformat()} 23:59'"
        )
    if not isinstance(value, str):
        return value
    weekday, rest = _split_weekday(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", rest):
        raise ValueError(f"'{value}' has no time; a deadline needs one, e.g. '{rest} 23:59'")
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(rest.replace(" ", "T", 1))
    except ValueError:
        moment = _date_and_clock(rest)
    if moment is None:
        raise ValueError(f"'{value}' is not a date and time; write e.g. 'Wed 2026-03-04 23:59'")
    _check_weekday(weekday, moment.date())
    return moment


def _date_and_clock(text: str) -> datetime | None:
    """'2026-03-06 11:59pm', the way course pages write times, or None."""
    day_text, _, clock_text = text.partition(" ")
    try:
        day = date.fromisoformat(day_text)
        clock = _parse_clock(clock_text)
    except ValueError:
        return None
    return datetime.combine(day, clock) if isinstance(clock, time) else None


def _parse_clock(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 10:00 as sexagesimal 600: turn it back into a clock time.
        hours, minutes = divmod(value, 60)
        if 0 <= hours < 24:
            return time(hours, minutes)
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", text)
        if match:
            hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
            if half == "pm" and hour != 12:
                hour += 12
            if half == "am" and hour == 12:
                hour = 0
            if hour < 24 and minute < 60:
                return time(hour, minute)
        raise ValueError(f"'{value}' is not a time of day; write 24-hour HH:MM, e.g. '10:00'")
    return value


def _id_text(value: Any, info: ValidationInfo) -> Any:
    """An id, code or room a TA typed as a plain number (`gradescope_id: 7000001`, `section: 1`)
    is the text of that number; a number YAML reads as something else than what was written
    (`section: 01` is 1, `010` is 8, `7000001.0` a decimal) is refused: quote it."""
    name = info.field_name or "value"
    written = getattr(value, "source_text", None)
    if isinstance(value, bool):
        return value  # yes/no/true/false: the type error names the field
    if isinstance(value, float):
        shown = written or repr(value)
        if value.is_integer() and "e" not in shown.lower():
            hint = f"write it without the decimal part: {int(value)}"
        else:
            hint = "write the id's exact digits (in quotes if it is not a whole number)"
        raise ValueError(f"{name}: {shown} is a decimal number, not an id; {hint}")
    if isinstance(value, int):
        if written is not None:
            raise ValueError(
                f"{name}: {written} is read as the number {int(value)}; quote it: '{written}'"
            )
        return str(value)
    return value


LocalDate = Annotated[date, BeforeValidator(_parse_local_date)]
LocalDateTime = Annotated[datetime, BeforeValidator(_parse_local_datetime)]
ClockTime = Annotated[time, BeforeValidator(_parse_clock)]
# Text that TAs naturally type as a number: ids, course codes, terms, sections, rooms.
IdText = Annotated[str, BeforeValidator(_id_text)]


class StrictModel(BaseModel):
    """Misspelled keys are errors, not silently ignored settings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ---------------------------------------------------------------------------- course


def api_url_mistake(url: str) -> str | None:
    """What is wrong with a GitHub API URL a TA wrote, or None when it is a usable http(s) URL.

    PyGithub answers a URL without a scheme with an AttributeError and any other scheme with
    an AssertionError, deep inside its requester: say it here instead, in the TA's words.
    """
    from urllib.parse import urlsplit

    example = "https://github.example.edu/api/v3"
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return f"'{url}' is not a URL; write a full URL, e.g. {example}"
    if not parts.scheme or "://" not in text:
        return f"'{url}' has no scheme; write a full URL, e.g. https://{text.lstrip('/')}"
    if parts.scheme not in ("http", "https"):
        return f"'{url}' is not an http(s) URL; write a full URL, e.g. {example}"
    if not host:
        return f"'{url}' has no host name; write a full URL, e.g. {example}"
    return None


class GitHubSettings(StrictModel):
    org: IdText = Field(description="GitHub organisation that holds the students' repositories")
    api_url: str | None = Field(
        None, description="GitHub Enterprise API URL; default api.github.com"
    )

    @field_validator("api_url")
    @classmethod
    def _full_url(cls, value: str | None) -> str | None:
        mistake = api_url_mistake(value) if value is not None else None
        if mistake:
            raise ValueError(f"api_url: {mistake}")
        return value


class GradescopeSettings(StrictModel):
    course_id: IdText | None = None
    exports: str = Field("exports/gradescope", description="folder of Gradescope CSV exports")


class CanvasSettings(StrictModel):
    """Where the course lives on Canvas (env COURSECTL_CANVAS_URL / COURSECTL_CANVAS_COURSE_ID
    override both); the API token is never written here."""

    url: str | None = Field(None, description="the Canvas site, e.g. https://canvas.example.edu")
    course_id: IdText | None = Field(
        None, description="Canvas course id, or sis_course_id:<SIS id>"
    )


class CourseInfo(StrictModel):
    code: IdText
    name: str
    term: IdText
    timezone: str
    start: LocalDate
    end: LocalDate
    url: str | None = None
    roster: str = Field(
        "rosters/synthetic-roster.csv", description="roster CSV, relative to the course folder"
    )
    github: GitHubSettings | None = None
    gradescope: GradescopeSettings | None = None
    canvas: CanvasSettings | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"'{value}' is not an IANA time zone; write e.g. 'America/Los_Angeles'"
            ) from None
        return value

    @model_validator(mode="after")
    def _term_in_order(self) -> CourseInfo:
        if self.end < self.start:
            raise ValueError(
                f"term ends ({self.end}) before it starts ({self.start}); swap or fix them"
            )
        return self


class Meeting(StrictModel):
    """A recurring meeting: a lecture series, or one discussion section."""

    id: IdText
    kind: Literal["lecture", "section", "lab", "office-hours"]
    title: str
    days: list[Weekday] = Field(min_length=1)
    start: ClockTime
    end: ClockTime
    location: IdText | None = None
    section: IdText | None = Field(None, description="roster section this meeting is for")
    first: LocalDate | None = Field(None, description="first day it meets; default the term start")
    last: LocalDate | None = Field(None, description="last day it meets; default the term end")

    @field_validator("days", mode="before")
    @classmethod
    def _days_upper(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            fixed = []
            for day in value:
                index = _weekday_from_word(str(day))
                fixed.append(list(Weekday)[index].value if index is not None else day)
            return fixed
        return value

    @model_validator(mode="after")
    def _ends_after_start(self) -> Meeting:
        if self.end <= self.start:
            raise ValueError(
                f"meeting ends at {self.end:%H:%M}, not after it starts at {self.start:%H:%M}; fix start or end"
            )
        if self.kind == "section" and not self.section:
            raise ValueError("a discussion section needs 'section:' naming its roster section")
        return self


class Break(StrictModel):
    """A break or holiday: no meetings, no deadlines. `end` is inclusive (the last day off)."""

    id: IdText
    title: str
    kind: Literal["break", "holiday"] = "break"
    start: LocalDate
    end: LocalDate | None = None

    @property
    def last_day(self) -> date:
        return self.end or self.start

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.last_day

    @model_validator(mode="after")
    def _ends_after_start(self) -> Break:
        if self.end is not None and self.end < self.start:
            raise ValueError(
                f"break ends ({self.end}) before it starts ({self.start}); fix start or end"
            )
        return self


# ---------------------------------------------------------------------------- weeks


class Lecture(StrictModel):
    number: int | None = None
    date: LocalDate
    title: str
    objectives: list[str] = Field(default_factory=list)


class SectionPart(StrictModel):
    title: str
    items: list[str] = Field(default_factory=list)


class SectionPlan(StrictModel):
    date: LocalDate
    title: str
    checklist_title: str | None = Field(
        None, description="how the week's checklist names the section; default the title"
    )
    intro: str | None = None
    parts: list[SectionPart] = Field(default_factory=list)


class Resource(StrictModel):
    title: str
    description: str | None = None
    url: str | None = None


class ResourceGroup(StrictModel):
    title: str
    items: list[Resource] = Field(default_factory=list)


class Reflection(StrictModel):
    """What the week's reflection asks; the deadline itself is a deliverable."""

    intro: str | None = None
    prompts: list[str] = Field(default_factory=list)
    note: str | None = None


class Week(StrictModel):
    number: int = Field(ge=1)
    title: str
    summary: str | None = None
    notes: list[str] = Field(default_factory=list)
    lectures: list[Lecture] = Field(default_factory=list)
    section: SectionPlan | None = None
    reflection: Reflection | None = None
    resources: list[ResourceGroup] = Field(default_factory=list)


# ---------------------------------------------------------------------------- deliverables

# What check-reflections can say of one student's reflection; the gradebook and the policy
# read the same names.
ReflectionStatus = Literal[
    "ok", "too-short", "too-long", "missing", "late", "empty", "no-repo", "no-access", "error"
]
REFLECTION_STATUSES: tuple[ReflectionStatus, ...] = get_args(ReflectionStatus)

Platform = Literal["github", "gradescope", "canvas", "in-class", "other"]
PLATFORM_NAMES = {
    "github": "GitHub",
    "gradescope": "Gradescope",
    "canvas": "Canvas",
    "in-class": "in class",
    "other": "other",
}


class DeliverableBase(StrictModel):
    id: IdText = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    week: int | None = None
    due: LocalDateTime
    platform: Platform
    url: str | None = None
    description: str | None = None
    points: float | None = Field(None, ge=0)
    gradescope_id: IdText | None = Field(None, description="assignment id on Gradescope")


class WordRange(StrictModel):
    min: int = Field(ge=0)
    max: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> WordRange:
        if self.max < self.min:
            raise ValueError(f"word range max {self.max} is below min {self.min}; swap them")
        return self


class ReflectionDeliverable(DeliverableBase):
    kind: Literal["reflection"]
    words: WordRange = WordRange(min=300, max=500)
    repo: str = Field("{org}/reflections-{github}", description="repo pattern: {org}, {github}")
    path: str = Field(description="file path in the student's repo, e.g. reflections/week-07.md")
    grace_minutes: int | None = Field(
        None,
        ge=0,
        description="minutes after the deadline still on time; default (and best): the grading "
        "policy's late.grace_minutes, which the gradebook uses too",
    )


class PeerReviewDeliverable(DeliverableBase):
    kind: Literal["peer-review"]
    reviews_per_student: int = Field(2, ge=1)
    reviews: str = Field(description="id of the deliverable whose submissions are reviewed")
    submission_link: str | None = Field(
        None, description="link pattern to an author's submission: {github}, {sid}, {org}"
    )
    rubric: str | None = Field(
        None, description="rubric id in rubrics/; default 'peer-review' if present"
    )


class SelfAssessmentDeliverable(DeliverableBase):
    kind: Literal["self-assessment"]
    max_score: float = Field(5, gt=0)
    rubric: str | None = Field(None, description="rubric id in rubrics/")


class SurveyDeliverable(DeliverableBase):
    kind: Literal["survey"]
    anonymous: bool = True
    completion_only: bool = True


class PortfolioDeliverable(DeliverableBase):
    kind: Literal["portfolio-piece"]


class ExamDeliverable(DeliverableBase):
    """An exam; `due` is when it ends, `start` when it begins."""

    kind: Literal["exam"]
    start: LocalDateTime | None = None
    location: IdText | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> ExamDeliverable:
        if self.start is not None and self.start >= self.due:
            raise ValueError(
                f"exam ends ({self.due}) before it starts ({self.start}); fix start or due"
            )
        return self


class AssignmentDeliverable(DeliverableBase):
    kind: Literal["assignment", "project"]


DELIVERABLE_KINDS = frozenset(
    {
        "reflection",
        "peer-review",
        "self-assessment",
        "survey",
        "portfolio-piece",
        "exam",
        "assignment",
        "project",
    }
)

Deliverable = Annotated[
    ReflectionDeliverable
    | PeerReviewDeliverable
    | SelfAssessmentDeliverable
    | SurveyDeliverable
    | PortfolioDeliverable
    | ExamDeliverable
    | AssignmentDeliverable,
    Field(discriminator="kind"),
]


_DELIVERABLE_ADAPTER: TypeAdapter[Deliverable] = TypeAdapter(Deliverable)


def _week_list(value: Any) -> Any:
    """'1-14' or '1-6, 8-14' or [1, 2, 3] -> [1, ..., 14]."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if not isinstance(value, str):
        return value
    weeks: list[int] = []
    for part in value.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            weeks += list(range(int(first), int(last if dash else first) + 1))
        except ValueError:
            raise ValueError(
                f"weeks: '{value}' is not a list of weeks; write e.g. '1-14'"
            ) from None
    return weeks


class Repeat(StrictModel):
    """One deliverable every week, so a term is not typed out: each course week in `weeks`
    gets a copy of `deliverable`, due on `every` at `at`, with `{week}` (or `{week:02}`) in its
    strings replaced by the week's number. Ids stay stable across edits: reflection-w{week:02}."""

    every: Weekday = Field(description="weekday it is due, e.g. FR")
    at: ClockTime = Field(description="local time it is due, e.g. '23:59'")
    weeks: Annotated[list[Annotated[int, Field(ge=1)]], BeforeValidator(_week_list)] = Field(
        default_factory=list,
        description="course weeks, e.g. '1-14' or '1-6, 8-14'; default every week of the term",
    )
    skip_breaks: bool = Field(True, description="no deliverable when its due day is in a break")
    deliverable: dict[str, Any] = Field(
        description="the deliverable's keys (id, kind, title, platform, ...) without week and due"
    )

    @field_validator("every", mode="before")
    @classmethod
    def _weekday_word(cls, value: Any) -> Any:
        index = _weekday_from_word(str(value)) if isinstance(value, str) else None
        return list(Weekday)[index].value if index is not None else value

    @field_validator("deliverable")
    @classmethod
    def _a_deliverable(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key in ("week", "due"):
            if key in value:
                raise ValueError(f"deliverable: remove '{key}'; the repeat sets it for each week")
        if "{week" not in str(value.get("id", "")):
            raise ValueError(
                "deliverable: its id needs '{week}' or '{week:02}' so each week's id differs, "
                "e.g. reflection-w{week:02}"
            )
        # Fails here, at the repeat's own line, rather than once per week later.
        try:
            _DELIVERABLE_ADAPTER.validate_python(
                {**expand_week(value, 1), "week": 1, "due": "2000-01-03 23:59"}
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"] if p not in DELIVERABLE_KINDS)
            if first["type"] == "missing":
                raise ValueError(f"deliverable: missing required key '{where}'; add it") from None
            if first["type"] == "extra_forbidden":
                raise ValueError(
                    f"deliverable: unknown key '{where}'; check its spelling"
                ) from None
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ValueError(f"deliverable: {where}: {message}".replace(": : ", ": ")) from None
        return value

    def expand(self, schedule: Schedule) -> list[Deliverable]:
        found: list[Deliverable] = []
        for number in self.weeks or schedule.week_numbers():
            day = schedule.monday_of(number) + timedelta(days=self.every.number)
            if self.skip_breaks and schedule.break_on(day):
                continue
            fields = {**expand_week(self.deliverable, number), "week": number}
            fields["due"] = datetime.combine(day, self.at, tzinfo=schedule.tz)
            found.append(_DELIVERABLE_ADAPTER.validate_python(fields))
        return found


def expand_week(value: Any, number: int) -> Any:
    """`value` with '{week}' / '{week:02}' in every string replaced by `number`."""
    if isinstance(value, str):
        return value.replace("{week:02}", f"{number:02}").replace("{week}", str(number))
    if isinstance(value, dict):
        return {key: expand_week(item, number) for key, item in value.items()}
    if isinstance(value, list):
        return [expand_week(item, number) for item in value]
    return value


class Schedule(StrictModel):
    """The whole of schedule.yaml."""

    course: CourseInfo
    meetings: list[Meeting] = Field(default_factory=list)
    breaks: list[Break] = Field(default_factory=list)
    weeks: list[Week] = Field(default_factory=list)
    deliverables: list[Deliverable] = Field(default_factory=list)
    repeats: list[Repeat] = Field(
        default_factory=list,
        description="deliverables due every week (added to `deliverables` when loaded)",
    )

    # Deliverable id -> index in `repeats` of the rule that made it (errors point at the rule).
    _repeated: dict[str, int] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _expand(self) -> Schedule:
        """Weekly deliverables from `repeats:`; a listed week without lectures gets one per
        lecture meeting day (not in a break)."""
        for index, repeat in enumerate(self.repeats):
            made = repeat.expand(self)
            self._repeated.update(dict.fromkeys((d.id for d in made), index))
            self.deliverables.extend(made)
        for week in self.weeks:
            if not week.lectures:
                week.lectures = self.meeting_lectures(week.number)
        return self

    def repeat_of(self, deliverable_id: str) -> int | None:
        """Index in `repeats` of the rule that made this deliverable, or None."""
        return self._repeated.get(deliverable_id)

    def meeting_lectures(self, number: int) -> list[Lecture]:
        """The lectures `meetings:` give course week `number`, in date order."""
        monday = self.monday_of(number)
        lectures = []
        for offset in range(7):
            day = monday + timedelta(days=offset)
            if self.break_on(day) or not self.course.start <= day <= self.course.end:
                continue
            lectures += [
                Lecture(date=day, title=meeting.title)
                for meeting in self.meetings
                if meeting.kind == "lecture"
                and day.weekday() in {d.number for d in meeting.days}
                and (meeting.first or self.course.start) <= day <= (meeting.last or self.course.end)
            ]
        return lectures

    def monday_of(self, number: int) -> date:
        """The Monday course week `number` starts on (weeks that are all break are not counted,
        as in `week_of`)."""
        monday = self.course.start - timedelta(days=self.course.start.weekday())
        week = 1
        while True:
            if not all(self.break_on(monday + timedelta(days=d)) for d in range(5)):
                if week == number:
                    return monday
                week += 1
            monday += timedelta(weeks=1)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.course.timezone)

    @model_validator(mode="after")
    def _localise(self) -> Schedule:
        """Attach the course's time zone to every deadline written as local time."""
        zone = self.tz
        for item in self.deliverables:
            if item.due.tzinfo is None:
                item.due = item.due.replace(tzinfo=zone)
            if (
                isinstance(item, ExamDeliverable)
                and item.start is not None
                and item.start.tzinfo is None
            ):
                item.start = item.start.replace(tzinfo=zone)
        return self

    def deliverable(self, deliverable_id: str) -> Deliverable | None:
        return next((d for d in self.deliverables if d.id == deliverable_id), None)

    def week(self, number: int) -> Week | None:
        return next((w for w in self.weeks if w.number == number), None)

    def week_of(self, day: date) -> int:
        """Course week number of `day`.

        Week 1 starts on the Monday of the term's first week; a break that covers a whole
        Monday-to-Friday week is not counted (the week after spring break is the next week).
        """
        first_monday = self.course.start - timedelta(days=self.course.start.weekday())
        calendar_week = (day - first_monday).days // 7 + 1
        skipped = 0
        for week in range(1, calendar_week):
            monday = first_monday + timedelta(weeks=week - 1)
            if all(self.break_on(monday + timedelta(days=d)) for d in range(5)):
                skipped += 1
        return calendar_week - skipped

    def week_numbers(self) -> range:
        """Course weeks from the term's first to its last, and any later week listed in `weeks:`."""
        last = max([self.week_of(self.course.end), *(w.number for w in self.weeks)])
        return range(1, last + 1)

    def break_on(self, day: date) -> Break | None:
        return next((b for b in self.breaks if b.covers(day)), None)

    def sections(self) -> list[str]:
        return [m.section for m in self.meetings if m.kind == "section" and m.section]


# ---------------------------------------------------------------------------- rubrics


class RubricLevel(StrictModel):
    score: float
    label: str
    description: str


class Criterion(StrictModel):
    name: str
    description: str


class Rubric(StrictModel):
    id: IdText
    title: str
    description: str | None = None
    criteria: list[Criterion] = Field(default_factory=list)
    levels: list[RubricLevel] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class PolicyItem(StrictModel):
    """One graded item: a deliverable id, or every deliverable of a kind."""

    deliverable: IdText | None = None
    kind: str | None = None
    weight: float = Field(gt=0, description="share of its category, in percent")
    rule: Literal["completion", "score"] = "score"
    late: bool = Field(True, description="apply the policy's late rule to this item")

    @model_validator(mode="after")
    def _one_target(self) -> PolicyItem:
        if (self.deliverable is None) == (self.kind is None):
            raise ValueError("give exactly one of 'deliverable' or 'kind'")
        return self


class PolicyCategory(StrictModel):
    id: IdText
    title: str
    grade_name: str | None = Field(
        None,
        description="how students call this grade, as in 'X% of your <grade_name> grade'; "
        "default the title in lower case",
    )
    weight: float = Field(gt=0, description="share of the course grade, in percent")
    items: list[PolicyItem] = Field(min_length=1)


class LateRule(StrictModel):
    grace_minutes: int = Field(0, ge=0)
    penalty_per_day: float = Field(0, ge=0, le=100, description="percent of the item per late day")
    max_days: int | None = Field(
        None, ge=0, description="after this many late days the item scores 0"
    )

    @field_validator("penalty_per_day")
    @classmethod
    def _percent_not_fraction(cls, value: float) -> float:
        # 0.1 is what a TA writes for "10%" in a spreadsheet habit; read as percent it is a
        # penalty a hundred times smaller, silently.
        if 0 < value < 1:
            raise ValueError(
                f"penalty_per_day is in percent of the item per late day: {value:g} means "
                f"{value:g}%, not {value * 100:g}%; write {value * 100:g} for {value * 100:g}%"
            )
        return value


class GradebookInputs(StrictModel):
    """Where `coursectl gradebook` reads its sources, relative to the course folder.

    Files that name students (confirmations, adjustments, review records) are FERPA data:
    the defaults are under git-ignored folders, and rubrics/ only holds their paths.
    """

    gradescope: str | None = Field(
        None, description="Gradescope exports; default course.gradescope.exports"
    )
    reflections: str = Field(
        "grades/reflections", description="check-reflections output, <file stem>.csv|json"
    )
    reviews: str = Field("reviews", description="assign-reviews output, <deliverable-id>/*.csv")
    reviews_done: str = Field(
        "grades/reviews-done", description="TA record of reviews done, <deliverable-id>.csv"
    )
    confirmations: str = Field(
        "grades/confirmations", description="TA scores for self-assessments, <deliverable-id>.csv"
    )
    adjustments: str = Field(
        "grades/adjustments.csv",
        description="excused items and extensions (sid, deliverable, action, until, note)",
    )
    extensions: str = Field(
        "grades/extensions.csv",
        description="extensions granted on Gradescope (coursectl gradescope extensions), adjustments' columns",
    )
    email_aliases: list[list[str]] = Field(
        default_factory=list, description="groups of email domains that mean the same mailbox"
    )
    gradescope_titles: dict[str, str] = Field(
        default_factory=dict,
        description="deliverable id -> assignment title on Gradescope, where they differ",
    )
    canvas_ids: dict[str, IdText] = Field(
        default_factory=dict, description="deliverable id -> Canvas assignment id"
    )
    complete_statuses: list[str] = Field(
        default_factory=lambda: ["ok"],
        description="check-reflections statuses that count as complete",
    )

    @field_validator("email_aliases")
    @classmethod
    def _domains(cls, groups: list[list[str]]) -> list[list[str]]:
        for group in groups:
            if len(group) < 2:
                raise ValueError(
                    "each email alias group needs at least two domains, e.g. [students.example.edu, example.edu]"
                )
            for domain in group:
                if "@" in domain or "." not in domain:
                    raise ValueError(f"'{domain}' is not an email domain; write e.g. example.edu")
        return [[d.lower() for d in group] for group in groups]

    @field_validator("complete_statuses")
    @classmethod
    def _statuses(cls, statuses: list[str]) -> list[str]:
        known = REFLECTION_STATUSES
        for status in statuses:
            if status not in known:
                raise ValueError(
                    f"unknown reflection status '{status}'; use some of {', '.join(known)}"
                )
        return statuses


class GradingPolicy(StrictModel):
    title: str
    categories: list[PolicyCategory] = Field(min_length=1)
    late: LateRule = LateRule()
    gradebook: GradebookInputs = GradebookInputs()
    notes: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Grace:
    """Minutes after a due time that still count as on time, and where that number is set."""

    minutes: int
    source: str  # e.g. "late.grace_minutes in rubrics/grading-policy.yaml"


def grace_for(deliverable: DeliverableBase, policy: GradingPolicy | None) -> Grace:
    """The grace period of one deliverable: one rule for check-reflections and the gradebook.

    A reflection's own `grace_minutes` wins; otherwise the grading policy's `late.grace_minutes`
    (the one the gradebook's late rule applies); without a policy, none.
    """
    own = getattr(deliverable, "grace_minutes", None)
    if own is not None:
        return Grace(own, f"grace_minutes of {deliverable.id} in schedule.yaml")
    if policy is not None:
        return Grace(policy.late.grace_minutes, "late.grace_minutes in rubrics/grading-policy.yaml")
    return Grace(0, "no rubrics/grading-policy.yaml, so no grace")
