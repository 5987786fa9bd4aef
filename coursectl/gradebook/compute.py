"""From sources to grades: per-student item results, weighted categories, totals.

Every number is kept at full precision; only rendering rounds (to 2 decimals, once), so a
total is never computed from rounded parts.

Rules (docs/commands.md, "coursectl gradebook", documents them for TAs):
- An item's result is a fraction 0..1, or "not counted" (excused, pending, no data). A
  category is the weighted mean of its counted items; the total is the weighted mean of the
  counted categories, and `counted weight` says how much of the course that covers.
- A blank Gradescope score means not submitted (0); a zero is a zero; a submission not yet
  graded is pending (not counted) for score items and complete for completion items.
- Late rule: lateness beyond `grace_minutes` counts whole started days; each costs
  `penalty_per_day` percent of the item; more than `max_days` scores 0. An extension moves the
  due time; an excused item is left out. Reflections: `ok` is complete; `late` (a late version
  within the word range) is complete with the late rule applied to check-reflections'
  `late_by`, and a `late` row outside the word range (older reports) is too-short/too-long;
  `no-access` and `error` are the tool's failures, not the student's, so they are pending;
  every other status is incomplete (0). The grace period is `grace_for` (model.py), the one
  check-reflections uses.
- Peer reviews: reviews done / reviews assigned (assign-reviews' CSV). Done comes from the TA
  record (grades/reviews-done/<id>.csv) when there is one, else a Gradescope submission of the
  peer-review assignment counts as all assigned reviews done. No reviews assigned: not counted.
- Self-assessment: the TA's score where confirmations give one, else the proposed score.
- Survey: completed or not; its lateness and submission times are never read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from coursectl.course import Course, load_course
from coursectl.course.adjustments import Adjustment, read_adjustments
from coursectl.course.matching import RosterIndex, sid_key
from coursectl.course.model import (
    Deliverable,
    GradingPolicy,
    LateRule,
    PeerReviewDeliverable,
    PolicyCategory,
    ReflectionDeliverable,
    SelfAssessmentDeliverable,
    SurveyDeliverable,
    grace_for,
)
from coursectl.errors import Problem, UserError
from coursectl.gradebook.inputs import (
    BoolArray,
    DisplayFn,
    FloatArray,
    IntArray,
    ObjectArray,
    Observed,
    is_in,
    read_confirmations,
    read_gradescope_folder,
    read_reflections,
    read_review_allocation,
    read_reviews_done,
    reflection_file,
)

DAY = 86400.0


@dataclass(frozen=True)
class InputPaths:
    gradescope: Path
    reflections: Path
    reviews: Path
    reviews_done: Path
    confirmations: Path
    adjustments: Path
    extensions: Path

    @classmethod
    def for_course(cls, course: Course, inputs: Path | None = None) -> InputPaths:
        """The policy's paths, or one folder (`--inputs`) laid out the same way."""
        if inputs is not None:
            return cls(
                inputs / "gradescope",
                inputs / "reflections",
                inputs / "reviews",
                inputs / "reviews-done",
                inputs / "confirmations",
                inputs / "adjustments.csv",
                inputs / "extensions.csv",
            )
        settings = _policy(course).gradebook
        gradescope = course.schedule.course.gradescope
        exports = settings.gradescope or (
            gradescope.exports if gradescope else "exports/gradescope"
        )
        root = course.root
        return cls(
            root / exports,
            root / settings.reflections,
            root / settings.reviews,
            root / settings.reviews_done,
            root / settings.confirmations,
            root / settings.adjustments,
            root / settings.extensions,
        )


@dataclass(frozen=True)
class GradeItem:
    deliverable: Deliverable
    category: PolicyCategory
    weight: float  # percent of its category
    rule: str
    late: bool

    @property
    def id(self) -> str:
        return self.deliverable.id


@dataclass
class ItemResult:
    item: GradeItem
    earned: FloatArray  # fraction after the late rule; NaN = not counted
    raw: FloatArray  # fraction before the late rule
    state: ObjectArray  # graded, missing, submitted, excused, pending, ...
    late_days: IntArray
    points_possible: float
    describe: Callable[[int], str]  # where student i's raw number came from, in words
    proposed: FloatArray | None = None  # self-assessments, in points out of max_score
    confirmed: FloatArray | None = None
    late_seconds: FloatArray | None = None  # what the late rule judges; None = no lateness known


