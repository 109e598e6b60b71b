"""Planned versus logged practice per assignment.

The arithmetic is pure; pages feed it outcome counts that the database adds up
(`logged_outcomes`), so a year of entries costs one small query, not a thousand rows.
"""

from collections import Counter, defaultdict

from django.db.models import Count, F, Value
from django.db.models.functions import Least

from homework.models import Entry, Outcome
from homework.scheduling import planned_count

COUNTS = ("planned", "done", "partly", "skipped")


def adherence(assignment, entries, today) -> dict:
    """Practice planned from the start of the assignment to today (or its due date, if past)
    against the entries logged in that span.

    `rate` is 0..1, or None when nothing was planned yet; `rate_pct` is the same for display.
    """
    end = min(today, assignment.due_on)
    logged = Counter(entry.outcome for entry in entries if assignment.starts_on <= entry.occurred_on <= end)
    return adherence_from_counts(assignment, logged, today)


def adherence_from_counts(assignment, logged, today) -> dict:
    """The same figures from {outcome: count} of the entries inside the assignment's span."""
    end = min(today, assignment.due_on)
    counts = {
        "planned": planned_count(assignment, assignment.starts_on, end),
        "done": logged[Outcome.DONE],
        "partly": logged[Outcome.PARTLY],
        "skipped": logged[Outcome.SKIPPED],
    }
    return _with_rate(counts, _credited(counts))


def logged_outcomes(assignments, today) -> dict:
    """{assignment pk: Counter(outcome: count)} for entries from each start to today or its due
    date, whichever is first; one query for any number of assignments and entries."""
    rows = (
        Entry.objects.filter(
            assignment__in=assignments,
            occurred_on__gte=F("assignment__starts_on"),
            occurred_on__lte=Least(F("assignment__due_on"), Value(today)),
        )
        .order_by()
        .values("assignment_id", "outcome")
        .annotate(n=Count("pk"))
    )
    counts = defaultdict(Counter)
    for row in rows:
        counts[row["assignment_id"]][row["outcome"]] = row["n"]
    return counts


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
