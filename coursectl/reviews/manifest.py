"""The saved record of one peer-review round: seed, constraints and result, auditable later.

One manifest per peer-review deliverable at `<course>/reviews/<deliverable id>/manifest.json`,
next to the CSV and messages made from it. They hold student data (FERPA), so the folder gets
its own `.gitignore`. The manifests of the course's other rounds tell a new round which
reviewer-author pairs must not repeat.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from coursectl.atomic import atomic_write_text
from coursectl.errors import Problem, UserError

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
        """One key per line, one reviewer per line: readable, diffable, fast at 10^5 students."""
        data = asdict(self)
        lines = []
        for key, value in data.items():
            if key in ("allocation", "history") and value:
                items = value.items() if isinstance(value, dict) else enumerate(value)
                inner = ",\n".join(
                    (f"  {_dump(k)}: " if isinstance(value, dict) else "  ") + _dump(v)
                    for k, v in items
                )
                opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
                lines.append(f" {_dump(key)}: {opening}\n{inner}\n {closing}")
            else:
                lines.append(f" {_dump(key)}: {_dump(value)}")
        return "{\n" + ",\n".join(lines) + "\n}\n"

    def pairs(self) -> list[tuple[str, str]]:
        return [
            (reviewer, author)
            for reviewer, authors in self.allocation.items()
            for author in authors
        ]


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
        return Manifest(**data, history=history)
    except TypeError as exc:
        raise UserError(
            Problem(
                name,
                None,
                None,
                f"not a coursectl review manifest ({exc}); restore it or re-run with --force",
            )
        ) from None


def save_manifest(path: Path, manifest: Manifest) -> None:
    protect_folder(path.parent.parent)
    atomic_write_text(path, manifest.to_json())


def protect_folder(folder: Path) -> None:
    """Keep review data out of git wherever the course folder lives."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        atomic_write_text(
            ignore, "# Peer-review allocations name students (FERPA): never commit them.\n*\n"
        )


def other_rounds(course_root: Path, deliverable_id: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(deliverable id, reviewer-author sid pairs) of every other saved round of this course."""
    base = course_root / REVIEWS_DIR
    rounds: list[tuple[str, list[tuple[str, str]]]] = []
    if not base.is_dir():
        return rounds
    for path in sorted(base.glob(f"*/{MANIFEST_FILE}")):
        if path.parent.name == deliverable_id:
            continue
        manifest = load_manifest(path)
        rounds.append((manifest.deliverable, manifest.pairs()))
    return rounds
