"""The saved record of one peer-review round: seed, constraints and result, auditable later.

One manifest per peer-review deliverable at `<course>/reviews/<deliverable id>/manifest.json`,
next to the CSV and messages made from it. They hold student data (FERPA), so the folder gets
its own `.gitignore`. The manifests of the course's other rounds tell a new round which
reviewer-author pairs must not repeat.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from coursectl.errors import Problem, UserError
from coursectl.files import atomic_write_text

Positions = NDArray[np.int64]

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

    def to_json(self) -> str:
        """One key per line, one reviewer per line: readable and diffable."""
        lines = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "allocation" and value:
                rows = ",\n".join(f"  {_dump(r)}: {_dump(a)}" for r, a in value.items())
                lines.append(f' "allocation": {{\n{rows}\n }}')
            elif f.name == "history" and value:
                events = ",\n".join(f"  {_dump(asdict(event))}" for event in value)
                lines.append(f' "history": [\n{events}\n ]')
            else:
                lines.append(f" {_dump(f.name)}: {_dump(value)}")
        return "{\n" + ",\n".join(lines) + "\n}\n"


def allocation_positions(manifest: Manifest) -> Positions | None:
    """The allocation as positions in `students`: row i holds students[i]'s authors. None when
    a reviewer has not k authors or names one who is not among the students."""
    position = {sid: i for i, sid in enumerate(manifest.students)}
    rows = [manifest.allocation.get(sid, []) for sid in manifest.students]
    if any(len(row) != manifest.k or not position.keys() >= set(row) for row in rows):
        return None
    table = [[position[author] for author in row] for row in rows]
    return np.array(table, dtype=np.int64).reshape(len(rows), manifest.k)


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
    if not all(isinstance(sid, str) for sid in manifest.students):
        raise TypeError("students must be sids")
    students = set(manifest.students)
    allocation = manifest.allocation
    if not isinstance(allocation, dict) or set(allocation) != students:
        raise ValueError("its allocation's reviewers are not its students")
    if not all(isinstance(authors, list) for authors in allocation.values()):
        raise TypeError("each reviewer's authors must be a list")
    if not all(students.issuperset(authors) for authors in allocation.values()):
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


def other_rounds(course_root: Path, deliverable_id: str) -> list[Manifest]:
    """Every other saved round of this course."""
    base = course_root / REVIEWS_DIR
    if not base.is_dir():
        return []
    return [
        load_manifest(path)
        for path in sorted(base.glob(f"*/{MANIFEST_FILE}"))
        if path.parent.name != deliverable_id
    ]
