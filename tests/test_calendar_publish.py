"""`coursectl calendar publish` against a real Radicale CalDAV server on 127.0.0.1.

The server is started by the test (random port, temporary storage, htpasswd with a plain
password); what it holds is read back with the independent `caldav` client library.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ical.calendar_stream import IcsCalendarStream
from typer.testing import CliRunner

from coursectl.cli import app

caldav = pytest.importorskip("caldav")

USER, PASSWORD = "ta", "s3cret-pw"
COURSE_EVENTS = 4 + 1 + 2 + 2 + 22  # section and lecture series, breaks, exams, deadlines


@dataclass
class Server:
    base: str

    def collection(self, name: str) -> str:
        return f"{self.base}/{USER}/{name}/"

    def read(self, url: str) -> dict[str, tuple[str, str]]:
        """UID -> (ETag, data) of every event in the collection, through the caldav library."""
        client = caldav.DAVClient(url=url, username=USER, password=PASSWORD)
        found = {}
        calendar = client.calendar(url=url)
        for item in calendar.get_events():
            uid = item.icalendar_component["UID"]
            found[str(uid)] = (str(item.etag), item.data)
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if shutil.which("radicale") is None and not (Path(sys.executable).parent / "radicale").exists():
        pytest.skip("radicale is not installed (pip install radicale)")
    root = tmp_path_factory.mktemp("radicale")
    users = root / "users"
    users.write_text(f"{USER}:{PASSWORD}\n")
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(root / "storage"),
            "--auth-type",
            "htpasswd",
            "--auth-htpasswd-filename",
            str(users),
            "--auth-htpasswd-encryption",
            "plain",
            "--rights-type",
            "owner_only",
            "--logging-level",
            "error",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    f"radicale did not start: {process.stderr.read() if process.stderr else ''}"
                ) from None
            time.sleep(0.1)
    try:
        yield Server(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)


def _publish(
    runner: CliRunner, course: Path, url: str, *extra: str, password: str = PASSWORD
) -> tuple[int, str]:
    env = {"COURSECTL_CALDAV_PASSWORD": password, "COURSECTL_CALDAV_USER": USER}
    result = runner.invoke(
        app, ["calendar", "publish", "-C", str(course), "--url", url, *extra], env=env
    )
    return result.exit_code, result.output


def test_publish_creates_updates_in_place_and_removes(
    radicale: Server, course_dir: Path, runner: CliRunner
) -> None:
    url = radicale.collection("llm101")
    code, output = _publish(runner, course_dir, url, "--create")
    assert code == 0, output
    assert f"{COURSE_EVENTS} new, 0 updated, 0 removed, 0 unchanged" in output
    first = radicale.read(url)
    assert len(first) == COURSE_EVENTS
    for _etag, data in first.values():
        assert "METHOD:" not in data  # CalDAV resources must not carry METHOD
        assert "BEGIN:VTIMEZONE" in data
    lecture = first["meeting-lecture.spring-2026.llm-101@coursectl"][1]
    instances = list(IcsCalendarStream.calendar_from_ics(lecture).timeline)
    assert len(instances) == 26  # as counted in test_calendar.py: none in finals week

    # A TA's own event in the same collection must survive every publish.
    client = caldav.DAVClient(url=url, username=USER, password=PASSWORD)
    client.calendar(url=url).save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:ta-own-note@example.edu\r\n"
        "DTSTAMP:20260101T000000Z\r\nDTSTART:20260302T200000Z\r\nDTEND:20260302T210000Z\r\n"
        "SUMMARY:TA meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )

    code, output = _publish(runner, course_dir, url)
    assert code == 0 and f"0 new, 0 updated, 0 removed, {COURSE_EVENTS} unchanged" in output, output

    schedule = course_dir / "schedule.yaml"
    text = schedule.read_text()
    schedule.write_text(text.replace("due: Fri 2026-04-10 23:59", "due: Mon 2026-04-13 09:00"))
    code, output = _publish(runner, course_dir, url)
    assert code == 0 and "0 new, 1 updated, 0 removed" in output, output
    second = radicale.read(url)
    moved = "due-week-11-reflection.spring-2026.llm-101@coursectl"
    assert [uid for uid in first if first[uid] != second.get(uid)] == [moved]  # ETag and data
    assert "SEQUENCE:1" in second[moved][1] and "SEQUENCE:0" in first[moved][1]
    event = IcsCalendarStream.calendar_from_ics(second[moved][1]).events[0]
    assert event.end.isoformat() == "2026-04-13T09:00:00-07:00"
    assert "ta-own-note@example.edu" in second

    # A deliverable that leaves the schedule leaves the collection; the TA's note stays.
    text = schedule.read_text()
    start, end = text.index("  - id: week-14-reflection\n"), text.index("  - id: pp1\n")
    schedule.write_text(text[:start] + text[end:])
    code, output = _publish(runner, course_dir, url)
    assert code == 0 and "0 new, 0 updated, 1 removed" in output, output
    third = radicale.read(url)
    assert "due-week-14-reflection.spring-2026.llm-101@coursectl" not in third
    assert "ta-own-note@example.edu" in third and len(third) == COURSE_EVENTS


def test_publish_one_section_with_dry_run(
    radicale: Server, course_dir: Path, runner: CliRunner
) -> None:
    url = radicale.collection("section-a")
    code, output = _publish(runner, course_dir, url, "--create", "--section", "A", "--dry-run")
    assert code == 1 and "no calendar collection there" in output  # dry run creates nothing
    code, output = _publish(runner, course_dir, url, "--create", "--section", "A")
    assert code == 0, output
    uids = set(radicale.read(url))
    assert "meeting-section-a.spring-2026.llm-101@coursectl" in uids
    assert not {u for u in uids if u.startswith("meeting-section-") and "section-a" not in u}
    code, output = _publish(runner, course_dir, url, "--section", "A", "--dry-run")
    assert code == 0 and "would 0 new, 0 updated, 0 removed" in output


def test_wrong_password_and_no_password_option(
    radicale: Server, course_dir: Path, runner: CliRunner
) -> None:
    code, output = _publish(
        runner, course_dir, radicale.collection("llm101"), "--create", password="wrong"
    )
    assert code == 1 and "refused the login (401)" in output and "wrong" not in output
    assert "Traceback" not in output
    result = runner.invoke(
        app, ["calendar", "publish", "--url", radicale.collection("x"), "--password", "p"]
    )
    assert result.exit_code == 2  # there is no such option: passwords never go on the command line


def test_unreachable_server_is_one_line(course_dir: Path, runner: CliRunner) -> None:
    code, output = _publish(runner, course_dir, f"http://127.0.0.1:{_free_port()}/ta/cal/")
    assert code == 1 and output.startswith("error: ") and "cannot reach the CalDAV server" in output