@dataclass
class CategoryResult:
    category: PolicyCategory
    score: FloatArray  # fraction; NaN = nothing counted yet
    share: FloatArray  # counted item weight / all item weight


@dataclass
class Gradebook:
    course: Course
    items: list[ItemResult]
    categories: list[CategoryResult]
    total: FloatArray  # fraction of the counted weight
    counted_weight: FloatArray  # percent of the course grade that has data
    notices: list[Problem] = field(default_factory=list)
    unconfirmed: dict[str, list[str]] = field(default_factory=dict)  # self-assessment id -> sids


def _policy(course: Course) -> GradingPolicy:
    if course.policy is None:
        raise UserError(
            Problem(
                "rubrics/grading-policy.yaml",
                None,
                None,
                "no grading policy; create it (see docs/commands.md, 'coursectl gradebook')",
            )
        )
    return course.policy


def expand_items(course: Course) -> list[GradeItem]:
    """Policy items with `kind:` split evenly over the deliverables of that kind."""
    items: list[GradeItem] = []
    for category in _policy(course).categories:
        for entry in category.items:
            if entry.deliverable is not None:
                targets = [d for d in course.schedule.deliverables if d.id == entry.deliverable]
            else:
                targets = [d for d in course.schedule.deliverables if d.kind == entry.kind]
            for deliverable in targets:
                items.append(
                    GradeItem(
                        deliverable, category, entry.weight / len(targets), entry.rule, entry.late
                    )
                )
    return items


def late_multiplier(late_seconds: FloatArray, rule: LateRule) -> tuple[FloatArray, IntArray]:
    """Share of the item kept and whole late days, from lateness in seconds (NaN = unknown = 0)."""
    seconds = np.nan_to_num(late_seconds, nan=0.0)
    late = seconds > rule.grace_minutes * 60
    days = np.where(late, np.ceil(seconds / DAY), 0).astype(np.int64)
    keep = np.clip(1.0 - days * rule.penalty_per_day / 100.0, 0.0, 1.0)
    if rule.max_days is not None:
        keep = np.where(days > rule.max_days, 0.0, keep)
    return keep, days


def _hms(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def build_gradebook(
    course: Course, paths: InputPaths, display: DisplayFn | None = None
) -> Gradebook:
    """Read every source and compute the gradebook; raise UserError on malformed input."""
    show = display or DisplayFn()
    policy = _policy(course)
    settings = policy.gradebook
    students = course.students
    size = len(students)
    roster = RosterIndex.build(students, settings.email_aliases)
    notices: list[Problem] = []

    sids = {s.sid for s in students}
    adjustments, problems = read_adjustments(
        paths.adjustments, show(paths.adjustments), course.schedule, sids
    )
    # Extensions granted on Gradescope (same columns); the TA's adjustments.csv wins where both
    # name one student and deliverable.
    granted, more = read_adjustments(
        paths.extensions, show(paths.extensions), course.schedule, sids
    )
    problems += more
    problems += [
        Problem(
            g.source, g.line, None, f"action '{g.action}' here; this file only holds extensions"
        )
        for g in granted
        if g.action != "extension"
    ]
    if problems:
        raise UserError(problems)
    decided = {(a.sid, a.deliverable) for a in adjustments}
    adjustments += [g for g in granted if (g.sid, g.deliverable) not in decided]
    excused: dict[str, BoolArray] = {}
    extension: dict[str, FloatArray] = {}
    adjustment_note: dict[tuple[str, int], Adjustment] = {}
    position_of = roster.by_sid
    for adjustment in adjustments:
        position = position_of[sid_key(adjustment.sid)]
        adjustment_note[adjustment.deliverable, position] = adjustment
        if adjustment.action == "excused":
            excused.setdefault(adjustment.deliverable, np.zeros(size, dtype=bool))[position] = True
        else:
            extension.setdefault(adjustment.deliverable, np.zeros(size))[position] = (
                adjustment.extension_seconds
            )

    items = expand_items(course)
    gradescope = read_gradescope_folder(
        paths.gradescope, show, course.schedule, roster, settings.gradescope_titles, notices
    )
    results: list[ItemResult] = []
    unconfirmed: dict[str, list[str]] = {}
    for item in items:
        deliverable = item.deliverable
        if isinstance(deliverable, ReflectionDeliverable):
            result = _reflection(item, paths, show, roster, notices, settings.complete_statuses)
        elif isinstance(deliverable, PeerReviewDeliverable):
            result = _peer_review(item, paths, show, roster, notices, gradescope.get(item.id))
        elif isinstance(deliverable, SelfAssessmentDeliverable):
            result = _self_assessment(item, paths, show, roster, notices, gradescope.get(item.id))
        elif isinstance(deliverable, SurveyDeliverable):
            result = _survey(item, gradescope.get(item.id), size, paths, show)
        else:
            result = _scored(item, gradescope.get(item.id), size, paths, show)
        # One grace rule with check-reflections (a reflection may set its own).
        grace = grace_for(deliverable, policy).minutes
        rule = policy.late
        if grace != rule.grace_minutes:
            rule = rule.model_copy(update={"grace_minutes": grace})
        _apply_adjustments(
            result, rule, excused.get(item.id), extension.get(item.id), adjustment_note
        )
        if isinstance(deliverable, SelfAssessmentDeliverable) and result.confirmed is not None:
            waiting = result.state == "unconfirmed"
            if waiting.any():
                unconfirmed[item.id] = [students[i].sid for i in np.flatnonzero(waiting)]
        results.append(result)

    categories: list[CategoryResult] = []
    for category in policy.categories:
        members = [r for r in results if r.item.category is category]
        weights = np.array([r.item.weight for r in members])
        earned = np.vstack([r.earned for r in members]) if members else np.zeros((0, size))
        counted = ~np.isnan(earned)
        counted_weight = (weights[:, None] * counted).sum(axis=0)
        weighted = (weights[:, None] * np.nan_to_num(earned, nan=0.0)).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(
                counted_weight > 0,
                weighted / np.where(counted_weight > 0, counted_weight, 1),
                np.nan,
            )
        total_weight = weights.sum() if len(weights) else 1.0
        categories.append(CategoryResult(category, score, counted_weight / total_weight))
    category_weights = np.array([c.category.weight for c in categories])
    scores = np.vstack([c.score for c in categories])
    shares = np.vstack([c.share for c in categories])
    counted = ~np.isnan(scores)
    denominator = (category_weights[:, None] * counted).sum(axis=0)
    numerator = (category_weights[:, None] * np.nan_to_num(scores, nan=0.0)).sum(axis=0)
    total = np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)
    counted_weight = (category_weights[:, None] * shares).sum(axis=0)
    return Gradebook(course, results, categories, total, counted_weight, notices, unconfirmed)


