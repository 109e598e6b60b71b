"""One client's homework history, loaded in a fixed number of queries whatever its length, and
turned into the plain facts the pattern rules, trends and briefs compute from.

The caller has already decided that the viewer may see this client (through practices.access or
the client's own session); this module only reads.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from homework.adherence import adherence_from_counts, logged_outcomes
from homework.models import Assignment, Entry
from insights.patterns import AssignmentFact, EntryFact


@dataclass(frozen=True)
class History:
    client: object
    today: date
    assignments: list  # Assignment rows (template version and template loaded), newest first
    entries: list  # Entry rows (assignment attached), oldest first
    adherence: dict  # assignment pk -> homework.adherence.adherence_from_counts(...)

    @property
    def assignment_facts(self):
        return [
            AssignmentFact(
                code=a.code,
                title=a.title,
                kind=a.kind,
                confidence=a.confidence,
                adherence=self.adherence[a.pk]["rate"],
            )  # fmt: skip
            for a in self.assignments
        ]

    @property
    def entry_facts(self):
        tz = self.client.tz
        return [
            EntryFact(
                code=e.code,
                assignment=e.assignment.code,
                kind=e.assignment.kind,
                occurred_on=e.occurred_on,
                logged_on=e.created_at.astimezone(tz).date(),
                outcome=e.outcome,
                skip_reason=e.skip_reason,
                helpfulness=e.helpfulness,
                difficulty=e.difficulty,
                logged_at=e.created_at,
            )  # fmt: skip
            for e in self.entries
        ]

    def entries_of(self, assignment):
        return [e for e in self.entries if e.assignment_id == assignment.pk]

    def since(self, day):
        """The same history, entries from `day` on (assignments and adherence unchanged)."""
        return History(self.client, self.today, self.assignments, [e for e in self.entries if e.occurred_on >= day],
                       self.adherence)  # fmt: skip


def load_history(client, *, assignments=None, today=None, own=False):
    """Every assignment of `client` (or the given queryset of theirs) and all their entries, in
    three queries: assignments, entries, outcome counts for adherence.

    For the therapist (the brief, its charts and patterns) unless `own`: a private entry comes
    with its content withheld (homework.models.Entry.withhold_private), so it counts as practice
    but adds no answer, rating or skip reason to anything computed here. own=True is the client's
    own history, private entries whole."""
    today = today or client.today()
    queryset = assignments if assignments is not None else Assignment.objects.filter(client=client)
    rows = list(queryset.select_related("template_version__template").order_by("-created_at", "-pk"))
    by_pk = {a.pk: a for a in rows}
    for assignment in rows:
        assignment.client = client  # the caller's object: no query per row for the zone or name
    entries = Entry.objects.filter(assignment__in=[a.pk for a in rows]).order_by("occurred_on", "created_at", "pk")
    entries = list(entries if own else entries.withholding_private())
    for entry in entries:
        entry.assignment = by_pk[entry.assignment_id]
    counts = logged_outcomes([a.pk for a in rows], today) if rows else {}
    adherence = {a.pk: adherence_from_counts(a, counts.get(a.pk, Counter()), today) for a in rows}
    return History(client=client, today=today, assignments=rows, entries=entries, adherence=adherence)
