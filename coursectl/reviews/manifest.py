"""The saved record of one peer-review round: seed, constraints and result, auditable later.

One manifest per peer-review deliverable at `<course>/reviews/<deliverable id>/manifest.json`,
next to the CSV and messages made from it. They hold student data (FERPA), so the folder gets
its own `.gitignore`. The manifests of the course's other rounds tell a new round which
reviewer-author pairs must not repeat.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from itertools import chain, repeat
from json.encoder import encode_basestring
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursectl.errors import Problem, UserError
from coursectl.files import atomic_write_text

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Positions = NDArray[np.intp]

REVIEWS_DIR = "reviews"
MANIFEST_FILE = "manifest.json"
FORMAT = 1


@dataclass
class ManifestEvent:
    """A change after the first allocation: a late student added or one dropped."""

    action: str  # "add" or "drop"
    sid: str
    at: str  # UTC, ISO 8601
    seed: int
    changed_reviewers: dict[str, dict[str, list[str]]]  # sid -> {"before": [...], "after": [...]}
    new_reviewer_for: list[str]


@dataclass
class Manifest:
    deliverable: str
    reviews: str  # the reviewed deliverable
    k: int
    seed: int
    within_section: bool
    anonymous: bool
    created: str  # UTC, ISO 8601
    submitted_from: str  # the --submitted file, or "roster"
    earlier_rounds: list[str]  # deliverable ids whose pairs were forbidden
    forbidden_pairs: int  # how many of their pairs applied to these students
    reciprocal_pairs_allowed: bool
    pseudonym_key: str  # secret per round: pseudonyms are stable but not guessable from sids
    students: list[str]  # sids taking part, in allocation order
    non_submitters: list[str]
    allocation: dict[str, list[str]]  # reviewer sid -> author sids
    history: list[ManifestEvent] = field(default_factory=list)
    format: int = FORMAT

    def to_json(self, positions: Positions | None = None) -> str:
        """One key per line, one reviewer per line: readable, diffable, fast at 10^5 students.
        `positions` (allocation_positions of this manifest) lets the allocation be assembled
        from columns."""
        # Shallow: dataclasses.asdict deep-copies 10^5 lists and takes seconds.
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["history"] = [asdict(event) for event in self.history]
        lines = []
        for key, value in data.items():
            if key == "allocation" and value:
                allocation = _allocation_lines(value, self.students, positions)
                lines.append(f' "allocation": {{\n{allocation}\n }}')
            elif key == "history" and value:
                inner = ",\n".join(f"  {_dump(event)}" for event in value)
                lines.append(f' "history": [\n{inner}\n ]')
            else:
                lines.append(f" {_dump(key)}: {_dump(value)}")
        return "{\n" + ",\n".join(lines) + "\n}\n"

    def pairs(self) -> tuple[list[str], list[str]]:
        """Reviewer and author sid columns, one entry per review."""
        reviewers = [reviewer for reviewer, authors in self.allocation.items() for _ in authors]
        return reviewers, list(chain.from_iterable(self.allocation.values()))


class _Quoted(dict[str, str]):
    """sid -> its JSON string, each quoted once however often it appears."""

    def __missing__(self, sid: str) -> str:
        self[sid] = quoted = encode_basestring(sid)
        return quoted


def allocation_positions(manifest: Manifest) -> Positions | None:
    """The allocation as positions in `students`: row i holds students[i]'s authors. None when
    a reviewer has not k authors or names one who is not among the students (the outputs then
    take their plain, slower ways and the check before writing reports it)."""
    return positions_of(manifest.students, manifest.allocation, manifest.k)


def positions_of(
    students: Sequence[str], allocation: Mapping[str, Sequence[str]], k: int
) -> Positions | None:
    """allocation_positions for any reviewer -> authors mapping."""
    import numpy as np

    rows = list(map(allocation.get, students, repeat(())))
    if set(map(len, rows)) - {k}:
        return None
    position = dict(zip(students, range(len(students)), strict=True))
    flat = np.fromiter(
        map(position.get, chain.from_iterable(rows), repeat(-1)),
        dtype=np.intp,
        count=len(students) * k,
    )
    if (flat < 0).any():
        return None
    return flat.reshape(len(students), k)


def _pairs_as_positions(manifest: Manifest) -> tuple[Any, Any]:
    """Reviewer and author columns (one entry per review) as positions in `students`, in the
    allocation's order, whatever the rows' lengths."""
    import numpy as np

    position = {sid: i for i, sid in enumerate(manifest.students)}
    reviewers, authors = manifest.pairs()
    return (
        np.fromiter(map(position.__getitem__, reviewers), np.int64, len(reviewers)),
        np.fromiter(map(position.__getitem__, authors), np.int64, len(authors)),
    )


def joined_rows(columns: Sequence[Any], rows: int) -> str:
    """Row i of every column, concatenated, for all rows: each column a numpy object array of
    `rows` strings (or one string repeated). Assembled by numpy's indexing and one join: a
    `str.format` call per row cost ~10x more at 10^5 rows."""
    return "".join(_row_major(columns, rows))


def joined_row_bytes(columns: Sequence[Any], rows: int) -> bytes:
    """joined_rows for columns of bytes."""
    return b"".join(_row_major(columns, rows))


def _row_major(columns: Sequence[Any], rows: int) -> list[Any]:
    import numpy as np

    table = np.empty((rows, len(columns)), dtype=object)
    for place, column in enumerate(columns):
        table[:, place] = column
    return table.ravel().tolist()


def _allocation_lines(
    allocation: dict[str, list[str]], students: list[str], positions: Positions | None
) -> str:
    """`  "reviewer": ["author", ...]` per reviewer, in the allocation's order."""
    if positions is not None and len(allocation) and list(allocation) == students:
        import numpy as np

        quoted_sids = np.array(list(map(encode_basestring, students)), dtype=object)
        columns: list[Any] = ["  ", quoted_sids, ": ["]
        for place in range(positions.shape[1]):
            columns += [", " if place else "", quoted_sids[positions[:, place]]]
        return joined_rows([*columns, "],\n"], len(students))[: -len(",\n")]
    quoted = _Quoted()
    widths = set(map(len, allocation.values()))
    if len(widths) != 1:
        return ",\n".join(
            f"  {quoted[reviewer]}: [{', '.join(map(quoted.__getitem__, authors))}]"
            for reviewer, authors in allocation.items()
        )
    (k,) = widths
    pattern = "  {}: [" + ", ".join(["{}"] * k) + "]"
    by_place = [
        map(quoted.__getitem__, map(itemgetter(place), allocation.values())) for place in range(k)
    ]
    return ",\n".join(map(pattern.format, map(quoted.__getitem__, allocation), *by_place))


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def reviews_dir(course_root: Path, deliverable_id: str) -> Path:
    return course_root / REVIEWS_DIR / deliverable_id