def gradebook_for(course_dir: Path, inputs: Path | None = None, strict: bool = False) -> Gradebook:
    """Load the course in `course_dir` and build its gradebook from the policy's paths, or from
    the one folder `inputs`; with `strict`, unmatched rows and missing students are errors."""
    if inputs is not None and not inputs.is_dir():
        raise UserError(
            f"error: {inputs}: no such folder; pass --inputs a folder such as exports/sample"
        )
    course = load_course(course_dir)
    book = build_gradebook(course, InputPaths.for_course(course, inputs), DisplayFn())
    if strict and book.notices:
        raise UserError(book.notices)
    return book


def _blank(item: GradeItem, size: int, points: float, describe: Callable[[int], str]) -> ItemResult:
    return ItemResult(
        item,
        np.full(size, np.nan),
        np.full(size, np.nan),
        np.full(size, "pending", dtype=object),
        np.zeros(size, dtype=np.int64),
        points,
        describe,
    )


def _points_possible(item: GradeItem, observed: Observed | None) -> float:
    if item.deliverable.points is not None:
        return float(item.deliverable.points)
    if isinstance(item.deliverable, SelfAssessmentDeliverable):
        return float(item.deliverable.max_score)
    if item.rule == "completion":
        return 1.0
    if observed is not None and not np.all(np.isnan(observed.max_points)):
        return float(np.nanmax(observed.max_points))
    return 100.0


def _row(observed: Observed, i: int) -> str:
    return f"{observed.source}:{observed.line[i]}"


