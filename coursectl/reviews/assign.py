"""`assign-reviews` core: from a course and a peer-review deliverable to a saved, checked round.

`assign_reviews` decides what to do (allocate afresh, show the saved round, add or drop a
student), runs the allocation library, validates, and writes the CSV, the messages and the
manifest under `<course>/reviews/<deliverable>/`. It returns what happened; it never prints.
"""

from __future__ import annotations

import re
import secrets
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np

from coursectl.course import Course
from coursectl.course.model import PeerReviewDeliverable
from coursectl.course.roster import Student
from coursectl.errors import Problem, UserError
from coursectl.files import exclusive
from coursectl.reviews import allocation as alloc
from coursectl.reviews.manifest import (
    REVIEWS_DIR,
    Manifest,
    ManifestEvent,
    allocation_positions,
    load_manifest,
    manifest_path,
    other_rounds,
    protect_folder,
    reviews_dir,
)
from coursectl.reviews.messages import DEFAULT_RUBRIC, rubric_for
from coursectl.reviews.outputs import CSV_FILE, write_outputs

T = TypeVar("T")


@dataclass(frozen=True)
class AssignOptions:
    deliverable_id: str
    submitted: Path | None = None
    reviews: int | None = None
    seed: int | None = None
    within_section: bool = False
    anonymous: bool = False
    force: bool = False
    add: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    messages: bool = True  # False: only CSV and manifest (the platform notifies students)
    now: datetime | None = None  # fixed in tests; the manifest records when it was made


@dataclass
class AssignOutcome:
    status: Literal["allocated", "saved", "changed"]
    deliverable: PeerReviewDeliverable
    manifest: Manifest
    path: Path  # the manifest
    written: list[Path] = field(default_factory=list)
    changes: list[ManifestEvent] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def assign_reviews(course: Course, options: AssignOptions) -> AssignOutcome:
    """Allocate (or show, or amend) the peer reviews for one deliverable and write the outputs."""
    deliverable = peer_review(course, options.deliverable_id)
    # One run at a time per course folder: rounds read each other's manifests, and two runs
    # writing one round would remove each other's staging files.
    protect_folder(course.root / REVIEWS_DIR)  # the lock file too stays out of git
    with exclusive(
        course.root / REVIEWS_DIR / ".lock",
        "another `coursectl assign-reviews` is running on this course folder; "
        "wait for it to finish, then run again",
    ):
        return _assign_reviews(course, deliverable, options)


def _assign_reviews(
    course: Course, deliverable: PeerReviewDeliverable, options: AssignOptions
) -> AssignOutcome:
    path = manifest_path(course.root, deliverable.id)
    replacing = options.force and not (options.add or options.drop)
    saved = load_manifest(path, _display(course, path)) if path.exists() and not replacing else None
    if (options.add or options.drop) and options.force:
        raise UserError(
            "--add/--drop change the saved allocation, --force reallocates everyone: "
            "use one of them"
        )
    both = sorted(set(options.add) & set(options.drop))
    if both:
        raise UserError(
            f"{both[0]} is in both --add and --drop; name each student once "
            "(--add for a late submitter, --drop for one who left)"
        )
    if options.add or options.drop:
        if saved is None:
            raise UserError(
                f"no saved allocation for '{deliverable.id}' yet; run "
                f"`coursectl assign-reviews {deliverable.id}` first, then --add/--drop late changes"
            )
        if options.submitted is not None:
            raise UserError(
                "--submitted applies to a new allocation; name late students with --add SID"
            )
        _check_same_settings(course, options, saved, deliverable.id, [])
        _check_rows(saved, _display(course, path))
        changes = [_change(course, saved, "add", sid, options) for sid in options.add]
        changes += [_change(course, saved, "drop", sid, options) for sid in options.drop]
        students = _roster_students(course, saved.students)
        _, forbidden = _earlier_pairs(course, saved.deliverable, saved.students)
        constraints = _constraints(saved.k, students, saved.within_section, forbidden)
        saved.anonymous = saved.anonymous or options.anonymous
        written = write_outputs(
            course,
            deliverable,
            saved,
            path,
            changes,
            options.messages,
            check=lambda manifest: verify(manifest, constraints),
        )
        return AssignOutcome(
            "changed",
            deliverable,
            saved,
            path,
            written,
            changes,
            _warnings(course, deliverable, saved),
        )
    notes: list[str] = []  # rows of a --submitted export that match no roster student
    if saved is not None and not options.force:
        _check_same_settings(course, options, saved, deliverable.id, notes)
        return AssignOutcome(
            "saved",
            deliverable,
            saved,
            path,
            warnings=[*notes, *_warnings(course, deliverable, saved)],
        )
    existing_csv = reviews_dir(course.root, deliverable.id) / CSV_FILE
    if saved is None and existing_csv.exists() and not options.force:
        raise UserError(
            f"{_display(course, existing_csv)} exists without its manifest; "
            "move it away or re-run with --force"
        )
    manifest, constraints = _allocate(course, deliverable, options, notes)
    # verify() runs inside write_outputs, before anything is written.
    written = write_outputs(
        course,
        deliverable,
        manifest,
        path,
        [],
        options.messages,
        check=lambda manifest: verify(manifest, constraints),
    )
    return AssignOutcome(
        "allocated",
        deliverable,
        manifest,
        path,
        written,
        warnings=[*notes, *_warnings(course, deliverable, manifest)],
    )


