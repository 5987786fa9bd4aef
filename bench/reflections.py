"""`--source github` for 500 students against the fake GitHub with 100 ms added per request.

The class is a realistic mix: most pushed on time, some edited after the deadline, some only
late, a few never committed the file or have no repository. Measured:

- cold run (empty cache): time and requests per student. Target <= 2 s, <= 1.1 requests/student.
- re-run with nothing changed (same cache): time and rate-limit points spent (GraphQL points +
  REST answers that were not 304s). Target <= 0.5 s and 0 points: results that may change are
  re-checked with their activity ETags, students without a repository through the
  organisation's repository list (its ETag); 304s are free.
The fake server runs in a child process (its work is GitHub's, not the TA's machine's).

- the naive baseline, as existing tools do it: a plain PyGithub loop (default settings:
  0.25 s between requests), `get_repo` + `get_contents` per student, on a subset, extrapolated
  to the class.

    python bench/reflections.py [--students 500] [--latency 0.1] [--runs 3] [--naive 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# Replace (not prepend) the script's folder: bench/calendar.py would shadow the stdlib calendar.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from github import Auth, Github  # noqa: E402

from coursectl.integrations.github import WORKERS, GitHubClient, GitHubSource  # noqa: E402
from coursectl.reflections.check import read_reflection  # noqa: E402
from coursectl.reflections.source import FileSnapshot, RepoRequest  # noqa: E402
from tests.fake_github import FakeGitHub  # noqa: E402

COLD_SECONDS, COLD_PER_STUDENT = 2.0, 1.1
RERUN_SECONDS = 0.5
ZONE = ZoneInfo("America/Los_Angeles")
DUE = datetime(2026, 3, 6, 23, 59, tzinfo=ZONE)
NOW = DUE + timedelta(days=2)
PATH = "reflections/week-07.md"
ORG = "llm101-sp26"


def populate(fake: FakeGitHub, count: int, later_week: bool = False) -> list[RepoRequest]:
    requests = []
    for index in range(count):
        login = f"student-{index:04d}"
        full = f"{ORG}/reflections-{login}"
        requests.append(RepoRequest(f"9{index:06d}", login, full, PATH))
        kind = index % 50
        if kind == 49:
            continue  # 2%: no repository
        repo = fake.repo(full)
        body = (f"Reflection of {login}. " + "word " * (300 + index % 180)).encode()
        if kind == 48:
            repo.push({"README.md": b"# reflections\n"}, at=DUE - timedelta(days=30))  # 2%: missing
            continue
        if kind in (46, 47):  # 4%: only late
            repo.push({PATH: body}, at=DUE + timedelta(hours=3 + index % 20))
            continue
        repo.push({PATH: body}, at=DUE - timedelta(hours=1 + index % 48))
        if kind < 5:  # 10%: edited after the deadline
            repo.push({PATH: body + b" more words"}, at=DUE + timedelta(hours=6))
    if later_week:  # checked a week late: every repository has a push after the cutoff
        for repo in fake.repos.values():
            repo.push({"reflections/week-08.md": b"next week"}, at=DUE + timedelta(days=7))
    return requests


class FakeInProcess:
    """The fake GitHub in a child process, so that its CPU time (GitHub's, in real life) is not
    charged to the client being measured; counters are read over a pipe."""

    def __init__(self, students: int, latency: float, later_week: bool) -> None:
        context = multiprocessing.get_context("fork")
        self._pipe, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, students, latency, later_week), daemon=True
        )
        self._process.start()
        self.token, self.base_url, self.request_list = self._pipe.recv()

    def _ask(self, what: str) -> Any:
        self._pipe.send(what)
        return self._pipe.recv()

    @property
    def requests(self) -> int:
        return int(self._ask("requests"))

    @property
    def rate_used(self) -> int:
        return int(self._ask("rate_used"))

    @property
    def graphql_used(self) -> int:
        return int(self._ask("graphql_used"))

    @property
    def not_modified(self) -> int:
        return int(self._ask("not_modified"))

    def reset_counters(self) -> None:
        self._ask("reset")

    def close(self) -> None:
        self._ask("stop")
        self._process.join(5)


def _serve(pipe: Any, students: int, latency: float, later_week: bool) -> None:
    with FakeGitHub(latency=latency) as fake:
        requests = populate(fake, students, later_week)
        pipe.send((fake.token, fake.base_url, requests))
        while True:
            what = pipe.recv()
            if what == "stop":
                pipe.send(None)
                return
            if what == "reset":
                fake.reset_counters()
                pipe.send(None)
            else:
                pipe.send(getattr(fake, what))


def in_range(snapshot: FileSnapshot) -> bool:
    """What the command passes: an on-time version in the word range settles the status."""
    count = read_reflection(snapshot.content).words
    return count is not None and 300 <= count <= 500


def run_source(
    fake: FakeGitHub | FakeInProcess, requests: list[RepoRequest], cache: Path
) -> tuple[float, int, list[str]]:
    client = GitHubClient(fake.token, fake.base_url, seconds_between_writes=None)
    source = GitHubSource(
        client, cache, workers=WORKERS, clock=lambda: NOW.astimezone(UTC), settled=in_range
    )
    before = fake.requests
    start = time.perf_counter()
    source.fetch(requests, DUE)
    return time.perf_counter() - start, fake.requests - before, source.notes


def run_naive(fake: FakeGitHub, requests: list[RepoRequest]) -> tuple[float, int]:
    """What a typical script does: one repository at a time, PyGithub's default pacing."""
    github = Github(auth=Auth.Token(fake.token), base_url=fake.base_url)
    before = fake.requests
    start = time.perf_counter()
    for request in requests:
        try:
            repo = github.get_repo(request.repo)
            repo.get_contents(request.path)
        except Exception:  # the baseline just skips failures
            pass
    return time.perf_counter() - start, fake.requests - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added per request")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--naive", type=int, default=20, help="students in the naive subset")
    parser.add_argument(
        "--later-week",
        action="store_true",
        help="worst case: every student pushed next week's file after this cutoff",
    )
    args = parser.parse_args()

    cold_times, cold_requests, rerun_times, rerun_requests = [], [], [], []
    rerun_rest_cost, rerun_graphql_cost, rerun_free = [], [], []
    notes: set[str] = set()
    for _ in range(args.runs):
        fake = FakeInProcess(args.students, args.latency, args.later_week)
        requests = fake.request_list
        with tempfile.TemporaryDirectory() as cache:
            seconds, made, _ = run_source(fake, requests, Path(cache))
            cold_times.append(seconds)
            cold_requests.append(made)
            fake.reset_counters()
            seconds, made, said = run_source(fake, requests, Path(cache))
            rerun_times.append(seconds)
            rerun_requests.append(made)
            rerun_rest_cost.append(fake.rate_used)
            rerun_graphql_cost.append(fake.graphql_used)
            rerun_free.append(fake.not_modified)
            notes.update(said)
        fake.close()

    n = args.students
    cold_t, cold_r = statistics.median(cold_times), statistics.median(cold_requests)
    re_t, re_r = statistics.median(rerun_times), statistics.median(rerun_requests)
    print(
        f"{n} students, {args.latency * 1000:.0f} ms per request, median of {args.runs} runs"
        + (", every repository pushed again after the cutoff" if args.later_week else "")
    )
    print(
        f"cold run:  {cold_t:.2f} s, {cold_r:.0f} requests ({cold_r / n:.2f}/student)"
        f"   target <= {COLD_SECONDS} s, <= {COLD_PER_STUDENT}/student"
    )
    rest_cost = statistics.median(rerun_rest_cost)
    graphql_cost = statistics.median(rerun_graphql_cost)
    spent = max(r + g for r, g in zip(rerun_rest_cost, rerun_graphql_cost, strict=True))
    print(
        f"re-run:    {re_t:.2f} s, {re_r:.0f} requests ({statistics.median(rerun_free):.0f} free "
        f"304s), rate-limit points spent: {spent} (REST non-304 {rest_cost:.0f}, GraphQL "
        f"{graphql_cost:.0f}; worst of {args.runs} runs)   target <= {RERUN_SECONDS} s, 0 points"
    )
    for note in sorted(notes):
        print(f"  note: {note}")
    if args.naive:
        with FakeGitHub(latency=args.latency) as fake:
            requests = populate(fake, args.students)[: args.naive]
            seconds, made = run_naive(fake, requests)
        scale = n / len(requests)
        print(
            f"naive PyGithub loop: {seconds:.1f} s and {made} requests for {len(requests)} "
            f"students -> about {seconds * scale:.0f} s and {made * scale:.0f} requests for {n}"
        )
    ok = (
        cold_t <= COLD_SECONDS
        and cold_r / n <= COLD_PER_STUDENT
        and re_t <= RERUN_SECONDS
        and spent == 0
    )
    print("targets met" if ok else "TARGETS MISSED")


if __name__ == "__main__":
    main()
