"""Synthetic gradebook inputs shaped like the real exports, for the shipped sample and the benchmark.

    python bench/gradebook_scenario.py            # rewrites exports/sample/ for the shipped course

Everything is invented and deterministic (seeded): the 48 students of rosters/synthetic-roster.csv,
their Gradescope exports, TA confirmations, check-reflections output and review assignments.
The sample also holds the awkward cases the gradebook must handle: a student Gradescope knows
only by an alias email, a dropped student still in the export, a roster student missing from
it, a blank score next to a zero, lateness over 24 hours, an excused item and an extension.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ comes first on sys.path, where bench/calendar.py would shadow the
# standard library's calendar module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import csv  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
from collections.abc import Sequence  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from coursectl.course import load_course  # noqa: E402
from coursectl.course.model import (  # noqa: E402
    Deliverable,
    PeerReviewDeliverable,
    ReflectionDeliverable,
    Schedule,
    SelfAssessmentDeliverable,
    SurveyDeliverable,
)
from coursectl.course.roster import Student  # noqa: E402

LATENESS = "Lateness (H:M:S)"


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _hms(seconds: int) -> str:
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _split(name: str) -> tuple[str, str]:
    first, _, last = name.partition(" ")
    return first, last


def _lateness(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.80:
        return 0
    if roll < 0.85:
        return rng.randint(60, 14 * 60)  # inside the 15-minute grace
    if roll < 0.97:
        return rng.randint(3600, 60 * 3600)
    return rng.randint(100 * 3600, 260 * 3600)  # days late: hours over 24


def gradescope_items(schedule: Schedule) -> list[Deliverable]:
    return [d for d in schedule.deliverables if d.platform == "gradescope" or d.kind == "exam"]


def write_scenario(
    root: Path,
    schedule: Schedule,
    students: Sequence[Student],
    seed: int = 7,
    upto_week: int | None = None,
    per_assignment: Sequence[str] = (),
    sample_quirks: bool = False,
) -> None:
    """Write gradescope/, reflections/, reviews/, confirmations/ and adjustments.csv under root."""
    rng = random.Random(seed)
    due = [d for d in schedule.deliverables if upto_week is None or (d.week or 0) <= upto_week]
    gradescope = [d for d in gradescope_items(schedule) if d in due]
    (root / "gradescope").mkdir(parents=True, exist_ok=True)
    roster = list(students)
    submitted: dict[str, set[str]] = {}

    # ------------------------------------------------------------------ Download Grades
    header = ["First Name", "Last Name", "SID", "Email", "Sections"]
    for item in gradescope:
        title = item.title
        header += [
            title,
            f"{title} - Max Points",
            f"{title} - Submission Time",
            f"{title} - {LATENESS}",
        ]
    header.append(f"Total {LATENESS}")
    rows: list[list[object]] = []
    per_assignment_rows: dict[str, list[list[object]]] = {d: [] for d in per_assignment}
    for index, student in enumerate(roster):
        first, last = _split(student.name)
        sid, email = student.sid, student.email
        if sample_quirks and index == 5:
            sid, email = (
                "",
                email.replace("@students.example.edu", "@example.edu").upper(),
            )  # alias domain, no SID
        row: list[object] = [first, last, sid, email, student.section]
        total_late = 0
        for item in gradescope:
            max_points = (
                5
                if isinstance(item, SelfAssessmentDeliverable)
                else (2 if isinstance(item, PeerReviewDeliverable | SurveyDeliverable) else 10)
            )
            did_submit = rng.random() < 0.92
            late = _lateness(rng) if did_submit else 0
            if isinstance(item, PeerReviewDeliverable) and item.reviews not in submitted:
                did_submit = False
            if (
                isinstance(item, PeerReviewDeliverable)
                and sid not in submitted.get(item.reviews, set())
                and student.sid not in submitted.get(item.reviews, set())
            ):
                did_submit = False
            if isinstance(item, SelfAssessmentDeliverable):
                score: object = rng.choice([3, 4, 4, 4.5, 5, 5]) if did_submit else ""
            elif isinstance(item, PeerReviewDeliverable | SurveyDeliverable):
                score = max_points if did_submit else ""
            else:
                score = round(rng.uniform(5, 10) * 2) / 2 if did_submit else ""
            if did_submit and rng.random() < 0.03 and not isinstance(item, SurveyDeliverable):
                score = 0  # submitted and scored zero: not the same as blank
            local_due = item.due.astimezone(schedule.tz)
            when = local_due.replace(hour=20, minute=rng.randint(0, 59), second=rng.randint(0, 59))
            if late:
                from datetime import timedelta

                when = local_due + timedelta(seconds=late)
            stamp = when.strftime("%Y-%m-%d %H:%M:%S %z") if did_submit else ""
            if did_submit:
                submitted.setdefault(item.id, set()).add(student.sid)
            total_late += late
            row += [score, max_points, stamp, _hms(late) if did_submit else ""]
            if item.id in per_assignment_rows:
                status = "Graded" if did_submit and score != "" else "Missing"
                if (
                    did_submit
                    and rng.random() < 0.1
                    and not isinstance(item, SelfAssessmentDeliverable)
                ):
                    status, score = "", ""
                per_assignment_rows[item.id].append(
                    [
                        first,
                        last,
                        sid,
                        email,
                        student.section,
                        score,
                        max_points,
                        status,
                        rng.randint(10**8, 10**9) if did_submit else "",
                        stamp,
                        _hms(late) if did_submit else "",
                        rng.randint(0, 9) if did_submit else "",
                        rng.randint(1, 3) if did_submit else "",
                        score if score != "" else "",
                        "",
                    ]
                )
        row.append(_hms(total_late))
        if sample_quirks and index == 7:
            continue  # a roster student the export does not have
        rows.append(row)
    if sample_quirks:
        # A student who dropped: still in Gradescope, no longer on the roster.
        extra: list[object] = [
            "Jordan",
            "Example",
            "9199999",
            "jordan.example@students.example.edu",
            "B",
        ]
        for _item in gradescope:
            extra += ["", 10, "", ""]
        rows.insert(10, [*extra, "0:00:00"])
        # Headline quirks: lateness over 24 hours, and a zero next to a blank.
        pp1 = header.index("Portfolio Piece 1")
        rows[1][pp1], rows[1][pp1 + 2], rows[1][pp1 + 3] = (
            9,
            "2026-02-22 02:10:00 -0800",
            "26:10:00",
        )
        rows[2][pp1], rows[2][pp1 + 2], rows[2][pp1 + 3] = (
            10,
            "2026-03-02 08:07:02 -0800",
            "225:07:02",
        )
        rows[3][pp1], rows[3][pp1 + 2], rows[3][pp1 + 3] = 0, "2026-02-20 21:00:00 -0800", "0:00:00"
        rows[4][pp1], rows[4][pp1 + 2], rows[4][pp1 + 3] = "", "", ""
    name = f"{schedule.course.code.replace(' ', '_')}_{schedule.course.term.replace(' ', '_')}_grades.csv"
    (root / "gradescope" / name).write_text(_csv(header, rows), encoding="utf-8-sig")
    for deliverable_id, assignment_rows in per_assignment_rows.items():
        item = schedule.deliverable(deliverable_id)
        assert item is not None
        scores_header = [
            "First Name",
            "Last Name",
            "SID",
            "Email",
            "Sections",
            "Total Score",
            "Max Points",
            "Status",
            "Submission ID",
            "Submission Time",
            LATENESS,
            "View Count",
            "Submission Count",
            "1: Proposed score (5.0 pts)",
            "2: Examples (0.0 pts)",
        ]
        filename = f"{item.title.replace(' ', '_')}_scores.csv"
        (root / "gradescope" / filename).write_text(
            _csv(scores_header, assignment_rows), encoding="utf-8-sig"
        )

    # ------------------------------------------------------------------ reflections (check-reflections output)
    (root / "reflections").mkdir(parents=True, exist_ok=True)
    for item in due:
        if not isinstance(item, ReflectionDeliverable):
            continue
        records = []
        for student in roster:
            roll = rng.random()
            status, words, late_by, when = "ok", rng.randint(300, 500), "", item.due.isoformat()
            if roll < 0.06:
                status, words, when = "missing", 0, ""
            elif roll < 0.10:
                status, late_by = "late", _hms(rng.randint(3600, 80 * 3600))
            elif roll < 0.13:
                status, words = "too-short", rng.randint(120, 299)
            elif roll < 0.14:
                status, words, when = "no-access", 0, ""
            records.append(
                {
                    "sid": student.sid,
                    "github": student.github,
                    "status": status,
                    "words": words,
                    "submitted_at": when,
                    "late_by": late_by,
                    "commit": f"{rng.getrandbits(160):040x}" if when else "",
                }
            )
        stem = Path(item.path).stem
        if sample_quirks and item.week == 6:
            (root / "reflections" / f"{stem}.json").write_text(
                json.dumps(records, indent=1) + "\n", encoding="utf-8"
            )
        else:
            fields = ["sid", "github", "status", "words", "submitted_at", "late_by", "commit"]
            (root / "reflections" / f"{stem}.csv").write_text(
                _csv(fields, [[r[f] for f in fields] for r in records]), encoding="utf-8"
            )

    # ------------------------------------------------------------------ review assignments (assign-reviews output)
    by_sid = {s.sid: s for s in roster}
    for item in due:
        if not isinstance(item, PeerReviewDeliverable):
            continue
        authors = sorted(submitted.get(item.reviews, set()))
        rng.shuffle(authors)
        review_rows = []
        n = len(authors)
        for index, reviewer_sid in enumerate(authors):
            reviewer = by_sid[reviewer_sid]
            for shift in (1, 3) if n >= 7 else (1,):
                author = by_sid[authors[(index + shift) % n]]
                review_rows.append(
                    [
                        item.id,
                        reviewer.sid,
                        reviewer.name,
                        reviewer.email,
                        author.sid,
                        author.github,
                        f"https://github.com/llm101-sp26/portfolio-{author.github}",
                    ]
                )
        folder = root / "reviews" / item.id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "reviews.csv").write_text(
            _csv(
                [
                    "assignment",
                    "reviewer_sid",
                    "reviewer_name",
                    "reviewer_email",
                    "author_sid",
                    "author_github",
                    "link",
                ],
                review_rows,
            ),
            encoding="utf-8",
        )

    # ------------------------------------------------------------------ TA confirmations of self-assessments
    (root / "confirmations").mkdir(parents=True, exist_ok=True)
    for item in due:
        if not isinstance(item, SelfAssessmentDeliverable):
            continue
        confirmation_rows = []
        for student in roster:
            roll = rng.random()
            if roll < 0.55:
                confirmation_rows.append([student.sid, rng.choice([4, 4.5, 5]), ""])
            elif roll < 0.65:
                confirmation_rows.append(
                    [
                        student.sid,
                        rng.choice([3, 3.5]),
                        "adjusted: few specific examples; talked in OH",
                    ]
                )
            elif roll < 0.70:
                confirmation_rows.append([student.sid, "", "follow up: asked for examples"])
        (root / "confirmations" / f"{item.id}.csv").write_text(
            _csv(["sid", "score", "note"], confirmation_rows), encoding="utf-8"
        )

    # ------------------------------------------------------------------ adjustments
    adjustment_rows: list[list[object]] = []
    if sample_quirks:
        adjustment_rows = [
            [roster[1].sid, "pp1", "extension", "48h", "documented illness"],
            [roster[11].sid, "week-03-reflection", "excused", "", "excused absence"],
        ]
    (root / "adjustments.csv").write_text(
        _csv(["sid", "deliverable", "action", "until", "note"], adjustment_rows), encoding="utf-8"
    )


def main() -> None:
    course = load_course(REPO)
    target = REPO / "exports" / "sample"
    write_scenario(
        target,
        course.schedule,
        course.students,
        seed=7,
        upto_week=7,
        per_assignment=["midcourse-self-assessment"],
        sample_quirks=True,
    )
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
