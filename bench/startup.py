"""Start-up time of `coursectl --help` and `coursectl validate` against the floor for any Typer CLI.

The floor is the `--help` of a one-command Typer app, run by the same Python in the same run.
Runs are interleaved and the medians compared, so machine noise hits all three alike.
Targets: --help <= 1.3x the floor, validate <= 2x.

    python bench/startup.py [--runs 21]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLOOR_APP = '''
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"hello {name}")


app()
'''


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        floor_script = Path(tmp) / "floor_app.py"
        floor_script.write_text(FLOOR_APP)
        commands = {
            "floor (one-command Typer --help)": [sys.executable, str(floor_script), "--help"],
            "coursectl --help": [sys.executable, "-m", "coursectl", "--help"],
            "coursectl validate": [sys.executable, "-m", "coursectl", "validate"],
        }
        for argv in commands.values():  # warm the file cache and .pyc files
            timed(argv)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, argv in commands.items():
                samples[name].append(timed(argv))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = medians["floor (one-command Typer --help)"]
    for name, value in medians.items():
        print(f"{name:36s} median {value * 1000:7.1f} ms over {runs} runs")
    help_ratio = medians["coursectl --help"] / floor
    validate_ratio = medians["coursectl validate"] / floor
    print(f"coursectl --help / floor   = {help_ratio:.2f}  (target <= 1.3)")
    print(f"coursectl validate / floor = {validate_ratio:.2f}  (target <= 2)")


if __name__ == "__main__":
    main()
