"""Benchmark peer-review assignment (issue 13 targets).

1. The allocation with its validation: n = 100,000, k = 2, teams of 3, the previous round's
   pairs forbidden. Target <= 0.5 s (the algorithm, not constant factors).
2. The whole `coursectl assign-reviews` command in a new process (start-up, reading the course,
   roster and the previous round's manifest, allocating, checking, writing CSV, messages and
   manifest) on a generated 5,000-student course, with messages. Target <= 2 s. The same
   without messages, and an in-process split, say where the time goes.

Figures are medians of several runs (the machine may be shared).

Run: PYTHONPATH=. python bench/reviews.py [--runs 5] [--allocation-only]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from coursectl.reviews.allocation import allocate, make_constraints, validate_allocation

ALLOCATION_N = 100_000
COURSE_N = 5_000
K = 2
TEAM_SIZE = 3
ALLOCATION_TARGET_S = 0.5
RUN_TARGET_S = 2.0
REPO = Path(__file__).resolve().parent.parent


def verdict(figure: float, target: float) -> str:
    return f"target <= {target} s: {'OK' if figure <= target else 'MISSED'}"


def bench_allocation(runs: int) -> float:
    n = ALLOCATION_N
    rng = np.random.default_rng(2026)
    teams = rng.permutation(np.arange(n) // TEAM_SIZE)  # teams of 3, scattered over the roster
    first = allocate(make_constraints(K, n, teams=teams), seed=1)
    previous = np.stack([np.repeat(np.arange(n), K), first.reshape(-1)], axis=1)
    constraints = make_constraints(K, n, teams=teams, forbidden=previous)
    times = []
    for run in range(runs):
        start = time.perf_counter()
        authors = allocate(constraints, seed=100 + run)
        problems = validate_allocation(authors, constraints)  # as assign-reviews checks it
        times.append(time.perf_counter() - start)
        assert problems == []
    median = statistics.median(times)
    print(
        f"allocation+validation, n={n:,} k={K} teams of {TEAM_SIZE}, previous round forbidden: "
        f"median {median:.3f} s over {runs} runs; {verdict(median, ALLOCATION_TARGET_S)}"
    )
    return median


def make_course(folder: Path) -> None:
    """The shipped course with a generated roster: 5,000 students, 4 sections, teams of 3."""
    shutil.copy2(REPO / "schedule.yaml", folder / "schedule.yaml")
    for name in ("rubrics", "templates"):
        shutil.copytree(REPO / name, folder / name)
    (folder / "rosters").mkdir()
    with (folder / "rosters" / "synthetic-roster.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sid", "name", "email", "github", "section", "team"])
        for i in range(COURSE_N):
            writer.writerow(
                [
                    f"9{i:07d}",
                    f"Student {i}",
                    f"s{i}@students.example.edu",
                    f"student-{i}",
                    "ABCD"[i % 4],
                    f"T{i // TEAM_SIZE:05d}",
                ]
            )


def coursectl(folder: Path, *args: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "coursectl", *args, "--course", str(folder)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return time.perf_counter() - start


def bench_whole_run(runs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_course(folder)
        coursectl(folder, "assign-reviews", "pp1-peer-reviews", "--seed", "1")  # the previous round
        command = ["assign-reviews", "pp2-peer-reviews", "--force"]
        times, without = [], []
        for run in range(runs):  # interleaved, so machine noise hits both alike
            times.append(coursectl(folder, *command, "--seed", str(run)))
            without.append(coursectl(folder, *command, "--seed", str(run), "--no-messages"))
        coursectl(folder, *command, "--seed", "0")  # leave the messages for the sizes below
        sizes = {
            p.name: p.stat().st_size for p in (folder / "reviews" / "pp2-peer-reviews").iterdir()
        }
        median = statistics.median(times)
        for label, figure in (("", median), (" --no-messages", statistics.median(without))):
            print(
                f"whole `coursectl assign-reviews{label}` command, new process, n={COURSE_N:,} "
                f"k={K}, previous round forbidden: median {figure:.2f} s over {runs} runs; "
                f"{verdict(figure, RUN_TARGET_S)}"
            )
        print(
            "  outputs: "
            + ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in sorted(sizes.items()))
        )
        breakdown(folder)
    return median


def breakdown(folder: Path) -> None:
    """Where one run's time goes, in-process (no interpreter start-up or imports)."""
    from coursectl.course import load_course
    from coursectl.reviews.assign import AssignOptions, assign_reviews

    start = time.perf_counter()
    course = load_course(folder)
    loaded = time.perf_counter()
    assign_reviews(course, AssignOptions("pp2-peer-reviews", seed=99, force=True))
    done = time.perf_counter()
    print(
        f"  in-process: load course + roster {loaded - start:.2f} s, "
        f"assign (earlier round, allocation, check, messages, CSV, manifest) {done - loaded:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--allocation-only", action="store_true")
    args = parser.parse_args()
    bench_allocation(args.runs)
    if not args.allocation_only:
        bench_whole_run(args.runs)


if __name__ == "__main__":
    main()
