"""The gradebook's outputs: gradebook.csv, Canvas's import CSV, and one student's explanation.

Rounding happens here and only here: 2 decimals, half up, each cell from the full-precision
number (a total is never the sum of rounded parts).
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from coursectl.course.model import SelfAssessmentDeliverable
from coursectl.files import Cell, csv_text
from coursectl.gradebook.compute import Gradebook, ItemResult

STUDENT_COLUMNS = ("sid", "name", "email", "github", "section")
# The nudge keeps 1.005 (stored as 1.00499999...) rounding up, as a TA doing it by hand would.
_NUDGE = 1e-9


def round2(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Half-up rounding to 2 decimals; NaN stays NaN."""
    return np.floor(values * 100 + 0.5 + _NUDGE) / 100


def _cells(values: npt.NDArray[np.float64]) -> list[Cell]:
    """Each number rounded once and formatted, as a number cell (Decimal keeps "2.50"): the CSV
    writer leaves numbers alone, so "-2.50" from a negative score stays a number for Canvas."""
    rounded = round2(np.asarray(values, dtype=np.float64)).tolist()
    return [None if math.isnan(value) else Decimal(f"{value:.2f}") for value in rounded]


def _item_cells(result: ItemResult, scale: float) -> list[Cell]:
    cells = _cells(result.earned * scale)
    return [
        "EX" if state == "excused" else cell
        for cell, state in zip(cells, result.state, strict=True)
    ]


_FLAGGED = ("unconfirmed", "no row", "pending", "excused", "ungraded")


def _notes(book: Gradebook) -> list[str]:
    """Short flags a TA should look at, per student, in item order."""
    notes: list[list[str]] = [[] for _ in book.course.students]
    for result in book.items:
        item_id = result.item.id
        states = result.state.tolist()
        # an item with no data at all yet is not news about this student
        no_data = set(states) == {"pending"}
        late = result.item.late
        rows = zip(notes, states, result.late_days.tolist(), result.earned.tolist(), strict=True)
        for student, state, days, earned in rows:
            if late and days > 0 and not math.isnan(earned):
                student.append(f"{item_id}: {days} late day(s)")
            if state in _FLAGGED and not no_data:
                student.append(f"{item_id}: {state}")
    return ["; ".join(student) for student in notes]


def gradebook_csv(book: Gradebook) -> str:
    """One row per roster student: items (percent of the item), categories (percent), total."""
    students = book.course.students
    header: list[str] = list(STUDENT_COLUMNS)
    columns: list[list[Cell]] = [
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
    notes: list[Cell] = list(_notes(book))
    columns += [_cells(book.total * 100), _cells(book.counted_weight), notes]
    return csv_text(header, zip(*columns, strict=True))


def canvas_csv(book: Gradebook) -> str:
    """Canvas's gradebook import: points per item, 'EX' for excused, a Points Possible row."""
    students = book.course.students
    policy = book.course.policy
    canvas_ids = policy.gradebook.canvas_ids if policy else {}
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    points_row: list[Cell] = ["    Points Possible", "", "", "", ""]
    columns: list[list[Cell]] = [
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
        points_row.append(Decimal(f"{result.points_possible:.2f}"))
        columns.append(_item_cells(result, result.points_possible))
    for index, cell in enumerate(points_row):
        columns[index].insert(0, cell)
    return csv_text(header, zip(*columns, strict=True))


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
