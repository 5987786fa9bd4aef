"""Peer-review allocation: each reviewer gets exactly k authors, each author exactly k reviewers.

Students are the indices 0..n-1; an allocation is an (n, k) integer array whose row r lists
the authors reviewer r reviews. Rules every allocation keeps (checked by `validate_allocation`):

- exactly k authors per reviewer and k reviewers per author; no self-review, no duplicate pair;
- no reciprocal pair (A reviews B and B reviews A) whenever the group has n >= 2k + 1 students
  (below that each student has fewer than 2k others, so reciprocal pairs are unavoidable);
- never two students of the same team; with `within_section`, never two different sections
  (each section is allocated on its own, and "the group" above is the section);
- never a reviewer-author pair (directed) from an earlier round.

How: a shuffled ring with k distinct shifts (no s + s' = 0 and no 2s = 0 mod n, so no
reciprocal pair and no self-review) gives exact degrees in O(n) numpy operations; the few
edges that break a pairwise rule (teammates, earlier rounds) are repaired by degree-preserving
swaps a->x, b->y => a->y, b->x. Small groups that the ring cannot serve get an exact search
(an integer program, scipy's HiGHS), so an allocation is found whenever one exists; when none
exists the error names the rule and the smallest change that makes it feasible. Everything is deterministic for a seed.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]

NO_TEAM = -1
# Exact search serves groups up to this size; beyond it the ring with repair always has room.
EXACT_SEARCH_MAX_STUDENTS = 16
RING_ATTEMPTS = 6
QUICK_PASSES = 8  # small groups: a quick ring, then the exact search
REPAIR_PASSES = 320  # tight classes need the random walk
EXTRA_REVIEWER_TRIES = 200


class AllocationError(ValueError):
    """No allocation (or no change to one) satisfies the rules; the message says what to change."""

    def __init__(self, constraint: str, message: str) -> None:
        self.constraint = constraint
        super().__init__(message)


class InfeasibleAllocation(AllocationError):
    """Proven impossible: no allocation exists under these rules."""


class ChangeNotPossible(AllocationError):
    """`add_student`/`drop_student` cannot keep their promise of changing at most k students."""


@dataclass(frozen=True)
class ReviewConstraints:
    """The rules for one allocation over students 0..n-1.

    `team[i]` is a team code (NO_TEAM = -1 for none); `section[i]` a section code, only used
    when `within_section`; `forbidden` is an (m, 2) array of (reviewer, author) pairs from
    earlier rounds. The names are only for messages.
    """

    k: int
    team: IntArray
    section: IntArray
    within_section: bool
    forbidden: IntArray
    student_names: tuple[str, ...] = ()
    team_names: tuple[str, ...] = ()
    section_names: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return int(self.team.shape[0])

    def student(self, index: int) -> str:
        return self.student_names[index] if self.student_names else f"#{index}"

    def team_name(self, code: int) -> str:
        return self.team_names[code] if self.team_names else str(code)

    def section_name(self, code: int) -> str:
        return self.section_names[code] if self.section_names else str(code)


def make_constraints(
    k: int,
    n: int,
    *,
    teams: Sequence[Hashable | None] | IntArray | None = None,
    sections: Sequence[Hashable | None] | IntArray | None = None,
    within_section: bool = False,
    forbidden: Iterable[tuple[int, int]] | IntArray = (),
    student_names: Sequence[str] = (),
) -> ReviewConstraints:
    """Build constraints from labels (strings, or integer codes with -1 for none)."""
    if k < 1:
        raise ValueError(f"reviews per student must be at least 1, not {k}")
    team, team_names = _codes(teams, n)
    section, section_names = _codes(sections, n)
    if within_section and np.any(section < 0):
        missing = int(np.flatnonzero(section < 0)[0])
        raise ValueError(
            f"student {student_names[missing] if student_names else f'#{missing}'} has no "
            "section; give every student one"
        )
    pairs = np.asarray(
        list(forbidden) if not isinstance(forbidden, np.ndarray) else forbidden, dtype=np.int64
    )
    pairs = pairs.reshape(-1, 2)
    if pairs.size and (pairs.min() < 0 or pairs.max() >= n):
        raise ValueError("forbidden pairs must name students 0..n-1")
    return ReviewConstraints(
        k=k,
        team=team,
        section=section,
        within_section=within_section,
        forbidden=pairs,
        student_names=tuple(student_names),
        team_names=team_names,
        section_names=section_names,
    )


def _codes(
    labels: Sequence[Hashable | None] | IntArray | None, n: int
) -> tuple[IntArray, tuple[str, ...]]:
    """Integer codes as given, or labels (None or "" = none) as codes 0.. sorted by name."""
    if labels is None:
        return np.full(n, NO_TEAM, dtype=np.int64), ()
    if isinstance(labels, np.ndarray) and np.issubdtype(labels.dtype, np.integer):
        codes, names = labels.astype(np.int64, copy=False), np.array([], dtype=str)
    else:
        texts = np.array(["" if label is None else str(label) for label in labels], dtype=str)
        names, codes = np.unique(texts, return_inverse=True)
        codes = codes.astype(np.int64).reshape(-1)
        if names.shape[0] and names[0] == "":  # "" sorts first: no label
            names, codes = names[1:], codes - 1
    if codes.shape != (n,):
        raise ValueError(f"expected {n} labels, got {codes.shape[0]}")
    return codes, tuple(names.tolist())


def team_sizes(team: IntArray) -> IntArray:
    """Size of each student's team (1 for students in no team)."""
    sizes = np.ones(team.shape[0], dtype=np.int64)
    teamed = team != NO_TEAM
    if teamed.any():
        sizes[teamed] = np.bincount(team[teamed])[team[teamed]]
    return sizes


