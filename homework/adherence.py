"""Planned versus logged practice per assignment.

The arithmetic is pure; pages feed it outcome counts that the database adds up
(`logged_outcomes`), so a year of entries costs one small query, not a thousand rows.
"""

from collections import Counter, defaultdict

from django.db.models import Count, F, Value
from django.db.models.functions import Least

from homework.models import Entry, Outcome
from homework.scheduling import planned_count


def adherence_from_counts(assignment, logged, today) -> dict:
    """Practice planned from the start of the assignment to today (or its due date, if past)
    against `logged`, {outcome: count} of the entries in that span (see logged_outcomes).

    `rate` is 0..1, or None when nothing was planned yet; `rate_pct` is the same for display.
    """
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


def _credited(counts):
    # A partly done practice counts half; practice beyond the plan earns nothing extra.
    return min(counts["planned"], counts["done"] + counts["partly"] / 2)


def _with_rate(counts, credited):
    rate = credited / counts["planned"] if counts["planned"] else None
    return {**counts, "rate": rate, "rate_pct": "" if rate is None else f"{round(rate * 100)}%"}