def manifest_path(course_root: Path, deliverable_id: str) -> Path:
    return reviews_dir(course_root, deliverable_id) / MANIFEST_FILE


def load_manifest(path: Path, display: str | None = None) -> Manifest:
    name = display or str(path)
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UserError(
            Problem(name, None, None, "not UTF-8 text; restore it or re-run with --force")
        ) from None
    except json.JSONDecodeError as exc:
        raise UserError(
            Problem(
                name,
                exc.lineno,
                exc.colno,
                f"not valid JSON ({exc.msg}); restore it or re-run with --force",
            )
        ) from None
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise TypeError("unknown format")
        history = [ManifestEvent(**event) for event in data.pop("history", [])]
        manifest = Manifest(**data, history=history)
        _check_consistent(manifest)
        return manifest
    except (TypeError, ValueError) as exc:
        raise UserError(
            Problem(
                name,
                None,
                None,
                f"not a coursectl review manifest ({exc}); restore it or re-run with --force",
            )
        ) from None


def _check_consistent(manifest: Manifest) -> None:
    """The shape every later step relies on; a hand-edited manifest that breaks it would
    otherwise fail deep inside --add/--drop with a KeyError."""
    # Whole columns at once (set of types, one superset check): 10^5 reviewers in ~20 ms.
    if set(map(type, manifest.students)) - {str}:
        raise TypeError("students must be sids")
    students = set(manifest.students)
    allocation = manifest.allocation
    if not isinstance(allocation, dict) or set(allocation) != students:
        raise ValueError("its allocation's reviewers are not its students")
    if set(map(type, allocation.values())) - {list}:
        raise TypeError("each reviewer's authors must be a list")
    if not students.issuperset(chain.from_iterable(allocation.values())):
        raise ValueError("a reviewer's authors are not among its students")


