"""The whole `coursectl check-reflections 7 --source github` command, in a new process, for a
course of 5,000 students against the fake GitHub with 100 ms added to every request, cold cache
(a fresh course folder each run). Target: <= 5 s.

The class is bench/reflections.py's mix: most pushed on time, some edited after the deadline,
some only late, a few never committed the file or have no repository. The fake server runs in a
child process (its work is GitHub's, not the TA's machine's). The command writes the CSV report
(`--out`), as a TA does for the gradebook.

    python bench/check_reflections.py [--students 5000] [--latency 0.1] [--runs 3]
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
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Replace (not prepend) the script's folder: bench/calendar.py would shadow the stdlib calendar.
sys.path[0] = str(ROOT)

from bench.reflections import FakeInProcess  # noqa: E402

TARGET_SECONDS = 5.0
COURSE_FILES = ("schedule.yaml", "rubrics", "templates")


def make_course(folder: Path, requests: list[object]) -> Path:
    """The shipped course with a roster of the benchmark's students."""
    course = folder / "course"
    course.mkdir()
    for name in COURSE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, course / name)
        else:
            shutil.copy2(source, course / name)
    (course / "rosters").mkdir()
    with (course / "rosters" / "synthetic-roster.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sid", "name", "email", "github", "section", "team"])
        for index, request in enumerate(requests):
            sid, login = request.sid, request.github  # type: ignore[attr-defined]
            writer.writerow(
                [
                    sid,
                    f"Student {index}",
                    f"{login}@students.example.edu",
                    login,
                    "AB"[index % 2],
                    "",
                ]
            )
    return course


def run_command(course: Path, fake: FakeInProcess) -> tuple[float, Counter[str]]:
    out = course / "grades" / "week-07.csv"
    out.parent.mkdir(exist_ok=True)
    env = {**os.environ, "GITHUB_TOKEN": fake.token}
    argv = [sys.executable, "-m", "coursectl", "check-reflections", "7", "--source", "github"]
    argv += ["--api-url", fake.base_url, "-C", str(course), "--out", str(out)]
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"check-reflections failed ({done.returncode}):\n{done.stderr}")
    with out.open(encoding="utf-8") as handle:
        return seconds, Counter(row["status"] for row in csv.DictReader(handle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added per request")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    times, requests_made = [], []
    statuses: Counter[str] = Counter()
    fake = FakeInProcess(args.students, args.latency, later_week=False)
    try:
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as folder:
                course = make_course(Path(folder), fake.request_list)
                fake.reset_counters()
                seconds, statuses = run_command(course, fake)  # cold: a new course, no cache
                times.append(seconds)
                requests_made.append(fake.requests)
    finally:
        fake.close()
    median = statistics.median(times)
    print(
        f"check-reflections --source github, {args.students} students, "
        f"{args.latency * 1000:.0f} ms per request, cold cache, new process"
    )
    print(f"  runs: {', '.join(f'{t:.2f}' for t in times)} s")
    print(
        f"  median {median:.2f} s, {statistics.median(requests_made):.0f} requests   "
        f"target <= {TARGET_SECONDS:g} s"
    )
    print("  statuses: " + ", ".join(f"{s} {n}" for s, n in statuses.most_common()))
    print("target met" if median <= TARGET_SECONDS else "TARGET MISSED")


if __name__ == "__main__":
    main()