def largest_team(team: IntArray) -> tuple[int, int] | None:
    """(code, size) of the largest team, None if nobody is in a team."""
    teamed = team[team != NO_TEAM]
    if teamed.shape[0] == 0:
        return None
    counts = np.bincount(teamed)
    code = int(np.argmax(counts))
    return code, int(counts[code])


def reciprocal_forbidden(group_size: int, k: int) -> bool:
    """No reciprocal pairs once every student has at least 2k others to spread over."""
    return group_size >= 2 * k + 1


# ---------------------------------------------------------------------------- allocation


def allocate(constraints: ReviewConstraints, seed: int | Sequence[int]) -> IntArray:
    """A valid allocation for `constraints`, the same one for the same seed.

    Raises InfeasibleAllocation when none exists (message: the rule and the smallest change),
    AllocationError when the search gives up on a feasible-looking but very tight case.
    """
    rng = np.random.default_rng(seed)
    n, k = constraints.n, constraints.k
    authors = np.empty((n, k), dtype=np.int64)
    for members, group in _groups(constraints):
        try:
            local = _allocate_group(group, rng)
        except InfeasibleAllocation as exc:
            if constraints.within_section and _feasible_across_sections(constraints):
                raise InfeasibleAllocation(
                    exc.constraint, f"{exc} or allocate across sections"
                ) from None
            raise
        authors[members] = members[local]
    return authors  # assign-reviews checks it with validate_allocation before writing


def _groups(constraints: ReviewConstraints) -> list[tuple[IntArray, _Group]]:
    """The students allocated together: everyone, or each section on its own."""
    sections = np.unique(constraints.section) if constraints.within_section else [NO_TEAM]
    return [_group_of(constraints, int(section)) for section in sections]


def _group_of(constraints: ReviewConstraints, section: int) -> tuple[IntArray, _Group]:
    """The members of a section with `within_section`, else everyone, and their _Group."""
    if not constraints.within_section:
        members = np.arange(constraints.n, dtype=np.int64)
        return members, _Group.of(constraints, members, "")
    members = np.flatnonzero(constraints.section == section).astype(np.int64)
    label = f"section {constraints.section_name(section)}"
    return members, _Group.of(constraints, members, label)