def save_manifest(path: Path, manifest: Manifest) -> None:
    protect_folder(path.parent.parent)
    atomic_write_text(path, manifest.to_json(), private=True)


def protect_folder(folder: Path) -> None:
    """Keep review data out of git wherever the course folder lives."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        atomic_write_text(
            ignore, "# Peer-review allocations name students (FERPA): never commit them.\n*\n"
        )


# Beside each manifest: its pairs as integer arrays, so a later round need not parse 5 MB of
# JSON and look up 200,000 sids (0.25 s at 10^5). Only a cache: it names the SHA-256 of the
# manifest it was made from and is ignored when that differs (a hand-edited manifest wins).
PAIRS_FILE = "pairs.npz"


@dataclass(frozen=True)
class RoundPairs:
    """One saved round's reviewer-author pairs, as positions in its `students`."""

    deliverable: str
    students: list[str]
    reviewers: Any  # numpy int array, one entry per review
    authors: Any


def manifest_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pairs_cache_bytes(
    manifest: Manifest, manifest_text: str, positions: Positions | None = None
) -> bytes:
    """The pairs file's content for a manifest about to be saved as `manifest_text`."""
    import io

    import numpy as np

    if positions is None:
        positions = allocation_positions(manifest)
    if positions is not None:
        count = len(manifest.students)
        reviewers = np.repeat(np.arange(count, dtype=np.int32), positions.shape[1])
        authors = positions.astype(np.int32).ravel()
    else:  # rows of different lengths (the check before writing refuses those)
        reviewers, authors = (column.astype(np.int32) for column in _pairs_as_positions(manifest))
    buffer = io.BytesIO()
    np.savez(
        buffer,
        digest=np.array(manifest_digest(manifest_text)),
        deliverable=np.array(manifest.deliverable),
        students=np.array(manifest.students, dtype=str),
        reviewers=reviewers,
        authors=authors,
    )
    return buffer.getvalue()


def _cached_pairs(path: Path) -> RoundPairs | None:
    """The pairs cache beside manifest `path`, when it was made from exactly that file."""
    import numpy as np

    cache = path.with_name(PAIRS_FILE)
    try:
        with np.load(cache, allow_pickle=False) as data:
            if str(data["digest"]) != manifest_digest(path.read_text(encoding="utf-8")):
                return None
            return RoundPairs(
                str(data["deliverable"]),
                data["students"].tolist(),
                data["reviewers"],
                data["authors"],
            )
    except (OSError, ValueError, KeyError, UnicodeDecodeError):
        return None  # missing, damaged or from another manifest: read the manifest itself


def other_rounds(course_root: Path, deliverable_id: str) -> list[RoundPairs]:
    """The pairs of every other saved round of this course."""

    base = course_root / REVIEWS_DIR
    rounds: list[RoundPairs] = []
    if not base.is_dir():
        return rounds
    for path in sorted(base.glob(f"*/{MANIFEST_FILE}")):
        if path.parent.name == deliverable_id:
            continue
        cached = _cached_pairs(path)
        if cached is not None:
            rounds.append(cached)
            continue
        manifest = load_manifest(path)
        reviewers, authors = _pairs_as_positions(manifest)
        rounds.append(RoundPairs(manifest.deliverable, list(manifest.students), reviewers, authors))
    return rounds
