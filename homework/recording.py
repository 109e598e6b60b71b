"""Record an entry, change it before review, comment on it: the write functions the client
pages and the API both call, and the one place that words what is wrong with an entry.

Each function checks every rule that makes an entry meaningful (a skipped practice says why, no
dates in the future, ratings in range, answers that fit the exercise, text that can be stored)
and raises a ValidationError keyed by field (or by the question's linkId), so the page shows a
message beside the field and the API the same message under the same key. It writes everything
it touches in one transaction together with its audit event. Callers load objects through
homework.access first; the ownership checks here are a second line, not the door.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from audit.models import AuditAction
from audit.record import record
from homework.assigning import private_entries_allowed, rating_problem
from homework.drafts import draft_clear
from homework.events import comment_added, entry_recorded
from homework.items import AnswersInvalid, validate_answers
from homework.models import Comment, Entry, FeltDifficulty, Helpfulness, Outcome, SelfRating, SkipReason
from homework.scoring import score_answers
from lib.conflicts import LOCKED, STALE, EditConflict
from lib.validation import answers_problems, checked_text, date_problem

COMMENT_MAX = 4000
NOTE_MAX = 2000

STALE_ENTRY = "This entry was changed somewhere else since you opened it."
LOCKED_ENTRY = "Your therapist has already reviewed this entry, so it can no longer be changed."
STOPPED = "This exercise has been stopped; there is nothing to log."
SUBMISSION_KEY_USED = "This form was already sent for another exercise. Open the exercise again and log it from there."
CHOOSE_OUTCOME = "Choose done, partly done or skipped."
CHOOSE_SKIP_REASON = "Choose what got in the way. One tap is enough."
EXPLAIN_OTHER = "Tell your therapist in a few words what got in the way."
FUTURE_DATE = "This date is in the future. Choose today or an earlier day."
HELPFULNESS_RANGE = "Choose how helpful it was, from 0 (not at all) to 4 (very)."
CHOOSE_DIFFICULTY = "Choose one of the difficulty options."
EMPTY_COMMENT = "Write something first."
PRIVATE_NOT_ALLOWED = "Your therapist has not made private entries possible for this exercise."
PRIVATE_CHOICE = "Tick the box to keep this entry to yourself, or leave it empty."
PRIVATE_NO_REPLY = (
    "This entry is private: its comments are the client's own. Talk about it in session if they bring it up."
)
COMMENT_TOO_LONG = f"Keep a comment under {COMMENT_MAX} characters."


def _check_client(assignment, client_user):
    if assignment.client.user_id != client_user.pk:
        raise PermissionDenied("Only the client logs and edits their own practice.")


def _checked_meta(
    errors, *, assignment, earliest, outcome, occurred_on, skip_reason, skip_note, helpfulness, difficulty
):
    """Check the fields around the answers into `errors`; return the normalised reason and note."""
    if outcome not in Outcome.values:
        errors["outcome"] = CHOOSE_OUTCOME
    skip_note = checked_text(errors, "skip_note", skip_note, max_length=NOTE_MAX)
    if outcome == Outcome.SKIPPED:
        if skip_reason not in SkipReason.values:
            errors["skip_reason"] = CHOOSE_SKIP_REASON
        elif skip_reason == SkipReason.OTHER and not skip_note and "skip_note" not in errors:
            errors["skip_note"] = EXPLAIN_OTHER
    else:
        # The skip fields are always on the page (it works without JavaScript): only a skipped
        # practice keeps them.
        skip_reason, skip_note = "", ""
        errors.pop("skip_note", None)
    problem = date_problem(occurred_on)
    if problem:
        errors["occurred_on"] = problem
    elif occurred_on > assignment.client.today():
        errors["occurred_on"] = FUTURE_DATE
    elif occurred_on < earliest:
        errors["occurred_on"] = f"This exercise started on {date_format(earliest, 'j F Y')}; choose that day or later."
    if helpfulness is not None and helpfulness not in Helpfulness.values:
        errors["helpfulness"] = HELPFULNESS_RANGE
    if difficulty and difficulty not in FeltDifficulty.values:
        errors["difficulty"] = CHOOSE_DIFFICULTY
    return skip_reason, skip_note


def _checked_privacy(errors, assignment, is_private, *, was_private=False):
    """Whether the entry is to be private (homework/README.md, "Private entries"): only where the
    assignment allows it (journals and reflections, homework.assigning), or where it already was
    (withdrawing the option later does not open an old private entry). None keeps what it was."""
    if is_private is None:
        return was_private
    if not isinstance(is_private, bool):
        errors["is_private"] = PRIVATE_CHOICE
        return was_private
    if is_private and not was_private and not private_entries_allowed(assignment):
        errors["is_private"] = PRIVATE_NOT_ALLOWED
    return is_private


def _checked_answers(errors, version, outcome, answers):
    """Validated answers with their (score, severity, risk), or ({}, (None, "", False)) with the
    problems added to `errors` by linkId.

    A skipped practice needs only its reason, so every question is optional then; whatever the
    client did answer is still kept (nothing typed is lost) and still checked for risk.
    """
    unstorable = answers_problems(answers or {})
    if unstorable:
        errors.update(unstorable)
        return {}, (None, "", False)
    items = version.items
    if outcome == Outcome.SKIPPED:
        items = [{**item, "required": False} for item in items]
    try:
        answers = validate_answers(items, answers or {})
    except AnswersInvalid as exc:
        errors.update(exc.errors)
        return {}, (None, "", False)
    return answers, score_answers(version, answers)


def _entry_fields(*, assignment, earliest, outcome, occurred_on, answers, skip_reason, skip_note,
                  helpfulness, difficulty, wants_to_discuss, extra_errors=None):  # fmt: skip
    """Every rule an entry obeys, checked once for logging and editing alike; every problem is
    reported at once, so a person fixes them all in one round trip.

    Returns the model fields to write and whether the answers raise a risk flag.
    """
    errors = dict(extra_errors or {})
    skip_reason, skip_note = _checked_meta(
        errors,
        assignment=assignment,
        earliest=earliest,
        outcome=outcome,
        occurred_on=occurred_on,
        skip_reason=skip_reason,
        skip_note=skip_note,
        helpfulness=helpfulness,
        difficulty=difficulty,
    )
    answers, (score, severity, risk) = _checked_answers(errors, assignment.template_version, outcome, answers)
    if errors:
        raise ValidationError(errors)
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
    is_private=False,
    submission_key=None,
) -> Entry:
    """Log one practice of an active assignment, with an optional first comment; `is_private`
    keeps it to the client where the assignment allows that.

    `submission_key` (a UUID, one per render of the log form) makes sending it again harmless: a
    second call with the same key returns the entry the first one saved, whatever changed since.
    Saving deletes the client's draft of a new entry of this assignment (homework.drafts).
    """
    _check_client(assignment, client_user)
    if submission_key:
        already = Entry.objects.filter(assignment=assignment, submission_key=submission_key).first()
        if already is not None:
            return already
    if not assignment.is_active:
        raise ValidationError(STOPPED)
    comment_errors = {}
    comment = checked_text(
        comment_errors, "comment", comment, max_length=COMMENT_MAX, too_long_message=COMMENT_TOO_LONG
    )
    private = _checked_privacy(comment_errors, assignment, is_private)
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
        extra_errors=comment_errors,
    )

    # Not durable=True: seeding and import commands batch many entries in one transaction.
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a key sent twice at once is refused here
                entry = Entry.objects.create(
                    assignment=assignment, risk_flag=risk, is_private=private, submission_key=submission_key, **fields
                )
        except IntegrityError:
            if not submission_key:
                raise
            already = Entry.objects.filter(assignment=assignment, submission_key=submission_key).first()
            if already is not None:
                return already
            if Entry.objects.filter(submission_key=submission_key).exists():
                raise ValidationError(SUBMISSION_KEY_USED) from None
            raise
        draft_clear(assignment=assignment)
        if comment:
            Comment.objects.create(entry=entry, author=client_user, body=comment)
        record(actor=client_user, action=AuditAction.CREATE, obj=entry, client=assignment.client)
        entry_recorded.send(
            sender=Entry, entry=entry, risk_raised=entry.risk_flag, discuss_raised=entry.wants_to_discuss,
            commented=bool(comment) and not private,  # a private entry's comments are the client's own
        )  # fmt: skip
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
    is_private=None,
) -> Entry:
    """Change an entry the therapist has not reviewed yet, if nobody changed it meanwhile.
    `is_private` None keeps the entry as private, or not, as it was.

    One conditional UPDATE decides: it matches only the version the client started from and
    only while reviewed_at is empty, so two tabs (or a review landing mid-edit) cannot overwrite
    each other on SQLite or PostgreSQL. Raises EditConflict (stale or locked) when it matches
    nothing. Saving deletes the client's draft of this edit (homework.drafts).
    """
    assignment = entry.assignment
    _check_client(assignment, client_user)
    privacy_errors = {}
    private = _checked_privacy(privacy_errors, assignment, is_private, was_private=entry.is_private)
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
        extra_errors=privacy_errors,
    )
    changes = dict(fields, is_private=private, updated_at=timezone.now(), version=F("version") + 1)
    was_risky, was_to_discuss = entry.risk_flag, entry.wants_to_discuss
    if risk:
        # A raised risk flag is never lowered by an edit: the therapist must still see it.
        changes["risk_flag"] = True

    with transaction.atomic():
        as_opened = Entry.objects.unreviewed().filter(pk=entry.pk, version=expected_version)
        changed = as_opened.update(**changes)
        if not changed:
            current = Entry.objects.filter(pk=entry.pk).values("reviewed_at").first()
            if current is not None and current["reviewed_at"] is not None:
                raise EditConflict(LOCKED_ENTRY, reason=LOCKED)
            raise EditConflict(STALE_ENTRY, reason=STALE)
        draft_clear(assignment=assignment, entry=entry)
        record(actor=client_user, action=AuditAction.UPDATE, obj=entry, client=assignment.client)
        entry.refresh_from_db()
        entry_recorded.send(
            sender=Entry, entry=entry, risk_raised=entry.risk_flag and not was_risky,
            discuss_raised=entry.wants_to_discuss and not was_to_discuss, commented=False,
        )  # fmt: skip
    return entry


def comment_add(*, entry, author, body) -> Comment:
    """Add a note to an entry's thread, from the client or their treating therapist; a private
    entry's thread is the client's alone."""
    client = entry.assignment.client
    if author.pk not in (client.user_id, client.therapist_id):
        raise PermissionDenied("Only the client and their therapist comment on an entry.")
    errors = {}
    if entry.is_private and author.pk != client.user_id:
        raise ValidationError({"body": PRIVATE_NO_REPLY})
    body = checked_text(
        errors,
        "body",
        body,
        max_length=COMMENT_MAX,
        required=True,
        required_message=EMPTY_COMMENT,
        too_long_message=COMMENT_TOO_LONG,
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        comment = Comment.objects.create(entry=entry, author=author, body=body)
        record(actor=author, action=AuditAction.CREATE, obj=comment, client=client)
        comment_added.send(sender=Comment, comment=comment)
    return comment


RISK_NOTE_MAX = 2000
RISK_ALREADY_SEEN = "This risk flag was already marked as seen."
NOT_FLAGGED = "This entry has no risk flag to mark."


def risk_mark_seen(*, entry, therapist, note=""):
    """The treating therapist marks an entry's risk flag as seen, with an optional note; the flag
    itself stays (it is history), and the audit trail records who saw it and when."""
    client = entry.assignment.client
    if therapist.pk != client.therapist_id:
        raise PermissionDenied("Only the treating therapist marks a risk flag as seen.")
    errors = {}
    note = checked_text(errors, "risk_note", note, max_length=RISK_NOTE_MAX)
    if not entry.risk_flag:
        errors["risk_note"] = NOT_FLAGGED
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        changed = Entry.objects.filter(pk=entry.pk, risk_flag=True, risk_seen_at__isnull=True).update(
            risk_seen_at=timezone.now(), risk_seen_by=therapist, risk_note=note
        )
        if changed != 1:
            raise ValidationError({"risk_note": RISK_ALREADY_SEEN})
        record(actor=therapist, action=AuditAction.UPDATE, obj=entry, client=client)
    entry.refresh_from_db()
    return entry


def self_rating_record(*, assignment, client_user, quantity, quality):
    """The client's own rating of how much and how well they did the assignment (0-3 each)."""
    _check_client(assignment, client_user)
    errors = {}
    for name, value in (("quantity", quantity), ("quality", quality)):
        if rating_problem(value, required=True):
            errors[name] = rating_problem(value, required=True)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rating = SelfRating.objects.create(assignment=assignment, quantity=quantity, quality=quality)
        record(actor=client_user, action=AuditAction.CREATE, obj=rating, client=assignment.client)
    return rating
