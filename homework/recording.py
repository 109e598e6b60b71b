"""Record an entry, change it before review, comment on it: the write functions the client
pages and the API both call.

Each function checks the rules that make an entry meaningful (a skipped practice says why, no
dates in the future, answers that fit the exercise) so the API cannot bypass what the forms
check, and writes everything it touches in one transaction together with its audit event.
Callers load objects through practices.access first; the ownership checks here are a second
line, not the door.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from audit.models import AuditAction
from audit.record import record
from homework.items import validate_answers
from homework.models import (
    Comment,
    Entry,
    FeltDifficulty,
    Helpfulness,
    Outcome,
    SkipReason,
)
from homework.scoring import score_answers

COMMENT_MAX = 4000
NOTE_MAX = 2000


class EntryConflict(Exception):
    """The entry cannot be changed as asked; the caller answers 409 and keeps what was typed."""


class StaleEdit(EntryConflict):
    """The entry changed (another tab, another device) since the client opened it."""

    message = "This entry was changed somewhere else since you opened it."


class EntryLocked(EntryConflict):
    """Your therapist has reviewed the entry; it is part of the record now."""

    message = "Your therapist has already reviewed this entry, so it can no longer be changed."


def _check_client(assignment, client_user):
    if assignment.client.user_id != client_user.pk:
        raise PermissionDenied("Only the client logs and edits their own practice.")


def _checked_meta(*, assignment, earliest, outcome, occurred_on, skip_reason, skip_note, helpfulness, difficulty):
    """Validate the fields around the answers; return the normalised skip reason and note."""
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = "Choose done, partly done or skipped."
    if outcome == Outcome.SKIPPED:
        if skip_reason not in SkipReason.values:
            errors["skip_reason"] = "A skipped practice needs a reason."
        elif skip_reason == SkipReason.OTHER and not (skip_note or "").strip():
            errors["skip_note"] = "Say in a few words what got in the way."
    else:
        skip_reason, skip_note = "", ""
    if len(skip_note or "") > NOTE_MAX:
        errors["skip_note"] = f"Keep this under {NOTE_MAX} characters."
    today = assignment.client.today()
    if occurred_on > today:
        errors["occurred_on"] = "This date is in the future."
    elif occurred_on < earliest:
        errors["occurred_on"] = f"This exercise started on {date_format(earliest, 'j F Y')}."
    if helpfulness is not None and helpfulness not in Helpfulness.values:
        errors["helpfulness"] = "Helpfulness is a number from 0 to 4."
    if difficulty and difficulty not in FeltDifficulty.values:
        errors["difficulty"] = "Choose one of the difficulty options."
    if errors:
        raise ValidationError(errors)
    return skip_reason, (skip_note or "").strip()


def _checked_answers(version, outcome, answers):
    """Validated answers with their (score, severity, risk); raises items.AnswersInvalid.

    A skipped practice needs only its reason, so every question is optional then; whatever the
    client did answer is still kept (nothing typed is lost) and still checked for risk.
    """
    items = version.items
    if outcome == Outcome.SKIPPED:
        items = [{**item, "required": False} for item in items]
    answers = validate_answers(items, answers or {})
    return answers, score_answers(version, answers)


def _entry_fields(
    *,
    assignment,
    earliest,
    outcome,
    occurred_on,
    answers,
    skip_reason,
    skip_note,
    helpfulness,
    difficulty,
    wants_to_discuss,
):
    """Every rule an entry obeys, checked once for logging and editing alike.

    Returns the model fields to write and whether the answers raise a risk flag.
    """
    skip_reason, skip_note = _checked_meta(
        assignment=assignment,
        earliest=earliest,
        outcome=outcome,
        occurred_on=occurred_on,
        skip_reason=skip_reason,
        skip_note=skip_note,
        helpfulness=helpfulness,
        difficulty=difficulty,
    )
    answers, (score, severity, risk) = _checked_answers(assignment.template_version, outcome, answers)
    fields = dict(
        outcome=outcome,
        occurred_on=occurred_on,
        skip_reason=skip_reason,
        skip_note=skip_note,
        answers=answers,
        helpfulness=helpfulness,
        difficulty=difficulty or "",
        wants_to_discuss=bool(wants_to_discuss),
        score=score,
        severity=severity or "",
    )
    return fields, bool(risk)


def entry_record(
    *,
    assignment,
    client_user,
    outcome,
    occurred_on,
    answers,
    skip_reason="",
    skip_note="",
    helpfulness=None,
    difficulty="",
    wants_to_discuss=False,
    comment="",
) -> Entry:
    """Log one practice of an active assignment, with an optional first comment."""
    _check_client(assignment, client_user)
    if not assignment.is_active:
        raise ValidationError("This exercise has been stopped; there is nothing to log.")
    fields, risk = _entry_fields(
        assignment=assignment,
        earliest=assignment.starts_on,
        outcome=outcome,
        occurred_on=occurred_on,
        answers=answers,
        skip_reason=skip_reason,
        skip_note=skip_note,
        helpfulness=helpfulness,
        difficulty=difficulty,
        wants_to_discuss=wants_to_discuss,
    )
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": f"Keep a comment under {COMMENT_MAX} characters."})

    # Not durable=True: seeding and import commands batch many entries in one transaction.
    with transaction.atomic():
        entry = Entry.objects.create(assignment=assignment, risk_flag=risk, **fields)
        if comment:
            Comment.objects.create(entry=entry, author=client_user, body=comment)
        record(actor=client_user, action=AuditAction.CREATE, obj=entry, client=assignment.client)
    return entry


def entry_update(
    *,
    entry,
    expected_version,
    client_user,
    outcome,
    occurred_on,
    answers,
    skip_reason="",
    skip_note="",
    helpfulness=None,
    difficulty="",
    wants_to_discuss=False,
) -> Entry:
    """Change an entry the therapist has not reviewed yet, if nobody changed it meanwhile.

    One conditional UPDATE decides: it matches only the version the client started from and
    only while reviewed_at is empty, so two tabs (or a review landing mid-edit) cannot overwrite
    each other on SQLite or PostgreSQL. Raises StaleEdit or EntryLocked when it matches nothing.
    """
    assignment = entry.assignment
    _check_client(assignment, client_user)
    fields, risk = _entry_fields(
        assignment=assignment,
        earliest=min(entry.occurred_on, assignment.starts_on),
        outcome=outcome,
        occurred_on=occurred_on,
        answers=answers,
        skip_reason=skip_reason,
        skip_note=skip_note,
        helpfulness=helpfulness,
        difficulty=difficulty,
        wants_to_discuss=wants_to_discuss,
    )
    changes = dict(fields, updated_at=timezone.now(), version=F("version") + 1)
    if risk:
        # A raised risk flag is never lowered by an edit: the therapist must still see it.
        changes["risk_flag"] = True

    with transaction.atomic():
        as_opened = Entry.objects.filter(pk=entry.pk, version=expected_version, reviewed_at__isnull=True)
        changed = as_opened.update(**changes)
        if not changed:
            current = Entry.objects.filter(pk=entry.pk).values("reviewed_at").first()
            if current is not None and current["reviewed_at"] is not None:
                raise EntryLocked(EntryLocked.message)
            raise StaleEdit(StaleEdit.message)
        record(actor=client_user, action=AuditAction.UPDATE, obj=entry, client=assignment.client)
    entry.refresh_from_db()
    return entry


def comment_add(*, entry, author, body) -> Comment:
    """Add a note to an entry's thread, from the client or their treating therapist."""
    client = entry.assignment.client
    if author.pk not in (client.user_id, client.therapist_id):
        raise PermissionDenied("Only the client and their therapist comment on an entry.")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something first."})
    if len(body) > COMMENT_MAX:
        raise ValidationError({"body": f"Keep a comment under {COMMENT_MAX} characters."})
    with transaction.atomic():
        comment = Comment.objects.create(entry=entry, author=author, body=body)
        record(actor=author, action=AuditAction.CREATE, obj=comment, client=client)
    return comment