@dataclass
class _Group:
    """One group of m students allocated together, renumbered 0..m-1."""

    k: int
    team: IntArray
    forbidden_codes: IntArray  # sorted unique reviewer * m + author, only pairs that matter
    names: tuple[str, ...]
    team_names: tuple[str, ...]
    label: str  # "" or "section X", for messages

    @property
    def m(self) -> int:
        return int(self.team.shape[0])

    @property
    def no_reciprocal(self) -> bool:
        return reciprocal_forbidden(self.m, self.k)

    @staticmethod
    def of(constraints: ReviewConstraints, members: IntArray, label: str) -> _Group:
        n, m = constraints.n, int(members.shape[0])
        team = constraints.team[members]
        pairs = constraints.forbidden
        if m != n:
            local = np.full(n, -1, dtype=np.int64)
            local[members] = np.arange(m, dtype=np.int64)
            pairs = local[pairs]
            pairs = pairs[(pairs[:, 0] >= 0) & (pairs[:, 1] >= 0)]
        reviewer, author = pairs[:, 0], pairs[:, 1]
        # Self and teammate pairs are excluded anyway; dropping them keeps the counts honest.
        keep = (reviewer != author) & ~(
            (team[reviewer] == team[author]) & (team[reviewer] != NO_TEAM)
        )
        codes = np.unique(reviewer[keep] * m + author[keep])
        names = constraints.student_names
        if names and m != n:
            names = tuple(names[i] for i in members.tolist())
        return _Group(constraints.k, team, codes, names, constraints.team_names, label)

    def where(self) -> str:
        return f" in {self.label}" if self.label else ""

    def student(self, index: int) -> str:
        return self.names[index] if self.names else f"#{index}"

    def team_name(self, code: int) -> str:
        return self.team_names[code] if self.team_names else str(code)

    def is_forbidden(self, reviewer: int, author: int) -> bool:
        return bool(self.forbidden(np.array([reviewer * self.m + author]))[0])

    def forbidden(self, codes: IntArray) -> NDArray[np.bool_]:
        """Which pair codes (reviewer * m + author) are forbidden: a binary search in the
        sorted codes (np.isin re-sorts them on every call, doubling the time at 10^5)."""
        if self.forbidden_codes.shape[0] == 0:
            return np.zeros(codes.shape, dtype=bool)
        at = np.minimum(
            np.searchsorted(self.forbidden_codes, codes), self.forbidden_codes.shape[0] - 1
        )
        return np.asarray(self.forbidden_codes[at] == codes)

    def allowed_matrix(self) -> NDArray[np.bool_]:
        """allowed[r, a]: r may review a as far as pairwise rules go (small groups only)."""
        m = self.m
        allowed = ~np.eye(m, dtype=bool)
        teamed = self.team != NO_TEAM
        allowed &= ~((self.team[:, None] == self.team[None, :]) & teamed[:, None])
        reviewer, author = np.divmod(self.forbidden_codes, m)
        allowed[reviewer, author] = False
        return allowed


def _allocate_group(group: _Group, rng: np.random.Generator) -> IntArray:
    _check_necessary(group)
    if group.m <= EXACT_SEARCH_MAX_STUDENTS:
        # A quick ring settles most small classes; the rest (tangled by earlier rounds, or
        # impossible) get the exact search.
        found = _ring_and_repair(group, rng, attempts=1, passes=QUICK_PASSES)
        if found is None:
            found = _exact(group, rng)
        if found is None:
            raise _explain_exhausted(group)
        return found
    found = _ring_and_repair(group, rng, RING_ATTEMPTS, REPAIR_PASSES)
    if found is not None:
        return found
    raise AllocationError(
        "search",
        f"no allocation found for the {group.m} students{group.where()} after "
        f"{RING_ATTEMPTS} attempts: the teams and earlier rounds leave very little room; "
        "try another seed or fewer reviews per student",
    )


