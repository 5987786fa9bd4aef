"""The Gradescope adapter against the local fake Gradescope, through unmodified gradescopeapi."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import pytest

from coursectl.errors import UserError
from coursectl.integrations.gradescope import (
    Credentials,
    GradescopeClient,
    resolve_credentials,
)
from tests.fake_gradescope import (
    FakeAssignment,
    FakeCourse,
    FakeExtension,
    FakeGradescope,
    FakeMember,
)

LA = ZoneInfo("America/Los_Angeles")
EMAIL = "head.ta@university.example.edu"
# Characters that URL-encoding changes, so a test sees the password in either form.
PASSWORD = "Tr0ub4dor &3 s3cret"
CREDS = Credentials(EMAIL, PASSWORD)
REPO = Path(__file__).resolve().parent.parent


def _leaks(text: str) -> bool:
    return PASSWORD in text or quote_plus(PASSWORD) in text or "s3cret" in text


def make_fake() -> FakeGradescope:
    course = FakeCourse(
        id="1234567",
        short_name="LLM 101",
        full_name="Large Language Models",
        members=[
            FakeMember(
                "501",
                "Avery Quillfeather",
                "avery.q@students.example.edu",
                "9100001",
                "Student",
                ["A"],
                3,
            ),
            FakeMember(
                "502",
                "Blake Brightwater",
                "blake.b@students.example.edu",
                "9100038",
                "Student",
                ["B", "Lab 2"],
            ),
            FakeMember("503", "Head TA", EMAIL, "", "TA"),
            FakeMember("504", "Prof Example", "prof@university.example.edu", "", "Instructor"),
        ],
        assignments=[
            FakeAssignment(
                "7000002",
                "Portfolio Piece 1 peer reviews",
                datetime(2026, 2, 25, 9, 0, tzinfo=LA),
                datetime(2026, 3, 4, 23, 59, tzinfo=LA),
                datetime(2026, 3, 7, 23, 59, tzinfo=LA),
            ),
            FakeAssignment(
                "7000003", "Course survey", None, datetime(2026, 3, 6, 23, 59, tzinfo=LA)
            ),
        ],
        extensions={
            "7000002": [
                FakeExtension(
                    "502",
                    due=datetime(2026, 3, 9, 23, 59, tzinfo=LA),
                    late_due=datetime(2026, 3, 10, 12, 0, tzinfo=LA),
                )
            ]
        },
    )
    hidden = FakeCourse(
        id="7654321", short_name="CS 999", full_name="Someone else's course", hidden=True
    )
    taking = FakeCourse(
        id="2222222", short_name="MATH 5", full_name="A course the TA takes", as_student=True
    )
    return FakeGradescope(EMAIL, PASSWORD, [course, hidden, taking])


@pytest.fixture
def fake() -> Iterator[FakeGradescope]:
    with make_fake() as server:
        yield server


@pytest.fixture
def client(fake: FakeGradescope) -> GradescopeClient:
    return GradescopeClient.login(CREDS, LA, base_url=fake.url)


# ---------------------------------------------------------------------------- reading


def test_members_come_back_as_coursectl_members(client: GradescopeClient) -> None:
    members = {m.email: m for m in client.members("1234567")}
    assert set(members) == {
        "avery.q@students.example.edu",
        "blake.b@students.example.edu",
        EMAIL,
        "prof@university.example.edu",
    }
    avery = members["avery.q@students.example.edu"]
    assert (avery.name, avery.sid, avery.role, avery.sections, avery.user_id) == (
        "Avery Quillfeather",
        "9100001",
        "Student",
        ("A",),
        "501",
    )
    assert members["blake.b@students.example.edu"].sections == ("B", "Lab 2")
    assert members[EMAIL].role == "TA" and members[EMAIL].user_id is None


def test_assignment_dates_are_aware_and_exact(client: GradescopeClient) -> None:
    by_id = {a.id: a for a in client.assignments("1234567")}
    assert set(by_id) == {"7000002", "7000003"}
    peer = by_id["7000002"]
    assert peer.title == "Portfolio Piece 1 peer reviews"
    assert peer.due is not None and peer.due.tzinfo is not None
    assert peer.due == datetime(2026, 3, 5, 7, 59, tzinfo=UTC)
    assert peer.late_due == datetime(2026, 3, 7, 23, 59, tzinfo=LA)
    assert peer.release == datetime(2026, 2, 25, 9, 0, tzinfo=LA)
    survey = by_id["7000003"]
    assert survey.release is None and survey.late_due is None


def test_extensions_carry_the_user_id_and_course_zone(client: GradescopeClient) -> None:
    (ext,) = client.extensions("1234567", "7000002")
    assert (ext.user_id, ext.name, ext.assignment_id) == ("502", "Blake Brightwater", "7000002")
    assert ext.due == datetime(2026, 3, 9, 23, 59, tzinfo=LA)
    assert ext.late_due == datetime(2026, 3, 10, 12, 0, tzinfo=LA)
    assert ext.release is None
    assert client.extensions("1234567", "7000003") == []


def test_set_dates_posts_course_local_times_and_keeps_the_release(
    client: GradescopeClient, fake: FakeGradescope
) -> None:
    release = datetime(2026, 2, 25, 9, 0, tzinfo=LA)
    due_utc = datetime(2026, 3, 5, 7, 59, tzinfo=UTC)  # = Wed Mar 4 23:59 in Los Angeles
    late_utc = datetime(2026, 3, 8, 7, 59, tzinfo=UTC)  # = Sat Mar 7 23:59 PST (DST starts Mar 8)
    client.set_dates("1234567", "7000003", release, due_utc, late_utc)
    (edit,) = fake.edits
    assert edit.assignment_id == "7000003"
    assert edit.form["assignment[due_date_string]"] == "2026-03-04T23:59"
    assert edit.form["assignment[hard_due_date_string]"] == "2026-03-07T23:59"
    assert edit.form["assignment[release_date_string]"] == "2026-02-25T09:00"
    survey = next(a for a in client.assignments("1234567") if a.id == "7000003")
    assert (survey.release, survey.due, survey.late_due) == (release, due_utc, late_utc)


def test_set_dates_notices_gradescope_refusing_them(
    client: GradescopeClient, fake: FakeGradescope
) -> None:
    # gradescopeapi says True for the re-rendered form; reading the dates back tells the truth.
    release = datetime(2026, 3, 10, 9, 0, tzinfo=LA)
    with pytest.raises(UserError, match="did not take the new dates of assignment 7000002"):
        client.set_dates(
            "1234567", "7000002", release, datetime(2026, 3, 4, 23, 59, tzinfo=LA), None
        )
    assert fake.edits == []


# ---------------------------------------------------------------------------- failures


def test_wrong_password_is_one_clear_line(fake: FakeGradescope) -> None:
    with pytest.raises(UserError) as caught:
        GradescopeClient.login(Credentials(EMAIL, "wrong " + PASSWORD), LA, base_url=fake.url)
    message = str(caught.value)
    assert "rejected the email or password" in message and EMAIL in message
    assert "\n" not in message and not _leaks(message)
    assert fake.login_attempts == 1 and fake.successful_logins == 0


def test_no_gradescope_at_the_url(fake: FakeGradescope) -> None:
    with pytest.raises(UserError, match="no Gradescope login form"):
        GradescopeClient.login(CREDS, LA, base_url=fake.url + "/courses/1234567/nothing-here")


@pytest.mark.parametrize("redirects", [False, True], ids=["json-401", "redirect-to-login"])
def test_expired_session_says_log_in_again(
    client: GradescopeClient, fake: FakeGradescope, redirects: bool
) -> None:
    fake.logged_out_redirects = redirects
    fake.expire_sessions()
    for action in (
        lambda: client.members("1234567"),
        lambda: client.assignments("1234567"),
        lambda: client.extensions("1234567", "7000002"),
        lambda: client.set_dates(
            "1234567", "7000002", None, datetime(2026, 3, 4, 23, 59, tzinfo=LA), None
        ),
    ):
        with pytest.raises(UserError, match="session expired"):
            action()
    assert fake.edits == []


def test_course_the_user_cannot_see(client: GradescopeClient) -> None:
    for action in (lambda: client.members("7654321"), lambda: client.assignments("7654321")):
        with pytest.raises(UserError) as caught:
            action()
        message = str(caught.value)
        assert "has no Gradescope course 7654321" in message
        assert "1234567 (LLM 101)" in message and "course_id" in message


def test_course_the_user_takes_as_a_student(client: GradescopeClient) -> None:
    # gradescopeapi falls back to the student view (no dates) for the assignments: refused too.
    for action in (lambda: client.members("2222222"), lambda: client.assignments("2222222")):
        with pytest.raises(UserError, match="needs a TA or instructor role"):
            action()


def test_course_that_does_not_exist(client: GradescopeClient) -> None:
    with pytest.raises(UserError, match="has no page for the assignments of course 1111111"):
        client.assignments("1111111")
    with pytest.raises(UserError, match="has no Gradescope course 1111111"):
        client.members("1111111")


# ---------------------------------------------------------------------------- the password


def test_gradescopeapi_itself_leaks_the_password_when_the_server_goes_away() -> None:
    """Why the adapter guards: the raw library error names the login URL with the password."""
    from gradescopeapi.classes.connection import GSConnection

    with make_fake() as server:
        server.vanish_after_home_page = True
        with pytest.raises(Exception) as caught:
            GSConnection(gradescope_base_url=server.url).login(EMAIL, PASSWORD)  # type: ignore[no-untyped-call]
    assert _leaks(str(caught.value))


def test_no_password_in_error_chain_logs_or_output(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    with make_fake() as server:
        server.vanish_after_home_page = True
        with pytest.raises(UserError) as caught:
            GradescopeClient.login(CREDS, LA, base_url=server.url)
    error = caught.value
    assert "could not connect to Gradescope" in str(error)
    # Nothing chained: a traceback of this error cannot show the library's exception.
    assert error.__context__ is None and error.__cause__ is None
    import traceback

    shown = "".join(traceback.format_exception(error))
    out, err = capfd.readouterr()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert any("urllib3" in r.name for r in caplog.records), "debug logging was not captured"
    for text in (str(error), shown, out, err, logged, caplog.text):
        assert not _leaks(text)


def test_successful_login_debug_log_hides_the_login_url(
    fake: FakeGradescope, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = GradescopeClient.login(CREDS, LA, base_url=fake.url)
    client.members("1234567")
    login_lines = [r.getMessage() for r in caplog.records if "/login" in r.getMessage()]
    assert login_lines, "urllib3 logged no request line for the login"
    assert all("?<redacted>" in line for line in login_lines)
    assert not _leaks(caplog.text)
    assert "Credentials(email=" in repr(CREDS) and not _leaks(repr(CREDS))


# ---------------------------------------------------------------------------- credentials


def test_credentials_from_option_env_and_prompt() -> None:
    env = {"GRADESCOPE_EMAIL": "env@example.edu", "GRADESCOPE_PASSWORD": "pw-from-env"}
    assert resolve_credentials(None, env) == Credentials("env@example.edu", "pw-from-env")
    assert resolve_credentials("opt@example.edu", env).email == "opt@example.edu"
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return "typed-secret"

    creds = resolve_credentials("opt@example.edu", {}, prompt)
    assert creds.password == "typed-secret" and asked == ["Gradescope password for opt@example.edu"]
    with pytest.raises(UserError, match="--email or set GRADESCOPE_EMAIL"):
        resolve_credentials(None, {"GRADESCOPE_PASSWORD": "x"})
    with pytest.raises(UserError, match="set GRADESCOPE_PASSWORD"):
        resolve_credentials("a@b.edu", {}, lambda _: "")


def test_missing_extra_names_the_pip_command() -> None:
    code = (
        "import sys\n"
        "sys.modules['gradescopeapi'] = None  # as if the extra were not installed\n"
        "from coursectl.errors import UserError\n"
        "try:\n    import coursectl.integrations.gradescope\n"
        "except UserError as exc:\n    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and "pip install 'coursectl[gradescope]'" in lines[0]
