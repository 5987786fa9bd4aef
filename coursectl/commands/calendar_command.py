"""`coursectl calendar`: write the .ics feeds; `coursectl calendar publish`: upload to CalDAV."""

from __future__ import annotations

import os
import sys
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from coursectl.commands._common import CourseDir, report_user_errors

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

    from coursectl.calendar.feeds import build_feeds, choose_options, stamp_time
    from coursectl.course import load_course
    from coursectl.files import atomic_write_bytes, atomic_write_text

    loaded = load_course(course, roster=False)
    built = build_feeds(
        loaded.root,
        loaded.schedule,
        section=section,
        deadlines=deadlines,
        every=every,
        out=out,
        options=choose_options(alarm, no_alarms),
        force=force,
        now=stamp_time(os.environ.get("SOURCE_DATE_EPOCH")),
    )
    for feed in built.feeds:
        if feed.target is None:
            stream = typer.get_binary_stream("stdout")
            stream.write(feed.data)
            stream.flush()
        else:
            atomic_write_bytes(feed.target, feed.data)
        typer.echo(
            f"wrote {feed.target or 'standard output'}: {feed.calendar.name()}, "
            f"{len(feed.calendar.events)} events",
            err=feed.target is None,
        )
    atomic_write_text(built.record_path, built.record.to_json())
    if built.changed:
        typer.echo(
            f"{len(built.changed)} changed since the last run (SEQUENCE raised): "
            + ", ".join(built.changed),
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
    from coursectl.calendar.feeds import build_feeds, choose_options, stamp_time
    from coursectl.calendar.publish import apply_plan, plan_publication
    from coursectl.course import load_course
    from coursectl.errors import UserError
    from coursectl.files import atomic_write_text
    from coursectl.integrations.caldav import CalDAVCollection, caldav_password

    if not url:
        raise UserError("--url: give the CalDAV collection URL (or set COURSECTL_CALDAV_URL)")
    loaded = load_course(course, roster=False)
    built = build_feeds(  # the one calendar --section/--deadlines chose, as `calendar --out -`
        loaded.root,
        loaded.schedule,
        section=section,
        deadlines=deadlines,
        every=False,
        out="-",
        options=choose_options(alarm, no_alarms),
        force=False,
        now=stamp_time(os.environ.get("SOURCE_DATE_EPOCH")),
    )
    generated = built.feeds[0].calendar
    password = caldav_password(
        user, partial(typer.prompt, hide_input=True) if sys.stdin.isatty() else None
    )
    collection = CalDAVCollection(url, user, password)
    if create and not dry_run:
        collection.ensure_exists(generated.name())
    plan = plan_publication(generated, collection.list_events())
    if dry_run:
        typer.echo(f"would {plan.summary()} at {url} (dry run: nothing changed)")
        return
    apply_plan(plan, collection)
    atomic_write_text(built.record_path, built.record.to_json())
    typer.echo(f"published {generated.name()} to {url}: {plan.summary()}")
