"""`--source local` over a folder of 500 real git clones: time to read and judge every student.

Each clone has two commits (the second after the deadline for a third of them), so every
student costs the source 3-5 git processes. Target (set for the 2-core development machine):
the whole class read and judged in <= 10 s, i.e. a TA with clones waits less than with the API.

    python bench/reflections_local.py [--students 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coursectl.course.model import WordRange
from coursectl.reflections.check import classify
from coursectl.reflections.local import LocalSource
from coursectl.reflections.source import RepoRequest

TARGET_SECONDS = 10.0
ZONE = ZoneInfo("America/Los_Angeles")
DUE = datetime(2026, 3, 6, 23, 59, tzinfo=ZONE)
PATH = "reflections/week-07.md"


def make_clones(root: Path, count: int) -> list[RepoRequest]:
    """Clones built with git fast-import (one process per clone) to keep set-up quick."""
    requests = []
    for index in range(count):
        login = f"student-{index:04d}"
        repo = root / login
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
        stream = []
        # Version 0 is too short; version 1 is in range: on time for two thirds, late for a third.
        times = [DUE - timedelta(days=2), DUE - timedelta(hours=3)]
        if index % 3 == 0:
            times[1] = DUE + timedelta(hours=5 + index % 40)
        for number, when in enumerate(times):
            body = (
                f"Reflection {index} version {number}. " + "word " * (150 * (number + 1))
            ).encode()
            stamp = f"{int(when.timestamp())} -0800"
            stream += [
                b"commit refs/heads/main",
                f"committer S <s@x.edu> {stamp}".encode(),
                b"data 2",
                b"w7",
                f"M 100644 inline {PATH}".encode(),
                f"data {len(body)}".encode(),
                body,
                b"",
            ]
        subprocess.run(
            ["git", "-C", str(repo), "fast-import", "--quiet"], input=b"\n".join(stream), check=True
        )
        subprocess.run(["git", "-C", str(repo), "checkout", "-q", "main"], check=True)
        requests.append(RepoRequest(str(index), login, f"org/reflections-{login}", PATH))
    return requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        requests = make_clones(root, args.students)
        print(f"set-up: {args.students} clones in {time.perf_counter() - started:.1f} s")
        seconds = []
        statuses: dict[str, int] = {}
        for _ in range(args.runs):
            started = time.perf_counter()
            results = LocalSource(root).fetch(requests, DUE)
            records = [classify(r, WordRange(min=300, max=500), DUE, DUE) for r in results]
            seconds.append(time.perf_counter() - started)
            statuses = {}
            for record in records:
                statuses[record.status] = statuses.get(record.status, 0) + 1
        median = statistics.median(seconds)
        print(f"statuses: {statuses}")
        print(
            f"read and judged {args.students} clones: median {median:.2f} s of {args.runs} runs "
            f"({', '.join(f'{s:.2f}' for s in seconds)}); target <= {TARGET_SECONDS:.0f} s: "
            + ("met" if median <= TARGET_SECONDS else "MISSED")
        )


if __name__ == "__main__":
    main()
