"""Benchmark peer-review allocation (issue 4).

1. The allocation with its validation: n = 100,000, k = 2, teams of 3, the previous round's
   pairs forbidden. Target <= 0.5 s.
2. The whole `coursectl assign-reviews` run (a new process: start-up, reading the course and
   roster and the previous round's manifest, allocating, checking, writing CSV, messages and
   manifest) on a generated 100,000-student course folder. Target <= 3 s. An in-process
   breakdown says where the time goes.

Run: PYTHONPATH=. python bench/reviews.py [--runs 5]
"""

from __future__ import annotations

import argparse
import csv
import gc
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

N = 100_000
K = 2
TEAM_SIZE = 3
ALLOCATION_TARGET_S = 0.5
RUN_TARGET_S = 3.0
REPO = Path(__file__).resolve().parent.parent


def bench_allocation(runs: int) -> float:
    rng = np.random.default_rng(2026)
    teams = rng.permutation(np.arange(N) // TEAM_SIZE)  # teams of 3, scattered over the roster
    first = allocate(make_constraints(K, N, teams=teams), seed=1)
    previous = np.stack([np.repeat(np.arange(N), K), first.reshape(-1)], axis=1)
    constraints = make_constraints(K, N, teams=teams, forbidden=previous)
    times = []
    for run in range(runs):
        start = time.perf_counter()
        authors = allocate(constraints, seed=100 + run)  # validates before returning
        times.append(time.perf_counter() - start)
        assert validate_allocation(authors, constraints) == []
    start = time.perf_counter()
    validate_allocation(authors, constraints)
    validation = time.perf_counter() - start
    median = statistics.median(times)
    print(
        f"allocation+validation, n={N:,} k={K} teams of {TEAM_SIZE}, previous round forbidden: "
        f"median {median:.3f} s over {runs} runs (validation alone {validation:.3f} s); "
        f"target <= {ALLOCATION_TARGET_S} s: {'OK' if median <= ALLOCATION_TARGET_S else 'MISSED'}"
    )
    return median


def make_course(folder: Path) -> None:
    """The shipped course with a generated roster: 100,000 students, 4 sections, teams of 3."""
    shutil.copy2(REPO / "schedule.yaml", folder / "schedule.yaml")
    for name in ("rubrics", "templates"):
        shutil.copytree(REPO / name, folder / name)
    (folder / "rosters").mkdir()
    with (folder / "rosters" / "synthetic-roster.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sid", "name", "email", "github", "section", "team"])
        for i in range(N):
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
            without.append(coursectl(folder, *command, "--seed", str(run), "--no-messages"))
            times.append(coursectl(folder, *command, "--seed", str(run)))
        sizes = {
            p.name: p.stat().st_size for p in (folder / "reviews" / "pp2-peer-reviews").iterdir()
        }
        median = statistics.median(times)
        for label, figure in (("", median), (" --no-messages", statistics.median(without))):
            print(
                f"whole `coursectl assign-reviews{label}` run, n={N:,} k={K}, previous round "
                f"forbidden: median {figure:.2f} s over {runs} runs; target <= {RUN_TARGET_S} s: "
                f"{'OK' if figure <= RUN_TARGET_S else 'MISSED'}"
            )
        print(
            "  outputs: "
            + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sorted(sizes.items()))
        )
        breakdown(folder)
    return median


def breakdown(folder: Path) -> None:
    """Where one run's time goes, in-process (no interpreter start-up)."""
    from coursectl.course import load_course
    from coursectl.reviews import outputs
    from coursectl.reviews.assign import AssignOptions, assign_reviews

    phases: dict[str, float] = {}

    def timed(name: str, function):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            result = function(*args, **kwargs)
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - start
            return result

        return wrapper

    outputs.render_csv = timed("CSV", outputs.render_csv)
    outputs.message_chunks = timed("messages (shapes or jinja2)", outputs.message_chunks)
    outputs.atomic_write_parts = timed("messages JSONL: format + write", outputs.atomic_write_parts)
    outputs.atomic_write_text = timed("CSV + manifest: write", outputs.atomic_write_text)
    # Sequential here, so each phase is timed; the command writes messages in a child process.
    outputs.BACKGROUND_MESSAGES_FROM = sys.maxsize
    gc.disable()  # as the command does
    start = time.perf_counter()
    course = load_course(folder)
    phases["load course + roster"] = time.perf_counter() - start
    start = time.perf_counter()
    assign_reviews(course, AssignOptions("pp2-peer-reviews", seed=99, force=True))
    total = time.perf_counter() - start
    phases["rest (earlier rounds, allocation, checks, writing)"] = total - sum(
        v for k, v in phases.items() if k != "load course + roster"
    )
    gc.enable()
    print(
        "  in-process, sequential: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in phases.items())
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
