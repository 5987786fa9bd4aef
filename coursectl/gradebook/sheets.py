"""The gradebook's outputs: gradebook.csv, Canvas's import CSV, and one student's explanation.

Rounding happens here and only here: 2 decimals, half up, each cell from the full-precision
number (a total is never the sum of rounded parts).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from coursectl.course.model import SelfAssessmentDeliverable
from coursectl.gradebook.compute import Gradebook, ItemResult
from coursectl.gradebook.csvio import csv_text

STUDENT_COLUMNS = ("sid", "name", "email", "github", "section")
# The nudge keeps 1.005 (stored as 1.00499999...) rounding up, as a TA doing it by hand would.
_NUDGE = 1e-9


def round2(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Half-up rounding to 2 decimals; NaN stays NaN."""
    return np.floor(values * 100 + 0.5 + _NUDGE) / 100


def _cell_array(values: npt.NDArray[np.float64], blank: str = "") -> npt.NDArray[np.object_]:
    """Each number rounded once and formatted; each distinct value is formatted only once."""
    codes, uniques = pd.factorize(round2(np.asarray(values, dtype=np.float64)))
    # code -1 (NaN) takes the last entry: the blank. A number we format ("-2.50" from a negative
    # Gradescope score) is no formula, and must stay a number for Canvas and spreadsheets.
    formatted = np.array([f"{u:.2f}" for u in uniques] + [blank], dtype=object)
    return formatted[codes]


def _cells(values: npt.NDArray[np.float64], blank: str = "") -> list[str]:
    return _cell_array(values, blank).tolist()  # type: ignore[no-any-return]


def _item_cells(result: ItemResult, scale: float) -> list[str]:
    cells = _cell_array(result.earned * scale)
    cells[result.state == "excused"] = "EX"
    return cells.tolist()  # type: ignore[no-any-return]


def _notes(book: Gradebook) -> list[str]:
    """Short flags a TA should look at, per student.

    Each item contributes (student, note) pairs for whole columns; one stable sort by student
    keeps each student's notes in item order and one join per student makes the cell (a list
    per student appended to in loops cost 0.1 s at 10,000 x 40).
    """
    size = len(book.course.students)
    flagged = ("unconfirmed", "no row", "pending", "excused", "ungraded")
    rows: list[npt.NDArray[np.intp]] = []
    texts: list[npt.NDArray[np.object_]] = []
    for result in book.items:
        item_id = result.item.id
        if result.item.late:
            late = np.flatnonzero((result.late_days > 0) & ~np.isnan(result.earned))
            if len(late):
                day_codes, days = pd.factorize(result.late_days[late])
                labels = np.array([f"{item_id}: {d} late day(s)" for d in days], dtype=object)
                rows.append(late)
                texts.append(labels[day_codes])
        # States are few: compare small integer codes, not 10^4 strings per state.
        codes, states = pd.factorize(result.state)
        shown = [
            code
            for code, state in enumerate(states)
            # an item with no data at all yet is not news about this student
            if state in flagged and not (state == "pending" and len(states) == 1)
        ]
        if shown:
            where = np.flatnonzero(np.isin(codes, shown))
            labels = np.array([f"{item_id}: {state}" for state in states], dtype=object)
            rows.append(where)
            texts.append(labels[codes[where]])
    notes = np.full(size, "", dtype=object)
    if rows:
        student = np.concatenate(rows)
        order = np.argsort(student, kind="stable")
        student = student[order]
        text = np.concatenate(texts)[order].tolist()
        starts = np.flatnonzero(np.r_[True, student[1:] != student[:-1]])
        ends = [*starts[1:].tolist(), len(text)]
        notes[student[starts]] = [
            "; ".join(text[a:b]) for a, b in zip(starts.tolist(), ends, strict=True)
        ]
    return notes.tolist()


def gradebook_csv(book: Gradebook) -> str:
    """One row per roster student: items (percent of the item), categories (percent), total."""
    students = book.course.students
    header: list[str] = list(STUDENT_COLUMNS)
    columns: list[list[str]] = [
        [s.sid for s in students],
        [s.name for s in students],
        [s.email for s in students],
        [s.github for s in students],
        [s.section for s in students],
    ]
    for result in book.items:
        header.append(result.item.id)
        columns.append(_item_cells(result, 100.0))
        if isinstance(result.item.deliverable, SelfAssessmentDeliverable):
            blank = np.full(len(students), np.nan)
            header += [f"{result.item.id} proposed", f"{result.item.id} TA"]
            proposed = result.proposed if result.proposed is not None else blank
            confirmed = result.confirmed if result.confirmed is not None else blank
            columns += [_cells(proposed), _cells(confirmed)]
    for category in book.categories:
        header.append(f"category {category.category.id}")
        columns.append(_cells(category.score * 100))
    header += ["total", "counted weight", "notes"]
    columns += [_cells(book.total * 100), _cells(book.counted_weight), _notes(book)]
    return csv_text(header, columns, text_columns=[0, 1, 2, 3, 4, len(columns) - 1])


