"""Benchmark peer-review allocation (issue 4).

1. The allocation with its validation: n = 100,000, k = 2, teams of 3, the previous round's
   pairs forbidden. Target <= 0.5 s.

Run: PYTHONPATH=. python bench/reviews.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from coursectl.reviews.allocation import allocate, make_constraints, validate_allocation

N = 100_000
K = 2
TEAM_SIZE = 3
ALLOCATION_TARGET_S = 0.5


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bench_allocation(args.runs)


if __name__ == "__main__":
    main()
