"""`coursectl calendar`: the generated .ics checked by independent readers.

The strict RFC 5545 parser `ical` and the terminal calendar `khal` read the files, not the
library that wrote them; byte-level rules (CRLF, folding) are checked on the raw bytes.
Expected numbers for the shipped course, derived by hand from schedule.yaml:
- lectures Mon/Wed 10:00-11:20 from Tue Jan 20 to their last day, Wed May 6 (none in finals
  week): 15 Mondays + 16 Wednesdays = 31 slots, minus Presidents' Day (Mon Feb 16), spring break
  (Mon Mar 9, Wed Mar 11) and the two in-class exams in the lecture slot (Wed Feb 25, Wed Apr 29)
  = 26 lectures;
- each section Tuesdays from Jan 20 to its last day, Tue May 5: 16 slots minus Tue Mar 10
  (spring break) = 15;
- 24 deliverables: 2 exams (own events) and 22 deadlines; 2 breaks.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from ical.calendar_stream import IcsCalendarStream
from typer.testing import CliRunner

from coursectl.calendar.events import Audience, CalendarOptions
from coursectl.calendar.ics import generate_all
from coursectl.calendar.record import PublicationRecord
from coursectl.cli import app
from coursectl.course import load_course

LA = ZoneInfo("America/Los_Angeles")
REPO = Path(__file__).resolve().parent.parent
COURSES = Path(__file__).parent / "courses"
STAMP = datetime(2026, 1, 5, tzinfo=UTC)
SECTIONS = {"A": "09:00", "B": "11:00", "C": "13:00", "D": "15:00"}
LECTURES, SECTION_MEETINGS, DEADLINES, EXAMS, BREAKS = 26, 15, 22, 2, 2


def _feed(course_root: Path, audience: Audience = Audience(), **options: object) -> bytes:
    course = load_course(course_root)
    [made] = generate_all(
        course.schedule, [audience], CalendarOptions(**options), PublicationRecord(), STAMP
    )  # type: ignore[arg-type]
    return made.feed()


def _instances(data: bytes, zone: ZoneInfo = LA) -> list[tuple[str, object, object]]:
    """(title, start, end) of every instance, as the strict parser expands them."""
    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    return [(item.summary or "", item.start, item.end) for item in calendar.timeline_tz(zone)]


def _local(value: object) -> datetime:
    assert isinstance(value, datetime) and value.tzinfo is not None, value
    return value.astimezone(LA)


@pytest.fixture(scope="module")
def course_feed() -> bytes:
    return _feed(REPO)


# ----------------------------------------------------------------------------- the strict parser


def test_strict_parser_expands_every_instance_of_the_course(course_feed: bytes) -> None:
    instances = _instances(course_feed)
    titles = [title for title, _, _ in instances]
    assert titles.count("LLM 101: Lecture") == LECTURES
    for name in SECTIONS:
        assert titles.count(f"LLM 101: Discussion section {name}") == SECTION_MEETINGS
    assert sum(t.endswith(" due") for t in titles) == DEADLINES
    assert titles.count("LLM 101: Exam 1") == titles.count("LLM 101: Exam 2") == 1
    assert sum(t.endswith("(no class)") for t in titles) == BREAKS
    assert len(instances) == LECTURES + 4 * SECTION_MEETINGS + DEADLINES + EXAMS + BREAKS


def test_times_stay_local_across_the_dst_change(course_feed: bytes) -> None:
    lectures = sorted(_local(s) for t, s, _ in _instances(course_feed) if t == "LLM 101: Lecture")
    assert all((s.hour, s.minute) == (10, 0) for s in lectures)
    before = next(s for s in lectures if s.date() == date(2026, 3, 4))
    after = next(s for s in lectures if s.date() == date(2026, 3, 16))  # first lecture after Mar 8
    assert before.astimezone(UTC).hour == 18 and after.astimezone(UTC).hour == 17
    sections = [
        _local(s) for t, s, _ in _instances(course_feed) if t == "LLM 101: Discussion section A"
    ]
    assert datetime(2026, 3, 17, 9, 0, tzinfo=LA) in sections
    assert all((s.hour, s.minute) == (9, 0) for s in sections)


def test_no_meeting_during_spring_break_or_on_presidents_day(course_feed: bytes) -> None:
    meetings = [
        _local(s).date()
        for t, s, _ in _instances(course_feed)
        if not t.endswith(("due", "(no class)"))
    ]
    assert not [d for d in meetings if date(2026, 3, 9) <= d <= date(2026, 3, 13)]
    assert date(2026, 2, 16) not in meetings
    assert date(2026, 2, 17) in meetings  # sections still meet the day after the holiday


def test_exam_replaces_the_lecture_in_its_slot(course_feed: bytes) -> None:
    on_exam_day = [
        (t, _local(s), _local(e))
        for t, s, e in _instances(course_feed)
        if isinstance(s, datetime) and _local(s).date() == date(2026, 2, 25)
    ]
    assert on_exam_day == [
        (
            "LLM 101: Exam 1",
            datetime(2026, 2, 25, 10, 0, tzinfo=LA),
            datetime(2026, 2, 25, 11, 20, tzinfo=LA),
        )
    ]


def test_breaks_are_all_day_with_exclusive_end(course_feed: bytes) -> None:
    breaks = {t: (s, e) for t, s, e in _instances(course_feed) if t.endswith("(no class)")}
    assert breaks["LLM 101: Spring break (no class)"] == (date(2026, 3, 9), date(2026, 3, 14))
    assert breaks["LLM 101: Presidents' Day (no class)"] == (date(2026, 2, 16), date(2026, 2, 17))


def test_deadlines_are_short_blocks_ending_at_the_due_time(course_feed: bytes) -> None:
    deadlines = {
        t: (_local(s), _local(e)) for t, s, e in _instances(course_feed) if t.endswith(" due")
    }
    start, end = deadlines["LLM 101: Week 7 Reflection due"]
    assert (start, end) == (
        datetime(2026, 3, 6, 23, 30, tzinfo=LA),
        datetime(2026, 3, 6, 23, 59, tzinfo=LA),
    )
    after_dst = deadlines["LLM 101: Week 8 Reflection due"][1]
    assert after_dst == datetime(
        2026, 3, 20, 23, 59, tzinfo=LA
    ) and after_dst.utcoffset() == timedelta(hours=-7)
    assert all(timedelta(minutes=15) <= e - s < timedelta(hours=1) for s, e in deadlines.values())


def test_alarms_fire_24h_and_1h_before_the_due_time(course_feed: bytes) -> None:
    calendar = IcsCalendarStream.calendar_from_ics(course_feed.decode("utf-8"))
    event = next(e for e in calendar.events if e.summary == "LLM 101: Week 7 Reflection due")
    due = _local(event.end)
    fire = sorted(_local(event.start) + alarm.trigger for alarm in event.alarm)  # type: ignore[operator]
    assert fire == [due - timedelta(hours=24), due - timedelta(hours=1)]
    quiet = IcsCalendarStream.calendar_from_ics(_feed(REPO, alarms=()).decode("utf-8"))
    assert all(not e.alarm for e in quiet.events) and len(quiet.events) == len(calendar.events)


def test_embedded_vtimezone_alone_gives_the_right_times(course_feed: bytes) -> None:
    """Rename the zone so no reader can look it up: the VTIMEZONE must carry the DST rules."""
    renamed = course_feed.replace(b"America/Los_Angeles", b"Course-Local-Time")
    assert b"America/Los_Angeles" not in renamed
    expected = sorted(
        (t, _local(s)) for t, s, _ in _instances(course_feed) if isinstance(s, datetime)
    )
    got = sorted((t, _local(s)) for t, s, _ in _instances(renamed) if isinstance(s, datetime))
    assert got == expected
    assert b"RDATE" not in course_feed  # the yearly-rule style, not a list of one-off transitions


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_every_section_calendar(name: str) -> None:
    titles = [t for t, _, _ in _instances(_feed(REPO, Audience.for_section(name)))]
    assert titles.count(f"LLM 101: Discussion section {name}") == SECTION_MEETINGS
    assert not [t for t in titles if "section" in t and not t.endswith(f"section {name}")]
    assert titles.count("LLM 101: Lecture") == LECTURES
    assert len(titles) == LECTURES + SECTION_MEETINGS + DEADLINES + EXAMS + BREAKS


def test_deadlines_calendar() -> None:
    titles = [t for t, _, _ in _instances(_feed(REPO, Audience("deadlines")))]
    assert len(titles) == DEADLINES + EXAMS
    assert not [t for t in titles if "Lecture" in t or "section" in t or "no class" in t]


# ----------------------------------------------------------------------------- bytes and properties


def _unfolded(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_crlf_and_folding_never_split_a_utf8_character(tmp_path: Path, course_dir: Path) -> None:
    schedule = course_dir / "schedule.yaml"
    text = schedule.read_text(encoding="utf-8").replace(
        "title: Discussion section A",
        "title: Diskussionsübung A — Große Übung für Sprachmodelle 🤖 Ökonomie café",
    )
    schedule.write_text(text, encoding="utf-8")
    data = _feed(course_dir)
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold inside a multi-byte character would raise here
    assert (
        "SUMMARY:LLM 101: Diskussionsübung A — Große Übung für Sprachmodelle 🤖 Ökonomie café"
        in _unfolded(data)
    )


def test_headers_and_event_properties(course_feed: bytes) -> None:
    lines = _unfolded(course_feed)
    header = lines[: lines.index("BEGIN:VTIMEZONE")]
    for required in (
        "METHOD:PUBLISH",
        "VERSION:2.0",
        "X-WR-CALNAME:LLM 101 Spring 2026",
        "X-WR-TIMEZONE:America/Los_Angeles",
        "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
        "X-PUBLISHED-TTL:PT12H",
    ):
        assert required in header
    assert any(line.startswith("PRODID:") for line in header)
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(uids) == len(set(uids)) == 4 + 1 + BREAKS + EXAMS + DEADLINES
    assert lines.count("BEGIN:VEVENT") == len(uids)
    assert all(
        line.startswith("DTSTAMP:") and line.endswith("Z")
        for line in lines
        if line.startswith("DTSTAMP")
    )
    rrules = [line for line in lines if line.startswith("RRULE:FREQ=WEEKLY")]
    assert len(rrules) == 5 and all(re.search(r"UNTIL=\d{8}T\d{6}Z", r) for r in rrules)
    # EXDATE in DTSTART's value type and TZID
    assert (
        "EXDATE;TZID=America/Los_Angeles:20260216T100000,20260225T100000,20260309T100000,20260311T100000,20260429T100000"
        in lines
    )
    assert "EXDATE;TZID=America/Los_Angeles:20260310T090000" in lines
    assert "DTSTART;TZID=America/Los_Angeles:20260121T100000" in lines
    vtimezone = "\n".join(lines[lines.index("BEGIN:VTIMEZONE") : lines.index("END:VTIMEZONE")])
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in vtimezone
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11" in vtimezone


def test_golden_course_calendar(course_feed: bytes, golden: object) -> None:
    golden.check("calendar/llm-101-spring-2026.ics", course_feed)  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- khal


def _khal(tmp_path: Path, ics: Path) -> list[str]:
    khal = shutil.which("khal") or str(Path(sys.executable).parent / "khal")
    if not Path(khal).exists():
        pytest.skip("khal is not installed (pip install khal)")
    folder = tmp_path / "khal-cal"
    folder.mkdir()
    config = tmp_path / "khal.conf"
    config.write_text(
        f"[calendars]\n[[course]]\npath = {folder}\ntype = calendar\n\n"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        "local_timezone = America/Los_Angeles\ndefault_timezone = America/Los_Angeles\n\n"
        f"[sqlite]\npath = {tmp_path / 'khal.db'}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "HOME": str(tmp_path)}
    subprocess.run(
        [khal, "-c", str(config), "import", "--batch", "-a", "course", str(ics)],
        check=True,
        env=env,
        capture_output=True,
    )
    listed = subprocess.run(
        [
            khal,
            "-c",
            str(config),
            "list",
            "--format",
            "{start} {end} {title}",
            "2026-03-01",
            "2026-03-21",
        ],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    return [line for line in listed.stdout.splitlines() if line.startswith("2026")]


@pytest.mark.parametrize("zone_name", ["America/Los_Angeles", "Course-Local-Time"])
def test_khal_imports_and_lists_the_agenda_around_dst_and_spring_break(
    tmp_path: Path, course_feed: bytes, zone_name: str
) -> None:
    ics = tmp_path / "course.ics"
    ics.write_bytes(course_feed.replace(b"America/Los_Angeles", zone_name.encode()))
    agenda = _khal(tmp_path, ics)
    assert "2026-03-04 10:00 2026-03-04 11:20 LLM 101: Lecture" in agenda
    assert "2026-03-16 10:00 2026-03-16 11:20 LLM 101: Lecture" in agenda  # after DST: still 10:00
    assert "2026-03-17 15:00 2026-03-17 15:50 LLM 101: Discussion section D" in agenda
    assert "2026-03-06 23:30 2026-03-06 23:59 LLM 101: Week 7 Reflection due" in agenda
    assert (
        "2026-03-09 2026-03-13 LLM 101: Spring break (no class)" in agenda
    )  # khal shows the last day
    meetings = [line for line in agenda if "Lecture" in line or "section" in line]
    assert not [line for line in meetings if "2026-03-09" <= line[:10] <= "2026-03-13"]
    assert len(meetings) == 2 * (2 + 4)  # weeks of Mar 2 and Mar 16: 2 lectures + 4 sections each


# ----------------------------------------------------------------------------- stable identity


def _events_by_uid(data: bytes) -> dict[str, str]:
    text = data.decode("utf-8").replace("\r\n ", "")
    blocks = re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", text, re.DOTALL)
    return {re.search(r"^UID:(.*)$", b, re.MULTILINE).group(1).strip(): b for b in blocks}  # type: ignore[union-attr]


def test_regenerating_after_one_deadline_moved_changes_only_that_event(
    course_dir: Path, runner: CliRunner
) -> None:
    out = course_dir / "course.ics"
    env = {"SOURCE_DATE_EPOCH": str(int(datetime(2026, 1, 5, tzinfo=UTC).timestamp()))}
    assert (
        runner.invoke(app, ["calendar", "-C", str(course_dir), "-o", str(out)], env=env).exit_code
        == 0
    )
    first = _events_by_uid(out.read_bytes())
    again = runner.invoke(
        app,
        ["calendar", "-C", str(course_dir), "-o", str(out)],
        env={"SOURCE_DATE_EPOCH": "1767830400"},
    )
    assert (
        again.exit_code == 0 and _events_by_uid(out.read_bytes()) == first
    )  # unchanged: identical

    schedule = course_dir / "schedule.yaml"
    schedule.write_text(
        schedule.read_text().replace("due: Fri 2026-03-27 23:59", "due: Sun 2026-03-29 17:00")
    )
    later = {"SOURCE_DATE_EPOCH": str(int(datetime(2026, 3, 25, tzinfo=UTC).timestamp()))}
    result = runner.invoke(app, ["calendar", "-C", str(course_dir), "-o", str(out)], env=later)
    assert result.exit_code == 0, result.output
    second = _events_by_uid(out.read_bytes())
    assert second.keys() == first.keys()
    moved = "due-week-09-reflection.spring-2026.llm-101@coursectl"
    assert [uid for uid in first if first[uid] != second[uid]] == [moved]
    assert "SEQUENCE:0" in first[moved] and "SEQUENCE:1" in second[moved]
    assert "DTSTAMP:20260325T000000Z" in second[moved]
    assert "DTEND;TZID=America/Los_Angeles:20260329T170000" in second[moved]
    assert "changed since the last run" in result.output and moved in result.output


# ----------------------------------------------------------------------------- the command


def test_cli_writes_under_build_and_to_stdout(course_dir: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["calendar", "-C", str(course_dir)])
    assert result.exit_code == 0, result.output
    written = course_dir / "build" / "calendar" / "llm-101-spring-2026.ics"
    assert written.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert (course_dir / ".coursectl" / "calendar-published.json").exists()
    result = runner.invoke(app, ["calendar", "-C", str(course_dir), "--deadlines", "--out", "-"])
    assert result.exit_code == 0
    assert len(_instances(result.stdout_bytes)) == DEADLINES + EXAMS


def test_cli_all_writes_every_calendar(course_dir: Path, runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["calendar", "-C", str(course_dir), "--all", "--out", str(tmp_path / "feeds")]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "feeds").iterdir())
    assert names == sorted(
        ["llm-101-spring-2026.ics", "llm-101-spring-2026-deadlines.ics"]
        + [f"llm-101-spring-2026-section-{s.lower()}.ics" for s in SECTIONS]
    )


def test_cli_alarm_options(course_dir: Path, runner: CliRunner) -> None:
    result = runner.invoke(
        app,
        [
            "calendar",
            "-C",
            str(course_dir),
            "--deadlines",
            "-o",
            "-",
            "--alarm",
            "2d",
            "--alarm",
            "30m",
        ],
    )
    assert result.exit_code == 0, result.output
    calendar = IcsCalendarStream.calendar_from_ics(result.stdout_bytes.decode("utf-8"))
    event = next(e for e in calendar.events if e.summary == "LLM 101: Final project due")
    fire = sorted(_local(event.start) + a.trigger for a in event.alarm)  # type: ignore[operator]
    due = _local(event.end)
    assert fire == [due - timedelta(days=2), due - timedelta(minutes=30)]
    result = runner.invoke(app, ["calendar", "-C", str(course_dir), "-o", "-", "--no-alarms"])
    assert result.exit_code == 0 and b"BEGIN:VALARM" not in result.stdout_bytes
    bad = runner.invoke(app, ["calendar", "-C", str(course_dir), "-o", "-", "--alarm", "soon"])
    assert bad.exit_code == 1 and "--alarm: 'soon' is not a duration" in bad.output


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "end-before-start",
            r"schedule\.yaml:20(:\d+)?: meeting ends at 08:50, not after it starts at 09:00",
        ),
        (
            "invalid-timezone",
            r"schedule\.yaml:5(:\d+)?: 'America/Springfield' is not an IANA time zone",
        ),
        ("break-outside-term", r"schedule\.yaml:29(:\d+)?: break .* is outside the term"),
        ("deadline-without-time", r"schedule\.yaml:50(:\d+)?: .*has no time; a deadline needs one"),
    ],
)
def test_bad_input_one_line_error_and_no_file(
    case: str, message: str, tmp_path: Path, runner: CliRunner
) -> None:
    course = tmp_path / case
    shutil.copytree(COURSES / case, course)
    out = tmp_path / "out.ics"
    result = runner.invoke(app, ["calendar", "-C", str(course), "-o", str(out)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    # one line per problem (this broken course may have knock-on ones), validate-style
    assert all(line.startswith("error: ") and "schedule.yaml:" in line for line in lines), (
        result.output
    )
    assert re.search(message, lines[0]), result.output
    assert "Traceback" not in result.output
    assert (
        not out.exists()
        and not (course / "build").exists()
        and not (course / ".coursectl").exists()
    )


def test_unknown_section_and_conflicting_options(course_dir: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["calendar", "-C", str(course_dir), "--section", "Z"])
    assert result.exit_code == 1 and "unknown section 'Z'; use one of A, B, C, D" in result.output
    result = runner.invoke(
        app, ["calendar", "-C", str(course_dir), "--section", "A", "--deadlines"]
    )
    assert result.exit_code == 1 and "choose one" in result.output


def test_never_overwrites_a_file_it_did_not_write(course_dir: Path, runner: CliRunner) -> None:
    precious = course_dir / "notes.ics"
    precious.write_text("my own notes\n")
    result = runner.invoke(app, ["calendar", "-C", str(course_dir), "-o", str(precious)])
    assert result.exit_code == 1 and "--force" in result.output
    assert precious.read_text() == "my own notes\n"
    assert (
        runner.invoke(
            app, ["calendar", "-C", str(course_dir), "-o", str(precious), "--force"]
        ).exit_code
        == 0
    )
    assert precious.read_bytes().startswith(b"BEGIN:VCALENDAR")
    # and once it is ours, regenerating needs no --force
    assert (
        runner.invoke(app, ["calendar", "-C", str(course_dir), "-o", str(precious)]).exit_code == 0
    )


def test_failed_write_leaves_the_previous_file_whole(course_dir: Path, runner: CliRunner) -> None:
    """A real failure part-way through the write: the file-size limit stops it after 2 kB."""
    out = course_dir / "build" / "course.ics"
    assert runner.invoke(app, ["calendar", "-C", str(course_dir), "-o", str(out)]).exit_code == 0
    before = out.read_bytes()
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"  # write() then fails with EFBIG
        "resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))\n"
        "from coursectl.cli import app\n"
        f"app(['calendar', '-C', {str(course_dir)!r}, '-o', {str(out)!r}, '--alarm', '3h'])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["course.ics"]


def test_options_before_the_subcommand_are_refused(course_dir: Path, runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["calendar", "-C", str(course_dir), "publish", "--url", "http://127.0.0.1:9/x/"]
    )
    assert result.exit_code == 1 and "put the options after 'publish'" in result.output


def test_switching_alarms_off_is_not_a_change_but_a_broken_record_is_reported(
    course_dir: Path, runner: CliRunner
) -> None:
    assert runner.invoke(app, ["calendar", "-C", str(course_dir), "-o", "-"]).exit_code == 0
    quiet = runner.invoke(app, ["calendar", "-C", str(course_dir), "-o", "-", "--no-alarms"])
    assert quiet.exit_code == 0 and "changed since the last run" not in quiet.output
    assert b"SEQUENCE:1" not in quiet.stdout_bytes
    record = course_dir / ".coursectl" / "calendar-published.json"
    record.write_text("{not json")
    broken = runner.invoke(
        app, ["calendar", "-C", str(course_dir), "-o", str(course_dir / "x.ics")]
    )
    assert broken.exit_code == 1 and "calendar-published.json: cannot read" in broken.output
    assert not (course_dir / "x.ics").exists()
