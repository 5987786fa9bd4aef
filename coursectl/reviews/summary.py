"""What `assign-reviews` tells the TA about a round, as plain lines (the command prints them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from coursectl.reviews.assign import AssignOutcome

SHOWN_NON_SUBMITTERS = 50


@dataclass
class Summary:
    lines: list[str]
    hint: str = ""  # a quieter last line: what to do next
    warnings: list[str] = field(default_factory=list)


def summarize(outcome: AssignOutcome, names: dict[str, str]) -> Summary:
    """The outcome in words; `names` maps sids to roster names."""
    manifest = outcome.manifest
    rules = ["no teammates"]
    if manifest.earlier_rounds:
        rules.append(f"no pairs repeated from {', '.join(manifest.earlier_rounds)}")
    rules.append(
        "reciprocal pairs allowed where fewer than 2k+1 students"
        if manifest.reciprocal_pairs_allowed
        else "no reciprocal pairs"
    )
    if manifest.within_section:
        rules.append("within sections")
    summary = (
        f"{len(manifest.students)} students review {manifest.k} each for {outcome.deliverable.id} "
        f"(seed {manifest.seed}; {', '.join(rules)})"
    )
    if outcome.status == "saved":
        lines = [f"saved allocation from {manifest.created}: {summary}"]
        lines += [
            f"{reviewer} {names.get(reviewer, '(not in roster)')} -> {', '.join(authors)}"
            for reviewer, authors in manifest.allocation.items()
        ]
        hint = (
            f"{outcome.path}; re-run with --force to reallocate, --add/--drop SID for late changes"
        )
        return Summary(lines, hint, outcome.warnings)
    lines = []
    if outcome.status == "changed":
        for event in outcome.changes:
            verb = "added" if event.action == "add" else "dropped"
            lines.append(
                f"{verb} {event.sid} {names.get(event.sid, '')}: "
                f"{len(event.changed_reviewers)} reviewers changed"
            )
            lines += [
                f"  {reviewer} {names.get(reviewer, '')}: "
                f"{', '.join(change['before'])} -> {', '.join(change['after'])}"
                for reviewer, change in event.changed_reviewers.items()
            ]
            lines.append(f"  new reviewer for: {', '.join(event.new_reviewer_for)}")
        lines.append('send the messages marked "updated": true again')
    else:
        lines.append(f"assigned: {summary}")
    if manifest.non_submitters:
        shown = manifest.non_submitters[:SHOWN_NON_SUBMITTERS]
        more = len(manifest.non_submitters) - len(shown)
        lines.append(
            f"not submitted ({len(manifest.non_submitters)}): "
            + ", ".join(f"{sid} {names.get(sid, '')}".strip() for sid in shown)
            + (f", ... and {more} more (see manifest)" if more else "")
        )
    lines += [f"wrote {path}" for path in outcome.written]
    return Summary(lines, warnings=outcome.warnings)