def _scored(
    item: GradeItem, observed: Observed | None, size: int, paths: InputPaths, show: DisplayFn
) -> ItemResult:
    """An item graded on Gradescope (portfolio piece, exam, ...)."""
    points = _points_possible(item, observed)
    if observed is None:
        folder = show(paths.gradescope)
        return _blank(
            item,
            size,
            points,
            lambda i: f"no Gradescope export for '{item.deliverable.title}' in {folder} yet",
        )
    has_row = observed.line > 0
    max_points = np.where(
        np.isnan(observed.max_points) | (observed.max_points <= 0), points, observed.max_points
    )
    if item.rule == "completion":
        raw = np.where(observed.submitted, 1.0, 0.0)
        state = np.where(observed.submitted, "submitted", "missing")
    else:
        graded = observed.submitted & ~np.isnan(observed.score)
        raw = np.where(
            graded, observed.score / max_points, np.where(observed.submitted, np.nan, 0.0)
        )
        state = np.where(graded, "graded", np.where(observed.submitted, "ungraded", "missing"))
    raw = np.where(has_row, raw, np.nan)
    state = np.where(has_row, state, "no row").astype(object)
    late = observed.late_seconds

    def describe(i: int) -> str:
        if not has_row[i]:
            return f"no row in {observed.source}"
        where = _row(observed, i)
        if not observed.submitted[i]:
            return f"blank score in {where}: not submitted"
        lateness = f", submitted {_hms(late[i])} late" if late[i] > 0 else ""
        if item.rule == "completion":
            return f"submitted ({where}){lateness}"
        if np.isnan(observed.score[i]):
            return f"submitted, not graded yet ({where})"
        return f"{observed.score[i]:g} / {max_points[i]:g} points ({where}){lateness}"

    result = ItemResult(
        item, raw.copy(), raw, state, np.zeros(size, dtype=np.int64), points, describe
    )
    result.late_seconds = late
    return result


def _survey(
    item: GradeItem, observed: Observed | None, size: int, paths: InputPaths, show: DisplayFn
) -> ItemResult:
    """Completion only; the export's times never reach here (see sources)."""
    if observed is None:
        folder = show(paths.gradescope)
        return _blank(
            item,
            size,
            1.0,
            lambda i: f"no Gradescope export for '{item.deliverable.title}' in {folder} yet",
        )
    has_row = observed.line > 0
    raw = np.where(has_row, np.where(observed.submitted, 1.0, 0.0), np.nan)
    state = np.where(
        has_row, np.where(observed.submitted, "completed", "missing"), "no row"
    ).astype(object)

    def describe(i: int) -> str:
        if not has_row[i]:
            return f"no row in {observed.source}"
        done = "completed" if observed.submitted[i] else "not completed"
        return f"survey {done} ({_row(observed, i)}; anonymous: completion only)"

    return ItemResult(item, raw.copy(), raw, state, np.zeros(size, dtype=np.int64), 1.0, describe)


def _reflection(
    item: GradeItem,
    paths: InputPaths,
    show: DisplayFn,
    roster: RosterIndex,
    notices: list[Problem],
    complete_statuses: list[str],
) -> ItemResult:
    deliverable = item.deliverable
    assert isinstance(deliverable, ReflectionDeliverable)
    size = len(roster.students)
    path = reflection_file(paths.reflections, deliverable)
    if path is None:
        folder = show(paths.reflections)
        stem = Path(deliverable.path).stem
        return _blank(
            item, size, 1.0, lambda i: f"no check-reflections output {folder}/{stem}.csv yet"
        )
    observed = read_reflections(path, show(path), deliverable, roster, notices)
    status = observed.status if observed.status is not None else np.full(size, None, dtype=object)
    has_row = observed.line > 0
    words = observed.words
    # A "late" row outside the word range is what reports of older coursectl versions wrote for
    # a late too-short/too-long version: out of range is never completion credit.
    counted = _word_counts(words, size, np.flatnonzero(status == "late"))
    limits = deliverable.words
    out_of_range = (counted < limits.min) | (counted > limits.max)  # NaN compares False
    if out_of_range.any():
        status = np.where(
            out_of_range, np.where(counted < limits.min, "too-short", "too-long"), status
        ).astype(object)
        notices.append(
            Problem(
                observed.source,
                None,
                None,
                f"{int(out_of_range.sum())} 'late' row(s) outside {limits.min}–{limits.max} "
                "words graded as too-short/too-long (0); re-run check-reflections to rewrite it",
            )
        )
    complete = is_in(status, complete_statuses)
    late = (status == "late") & ~complete
    tool_failure = is_in(status, ("no-access", "error"))
    raw = np.where(complete | late, 1.0, 0.0)
    raw = np.where(has_row & ~tool_failure, raw, np.nan)
    state = np.where(has_row, status, "no row").astype(object)
    state = np.where(tool_failure, "pending", state).astype(object)

    def describe(i: int) -> str:
        if not has_row[i]:
            return f"no row in {observed.source}"
        count = f", {words[i]} words" if words is not None and words[i] else ""
        extra = ""
        if status[i] == "late":
            extra = f", late by {_hms(observed.late_seconds[i])}"
        if out_of_range[i]:
            extra = f", reported 'late' but outside {limits.min}–{limits.max} words: no credit"
        if tool_failure[i]:
            extra = " (check-reflections could not check it; re-run it)"
        return f"status {status[i]}{count}{extra} ({_row(observed, i)})"

    result = ItemResult(item, raw.copy(), raw, state, np.zeros(size, dtype=np.int64), 1.0, describe)
    result.late_seconds = np.where(late, observed.late_seconds, 0.0)
    return result


