"""The gradebook's scores as Canvas takes them: the cells of the Canvas import CSV.

`coursectl canvas push` posts these, so a push and an uploaded gradebook-canvas.csv give
Canvas the same numbers (points, 2 decimals, "EX" for excused, blank for nothing yet).
"""

from __future__ import annotations

from coursectl.gradebook.compute import Gradebook
from coursectl.gradebook.sheets import _item_cells


def canvas_cells(book: Gradebook) -> tuple[dict[str, dict[str, str]], dict[str, float]]:
    """(deliverable id -> roster sid -> cell, deliverable id -> points possible)."""
    sids = [s.sid for s in book.course.students]
    cells: dict[str, dict[str, str]] = {}
    points: dict[str, float] = {}
    for result in book.items:
        item = result.item.deliverable.id
        texts = [
            "" if cell is None else str(cell)
            for cell in _item_cells(result, result.points_possible)
        ]
        cells[item] = dict(zip(sids, texts, strict=True))
        points[item] = result.points_possible
    return cells, points
