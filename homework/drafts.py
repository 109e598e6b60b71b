"""Drafts: what a client has typed into a log form and not saved yet, kept on the server as they
type so that nothing is lost to a closed tab, a flat battery or a session that ran out.

One draft per client and assignment for a new entry, one per entry for an edit (the unique
constraints on homework.Draft). A draft holds the form's fields exactly as the browser posts
them, {name: [values]}, encrypted at rest as one token (EncryptedJSONField); it is never checked
against the exercise's rules (half-typed is the point), only for size and for text that can be
stored. homework.recording deletes it in the same transaction that saves the entry.

Drafts are not audited: a row per pause in typing would bury the trail, and only the client
ever reads their own draft back (into their own form).
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from homework.models import Draft, Entry
from lib.conflicts import LOCKED, STALE, EditConflict
from lib.validation import text_problem

DRAFT_MAX_BYTES = 64 * 1024
DRAFT_TOO_LARGE = (
    "This is too long to keep as a draft (more than 64 KB). What you typed is still on the page: "
    "save the entry to keep it."
)
NOT_FORM_FIELDS = "A draft holds the form's fields: each name with a list of text values."
DRAFT_STOPPED = "This exercise has been stopped or has not started yet; there is nothing to log."
DRAFT_LOCKED = "Your therapist has already reviewed this entry, so it can no longer be changed."
DRAFT_STALE = "This entry was saved since this page was opened; reload it to go on."


def _check_client(assignment, client_user):
    if assignment.client.user_id != client_user.pk:
        raise PermissionDenied("Only the client keeps drafts of their own practice.")


def _checked_fields(fields):
    """{name: [str, ...]} as sent, or a ValidationError; single strings become one-item lists."""
    if not isinstance(fields, dict):
        raise ValidationError({"draft": NOT_FORM_FIELDS})
    checked = {}
    for name, values in fields.items():
        if isinstance(values, str):
            values = [values]
        if not isinstance(name, str) or not isinstance(values, list | tuple):
            raise ValidationError({"draft": NOT_FORM_FIELDS})
        if not all(isinstance(value, str) for value in values):
            raise ValidationError({"draft": NOT_FORM_FIELDS})
        problem = text_problem(name) or next(filter(None, map(text_problem, values)), None)
        if problem:
            raise ValidationError({"draft": problem})
        checked[name] = list(values)
    size = len(json.dumps(checked, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    if size > DRAFT_MAX_BYTES:
        raise ValidationError({"draft": DRAFT_TOO_LARGE})
    return checked


def draft_save(*, client_user, assignment, fields, entry=None, version=None, submission_key=None):
    """Keep what the client typed (the newest copy replaces the last), and return the Draft.

    For a new entry: None instead when the practice it belongs to is already saved (an entry
    carries this form's `submission_key`), so a late save cannot bring a sent text back. For an
    edit: EditConflict when the entry was reviewed, or saved since the form was opened
    (`version` is the one the form carries).
    """
    _check_client(assignment, client_user)
    if entry is not None:
        if entry.assignment_id != assignment.pk:
            raise PermissionDenied("The entry is not of this assignment.")
        current = Entry.objects.filter(pk=entry.pk).values("reviewed_at", "version").first() or {}
        if current.get("reviewed_at") is not None:
            raise EditConflict(DRAFT_LOCKED, reason=LOCKED)
        if version is not None and version != current.get("version"):
            raise EditConflict(DRAFT_STALE, reason=STALE)
    elif not assignment.has_started_by(assignment.client.today()):
        raise ValidationError({"draft": DRAFT_STOPPED})
    elif submission_key and Entry.objects.filter(assignment=assignment, submission_key=submission_key).exists():
        return None
    data = _checked_fields(fields)
    with transaction.atomic():
        draft, _ = Draft.objects.update_or_create(
            client=assignment.client, assignment=assignment, entry=entry, defaults={"data": data}
        )
    return draft


def draft_clear(*, assignment, entry=None):
    """Delete the draft of a new entry of `assignment` (or of `entry`): it has been saved."""
    Draft.objects.filter(client_id=assignment.client_id, assignment=assignment, entry=entry).delete()