def peer_review(course: Course, deliverable_id: str) -> PeerReviewDeliverable:
    item = course.schedule.deliverable(deliverable_id)
    choices = ", ".join(
        d.id for d in course.schedule.deliverables if isinstance(d, PeerReviewDeliverable)
    )
    if item is None:
        raise UserError(
            f"no deliverable '{deliverable_id}' in schedule.yaml; "
            f"peer-review deliverables: {choices}"
        )
    if not isinstance(item, PeerReviewDeliverable):
        raise UserError(
            f"'{deliverable_id}' is a {item.kind}, not a peer review; use one of: {choices}"
        )
    return item


def _display(course: Course, path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_submitted(course: Course, deliverable_id: str, path: Path, notes: list[str]) -> set[str]:
    """--submitted read the way the gradebook reads exports; unmatched export rows go to notes."""
    from coursectl.reviews.submitted import ExportContext, read_submitted

    item = course.schedule.deliverable(deliverable_id)
    reviewed = (
        course.schedule.deliverable(item.reviews)
        if isinstance(item, PeerReviewDeliverable)
        else None
    )
    inputs = course.policy.gradebook if course.policy is not None else None
    context = ExportContext(
        reviewed=reviewed,
        schedule=course.schedule,
        email_aliases=inputs.email_aliases if inputs else (),
        gradescope_titles=inputs.gradescope_titles if inputs else {},
    )
    result = read_submitted(path, course.students, _display(course, path), context)
    notes.extend(result.warnings)
    return result.sids


def _now(options: AssignOptions) -> str:
    return (options.now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def _check_same_settings(
    course: Course,
    options: AssignOptions,
    saved: Manifest,
    deliverable_id: str,
    notes: list[str],
) -> None:
    differences = []
    if options.reviews is not None and options.reviews != saved.k:
        differences.append(f"--reviews {options.reviews} (saved: {saved.k})")
    if options.within_section and not saved.within_section:
        differences.append("--within-section (saved: across sections)")
    if (
        options.seed is not None
        and options.seed != saved.seed
        and not (options.add or options.drop)
    ):
        differences.append(f"--seed {options.seed} (saved: {saved.seed})")
    if options.submitted is not None and not (options.add or options.drop):
        # The same list again is the weekly re-run: show the saved allocation. A changed list
        # would reshuffle everyone, so it needs --force (or --add/--drop for a few students).
        sids = _read_submitted(course, deliverable_id, options.submitted, notes)
        taking_part = {s.sid for s in course.students if s.sid in sids}
        if taking_part != set(saved.students):
            new = len(taking_part - set(saved.students))
            gone = len(set(saved.students) - taking_part)
            differences.append(
                f"--submitted {options.submitted.name} ({new} new, {gone} no longer listed; "
                "use --add SID / --drop SID for a few late changes)"
            )
    if differences:
        raise UserError(
            f"'{deliverable_id}' already has a saved allocation; {', '.join(differences)} "
            "would change it: re-run with --force to reallocate everyone"
        )


# ---------------------------------------------------------------------------- a fresh round


def _allocate(
    course: Course, deliverable: PeerReviewDeliverable, options: AssignOptions, notes: list[str]
) -> tuple[Manifest, alloc.ReviewConstraints]:
    """A new round: its manifest and the rules it was made under."""
    if options.seed is not None and options.seed < 0:
        raise UserError(f"--seed {options.seed}: use a number >= 0")
    k = options.reviews if options.reviews is not None else deliverable.reviews_per_student
    if k < 1:
        raise UserError(f"--reviews {k}: each student needs at least 1 review")
    if options.submitted is not None:
        sids = _read_submitted(course, deliverable.id, options.submitted, notes)
        source = options.submitted.name
        taking_part = [s for s in course.students if s.sid in sids]
        non_submitters = [s.sid for s in course.students if s.sid not in sids]
    else:
        source, taking_part, non_submitters = "roster", list(course.students), []
    seed = options.seed if options.seed is not None else secrets.randbelow(2**31)
    sids_in_order = [s.sid for s in taking_part]
    rounds, forbidden = _earlier_pairs(course, deliverable.id, sids_in_order)
    constraints = _constraints(k, taking_part, options.within_section, forbidden)
    # The deliverable joins the seed: the same --seed for two rounds still shuffles differently.
    entropy = [seed, zlib.crc32(deliverable.id.encode())]
    authors = _run(lambda: alloc.allocate(constraints, entropy), deliverable.id)
    manifest = Manifest(
        deliverable=deliverable.id,
        reviews=deliverable.reviews,
        k=k,
        seed=seed,
        within_section=options.within_section,
        anonymous=options.anonymous,
        created=_now(options),
        submitted_from=source,
        earlier_rounds=rounds,
        forbidden_pairs=int(forbidden.shape[0]),
        reciprocal_pairs_allowed=_reciprocal_allowed(taking_part, k, options.within_section),
        pseudonym_key=secrets.token_hex(16),
        students=sids_in_order,
        non_submitters=non_submitters,
        allocation=_by_sid(authors, sids_in_order),
    )
    return manifest, constraints


def verify(manifest: Manifest, constraints: alloc.ReviewConstraints) -> None:
    """The independent check before anything is written: the saved form of the allocation
    (sids, as the manifest holds it, from which every output is made) against rules rebuilt
    from roster and rounds."""
    saved = allocation_positions(manifest)
    if saved is None or saved.shape != (len(manifest.students), constraints.k):
        problems = [
            "the saved allocation does not give every student taking part k authors among them"
        ]
    else:
        problems = alloc.validate_allocation(saved, constraints)
    if problems:
        raise UserError(
            f"internal check failed for '{manifest.deliverable}', nothing was written: "
            + "; ".join(problems[:5])
            + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
        )


def _earlier_pairs(
    course: Course, deliverable_id: str, sids: Sequence[str]
) -> tuple[list[str], alloc.IntArray]:
    """Pairs of this course's other rounds, as indices into `sids` (pairs with others dropped)."""
    rounds: list[str] = []
    pairs: list[tuple[int, int]] = []
    index = {sid: i for i, sid in enumerate(sids)}
    for earlier in other_rounds(course.root, deliverable_id):
        rounds.append(earlier.deliverable)
        for reviewer, authors in earlier.allocation.items():
            if reviewer in index:
                pairs += [(index[reviewer], index[a]) for a in authors if a in index]
    return rounds, np.array(pairs, dtype=np.int64).reshape(-1, 2)


def _constraints(
    k: int, students: Sequence[Student], within_section: bool, forbidden: alloc.IntArray
) -> alloc.ReviewConstraints:
    return alloc.make_constraints(
        k,
        len(students),
        teams=[s.team for s in students],
        sections=[s.section for s in students],
        within_section=within_section,
        forbidden=forbidden,
        student_names=[s.sid for s in students],
    )


def _by_sid(authors: alloc.IntArray, sids: Sequence[str]) -> dict[str, list[str]]:
    return {sid: [sids[a] for a in row] for sid, row in zip(sids, authors.tolist(), strict=True)}


def _run(action: Callable[[], T], deliverable_id: str) -> T:
    try:
        return action()
    except alloc.AllocationError as exc:
        message = re.sub(r"lower reviews per student to (\d+)", r"--reviews \1", str(exc))
        raise UserError(
            Problem("", None, None, f"cannot assign reviews for '{deliverable_id}': {message}")
        ) from None


# ---------------------------------------------------------------------------- late changes


def _roster_students(course: Course, sids: Sequence[str]) -> list[Student]:
    by_sid = {s.sid: s for s in course.students}
    missing = [sid for sid in sids if sid not in by_sid]
    if missing:
        raise UserError(
            f"{', '.join(missing[:5])} in the saved allocation "
            f"{'is' if len(missing) == 1 else 'are'} no longer in the roster; "
            f"--drop {missing[0]} first (or re-run with --force)"
        )
    return [by_sid[sid] for sid in sids]


def _event_seed(manifest: Manifest, options: AssignOptions) -> int:
    return options.seed if options.seed is not None else manifest.seed + len(manifest.history) + 1


def _change(
    course: Course, manifest: Manifest, action: str, sid: str, options: AssignOptions
) -> ManifestEvent:
    """--add SID (a late submitter) or --drop SID (one who left), changing as few as possible."""
    if action == "add" and course.student(sid) is None:
        raise UserError(f"--add {sid}: no student with that sid in the roster")
    if (sid in manifest.allocation) == (action == "add"):
        state = "already" if action == "add" else "not"
        raise UserError(
            f"--{action} {sid}: {state} in the saved allocation for '{manifest.deliverable}'"
        )
    if action == "add":
        sids = [*manifest.students, sid]
    else:
        sids = [s for s in manifest.students if s != sid]
    students = _roster_students(course, sids)
    _, forbidden = _earlier_pairs(course, manifest.deliverable, sids)
    constraints = _constraints(manifest.k, students, manifest.within_section, forbidden)
    before = allocation_positions(manifest)
    assert before is not None  # _check_rows and load_manifest made every row k authors among them
    seed = _event_seed(manifest, options)
    if action == "add":
        change = _run(lambda: alloc.add_student(before, constraints, seed), manifest.deliverable)
    else:
        x = manifest.students.index(sid)
        change = _run(
            lambda: alloc.drop_student(before, constraints, x, seed, name=sid),
            manifest.deliverable,
        )
    return _record(manifest, {s.sid: s for s in students}, action, sid, seed, sids, change, options)


def _check_rows(manifest: Manifest, display: str) -> None:
    """--add/--drop stack the saved rows into one array: a hand-edited manifest whose reviewer
    has another number of authors than k failed there with numpy's ValueError."""
    k = manifest.k
    uneven = next((sid for sid, row in manifest.allocation.items() if len(row) != k), None)
    if type(k) is not int or k < 1 or uneven is not None:
        what = (
            f"reviewer {uneven} has {len(manifest.allocation[uneven])} author(s), not k = {k}"
            if uneven is not None
            else f"k = {k!r} is not a number of reviews"
        )
        raise UserError(Problem(display, None, None, f"{what}; restore it or re-run with --force"))


def _reciprocal_allowed(students: Sequence[Student], k: int, within_section: bool) -> bool:
    """True when some group (the class, or a section) is too small to avoid reciprocal pairs."""
    sizes = Counter(s.section for s in students) if within_section else Counter({"": len(students)})
    return any(not alloc.reciprocal_forbidden(size, k) for size in sizes.values())


def _record(
    manifest: Manifest,
    by_sid: dict[str, Student],
    action: str,
    sid: str,
    seed: int,
    sids: list[str],
    change: alloc.AllocationChange,
    options: AssignOptions,
) -> ManifestEvent:
    after = _by_sid(change.authors, sids)
    changed = {
        sids[r]: {"before": manifest.allocation.get(sids[r], []), "after": after[sids[r]]}
        for r in change.changed_reviewers
    }
    event = ManifestEvent(
        action=action,
        sid=sid,
        at=_now(options),
        seed=seed,
        changed_reviewers=changed,
        new_reviewer_for=[sids[b] for b in change.new_reviewer_for],
    )
    manifest.students = sids
    manifest.allocation = after
    manifest.history.append(event)
    manifest.reciprocal_pairs_allowed = _reciprocal_allowed(
        [by_sid[s] for s in sids], manifest.k, manifest.within_section
    )
    if action == "add" and sid in manifest.non_submitters:
        manifest.non_submitters.remove(sid)
    return event


# ---------------------------------------------------------------------------- shared helpers


def _warnings(course: Course, deliverable: PeerReviewDeliverable, manifest: Manifest) -> list[str]:
    warnings = []
    if rubric_for(course, deliverable) is None:
        warnings.append(
            f"'{deliverable.id}' names no rubric and rubrics/{DEFAULT_RUBRIC}.yaml is missing: the "
            f"messages go out without a rubric; restore it or set rubric: in schedule.yaml"
        )
    link = deliverable.submission_link or ""
    revealing = [name for name in ("github", "sid") if "{" + name in link]
    if manifest.anonymous and revealing:
        warnings.append(
            "--anonymous hides authors' names, but each submission link contains the author's "
            f"{' and '.join(revealing)} (schedule.yaml submission_link), so reviewers can tell "
            "who wrote it; for a blind review use links without them"
        )
    return warnings