def canvas_csv(book: Gradebook) -> str:
    """Canvas's gradebook import: points per item, 'EX' for excused, a Points Possible row."""
    students = book.course.students
    policy = book.course.policy
    canvas_ids = policy.gradebook.canvas_ids if policy else {}
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    points_row = ["    Points Possible", "", "", "", ""]
    columns: list[list[str]] = [
        [s.name for s in students],
        [""] * len(students),  # Canvas's own user id: unknown here, Canvas then matches SIS User ID
        [s.sid for s in students],
        [s.email for s in students],
        [s.section for s in students],
    ]
    for result in book.items:
        deliverable = result.item.deliverable
        canvas_id = canvas_ids.get(deliverable.id)
        header.append(f"{deliverable.title} ({canvas_id})" if canvas_id else deliverable.title)
        points_row.append(f"{result.points_possible:.2f}")
        columns.append(_item_cells(result, result.points_possible))
    for index, cell in enumerate(points_row):
        columns[index].insert(0, cell)
    return csv_text(header, columns, text_columns=[0, 1, 2, 3, 4])


def _percent(value: float) -> str:
    return "not counted" if np.isnan(value) else f"{round2(np.array([value * 100]))[0]:.2f}%"


def explain(book: Gradebook, position: int) -> str:
    """How one student's numbers were computed, item by item, at full precision until shown."""
    student = book.course.students[position]
    policy = book.course.policy
    lines = [
        f"{student.sid} {student.name} <{student.email}> GitHub {student.github}, section {student.section}"
    ]
    category_weights = {c.category.id: c.category.weight for c in book.categories}
    counted_categories = sum(
        c.category.weight for c in book.categories if not np.isnan(c.score[position])
    )
    for category in book.categories:
        cat = category.category
        score = category.score[position]
        lines.append("")
        lines.append(f"{cat.title} [{cat.id}], {cat.weight:g}% of the course: {_percent(score)}")
        members = [r for r in book.items if r.item.category is cat]
        counted_weight = sum(r.item.weight for r in members if not np.isnan(r.earned[position]))
        for result in members:
            item = result.item
            earned = result.earned[position]
            line = f"  {item.id} ({item.weight:g}% of category, {item.rule}): {result.describe(position)}"
            state = result.state[position]
            if state == "excused" or np.isnan(earned):
                line += f" -> {state}, not counted"
            else:
                raw = result.raw[position]
                line += f" -> {_percent(raw)}"
                days = result.late_days[position]
                if days and item.late and policy is not None:
                    # The policy's penalty takes a share of the item's own score (multiplied,
                    # not subtracted in points): show that arithmetic so the numbers add up.
                    late = policy.late
                    if late.max_days is not None and days > late.max_days:
                        line += (
                            f", {days} late days, more than the {late.max_days} allowed -> "
                            f"{_percent(earned)}"
                        )
                    else:
                        plural = "day" if days == 1 else "days"
                        kept = f"1 - {days} late {plural} x {late.penalty_per_day:g}%"
                        if days * late.penalty_per_day > 100:
                            kept += ", at least 0"
                        line += f" x ({kept}) = {_percent(earned)}"
                share = item.weight / counted_weight if counted_weight else 0.0
                line += f"; counts {share * 100:.2f}% of the category"
            lines.append(line)
    lines.append("")
    total = book.total[position]
    parts = " + ".join(
        f"{category_weights[c.category.id]:g} x {_percent(c.score[position])}"
        for c in book.categories
        if not np.isnan(c.score[position])
    )
    if np.isnan(total):
        lines.append("Total: nothing counted yet")
    else:
        lines.append(f"Total: ({parts}) / {counted_categories:g} = {_percent(total)}")
    lines.append(
        f"Counted so far: {round2(np.array([book.counted_weight[position]]))[0]:.2f}% of the course grade "
        "(items without data yet, excused or pending are left out)"
    )
    return "\n".join(lines) + "\n"
