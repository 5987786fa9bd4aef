"""The roster CSV: one row per student, read with the csv module (no pandas at start-up)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from coursectl.errors import Problem

REQUIRED_COLUMNS = ("sid", "name", "email", "github", "section")
OPTIONAL_COLUMNS = ("team",)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")


@dataclass(frozen=True)
class Student:
    sid: str
    name: str
    email: str
    github: str
    section: str
    team: str | None = None
    line: int = 0  # line in the roster file, for error messages


def read_roster(path: Path, display_name: str) -> tuple[list[Student], list[Problem]]:
    """Read and check a roster; duplicates and malformed rows come back as problems."""
    problems: list[Problem] = []
    students: list[Student] = []
    try:
        # utf-8-sig: spreadsheet exports often start with a byte-order mark.
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        return [], [
            Problem(
                display_name,
                None,
                None,
                "roster file not found; fix course.roster in schedule.yaml",
            )
        ]
    with handle:
        try:
            reader = csv.DictReader(handle, strict=True)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                return [], [
                    Problem(
                        display_name,
                        1,
                        None,
                        f"missing column(s) {', '.join(missing)}; the header needs "
                        f"{','.join(REQUIRED_COLUMNS)} (optional: team)",
                    )
                ]
            reader.fieldnames = header
            seen: dict[str, dict[str, int]] = {"sid": {}, "email": {}, "github": {}}
            for row in reader:
                line = reader.line_num
                if None in row:
                    problems.append(
                        Problem(
                            display_name,
                            line,
                            None,
                            "more cells than columns; check for an unquoted comma",
                        )
                    )
                    continue
                values = {k: (v or "").strip() for k, v in row.items() if k}
                empty = [c for c in REQUIRED_COLUMNS if not values.get(c)]
                if empty:
                    problems.append(
                        Problem(
                            display_name,
                            line,
                            None,
                            f"empty {', '.join(empty)}; fill it in or remove the row",
                        )
                    )
                    continue
                if not _EMAIL.match(values["email"]):
                    problems.append(
                        Problem(
                            display_name, line, None, f"'{values['email']}' is not an email address"
                        )
                    )
                if not _GITHUB_LOGIN.match(values["github"]):
                    problems.append(
                        Problem(
                            display_name,
                            line,
                            None,
                            f"'{values['github']}' is not a GitHub username",
                        )
                    )
                for column in ("sid", "email", "github"):
                    key = values[column].lower()
                    if key in seen[column]:
                        problems.append(
                            Problem(
                                display_name,
                                line,
                                None,
                                f"duplicate {column} '{values[column]}' (also on line {seen[column][key]}); "
                                "each student appears once",
                            )
                        )
                    else:
                        seen[column][key] = line
                students.append(
                    Student(
                        sid=values["sid"],
                        name=values["name"],
                        email=values["email"],
                        github=values["github"],
                        section=values["section"],
                        team=values.get("team") or None,
                        line=line,
                    )
                )
        except csv.Error as exc:
            problems.append(
                Problem(
                    display_name,
                    reader.line_num,
                    None,
                    f"malformed CSV: {exc}; check for an unclosed quote or a stray comma",
                )
            )
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    display_name,
                    None,
                    None,
                    f"not UTF-8 text ({exc.reason}); export it as UTF-8 CSV",
                )
            )
    if not students and not problems:
        problems.append(Problem(display_name, None, None, "the roster has no students"))
    return students, problems
