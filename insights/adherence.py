"""Planned versus logged practice per assignment (pure over prefetched rows)."""

from collections import Counter

from homework.models import Outcome
from homework.scheduling import planned_count

COUNTS = ("planned", "done", "partly", "skipped")


def adherence(assignment, entries, today) -> dict:
    """Practice planned from the start of the assignment to today (or its due date, if past)
    against the entries logged in that span.

    `rate` is 0..1, or None when nothing was planned yet; `rate_pct` is the same for display.
    """
    end = min(today, assignment.due_on)
    logged = Counter(entry.outcome for entry in entries if assignment.starts_on <= entry.occurred_on <= end)
    counts = {
        "planned": planned_count(assignment, assignment.starts_on, end),
        "done": logged[Outcome.DONE],
        "partly": logged[Outcome.PARTLY],
        "skipped": logged[Outcome.SKIPPED],
    }
    return _with_rate(counts, _credited(counts))


def summarise(assignments, today) -> dict:
    """Adherence of each assignment (entries prefetched as `assignment.entries`) and overall."""
    rows = [(assignment, adherence(assignment, assignment.entries.all(), today)) for assignment in assignments]
    overall = {key: sum(stats[key] for _, stats in rows) for key in COUNTS}
    # Extra practice on one assignment must not hide missed practice on another.
    return {"assignments": rows, "overall": _with_rate(overall, sum(_credited(stats) for _, stats in rows))}


def _credited(counts):
    # A partly done practice counts half; practice beyond the plan earns nothing extra.
    return min(counts["planned"], counts["done"] + counts["partly"] / 2)


def _with_rate(counts, credited):
    rate = credited / counts["planned"] if counts["planned"] else None
    return {**counts, "rate": rate, "rate_pct": "" if rate is None else f"{round(rate * 100)}%"}
