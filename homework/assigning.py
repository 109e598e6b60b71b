"""Assign, revise, review (keep, modify, step down, stop) and reply: the therapist's write
functions, which the pages and the API both call. Each runs in one transaction and records
the change in the audit trail."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import AuditAction
from audit.record import record
from homework.events import assignment_changed, assignment_created
from homework.models import (
    Assignment,
    AssignmentReview,
    AssignmentStatus,
    Entry,
    ExerciseKind,
    ExpectedDifficulty,
    Frequency,
    ReviewDecision,
)
from homework.reminding import clean_times, times_from_when_where
from lib.conflicts import STALE, EditConflict
from lib.validation import checked_text, date_problem

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
    "reminder_times",
    "allows_private_entries",
)

# Exercises whose entries the client may keep to themself, where the therapist allows it: what
# one writes in a journal or to a reflection prompt is first of all for oneself, and may only be
# written at all if nobody reads it. The other kinds are worked through together in session.
PRIVATE_ENTRY_KINDS = frozenset({ExerciseKind.JOURNAL, ExerciseKind.REFLECTION})
PRIVATE_NOT_FOR_KIND = (
    "Private entries are possible for journals and reflections only; this exercise is one to go through together."
)
PRIVATE_CHOICE = "Tick the box or leave it empty."


def private_entries_allowed(assignment):
    """Whether the client may mark an entry of `assignment` private (homework/README.md)."""
    return assignment.allows_private_entries and assignment.kind in PRIVATE_ENTRY_KINDS


TITLE_MAX = 200
TEXT_MAX = 4000
GOAL_NOT_THIS_CLIENTS = "Choose one of this client's goals."
STALE_ASSIGNMENT = "Someone changed this assignment meanwhile; your text is still below."
# Free-text fields, each with the message when it is left empty ("" where it may be).
TEXT_FIELDS = {
    "title": "Give the assignment a title.",
    "instructions": "Write the instructions, in the client's words.",
    "rationale": "Say why it helps: the reason you agreed on together.",
    "when_where": "",
    "barriers": "",
    "if_then_plan": "",
}


def _clean_fields(client, fields, *, kind, partial=False):
    """Every rule of an assignment, checked for creating and revising alike; all problems are
    reported at once, keyed by field, in the words the page shows beside the field.

    kind: the exercise's kind (ExerciseKind), which decides whether private entries may be allowed.
    partial: a revision that names only the fields it changes; the others are left as they are.
    """
    unknown = set(fields) - set(TAILORED_FIELDS)
    if unknown:
        raise TypeError(f"Unexpected fields: {', '.join(sorted(unknown))}")
    fields = dict(fields)
    if not partial:
        fields.setdefault("expected_difficulty", ExpectedDifficulty.MODERATE)
        for name in TAILORED_FIELDS:
            fields.setdefault(name, None)
    errors = {}
    for name in TEXT_FIELDS.keys() & fields.keys():
        fields[name] = checked_text(
            errors, name, fields[name], max_length=TITLE_MAX if name == "title" else TEXT_MAX,
            required=bool(TEXT_FIELDS[name]), required_message=TEXT_FIELDS[name],
        )  # fmt: skip
    if "reminder_times" in fields:
        _check_reminder_times(fields, errors)
    goal = fields.get("goal")
    # A goal is only ever one of this client's: a code swapped in the request body must not link
    # another client's goal.
    if goal is not None and goal.client_id != client.pk:
        errors["goal"] = GOAL_NOT_THIS_CLIENTS
    if "frequency" in fields:
        _check_frequency(fields, errors)
    for name in {"starts_on", "due_on"} & fields.keys():
        problem = "Choose a date." if fields[name] is None else date_problem(fields[name])
        if problem:
            errors[name] = problem
    starts_on, due_on = fields.get("starts_on"), fields.get("due_on")
    if not {"starts_on", "due_on"} & errors.keys() and starts_on and due_on and due_on < starts_on:
        errors["due_on"] = "The due date cannot be before the start date."
    if "expected_difficulty" in fields and fields["expected_difficulty"] not in ExpectedDifficulty.values:
        errors["expected_difficulty"] = "Choose easy, moderate or challenging."
    if "allows_private_entries" in fields:
        _check_private_entries(fields, errors, kind)
    if "confidence" in fields:
        confidence = fields["confidence"]
        if not isinstance(confidence, int) or isinstance(confidence, bool) or not 0 <= confidence <= 10:
            errors["confidence"] = "The client's confidence is a number from 0 to 10."
    if errors:
        raise ValidationError(errors)
    return fields


def _check_private_entries(fields, errors, kind):
    allowed = fields["allows_private_entries"]
    if allowed is None:
        fields["allows_private_entries"] = False
    elif not isinstance(allowed, bool):
        errors["allows_private_entries"] = PRIVATE_CHOICE
    elif allowed and kind not in PRIVATE_ENTRY_KINDS:
        errors["allows_private_entries"] = PRIVATE_NOT_FOR_KIND


def _check_reminder_times(fields, errors):
    """None (or a field left blank) takes the time written in "when and where"; "none" means no
    reminders. A revision that leaves both unnamed keeps the times it had."""
    value = fields["reminder_times"]
    if value is None or (isinstance(value, str) and not value.strip()):
        fields["reminder_times"] = times_from_when_where(fields.get("when_where"))
        return
    try:
        fields["reminder_times"] = clean_times(value)
    except ValueError as problem:
        errors["reminder_times"] = str(problem)


def _check_frequency(fields, errors):
    """Keep only the detail that belongs to the chosen frequency, so the schedule is never
    ambiguous (daily *and* Mondays)."""
    frequency = fields["frequency"]
    if frequency not in Frequency.values:
        errors["frequency"] = "Choose how often."
    if frequency != Frequency.TIMES_PER_WEEK:
        fields["times_per_week"] = None
    elif fields.get("times_per_week") not in range(1, 8):
        errors["times_per_week"] = "Say how many times a week (1–7)."
    if frequency != Frequency.WEEKDAYS:
        fields["weekdays"] = []
        return
    weekdays = fields.get("weekdays") or []
    if weekdays and all(isinstance(day, int) and 0 <= day <= 6 for day in weekdays):
        fields["weekdays"] = sorted(set(weekdays))
    else:
        errors["weekdays"] = "Tick at least one weekday (0 = Monday … 6 = Sunday)."


def assignment_create(*, therapist, client, version, **fields):
    """Tailor `version` of an exercise for `client` and tell the client it is there."""
    fields = _clean_fields(client, fields, kind=version.template.kind)
    with transaction.atomic():
        assignment = Assignment.objects.create(client=client, assigned_by=therapist, template_version=version, **fields)
        record(actor=therapist, action=AuditAction.CREATE, obj=assignment, client=client)
        assignment_created.send(sender=Assignment, assignment=assignment)
    return assignment


def assignment_update(*, assignment, expected_version, actor=None, **fields):
    """Revise an assignment if nobody changed it since `expected_version`; else raise
    EditConflict.

    A conditional UPDATE decides, so two editors can never silently overwrite each other on
    SQLite or PostgreSQL (docs/security.md, T-RL-1). On success the object in hand is refreshed.
    """
    fields = _clean_fields(assignment.client, fields, kind=assignment.kind, partial=True)
    with transaction.atomic():
        changed = Assignment.objects.filter(pk=assignment.pk, version=expected_version).update(
            **fields, version=F("version") + 1, updated_at=timezone.now()
        )
        if changed != 1:
            raise EditConflict(STALE_ASSIGNMENT, reason=STALE)
        assignment.refresh_from_db()
        record(
            actor=actor or assignment.assigned_by, action=AuditAction.UPDATE, obj=assignment, client=assignment.client
        )
        assignment_changed.send(sender=Assignment, assignment=assignment)
    return assignment


RATING_RANGE = "Rate from 0 to 3, or leave it empty."
RATING_REQUIRED = "Choose one of the answers (0 to 3)."


def rating_problem(value, *, required=False):
    """The words for a quantity or quality rating (0-3) that is not one; None when it is."""
    if value is None:
        return RATING_REQUIRED if required else None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 3:
        return RATING_REQUIRED if required else RATING_RANGE
    return None


def assignment_review(*, assignment, reviewer, decision, note="", quantity=None, quality=None):
    """Record the in-session review, with the therapist's view of how much (quantity) and how
    well (quality) the homework was done, 0-3 each. It locks every entry reviewed so far against
    client edits; "stop" also ends the assignment. Modify and step down continue on the edit page."""
    errors = {}
    if decision not in ReviewDecision.values:
        errors["decision"] = "Choose keep, modify, step down or stop."
    for name, value in (("quantity", quantity), ("quality", quality)):
        if rating_problem(value):
            errors[name] = rating_problem(value)
    note = checked_text(errors, "note", note, max_length=TEXT_MAX)
    if errors:
        raise ValidationError(errors)
    decision = ReviewDecision(decision)
    now = timezone.now()
    with transaction.atomic():
        review = AssignmentReview.objects.create(
            assignment=assignment, reviewer=reviewer, decision=decision, note=note, quantity=quantity, quality=quality
        )
        # Bumping the entry version makes a client edit that was already open fail as stale.
        Entry.objects.unreviewed().filter(assignment=assignment).update(reviewed_at=now, version=F("version") + 1)
        if decision == ReviewDecision.STOP and assignment.status != AssignmentStatus.STOPPED:
            Assignment.objects.filter(pk=assignment.pk).update(
                status=AssignmentStatus.STOPPED, version=F("version") + 1, updated_at=now
            )
            assignment.refresh_from_db(fields=["status", "version", "updated_at"])
            assignment_changed.send(sender=Assignment, assignment=assignment)
        record(actor=reviewer, action=AuditAction.UPDATE, obj=assignment, client=assignment.client)
    return review
