"""Gradebook speed: the whole `coursectl gradebook` command, in a new process each run (Python
start-up, imports, course loading, reading every export, computing, writing gradebook.csv and
the Canvas import), on a generated course of 5,000 students and 40 graded items.
Target: <= 2 s (median of several runs).

A temporary course is made from the shipped one: 16 homework assignments are added (40 items in
all: 14 reflections, 2 portfolio pieces and their peer reviews, 2 self-assessments, the survey,
2 exams, the final project and the homework), a roster of synthetic students, and their exports
written by bench/gradebook_scenario.py (a 5,000 x 105 "Download Grades" CSV, two per-assignment
exports, 14 reflection files, review assignments, confirmations).

    python bench/gradebook.py [--students 5000] [--runs 7]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, bench/ comes first on sys.path, where bench/calendar.py would shadow the
# standard library's calendar module: take bench/ off the path before anything imports it.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]

import argparse  # noqa: E402
import csv  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import date, timedelta  # noqa: E402

import yaml  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
_spec = importlib.util.spec_from_file_location(
    "gradebook_scenario", _BENCH / "gradebook_scenario.py"
)
assert _spec is not None and _spec.loader is not None
_scenario = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_scenario)
write_scenario = _scenario.write_scenario

from coursectl.course import load_course  # noqa: E402
from coursectl.gradebook.compute import expand_items  # noqa: E402

TARGET_SECONDS = 2.0
HOMEWORK = 16


def make_course(root: Path, students: int) -> None:
    for name in ("schedule.yaml", "rubrics"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy2(source, root / name)
    schedule = yaml.safe_load((REPO / "schedule.yaml").read_text())
    breaks = [
        (
            date.fromisoformat(b["start"][-10:]),
            date.fromisoformat((b.get("end") or b["start"])[-10:]),
        )
        for b in schedule["breaks"]
    ]
    day, added = date(2026, 1, 22), 0
    while added < HOMEWORK:
        if not any(start <= day <= end for start, end in breaks):
            added += 1
            schedule["deliverables"].append(
                {
                    "id": f"hw-{added:02d}",
                    "kind": "assignment",
                    "title": f"Homework {added}",
                    "due": f"{day.isoformat()} 22:00",
                    "platform": "gradescope",
                }
            )
        day += timedelta(days=7)
    schedule["course"]["roster"] = "rosters/bench-roster.csv"
    (root / "schedule.yaml").write_text(yaml.safe_dump(schedule, sort_keys=False))
    policy = yaml.safe_load((REPO / "rubrics/grading-policy.yaml").read_text())
    for category in policy["categories"]:
        if category["id"] == "final-project":
            category["weight"] = 8
    policy["categories"].append(
        {
            "id": "homework",
            "title": "Homework",
            "weight": 10,
            "items": [{"kind": "assignment", "weight": 100}],
        }
    )
    (root / "rubrics/grading-policy.yaml").write_text(yaml.safe_dump(policy, sort_keys=False))
    (root / "rosters").mkdir()
    with (root / "rosters/bench-roster.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sid", "name", "email", "github", "section", "team"])
        for i in range(students):
            writer.writerow(
                [
                    f"{8000000 + i}",
                    f"Student{i} Synthetic{i % 97}",
                    f"student{i}@students.example.edu",
                    f"student-{i}-syn",
                    "ABCD"[i % 4],
                    f"T{i // 3:05d}",
                ]
            )


def run_command(root: Path) -> float:
    """Wall seconds of one `coursectl gradebook` in a new process."""
    command = [sys.executable, "-m", "coursectl", "gradebook", "--course", str(root)]
    command += ["--inputs", str(root / "inputs"), "--files", "both", "--force"]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"coursectl gradebook failed:\n{done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        root.mkdir()
        make_course(root, args.students)
        course = load_course(root)
        write_scenario(
            root / "inputs",
            course.schedule,
            course.students,
            seed=1,
            per_assignment=["midcourse-self-assessment", "pp1-peer-reviews"],
        )
        items = len(expand_items(course))
        times = [run_command(root) for _ in range(args.runs)]
        with (root / "grades/gradebook.csv").open(encoding="utf-8") as handle:
            rows = sum(1 for _ in handle) - 1
    median = statistics.median(times)
    print(
        f"gradebook: whole `coursectl gradebook --files both` in a new process, "
        f"{rows} students x {items} items"
    )
    print(
        f"  median of {len(times)}: {median:.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})"
    )
    print(
        f"  target: <= {TARGET_SECONDS:.1f} s -> {'met' if median <= TARGET_SECONDS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
