"""Time to write every calendar of a generated 16-week course with 4 discussion sections.

The course: lectures Mon/Wed/Fri, four sections on Tue/Thu, a holiday, spring break across the
DST change, and 16 weeks of reflections, assignments and quizzes plus projects and two exams
(52 deliverables). "All calendars": the whole course, one per section, and deadlines only.

Measured two ways, medians of interleaved runs:
- in-process: load the course folder, build the 6 calendars, write them and the record
  (target: under 0.5 s, "well under a second");
- the command a TA types, `coursectl calendar --all`, including Python start-up (target: 1 s).

    python bench/calendar.py [--runs 11]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TARGET_CORE = 0.5
TARGET_COMMAND = 1.0
START = date(2026, 1, 12)  # a Monday; 16 weeks plus spring break end on Fri May 8


def course_folder(root: Path) -> Path:
    weeks = 16
    spring_break = START + timedelta(weeks=8)  # Mar 9-13, right after DST starts on Mar 8
    end = START + timedelta(weeks=weeks + 1, days=4)
    lines = [
        "course:",
        "  code: BENCH 200",
        "  name: Benchmark Course",
        "  term: Spring 2026",
        "  timezone: America/Los_Angeles",
        f"  start: {START}",
        f"  end: {end}",
        "  url: https://courses.example.edu/bench",
        "  roster: rosters/roster.csv",
        "  github: {org: bench-org}",
        "meetings:",
        "  - {id: lecture, kind: lecture, title: Lecture, days: [MO, WE, FR], start: '10:00', end: '10:50',"
        " location: Hall 1}",
    ]
    for index, name in enumerate("ABCD"):
        days = "[TU, TH]"
        lines.append(
            f"  - {{id: section-{name.lower()}, kind: section, section: {name}, title: Section {name},"
            f" days: {days}, start: '{9 + 2 * index}:00', end: '{9 + 2 * index}:50', location: Room {index}}}"
        )
    lines += [
        "breaks:",
        f"  - {{id: holiday, title: Holiday, kind: holiday, start: {START + timedelta(weeks=5)}}}",
        f"  - {{id: spring-break, title: Spring break, start: {spring_break}, end: {spring_break + timedelta(days=4)}}}",
        "deliverables:",
    ]
    week_start = START
    for week in range(1, weeks + 1):
        if week_start == spring_break:
            week_start += timedelta(weeks=1)
        friday, wednesday, thursday = (week_start + timedelta(days=d) for d in (4, 2, 3))
        lines.append(
            f"  - {{id: reflection-{week}, kind: reflection, title: Week {week} reflection, week: {week},"
            f" due: '{friday} 23:59', platform: github, path: reflections/week-{week:02}.md}}"
        )
        lines.append(
            f"  - {{id: assignment-{week}, kind: assignment, title: Assignment {week}, week: {week},"
            f" due: '{wednesday} 17:00', platform: gradescope, url: 'https://gradescope.example.com/a/{week}'}}"
        )
        lines.append(
            f"  - {{id: quiz-{week}, kind: assignment, title: Quiz {week}, week: {week},"
            f" due: '{thursday} 12:00', platform: canvas}}"
        )
        week_start += timedelta(weeks=1)
    for number, week in ((1, 6), (2, 15)):
        day = START + timedelta(weeks=week + (1 if week > 8 else 0) - 1, days=2)
        lines.append(
            f"  - {{id: exam-{number}, kind: exam, title: Exam {number}, start: '{day} 10:00',"
            f" due: '{day} 10:50', platform: in-class, location: Hall 1}}"
        )
    for number in range(1, 3):
        day = START + timedelta(weeks=7 * number, days=4)
        lines.append(
            f"  - {{id: project-{number}, kind: project, title: Project {number}, due: '{day} 23:59',"
            " platform: github}"
        )
    folder = root / "course"
    (folder / "rosters").mkdir(parents=True)
    (folder / "schedule.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    roster = ["sid,name,email,github,section,team"]
    roster += [
        f"{1000 + i},Student {i},s{i}@example.edu,student-{i},{'ABCD'[i % 4]},T{i % 10}"
        for i in range(200)
    ]
    (folder / "rosters" / "roster.csv").write_text("\n".join(roster) + "\n", encoding="utf-8")
    return folder


def run_core(folder: Path) -> tuple[float, int]:
    from coursectl.calendar.events import Audience, CalendarOptions
    from coursectl.calendar.feeds import default_path
    from coursectl.calendar.ics import generate_all
    from coursectl.calendar.record import RECORD_PATH, load_record
    from coursectl.course import load_course
    from coursectl.files import atomic_write_bytes, atomic_write_text

    shutil.rmtree(folder / "build", ignore_errors=True)
    shutil.rmtree(folder / ".coursectl", ignore_errors=True)
    begin = time.perf_counter()
    course = load_course(folder)
    schedule = course.schedule
    record = load_record(folder / RECORD_PATH)
    audiences = [
        Audience(),
        *(Audience.for_section(s) for s in schedule.sections()),
        Audience("deadlines"),
    ]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    events = 0
    for made in generate_all(schedule, audiences, CalendarOptions(), record, now):
        atomic_write_bytes(default_path(folder, schedule, made.audience), made.feed())
        events += len(made.events)
    atomic_write_text(folder / RECORD_PATH, record.to_json())
    return time.perf_counter() - begin, events


def run_command(folder: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "1767225600"}
    begin = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "coursectl", "calendar", "--all", "-C", str(folder)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        folder = course_folder(Path(tmp))
        run_core(folder)  # warm-up: imports, zoneinfo and .pyc caches
        run_command(folder)
        core: list[float] = []
        command: list[float] = []
        events = 0
        for _ in range(runs):
            seconds, events = run_core(folder)
            core.append(seconds)
            command.append(run_command(folder))
        files = sorted(p.name for p in (folder / "build" / "calendar").iterdir())
    core_median, command_median = statistics.median(core), statistics.median(command)
    print(
        f"course: 16 weeks, 4 sections, 52 deliverables -> {len(files)} calendars, {events} events in all"
    )
    print(
        f"in-process (load + build + write all calendars): median {core_median:.3f} s over {runs} runs; "
        f"target < {TARGET_CORE} s: {'ok' if core_median < TARGET_CORE else 'MISSED'}"
    )
    print(
        f"`coursectl calendar --all` incl. Python start-up: median {command_median:.3f} s; "
        f"target < {TARGET_COMMAND} s: {'ok' if command_median < TARGET_COMMAND else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
