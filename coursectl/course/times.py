"""Parsing a moment a TA types on the command line (`--now 'Wed 2026-03-04 12:00'`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from coursectl.errors import UserError


def parse_moment(text: str, zone: ZoneInfo, option: str = "--now") -> datetime:
    """ISO date-time, with or without a weekday and offset; naive times are in the course's zone."""
    from coursectl.course.model import _parse_local_datetime

    try:
        moment = _parse_local_datetime(text)
    except ValueError as exc:
        raise UserError(f"{option}: {exc}") from None
    if not isinstance(moment, datetime):
        raise UserError(
            f"{option}: '{text}' is not a date and time; write e.g. 'Wed 2026-03-04 12:00'"
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