def _ring_and_repair(
    group: _Group, rng: np.random.Generator, attempts: int, passes: int
) -> IntArray | None:
    for _ in range(attempts):
        authors = _ring(group.m, group.k, group.no_reciprocal, rng)
        # A ring that mostly repeats an earlier round (the same seed and roster twice) would
        # need a swap per edge; a fresh shuffle has only a handful of violations to repair.
        for _redraw in range(RING_ATTEMPTS):
            if _violations(authors, group).shape[0] <= max(64, group.m * group.k // 100):
                break
            authors = _ring(group.m, group.k, group.no_reciprocal, rng)
        if _repair(authors, group, rng, passes):
            return authors
    return None


def _ring(m: int, k: int, no_reciprocal: bool, rng: np.random.Generator) -> IntArray:
    """Shuffled ring: the student at position i reviews the students at positions i + s_j."""
    order = rng.permutation(m).astype(np.int64)
    if no_reciprocal:
        # One shift per pair {s, m - s} (s < m/2), so no s + s' = 0 and no 2s = 0 (mod m).
        base = rng.choice(np.arange(1, (m - 1) // 2 + 1), size=k, replace=False)
        shifts = np.where(rng.integers(0, 2, size=k) == 1, m - base, base)
    else:
        shifts = rng.choice(np.arange(1, m), size=k, replace=False)
    positions = (np.arange(m, dtype=np.int64)[:, None] + shifts[None, :].astype(np.int64)) % m
    authors = np.empty((m, k), dtype=np.int64)
    authors[order] = order[positions]
    return authors


def _violations(authors: IntArray, group: _Group) -> IntArray:
    """Flat indices (reviewer * k + slot) of edges that break a pairwise rule."""
    m, k = authors.shape
    reviewer = np.repeat(np.arange(m, dtype=np.int64), k)
    author = authors.ravel()
    team_r = group.team[reviewer]
    bad = (team_r == group.team[author]) & (team_r != NO_TEAM)
    bad |= reviewer == author
    if group.forbidden_codes.shape[0]:
        bad |= group.forbidden(reviewer * m + author)
    # The ring and strict swaps never create these, but kicks may leave them for a later pass.
    if k > 1:
        ordered = np.sort(authors, axis=1)
        bad |= np.repeat(np.any(ordered[:, 1:] == ordered[:, :-1], axis=1), k)
    if group.no_reciprocal:
        bad |= np.any(authors[author] == reviewer[:, None], axis=1)
    return np.flatnonzero(bad)


def _edge_ok(authors: IntArray, reviewer: int, slot: int, group: _Group) -> bool:
    author = int(authors[reviewer, slot])
    if author == reviewer:
        return False
    team = int(group.team[reviewer])
    if team != NO_TEAM and team == int(group.team[author]):
        return False
    row = authors[reviewer].tolist()
    if row.count(author) > 1:
        return False
    if group.no_reciprocal and reviewer in authors[author].tolist():
        return False
    return not group.is_forbidden(reviewer, author)


def _repair(authors: IntArray, group: _Group, rng: np.random.Generator, passes: int) -> bool:
    """Swap away every violating edge, keeping all degrees; False if some edge resists.

    A swap a->x, b->y => a->y, b->x is taken when both new edges are valid. When none is
    found for an edge, a "kick" takes a swap that fixes a->x but leaves b->x broken, moving
    the violation elsewhere (a random walk that gets tight classes out of dead ends).
    """
    m, k = authors.shape
    tries = max(64, 8 * m * k) if m <= 200 else 256
    for _ in range(passes):
        bad = _violations(authors, group)
        if bad.shape[0] == 0:
            return True
        for flat in rng.permutation(bad).tolist():
            a, slot_a = divmod(flat, k)
            if _edge_ok(authors, a, slot_a, group):
                continue  # fixed by an earlier swap
            partners = rng.integers(0, m * k, size=tries).tolist()
            if not _swap_first(authors, a, slot_a, partners, group, strict=True):
                _swap_first(authors, a, slot_a, partners, group, strict=False)
    return bool(_violations(authors, group).shape[0] == 0)


def _swap_first(
    authors: IntArray, a: int, slot_a: int, partners: list[int], group: _Group, strict: bool
) -> bool:
    k = authors.shape[1]
    for partner in partners:
        b, slot_b = divmod(partner, k)
        x, y = int(authors[a, slot_a]), int(authors[b, slot_b])
        if b in (a, x) or x == y:
            continue
        authors[a, slot_a], authors[b, slot_b] = y, x
        if _edge_ok(authors, a, slot_a, group) and (
            _edge_ok(authors, b, slot_b, group)
            if strict
            else x not in authors[b, :slot_b].tolist()
            and x not in authors[b, slot_b + 1 :].tolist()
        ):
            return True
        authors[a, slot_a], authors[b, slot_b] = x, y
    return False


# ---------------------------------------------------------------------------- exact search


def _exact(group: _Group, rng: np.random.Generator) -> IntArray | None:
    """An allocation of a small group, or None when provably none exists.

    The rules as an integer program over the allowed pairs (HiGHS, through scipy): each
    reviewer k authors, each author k reviewers, at most one direction of a pair when reciprocal
    pairs are ruled out. Random costs from the seed choose among the allocations.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    m, k = group.m, group.k
    reviewer, author = np.nonzero(group.allowed_matrix())  # sorted by reviewer, then author
    if reviewer.shape[0] == 0:
        return None
    student = np.arange(m)[:, None]
    rules = [LinearConstraint(np.vstack([reviewer == student, author == student]), k, k)]
    if group.no_reciprocal:
        codes = reviewer * m + author
        back = np.searchsorted(codes, author * m + reviewer)
        pair = np.flatnonzero(
            (reviewer < author)
            & (codes[np.minimum(back, codes.shape[0] - 1)] == author * m + reviewer)
        )
        if pair.shape[0]:
            both = np.zeros((pair.shape[0], codes.shape[0]))
            both[np.arange(pair.shape[0]), pair] = 1
            both[np.arange(pair.shape[0]), back[pair]] = 1
            rules.append(LinearConstraint(both, 0, 1))
    result = milp(
        rng.random(reviewer.shape[0]),
        constraints=rules,
        integrality=np.ones(reviewer.shape[0]),
        bounds=Bounds(0, 1),
        options={"time_limit": 60},
    )
    if result.status == 2:  # infeasible
        return None
    if result.x is None:
        raise AllocationError(
            "search",
            f"the exact search for the {group.m} students{group.where()} gave up; "
            "try fewer reviews per student",
        )
    chosen: NDArray[np.bool_] = np.asarray(result.x) > 0.5
    return author[chosen].astype(np.int64).reshape(m, k)


# ---------------------------------------------------------------------------- infeasibility


def _try_feasible(group: _Group, rng: np.random.Generator) -> bool | None:
    """Is there an allocation? True/False when shown, None when the quick look cannot tell."""
    try:
        _check_necessary(group, suggest=False)
    except InfeasibleAllocation:
        return False
    if group.m <= EXACT_SEARCH_MAX_STUDENTS:
        return _exact(group, rng) is not None
    if _ring_and_repair(group, rng, attempts=1, passes=REPAIR_PASSES) is not None:
        return True
    return None


def _feasible_across_sections(constraints: ReviewConstraints) -> bool:
    """Would the whole class, sections ignored, have an allocation? (For the suggestion.)"""
    everyone = np.arange(constraints.n, dtype=np.int64)
    group = _Group.of(replace(constraints, within_section=False), everyone, "")
    return _try_feasible(group, np.random.default_rng(0)) is True


def _smaller_k_that_fits(group: _Group, rng: np.random.Generator) -> int | None:
    """The largest smaller k with an allocation; None if none, or if one could not be settled
    (then "smallest change" would be a guess)."""
    for smaller in range(group.k - 1, 0, -1):
        answer = _try_feasible(replace(group, k=smaller), rng)
        if answer is None:
            return None
        if answer:
            return smaller
    return None


def _fix_by_k(group: _Group, rng: np.random.Generator, suggest: bool = True) -> str:
    if not suggest:
        return ""
    smaller = _smaller_k_that_fits(group, rng)
    return f"lower reviews per student to {smaller}" if smaller is not None else ""


def _join(*fixes: str) -> str:
    return " or ".join(f for f in fixes if f)


def _check_necessary(group: _Group, suggest: bool = True) -> None:
    """Counting arguments that rule an allocation out, each with its smallest fix."""
    m, k = group.m, group.k
    rng = np.random.default_rng(0)  # the suggestions must not depend on the allocation's seed
    if m < k + 1:
        # Only suggest a smaller k that really fits (two teammates alone fit no k at all).
        fits = m >= 2 and suggest and _try_feasible(replace(group, k=m - 1), rng)
        fix = f"lower reviews per student to {m - 1}" if fits else ""
        add = f"{k + 1 - m} more student{'s' if k + 1 - m > 1 else ''} taking part"
        raise InfeasibleAllocation(
            "class size",
            f"only {m} student{'s' if m != 1 else ''}{group.where()} take part but each needs "
            f"{k} others to review: at least {k + 1} are needed. "
            f"Smallest change: {_join(fix, add)}",
        )
    no_reciprocal = group.no_reciprocal
    others_needed = 2 * k if no_reciprocal else k
    biggest = largest_team(group.team)
    if biggest is not None:
        team_code, size = biggest
        limit = min(m - others_needed, m // 2)
        if size > limit:
            why = (
                f"each member needs {others_needed} non-teammates"
                + (
                    f" ({k} to review, {k} others reviewing them, never both ways)"
                    if no_reciprocal
                    else ""
                )
                + " and the team's reviews must go to the others"
            )
            move = size - max(limit, 0)
            raise InfeasibleAllocation(
                "teams",
                f"team {group.team_name(team_code)}{group.where()} has {size} of the {m} "
                f"students; {why}, so a team may have at most {max(limit, 0)}. Smallest change: "
                + _join(
                    _fix_by_k(group, rng, suggest),
                    f"move {move} of its members to other teams",
                ),
            )
    if group.forbidden_codes.shape[0] == 0:
        return
    # Earlier rounds: each student still needs k allowed authors and k allowed reviewers,
    # and without reciprocal pairs 2k different allowed partners.
    reviewer, author = np.divmod(group.forbidden_codes, m)
    blocked_out = np.bincount(reviewer, minlength=m)
    blocked_in = np.bincount(author, minlength=m)
    reverse = author * m + reviewer
    both = group.forbidden(reverse)
    blocked_both = np.bincount(reviewer[both], minlength=m)
    partners = m - team_sizes(group.team)
    can_review = partners - blocked_out
    can_be_reviewed = partners - blocked_in
    distinct = partners - blocked_both
    short = np.flatnonzero(
        (can_review < k) | (can_be_reviewed < k) | ((distinct < 2 * k) if no_reciprocal else False)
    )
    if short.shape[0]:
        s = int(short[0])
        available = int(
            min(
                can_review[s],
                can_be_reviewed[s],
                distinct[s] // 2 if no_reciprocal else distinct[s],
            )
        )
        raise InfeasibleAllocation(
            "earlier rounds",
            f"student {group.student(s)}{group.where()} was already paired with "
            f"{int(blocked_out[s])} authors and {int(blocked_in[s])} reviewers in earlier rounds, "
            f"leaving room for {max(available, 0)} reviews where {k} are needed. "
            "Smallest change: "
            + _join(_fix_by_k(group, rng, suggest), "leave the oldest earlier round out"),
        )


def _explain_exhausted(group: _Group) -> InfeasibleAllocation:
    """The exact search proved there is none: say which rule is binding and what to relax."""
    rng = np.random.default_rng(0)  # the same explanation whatever the seed
    binding: list[str] = []
    has_teams = bool(np.any(group.team != NO_TEAM))
    if has_teams and _try_feasible(replace(group, team=np.full(group.m, NO_TEAM)), rng):
        binding.append("the teams")
    if group.forbidden_codes.shape[0] and _try_feasible(
        replace(group, forbidden_codes=group.forbidden_codes[:0]), rng
    ):
        binding.append("the pairs of earlier rounds")
    rule = " and ".join(binding) if binding else "the combination of rules"
    reciprocal = " without reciprocal pairs" if group.no_reciprocal else ""
    fixes = [_fix_by_k(group, rng)]
    if has_teams:
        fixes.append(_team_move_fix(group, rng))
    fix = _join(*fixes) or "allocate across sections or add students"
    return InfeasibleAllocation(
        "teams" if "the teams" in binding else "earlier rounds" if binding else "combination",
        f"no allocation of {group.k} reviews each{reciprocal} exists for these {group.m} students"
        f"{group.where()} (exhaustive search): {rule} rule it out. Smallest change: {fix}",
    )


def _team_move_fix(group: _Group, rng: np.random.Generator) -> str:
    """Does moving one member out of the largest team (into no team) make it feasible?"""
    biggest = largest_team(group.team)
    if biggest is None:
        return ""
    code = biggest[0]
    member = int(np.flatnonzero(group.team == code)[0])
    if _try_feasible(
        replace(group, team=np.where(np.arange(group.m) == member, NO_TEAM, group.team)), rng
    ):
        name = group.team_name(code)
        return f"move one member of team {name} (e.g. {group.student(member)}) out of it"
    return ""


# ---------------------------------------------------------------------------- validation


def validate_allocation(
    authors: IntArray, constraints: ReviewConstraints, limit: int = 5
) -> list[str]:
    """Every rule broken by `authors`, as readable lines (at most `limit` per rule); [] if valid.

    Written independently of the allocator (its own vectorised checks from the raw constraints),
    so a bug in the search cannot also hide in the check.
    """
    n, k = constraints.n, constraints.k
    authors = np.asarray(authors)
    if authors.shape != (n, k):
        return [f"expected {n} reviewers with {k} authors each, got shape {authors.shape}"]
    if n == 0:
        return []
    if authors.min() < 0 or authors.max() >= n:
        return ["an author is not one of the students"]
    problems: list[str] = []
    name = constraints.student
    reviewer = np.repeat(np.arange(n, dtype=np.int64), k)
    author = authors.reshape(-1).astype(np.int64)

    def report(mask: NDArray[np.bool_], describe: str) -> None:
        for flat in np.flatnonzero(mask)[:limit].tolist():
            problems.append(f"{name(int(reviewer[flat]))} -> {name(int(author[flat]))}: {describe}")

    report(reviewer == author, "reviews themselves")
    ordered = np.sort(authors, axis=1)
    duplicate_rows = np.flatnonzero(np.any(ordered[:, 1:] == ordered[:, :-1], axis=1))
    problems.extend(
        f"{name(r)} reviews the same author twice" for r in duplicate_rows[:limit].tolist()
    )
    received = np.bincount(author, minlength=n)
    for student in np.flatnonzero(received != k)[:limit].tolist():
        problems.append(f"{name(student)} is reviewed {int(received[student])} times, not {k}")
    team = constraints.team
    report((team[reviewer] == team[author]) & (team[reviewer] != NO_TEAM), "teammates")
    if constraints.within_section:
        report(constraints.section[reviewer] != constraints.section[author], "different sections")
        group_size = np.bincount(constraints.section)[constraints.section[reviewer]]
    else:
        group_size = np.full(reviewer.shape[0], n)
    if constraints.forbidden.shape[0]:
        earlier = constraints.forbidden[:, 0] * n + constraints.forbidden[:, 1]
        report(np.isin(reviewer * n + author, earlier), "already paired in an earlier round")
    # B reviews A back iff A is in B's row.
    back = np.any(authors[author] == reviewer[:, None], axis=1)
    reciprocal = back & (group_size >= 2 * k + 1) & (reviewer != author)
    report(reciprocal & (reviewer < author), "review each other")
    return problems


# ---------------------------------------------------------------------- late and dropped students


@dataclass(frozen=True)
class AllocationChange:
    """A new allocation and exactly whose assignments changed (indices into `authors`)."""

    authors: IntArray
    changed_reviewers: tuple[int, ...]  # review someone else now
    new_reviewer_for: tuple[int, ...]  # are reviewed by someone else now


def add_student(authors: IntArray, constraints: ReviewConstraints, seed: int) -> AllocationChange:
    """Fit student x = constraints.n - 1 (the last index) into an allocation of the others.

    Splits k edges a -> b into a -> x and x -> b: the k reviewers a review x instead of b,
    x reviews the k authors b; everyone else keeps their assignment and all degrees stay k.
    """
    n, k = constraints.n, constraints.k
    x = n - 1
    if authors.shape != (n - 1, k):
        raise ValueError(f"expected an allocation of {n - 1} reviewers with {k} authors each")
    rng = np.random.default_rng(seed)
    members, group = _group_of(constraints, int(constraints.section[x]))
    _check_necessary(group)
    if members.shape[0] <= 1:
        raise ChangeNotPossible("class size", "no one else to pair the new student with")
    full = np.vstack([authors, np.zeros((1, k), dtype=np.int64)])
    reviewer = np.repeat(members[members != x], k)
    author = full[members[members != x]].reshape(-1)
    ok = _pair_allowed(constraints, reviewer, x) & _pair_allowed(constraints, x, author)
    reviewer, author = reviewer[ok], author[ok]
    order = rng.permutation(reviewer.shape[0])
    edges = list(zip(reviewer[order].tolist(), author[order].tolist(), strict=True))
    picks = _pick_split_edges(edges, k, reciprocal_forbidden(members.shape[0], k))
    if picks is None:
        raise ChangeNotPossible(
            "late student",
            f"cannot fit {constraints.student(x)} in by changing only {k} students' "
            "assignments under the rules; re-run with --force to reallocate everyone",
        )
    new = full.copy()
    for a, b in picks:
        row = new[a]
        row[np.flatnonzero(row == b)[0]] = x
    new[x] = [b for _, b in picks]
    change = AllocationChange(new, tuple(a for a, _ in picks), tuple(b for _, b in picks))
    _require_valid(new, constraints, "adding", constraints.student(x))
    return change


def _pick_split_edges(
    edges: list[tuple[int, int]], k: int, no_reciprocal: bool
) -> list[tuple[int, int]] | None:
    """The first k edges (in order) with distinct reviewers and distinct authors, no student
    shared when reciprocal pairs are ruled out. Large classes take the greedy choice; small
    ones, where it can fail, search every choice."""

    def clash(e: tuple[int, int], f: tuple[int, int]) -> bool:
        return e[0] == f[0] or e[1] == f[1] or (no_reciprocal and (e[0] == f[1] or e[1] == f[0]))

    def pick(start: int, chosen: list[tuple[int, int]]) -> list[tuple[int, int]] | None:
        if len(chosen) == k:
            return chosen
        for i in range(start, len(edges)):
            if not any(clash(edges[i], c) for c in chosen):
                found = pick(i + 1, [*chosen, edges[i]])
                if found is not None or len(edges) > 400:
                    return found
        return None

    return pick(0, [])


def drop_student(
    authors: IntArray,
    constraints: ReviewConstraints,
    x: int,
    seed: int,
    name: str = "the dropped student",
) -> AllocationChange:
    """Remove student x: its k reviewers take over its k authors (the reverse of a split).

    Only those k reviewers' assignments change, except when they cannot take x's authors
    under the rules (all teammates of one, say): then one more reviewer trades an author.

    `constraints` describe the students *after* the drop (x removed, others renumbered);
    the returned allocation and indices use that numbering.
    """
    k = constraints.k
    n = constraints.n + 1
    if authors.shape != (n, k):
        raise ValueError(f"expected an allocation of {n} reviewers with {k} authors each")
    rng = np.random.default_rng(seed)
    keep = np.delete(np.arange(n, dtype=np.int64), x)
    renumber = np.full(n, -1, dtype=np.int64)
    renumber[keep] = np.arange(n - 1, dtype=np.int64)
    reviewers_of_x = np.flatnonzero(np.any(authors == x, axis=1)).tolist()
    authors_of_x = authors[x].tolist()
    rest = renumber[authors[keep]]  # x's slots become -1 and are filled below
    sample_member = int(renumber[reviewers_of_x[0]]) if reviewers_of_x else 0
    members, group = _group_of(constraints, int(constraints.section[sample_member]))
    _check_necessary(group)
    reviewers = [int(renumber[a]) for a in reviewers_of_x]
    orphans = [int(renumber[b]) for b in authors_of_x]
    rows = _rewire(rest, reviewers, orphans, constraints, members.shape[0], rng)
    if rows is None:
        # E.g. every reviewer of x is a teammate of one of x's authors: one more reviewer
        # from the same group has to trade an author (and is named among the changed).
        others = [int(c) for c in rng.permutation(members).tolist() if int(c) not in reviewers]
        for extra in others[:EXTRA_REVIEWER_TRIES]:
            rows = _rewire(rest, [*reviewers, extra], orphans, constraints, members.shape[0], rng)
            if rows is not None:
                reviewers = [*reviewers, extra]
                break
    if rows is None:
        raise ChangeNotPossible(
            "dropped student",
            f"cannot remove {name} by changing only its {k} reviewers' assignments under the rules; "
            "re-run with --force to reallocate everyone",
        )
    new = rest.copy()
    for reviewer, row in rows.items():
        new[reviewer] = row
    _require_valid(new, constraints, "removing", name)
    before = {r: {int(b) for b in rest[r] if b >= 0} for r in reviewers}
    gained = sorted({b for r in reviewers for b in rows[r] if b not in before[r]})
    return AllocationChange(new, tuple(reviewers), tuple(gained))


def _rewire(
    rest: IntArray,
    reviewers: list[int],
    orphans: list[int],
    constraints: ReviewConstraints,
    group_size: int,
    rng: np.random.Generator,
) -> dict[int, list[int]] | None:
    """New rows for `reviewers` (each lost one author, marked -1) from their remaining authors
    plus the `orphans` (who lost a reviewer), every rule kept; only these rows change.

    Candidates that keep the most of a reviewer's authors come first, so the usual answer just
    hands each reviewer one orphan; when no such matching exists the rows are shuffled among
    themselves (still only the k reviewers' assignments change).
    """
    k = constraints.k
    no_reciprocal = reciprocal_forbidden(group_size, k)
    pool: dict[int, int] = {}
    for author in [*(int(b) for r in reviewers for b in rest[r] if b >= 0), *orphans]:
        pool[author] = pool.get(author, 0) + 1
    pool_authors = np.array(sorted(pool), dtype=np.int64)
    allowed = {
        r: set(pool_authors[_pair_allowed(constraints, r, pool_authors)].tolist())
        for r in reviewers
    }
    tiebreak = {author: i for i, author in enumerate(rng.permutation(sorted(pool)).tolist())}
    chosen: dict[int, list[int]] = {}
    budget = [20_000]  # rows tried; k is small, so this only bounds hopeless cases

    def reciprocal_free() -> bool:
        for reviewer, row in chosen.items():
            for author in row:
                back = chosen[author] if author in chosen else rest[author].tolist()
                if reviewer in back:
                    return False
        return True

    def search(i: int) -> bool:
        if i == len(reviewers):
            return not no_reciprocal or reciprocal_free()
        reviewer = reviewers[i]
        kept = {int(b) for b in rest[reviewer] if b >= 0}
        candidates = [a for a, count in pool.items() if count > 0 and a in allowed[reviewer]]
        combos = sorted(
            itertools.combinations(sorted(candidates), k),
            key=lambda c: (-len(kept.intersection(c)), [tiebreak[a] for a in c]),
        )
        for combo in combos:
            budget[0] -= 1
            if budget[0] < 0:
                return False
            for author in combo:
                pool[author] -= 1
            chosen[reviewer] = list(combo)
            if search(i + 1):
                return True
            del chosen[reviewer]
            for author in combo:
                pool[author] += 1
        return False

    return dict(chosen) if search(0) else None


def _pair_allowed(
    constraints: ReviewConstraints, reviewer: IntArray | int, author: IntArray | int
) -> NDArray[np.bool_]:
    reviewer_a = np.broadcast_to(
        np.asarray(reviewer, dtype=np.int64), np.shape(author) or np.shape(reviewer)
    )
    author_a = np.broadcast_to(np.asarray(author, dtype=np.int64), reviewer_a.shape)
    team = constraints.team
    ok = (reviewer_a != author_a) & ~(
        (team[reviewer_a] == team[author_a]) & (team[reviewer_a] != NO_TEAM)
    )
    if constraints.within_section:
        ok &= constraints.section[reviewer_a] == constraints.section[author_a]
    if constraints.forbidden.shape[0]:
        n = constraints.n
        earlier = constraints.forbidden[:, 0] * n + constraints.forbidden[:, 1]
        ok &= ~np.isin(reviewer_a * n + author_a, earlier)
    return np.asarray(ok, dtype=bool)


def _require_valid(authors: IntArray, constraints: ReviewConstraints, doing: str, who: str) -> None:
    problems = validate_allocation(authors, constraints, limit=1)
    if problems:
        raise ChangeNotPossible(
            "rules",
            f"{doing} {who} leaves the saved allocation breaking a rule ({problems[0]}); "
            "re-run with --force to reallocate everyone",
        )