def _word_counts(words: ObjectArray | None, size: int, rows: IntArray) -> FloatArray:
    """The report's word counts in `rows` (only 'late' rows need them) as numbers; NaN
    elsewhere and where blank or not a number."""
    counts = np.full(size, np.nan)
    if words is None:
        return counts
    for index in rows.tolist():
        cell = words[index]
        text = "" if cell is None else str(cell).strip()
        if text.isdigit():
            counts[index] = float(text)
    return counts


def _peer_review(
    item: GradeItem,
    paths: InputPaths,
    show: DisplayFn,
    roster: RosterIndex,
    notices: list[Problem],
    observed: Observed | None,
) -> ItemResult:
    size = len(roster.students)
    folder = paths.reviews / item.id
    allocation = read_review_allocation(folder, show, item.id, roster, notices)
    if allocation is None:
        return _blank(
            item,
            size,
            1.0,
            lambda i: (
                f"no review assignment in {show(folder)} yet (coursectl assign-reviews {item.id})"
            ),
        )
    allocation_source, assigned, assigned_pairs = allocation
    unassigned = [roster.students[i].sid for i in np.flatnonzero(assigned == 0)]
    if unassigned:
        notices.append(
            Problem(
                allocation_source,
                None,
                None,
                f"no reviews assigned to {len(unassigned)} roster student(s) for '{item.id}', "
                f"not counted for them: {', '.join(unassigned)}",
            )
        )
    done_path = paths.reviews_done / f"{item.id}.csv"
    late = np.zeros(size)
    if done_path.exists():
        done_source, done, _done_lines, done_pairs = read_reviews_done(
            done_path, show(done_path), roster, notices
        )
        for position, author in sorted(done_pairs - assigned_pairs):
            notices.append(
                Problem(
                    done_source,
                    None,
                    None,
                    f"{roster.students[position].sid} reviewed {author}, which was not assigned; not counted",
                )
            )
        done = np.zeros(size, dtype=np.int64)
        for position, _author in done_pairs & assigned_pairs:
            done[position] += 1
        done_from = f"TA record {done_source}"
        has_data = np.ones(size, dtype=bool)
    elif observed is not None:
        done = np.where(observed.submitted, assigned, 0)
        late = np.nan_to_num(observed.late_seconds, nan=0.0)
        done_from = f"Gradescope submission ({observed.source})"
        has_data = observed.line > 0
    else:
        return _blank(
            item,
            size,
            1.0,
            lambda i: f"no record of reviews done: {show(done_path)} or a Gradescope export",
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(
            assigned > 0, np.minimum(done, assigned) / np.where(assigned > 0, assigned, 1), np.nan
        )
    raw = np.where(has_data, raw, np.nan)
    state = np.where(
        assigned == 0,
        "not assigned",
        np.where(done >= assigned, "done", np.where(done > 0, "partial", "missing")),
    )
    state = np.where(has_data, state, "no row").astype(object)

    def describe(i: int) -> str:
        if assigned[i] == 0:
            return f"no reviews assigned in {allocation_source}: not counted"
        if not has_data[i]:
            return f"no row in {done_from}"
        lateness = f", submitted {_hms(late[i])} late" if late[i] > 0 else ""
        return f"{min(done[i], assigned[i])} of {assigned[i]} assigned reviews done ({done_from}; assigned in {allocation_source}){lateness}"

    result = ItemResult(item, raw.copy(), raw, state, np.zeros(size, dtype=np.int64), 1.0, describe)
    result.late_seconds = late
    return result


def _self_assessment(
    item: GradeItem,
    paths: InputPaths,
    show: DisplayFn,
    roster: RosterIndex,
    notices: list[Problem],
    observed: Observed | None,
) -> ItemResult:
    deliverable = item.deliverable
    assert isinstance(deliverable, SelfAssessmentDeliverable)
    size = len(roster.students)
    max_score = float(deliverable.max_score)
    confirmation_path = paths.confirmations / f"{item.id}.csv"
    confirmations = (
        read_confirmations(
            confirmation_path, show(confirmation_path), item.id, max_score, roster, notices
        )
        if confirmation_path.exists()
        else None
    )
    if observed is None and confirmations is None:
        folder = show(paths.gradescope)
        return _blank(
            item,
            size,
            max_score,
            lambda i: f"no Gradescope export for '{deliverable.title}' in {folder} yet",
        )
    if observed is not None:
        scale = np.where(
            np.isnan(observed.max_points) | (observed.max_points <= 0),
            max_score,
            observed.max_points,
        )
        proposed = observed.score / scale * max_score
        submitted = observed.submitted
        has_row = observed.line > 0
        late = observed.late_seconds
    else:
        proposed = np.full(size, np.nan)
        submitted = np.zeros(size, dtype=bool)
        has_row = np.zeros(size, dtype=bool)
        late = np.full(size, np.nan)
    ta = confirmations.score if confirmations is not None else np.full(size, np.nan)
    has_ta = ~np.isnan(ta)
    final = np.where(has_ta, ta, proposed)
    raw = final / max_score
    raw = np.where(has_ta | (has_row & submitted), raw, np.where(has_row, 0.0, np.nan))
    # A proposal waiting for the TA still counts (final = proposed); a submitted form with no
    # number yet is pending.
    state = np.where(
        has_ta,
        "confirmed",
        np.where(
            has_row & submitted & ~np.isnan(proposed),
            "unconfirmed",
            np.where(has_row & submitted, "ungraded", np.where(has_row, "missing", "no row")),
        ),
    ).astype(object)
    notes = confirmations.status if confirmations is not None else None

    def describe(i: int) -> str:
        parts = []
        if observed is None:
            parts.append("no Gradescope export")
        elif not has_row[i]:
            parts.append(f"no row in {observed.source}")
        elif not submitted[i]:
            parts.append(f"not submitted ({_row(observed, i)})")
        elif np.isnan(proposed[i]):
            parts.append(f"submitted, no proposed score yet ({_row(observed, i)})")
        else:
            lateness = f", submitted {_hms(late[i])} late" if late[i] > 0 else ""
            parts.append(
                f"proposed {proposed[i]:g} / {max_score:g} ({_row(observed, i)}){lateness}"
            )
        if has_ta[i]:
            assert confirmations is not None
            note = f" - {notes[i]}" if notes is not None and notes[i] else ""
            parts.append(
                f"TA score {ta[i]:g} / {max_score:g} ({_row(confirmations, i)}){note}: used"
            )
        else:
            parts.append("not confirmed by a TA yet")
        return "; ".join(parts)

    result = ItemResult(
        item,
        raw.copy(),
        raw,
        state,
        np.zeros(size, dtype=np.int64),
        max_score,
        describe,
        proposed,
        ta,
    )
    result.earned = np.where(state == "ungraded", np.nan, raw)
    result.raw = result.earned.copy()
    result.late_seconds = np.where(has_row, np.nan_to_num(late, nan=0.0), 0.0)
    return result


def _apply_adjustments(
    result: ItemResult,
    rule: LateRule,
    excused: BoolArray | None,
    extension: FloatArray | None,
    notes: dict[tuple[str, int], Adjustment],
) -> None:
    """The late rule (after extensions), then excused items taken out."""
    late = result.late_seconds
    if late is not None and result.item.late:
        effective = late if extension is None else np.maximum(late - extension, 0.0)
        keep, days = late_multiplier(effective, rule)
        result.earned = result.raw * keep
        result.late_days = days
    if excused is not None:
        result.earned = np.where(excused, np.nan, result.earned)
        result.state = np.where(excused, "excused", result.state).astype(object)
    base = result.describe
    item_id = result.item.id

    def describe(i: int) -> str:
        text = base(i)
        adjustment = notes.get((item_id, i))
        if adjustment is not None:
            note = f" ({adjustment.note})" if adjustment.note else ""
            if adjustment.action == "excused":
                text += f"; excused ({adjustment.source}:{adjustment.line}){note}"
            else:
                text += f"; extension of {_hms(adjustment.extension_seconds)} ({adjustment.source}:{adjustment.line}){note}"
        return text

    result.describe = describe
