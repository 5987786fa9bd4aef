"""What coursectl sends students (review assignments, reminders) and the record of what went
out, so that a re-run sends nothing twice and an update supersedes what it replaces.

A channel (e-mail, an issue in the student's repository) lives in `integrations/` and is
handed to the job as a `Channel`; the job never imports an integration.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """One message to one student."""

    key: str  # stable across runs, e.g. "reviews:pp1-peer-reviews:9100001"
    sid: str
    name: str
    email: str
    github: str
    subject: str
    body: str  # Markdown

    @property
    def fingerprint(self) -> str:
        """Changes exactly when what the student reads changes."""
        text = f"{self.subject}\0{self.body}".encode()
        return hashlib.sha256(text).hexdigest()[:16]


@dataclass(frozen=True)
class Receipt:
    """What one delivery left behind: enough to skip it next time or to update it in place."""

    key: str
    channel: str  # "email" or "github"
    fingerprint: str
    ref: str  # the e-mail's Message-ID, or the issue as "owner/repo#number"
    sent_at: str  # ISO 8601, UTC


class DeliveryError(Exception):
    """One student's delivery failed (one line, no secrets); the run goes on to the others."""


class Channel(Protocol):
    """A way to reach a student. Paces itself within its service's limits."""

    name: str  # "email" or "github"

    def deliver(self, message: Outgoing, previous: Receipt | None) -> Receipt:
        """Send `message`. `previous` is the last receipt for its key when the content changed
        since: an e-mail then refers to it (In-Reply-To), an issue is edited in place. Raises
        DeliveryError for this student alone, UserError when the channel as a whole is wrong."""
        ...
