"""Judge every student's reflection from what a source fetched: pure, no I/O.

`plan_requests` turns the roster and a reflection deliverable into `RepoRequest`s;
`classify` turns one `RepoFetch` into one `ReflectionRecord`; `check_reflections` does both for
the whole class. The same rules apply to every source (see `classify` for the statuses).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from coursectl.course.model import (
    REFLECTION_STATUSES,
    Grace,
    GradingPolicy,
    ReflectionDeliverable,
    ReflectionStatus,
    WordRange,
    grace_for,
)
from coursectl.course.roster import Student
from coursectl.errors import UserError
from coursectl.reflections.source import FileSnapshot, RepoFetch, RepoRequest, TimeSource
from coursectl.reflections.wordcount import count_words

Status = ReflectionStatus
STATUSES = REFLECTION_STATUSES

# A 500-word reflection is about 3 KB; a file over 1 MiB is not one (a PDF, a dataset, a video).
MAX_FILE_BYTES = 1_048_576
# A NUL byte does not occur in text files (UTF-8 or legacy encodings); it does in binaries.
_BINARY_SNIFF = 8192
# What git stores instead of a file tracked with Git LFS (https://git-lfs.com/spec/v1).
_LFS_POINTER = b"version https://git-lfs.github.com/spec/"


@dataclass(frozen=True)
class ReflectionRecord:
    """One student's result: one row of the table, the CSV and the JSON."""

    sid: str
    github: str
    status: Status
    words: int | None = None
    submitted_at: datetime | None = None  # when the graded version arrived (None: unknown)
    # When the reported version came after the cutoff: how long after the due time (not the
    # grace). Set for "late" and for a late version that is empty, too-short or too-long.
    late_by: timedelta | None = None
    commit: str = ""  # the commit whose version was graded
    time_verified: bool = False  # submitted_at is GitHub's receive time, not a student's claim
    time_source: TimeSource | None = None
    reason: str = ""  # why, for every status but ok; also notes (decoding, later edits)


@dataclass(frozen=True)
class ReflectionReport:
    deliverable_id: str
    title: str
    due: datetime
    cutoff: datetime  # due + grace
    words: WordRange
    records: list[ReflectionRecord] = field(default_factory=list)
    grace: Grace = field(default_factory=lambda: Grace(0, "no grace"))  # cutoff - due, and where

    def counts(self) -> dict[Status, int]:
        tally = Counter(r.status for r in self.records)
        return {status: tally[status] for status in STATUSES if tally[status]}

    def time_sources(self) -> set[TimeSource]:
        return {r.time_source for r in self.records if r.time_source is not None}


# ---------------------------------------------------------------------------- planning


def find_reflection(deliverables: Sequence[object], which: str) -> ReflectionDeliverable:
    """The reflection deliverable named by a week number ("7") or an id ("week-07-reflection")."""
    reflections = [d for d in deliverables if isinstance(d, ReflectionDeliverable)]
    by_id = [d for d in reflections if d.id == which]
    if by_id:
        return by_id[0]
    if which.strip().isdigit():
        week = int(which)
        in_week = [d for d in reflections if d.week == week]
        if len(in_week) == 1:
            return in_week[0]
        if len(in_week) > 1:
            ids = ", ".join(d.id for d in in_week)
            raise UserError(
                f"week {week} has {len(in_week)} reflections ({ids}); give one id instead"
            )
        weeks = sorted({d.week for d in reflections if d.week is not None})
        raise UserError(
            f"schedule.yaml: no reflection due in week {week}; weeks with one: "
            + (", ".join(map(str, weeks)) or "none")
        )
    known = ", ".join(d.id for d in reflections[:5]) + (", ..." if len(reflections) > 5 else "")
    raise UserError(
        f"schedule.yaml: no reflection deliverable '{which}'; give a week number or an id ({known})"
    )


def repo_for(pattern: str, github: str, sid: str, org: str | None) -> str:
    """The student's repository "owner/name" from the deliverable's pattern."""
    if "{org}" in pattern and not org:
        raise UserError(
            "schedule.yaml: the reflection repo pattern uses {org} but course.github.org is not "
            "set; add course: github: org: <your organisation>"
        )
    try:
        return pattern.format(org=org or "", github=github, sid=sid)
    except (KeyError, IndexError, ValueError) as exc:
        raise UserError(
            f"schedule.yaml: repo pattern '{pattern}' is not valid ({exc}); "
            "use {org}, {github} and {sid}"
        ) from None


