"""Assign, revise, review (keep, modify, step down, stop) and reply: the therapist's write
functions, which the pages and the API both call. Each runs in one transaction and records
the change in the audit trail."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import AuditAction
from audit.record import record
from homework.events import assignment_created
from homework.models import Assignment, AssignmentReview, AssignmentStatus, Entry, Frequency, ReviewDecision

# What a therapist may set when assigning or revising; everything else is the system's.
TAILORED_FIELDS = (
    "title",
    "instructions",
    "rationale",
    "goal",
    "frequency",
    "times_per_week",
    "weekdays",
    "when_where",
    "starts_on",
    "due_on",
    "barriers",
    "if_then_plan",
    "expected_difficulty",
    "confidence",
)


class StaleEdit(Exception):
    """The assignment changed after the editor loaded it; their text must not overwrite it."""


def _clean_fields(client, fields):
    unknown = set(fields) - set(TAILORED_FIELDS)
    if unknown:
        raise TypeError(f"Unexpected fields: {', '.join(sorted(unknown))}")
    fields = dict(fields)
    goal = fields.get("goal")
    # A goal is only ever one of this client's: a code swapped in the request body must not link
    # another client's goal (the form checks it too; this is the last line).
    if goal is not None and goal.client_id != client.pk:
        raise ValidationError({"goal": "Choose one of this client's goals."})
    frequency = fields.get("frequency")
    if frequency is not None:
        # Only the detail that belongs to the chosen frequency is kept, so the schedule is never
        # ambiguous (daily *and* Mondays).
        if frequency != Frequency.TIMES_PER_WEEK:
            fields["times_per_week"] = None
        elif fields.get("times_per_week") not in range(1, 8):
            raise ValidationError({"times_per_week": "Say how many times a week (1–7)."})
        if frequency != Frequency.WEEKDAYS:
            fields["weekdays"] = []
        else:
            weekdays = sorted({int(day) for day in fields.get("weekdays") or []})
            if not weekdays or not set(weekdays) <= set(range(7)):
                raise ValidationError({"weekdays": "Tick at least one weekday (0 = Monday … 6 = Sunday)."})
            fields["weekdays"] = weekdays
    if fields.get("starts_on") and fields.get("due_on") and fields["due_on"] < fields["starts_on"]:
        raise ValidationError({"due_on": "The due date cannot be before the start date."})
    return fields


def assignment_create(*, therapist, client, version, **fields):
    """Tailor `version` of an exercise for `client` and tell the client it is there."""
    fields = _clean_fields(client, fields)
    with transaction.atomic():
        assignment = Assignment.objects.create(client=client, assigned_by=therapist, template_version=version, **fields)
        record(actor=therapist, action=AuditAction.CREATE, obj=assignment, client=client)
        assignment_created.send(sender=Assignment, assignment=assignment)
    return assignment


def assignment_update(*, assignment, expected_version, actor=None, **fields):
    """Revise an assignment if nobody changed it since `expected_version`; else raise StaleEdit.

    A conditional UPDATE decides, so two editors can never silently overwrite each other on
    SQLite or PostgreSQL (SECURITY.md, T-RL-1). On success the object in hand is refreshed.
    """
    fields = _clean_fields(assignment.client, fields)
    with transaction.atomic():
        changed = Assignment.objects.filter(pk=assignment.pk, version=expected_version).update(
            **fields, version=F("version") + 1, updated_at=timezone.now()
        )
        if changed != 1:
            raise StaleEdit(assignment.code)
        assignment.refresh_from_db()
        record(
            actor=actor or assignment.assigned_by, action=AuditAction.UPDATE, obj=assignment, client=assignment.client
        )
    return assignment


def assignment_review(*, assignment, reviewer, decision, note=""):
    """Record the in-session review. It locks every entry reviewed so far against client edits;
    "stop" also ends the assignment. Modify and step down continue on the edit page."""
    decision = ReviewDecision(decision)
    now = timezone.now()
    with transaction.atomic():
        review = AssignmentReview.objects.create(assignment=assignment, reviewer=reviewer, decision=decision, note=note)
        # Bumping the entry version makes a client edit that was already open fail as stale.
        Entry.objects.filter(assignment=assignment, reviewed_at__isnull=True).update(
            reviewed_at=now, version=F("version") + 1
        )
        if decision == ReviewDecision.STOP and assignment.status != AssignmentStatus.STOPPED:
            Assignment.objects.filter(pk=assignment.pk).update(
                status=AssignmentStatus.STOPPED, version=F("version") + 1, updated_at=now
            )
            assignment.refresh_from_db(fields=["status", "version", "updated_at"])
        record(actor=reviewer, action=AuditAction.UPDATE, obj=assignment, client=assignment.client)
    return review
