"""`coursectl calendar`: write the .ics feeds; `coursectl calendar publish`: upload to CalDAV."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coursectl.commands._common import CourseDir, report_user_errors

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from coursectl.calendar.events import Audience, CalendarOptions

app = typer.Typer(
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

SectionOption = Annotated[
    str | None,
    typer.Option(
        "--section",
        "-s",
        help="Calendar for one discussion section: lectures, that section, exams, breaks, deadlines.",
    ),
]
DeadlinesOption = Annotated[
    bool, typer.Option("--deadlines", help="Calendar of deadlines and exams only.")
]
AlarmOption = Annotated[
    list[str] | None,
    typer.Option(
        "--alarm",
        help="Reminder before each deadline and exam, e.g. 24h, 1h, 30m, 2d (repeat; default 24h and 1h).",
    ),
]
NoAlarmsOption = Annotated[bool, typer.Option("--no-alarms", help="No reminders in the calendar.")]


def _now() -> datetime:
    """DTSTAMP for new or changed events: now, or SOURCE_DATE_EPOCH for reproducible output."""
    from datetime import UTC, datetime

    from coursectl.errors import UserError

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except ValueError:
            raise UserError(
                f"SOURCE_DATE_EPOCH: '{epoch}' is not a number of seconds since 1970"
            ) from None
    return datetime.now(UTC)


def _options(alarm: list[str] | None, no_alarms: bool) -> CalendarOptions:
    from coursectl.calendar.events import DEFAULT_ALARMS, CalendarOptions, parse_alarm
    from coursectl.errors import UserError

    if no_alarms and alarm:
        raise UserError("--alarm and --no-alarms contradict each other; choose one")
    if no_alarms:
        return CalendarOptions(alarms=())
    alarms: tuple[timedelta, ...] = (
        tuple(parse_alarm(a) for a in alarm) if alarm else DEFAULT_ALARMS
    )
    return CalendarOptions(alarms=tuple(sorted(set(alarms), reverse=True)))


def _audience(section: str | None, deadlines: bool) -> Audience:
    from coursectl.calendar.events import Audience
    from coursectl.errors import UserError

    if section is not None and deadlines:
        raise UserError("--section and --deadlines make different calendars; choose one")
    if section is not None:
        return Audience.for_section(section)
    return Audience("deadlines") if deadlines else Audience()


@app.callback(invoke_without_command=True)
@report_user_errors
def calendar(
    ctx: typer.Context,
    course: CourseDir = Path("."),
    section: SectionOption = None,
    deadlines: DeadlinesOption = False,
    every: Annotated[
        bool,
        typer.Option("--all", help="Write every calendar: the course, one per section, deadlines."),
    ] = False,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            help="File to write, '-' for standard output; with --all a folder. "
            "Default: build/calendar/ in the course folder.",
            show_default=False,
        ),
    ] = None,
    alarm: AlarmOption = None,
    no_alarms: NoAlarmsOption = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an --out file coursectl did not write.")
    ] = False,
) -> None:
    """Write the course calendar (.ics) that students import or subscribe to.

    Default: the whole course; --section A: one section; --deadlines; --all: every one.

    Re-run it after each schedule change: events keep their ids, and changed ones get a
    higher SEQUENCE, so students' calendars update them instead of duplicating.

    Example: coursectl calendar --section A --out build/section-a.ics
    """
    from coursectl.errors import UserError

    if ctx.invoked_subcommand is not None:
        # By name: typer may bundle its own copy of click's ParameterSource enum.
        sources = [ctx.get_parameter_source(name) for name in ctx.params]
        typed = [s for s in sources if s is not None and s.name == "COMMANDLINE"]
        if typed:
            raise UserError(
                f"put the options after '{ctx.invoked_subcommand}', "
                f"e.g. coursectl calendar {ctx.invoked_subcommand} --section A"
            )
        return

    from coursectl.calendar.events import Audience
    from coursectl.calendar.feeds import check_replaceable, default_path, file_name
    from coursectl.calendar.ics import generate_all
    from coursectl.calendar.record import RECORD_PATH, load_record
    from coursectl.course import load_course
    from coursectl.files import atomic_write_bytes, atomic_write_text

    loaded = load_course(course, roster=False)
    schedule = loaded.schedule
    options = _options(alarm, no_alarms)
    if every:
        if section is not None or deadlines:
            raise UserError(
                "--all already writes the section and deadlines calendars; drop --section/--deadlines"
            )
        if out == "-":
            raise UserError("--all writes several files; give --out a folder, not '-'")
        audiences = [
            Audience(),
            *(Audience.for_section(s) for s in schedule.sections()),
            Audience("deadlines"),
        ]
        folder = Path(out) if out else None
        targets: list[Path | None] = [
            folder / file_name(schedule, a) if folder else default_path(loaded.root, schedule, a)
            for a in audiences
        ]
    else:
        audiences = [_audience(section, deadlines)]
        targets = [
            None
            if out == "-"
            else Path(out)
            if out
            else default_path(loaded.root, schedule, audiences[0])
        ]
    for target in targets:
        if target is not None:
            check_replaceable(target, force)

    record_path = loaded.root / RECORD_PATH
    record = load_record(record_path)
    now = _now()
    made = generate_all(schedule, audiences, options, record, now)
    feeds = [item.feed() for item in made]  # everything built before anything is written
    changed = sorted({uid for item in made for uid in item.changed})
    for target, generated, data in zip(targets, made, feeds, strict=True):
        if target is None:
            stream = typer.get_binary_stream("stdout")
            stream.write(data)
            stream.flush()
        else:
            atomic_write_bytes(target, data)
        typer.echo(
            f"wrote {target or 'standard output'}: {generated.name()}, {len(generated.events)} events",
            err=target is None,
        )
    atomic_write_text(record_path, record.to_json())
    if changed:
        typer.echo(
            f"{len(changed)} changed since the last run (SEQUENCE raised): " + ", ".join(changed),
            err=True,
        )


@app.command("publish")
@report_user_errors
def publish(
    course: CourseDir = Path("."),
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            envvar="COURSECTL_CALDAV_URL",
            help="CalDAV calendar collection URL (env COURSECTL_CALDAV_URL).",
            show_default=False,
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            envvar="COURSECTL_CALDAV_USER",
            help="CalDAV user name (env COURSECTL_CALDAV_USER); the password comes from "
            "COURSECTL_CALDAV_PASSWORD or a prompt, never from the command line.",
            show_default=False,
        ),
    ] = None,
    section: SectionOption = None,
    deadlines: DeadlinesOption = False,
    alarm: AlarmOption = None,
    no_alarms: NoAlarmsOption = False,
    create: Annotated[
        bool,
        typer.Option("--create", help="Create the collection if the server has none at --url."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; change nothing.")
    ] = False,
) -> None:
    """Upload the calendar to a CalDAV collection, updating changed events and removing old ones.

    Only events this course and term put there are touched; others in the collection stay.

    Example: COURSECTL_CALDAV_PASSWORD=... coursectl calendar publish --url https://dav.example.edu/ta/llm101/ --user ta
    """
    from coursectl.calendar.ics import generate
    from coursectl.calendar.publish import apply_plan, plan_publication
    from coursectl.calendar.record import RECORD_PATH, load_record
    from coursectl.course import load_course
    from coursectl.errors import UserError
    from coursectl.files import atomic_write_text
    from coursectl.integrations.caldav import CalDAVCollection

    if not url:
        raise UserError("--url: give the CalDAV collection URL (or set COURSECTL_CALDAV_URL)")
    loaded = load_course(course, roster=False)
    audience = _audience(section, deadlines)
    options = _options(alarm, no_alarms)
    password = None
    if user:
        password = os.environ.get("COURSECTL_CALDAV_PASSWORD")
        if not password:
            if not sys.stdin.isatty():
                raise UserError(
                    "no password: set COURSECTL_CALDAV_PASSWORD, or run in a terminal to be asked"
                )
            password = typer.prompt(f"CalDAV password for {user}", hide_input=True)
    record_path = loaded.root / RECORD_PATH
    record = load_record(record_path)
    generated = generate(loaded.schedule, audience, options, record, _now())
    collection = CalDAVCollection(url, user, password)
    if create and not dry_run:
        collection.ensure_exists(generated.name())
    plan = plan_publication(generated, collection.list_events())
    if dry_run:
        typer.echo(f"would {plan.summary()} at {url} (dry run: nothing changed)")
        return
    apply_plan(plan, collection)
    atomic_write_text(record_path, record.to_json())
    typer.echo(f"published {generated.name()} to {url}: {plan.summary()}")