def plan_requests(
    students: Sequence[Student], deliverable: ReflectionDeliverable, org: str | None
) -> tuple[list[RepoRequest], list[ReflectionRecord]]:
    """Requests for students with a GitHub login; a no-repo record for those without one."""
    requests: list[RepoRequest] = []
    unreachable: list[ReflectionRecord] = []
    for student in students:
        login = student.github.strip()
        if not login:
            unreachable.append(
                ReflectionRecord(student.sid, "", "no-repo", reason="no GitHub login in the roster")
            )
            continue
        repo = repo_for(deliverable.repo, login, student.sid, org)
        requests.append(RepoRequest(student.sid, login, repo, deliverable.path))
    return requests, unreachable


# ---------------------------------------------------------------------------- judging


@dataclass(frozen=True)
class _Reading:
    words: int | None  # None: could not be read
    note: str = ""  # decoding notes, or why it could not be read


def read_reflection(content: bytes) -> _Reading:
    """Decode and count one file's bytes; binary, huge and undecodable files are explained."""
    size = len(content)
    if content.startswith(_LFS_POINTER):
        # Counting it would give "version https ... oid sha256 ... size" six words.
        return _Reading(None, "a Git LFS pointer, not the reflection (commit the Markdown itself)")
    if size > MAX_FILE_BYTES:
        # Sources stop reading just past the limit, so the true size may be larger still.
        return _Reading(None, "file is over 1 MiB; a reflection is text of a few KiB")
    notes = []
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = content.decode("utf-16", "replace")
        notes.append("UTF-16 text, read as such")
    elif b"\x00" in content[:_BINARY_SNIFF]:
        return _Reading(None, "binary file, not text (was a PDF or Word file committed?)")
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = content.decode("utf-8", "replace")
            notes.append(f"not valid UTF-8 (byte {exc.start}); unreadable bytes replaced")
    try:
        words = count_words(text)
    except Exception as exc:  # a parser bug on one odd file must not stop the class
        return _Reading(None, f"could not count words ({type(exc).__name__})")
    return _Reading(words, "; ".join(notes))


def _judge_words(words: int, limits: WordRange) -> Status:
    if words == 0:
        return "empty"
    if words < limits.min:
        return "too-short"
    if words > limits.max:
        return "too-long"
    return "ok"


def _range_note(words: int, limits: WordRange) -> str:
    if words == 0:
        return "no words"
    if words < limits.min:
        return f"{words} words, below {limits.min}"
    if words > limits.max:
        return f"{words} words, above {limits.max}"
    return ""


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def format_duration(delta: timedelta) -> str:
    """H:MM:SS with hours past 24, as gradebooks write lateness (e.g. 225:07:02)."""
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _record(
    fetch: RepoFetch,
    status: Status,
    snapshot: FileSnapshot | None,
    words: int | None,
    reason: str = "",
    late_by: timedelta | None = None,
) -> ReflectionRecord:
    request = fetch.request
    if snapshot is None:
        return ReflectionRecord(request.sid, request.github, status, words, reason=reason)
    kind = snapshot.time_kind
    return ReflectionRecord(
        request.sid,
        request.github,
        status,
        words,
        submitted_at=None if kind == "none" else snapshot.received_at,
        late_by=late_by,
        commit=snapshot.commit_sha,
        time_verified=snapshot.time_verified,
        time_source=kind,
        reason=reason,
    )


def classify(
    fetch: RepoFetch, limits: WordRange, due: datetime, cutoff: datetime
) -> ReflectionRecord:
    """One student's status from what the source found.

    - no-repo / no-access / error: the source could not get the file (reason says why); a file
      that is binary, over 1 MiB or fails to parse is also an error.
    - missing: the repository is there, the file never was.
    - The version on time (last one at or before due + grace) is graded: empty (no words),
      too-short, too-long or ok against the word range.
    - late: no acceptable version on time, but a later one within the word range exists; it is
      the one reported (its words, its time and `late_by` after the due time).
    - A later version outside the word range (when the on-time one is not ok either) is
      reported as what it is — empty, too-short or too-long — with its `late_by`: never `late`,
      which the gradebook counts as complete. An ok on-time version with later edits stays ok,
      and the reason notes the later edit.
    """
    request = fetch.request
    if fetch.outcome != "ok":
        reason = fetch.reason or {"no-repo": "repository not found", "no-access": "no access"}.get(
            fetch.outcome, "unknown failure"
        )
        return ReflectionRecord(request.sid, request.github, fetch.outcome, reason=reason)

    on_time, latest = fetch.on_time, fetch.latest
    if latest is not None and _elapsed(latest.received_at, cutoff) >= timedelta(0):
        # A "latest" version that arrived in time is the on-time one (a source should not send
        # that, but judging by the times keeps the rule in one place).
        on_time, latest = latest, None
    if on_time is None and latest is None:
        said = fetch.reason.startswith(request.path)  # the source says what is wrong with it
        return ReflectionRecord(
            request.sid,
            request.github,
            "missing",
            reason=fetch.reason if said else _join(f"no {request.path}", fetch.reason),
        )

    graded: _Reading | None = None
    if on_time is not None:
        graded = read_reflection(on_time.content)
        if graded.words is None:
            if latest is None:
                return _record(fetch, "error", on_time, None, graded.note)
        else:
            status = _judge_words(graded.words, limits)
            if status == "ok" or latest is None:
                later = ""
                if latest is not None:
                    when = latest.received_at.astimezone(due.tzinfo)
                    later = (
                        f"changed after the deadline ({when:%b %d %H:%M}); on-time version graded"
                    )
                return _record(
                    fetch,
                    status,
                    on_time,
                    graded.words,
                    _join(
                        _range_note(graded.words, limits),
                        graded.note,
                        _grace_note(on_time, due, cutoff),
                        later,
                    ),
                )

    assert latest is not None  # every path without a late version returned above
    late = read_reflection(latest.content)
    if late.words is None:
        return _record(fetch, "error", latest, None, _join("late version: " + late.note))
    on_time_note = ""
    if on_time is not None and graded is not None:
        on_time_note = (
            f"on-time version: {_range_note(graded.words, limits)}"
            if graded.words is not None
            else f"on-time version unreadable: {graded.note}"
        )
    late_by = _elapsed(due, latest.received_at) if latest.time_kind != "none" else None
    status = _judge_words(late.words, limits)
    if status != "ok":
        # Out of range is never completion credit, on time or late: the late version is still
        # the one reported (the newest work), with its lateness.
        return _record(
            fetch,
            status,
            latest,
            late.words,
            _join(f"late version: {_range_note(late.words, limits)}", late.note, on_time_note),
            late_by=late_by,
        )
    return _record(
        fetch,
        "late",
        latest,
        late.words,
        _join(late.note, on_time_note),
        late_by=late_by,
    )


def _grace_note(snapshot: FileSnapshot, due: datetime, cutoff: datetime) -> str:
    """Say so when an on-time version only made it thanks to the grace period."""
    if snapshot.time_kind == "none":
        return ""
    after = _elapsed(due, snapshot.received_at)
    if after <= timedelta(0):
        return ""
    grace = int(_elapsed(due, cutoff).total_seconds() // 60)
    return f"{format_duration(after)} after the due time, within the {grace}-minute grace: on time"


def _elapsed(start: datetime, end: datetime) -> timedelta:
    """Real time between two moments. Subtracting two datetimes that share a ZoneInfo gives
    wall-clock time instead, an hour off across the DST change (Mar 8, 2026, in spring break)."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def cutoff_of(deliverable: ReflectionDeliverable, policy: GradingPolicy | None) -> datetime:
    """Due time plus the grace period (`grace_for`: the grading policy's, as the gradebook
    applies it), in real minutes (also across a DST change)."""
    due = deliverable.due
    minutes = grace_for(deliverable, policy).minutes
    return (due.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(due.tzinfo)


def check_reflections(
    students: Sequence[Student],
    deliverable: ReflectionDeliverable,
    org: str | None,
    fetch: Callable[[Sequence[RepoRequest], datetime], list[RepoFetch]],
    policy: GradingPolicy | None = None,
) -> ReflectionReport:
    """Plan, fetch through `fetch(requests, cutoff)` and classify, in roster order.

    `policy` gives the grace period (see `grace_for`); without one there is none."""
    grace = grace_for(deliverable, policy)
    cutoff = cutoff_of(deliverable, policy)
    requests, unreachable = plan_requests(students, deliverable, org)
    results = fetch(requests, cutoff)
    by_sid = {r.request.sid: r for r in results}
    records_by_sid = {r.sid: r for r in unreachable}
    for request in requests:
        result = by_sid.get(request.sid)
        if result is None:
            records_by_sid[request.sid] = ReflectionRecord(
                request.sid, request.github, "error", reason="the source returned no result"
            )
            continue
        try:
            records_by_sid[request.sid] = classify(
                result, deliverable.words, deliverable.due, cutoff
            )
        except Exception as exc:  # one odd result never stops the class
            records_by_sid[request.sid] = ReflectionRecord(
                request.sid,
                request.github,
                "error",
                reason=f"could not check ({type(exc).__name__})",
            )
    records = [records_by_sid[s.sid] for s in students if s.sid in records_by_sid]
    return ReflectionReport(
        deliverable.id,
        deliverable.title,
        deliverable.due,
        cutoff,
        deliverable.words,
        records,
        grace,
    )
