"""Reminder times of an assignment: their rules and wording, the default taken from "when and
where", and the client's own write (change the times, pause one assignment's reminders).

The therapist sets times through homework.assigning, which checks them here, so the page, the
client's settings and the API refuse a bad time in the same words.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.models import AuditAction
from audit.record import record
from homework.events import assignment_changed
from homework.models import Assignment
from lib.conflicts import STALE, EditConflict

TIMES_MAX = 6
BAD_TIMES = "Write times of day as 19:00 or 7:30 pm, separated by commas (at most 6), or “none”."
STALE_REMINDERS = "Your therapist changed this exercise meanwhile; your times are still below."

_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
# Words people write in "when and where", and the hour they most often mean.
_DAYPARTS = (
    ("breakfast", "08:00"),
    ("morning", "08:00"),
    ("lunch", "12:30"),
    ("afternoon", "15:00"),
    ("dinner", "19:00"),
    ("supper", "19:00"),
    ("evening", "19:00"),
    ("bed", "21:30"),
    ("night", "21:30"),
)
_TIME_IN_TEXT = re.compile(r"\b(\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)|\d{1,2}[:.]\d{2})\b", re.IGNORECASE)


def _clock(text):
    """ "19:00", "7pm", "7:30 pm", "7.30" -> "HH:MM", or None when it is not a time of day."""
    match = _CLOCK.match(text.strip())
    if not match:
        return None
    hours, minutes, half = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
    if half:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if half == "pm" else 0)
    elif match[2] is None:
        return None  # a bare "7" is too ambiguous to remind at
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


def clean_times(value):
    """A list of "HH:MM" strings from a list or from text ("19:00, 7:30 pm", "none", "").

    Raises ValueError with BAD_TIMES; the callers put it beside their field."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        parts = [] if text.lower() in ("", "none", "no") else re.split(r"[,;]|\s+and\s+", text)
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise ValueError(BAD_TIMES)
    times = []
    for part in parts:
        clock = _clock(part) if isinstance(part, str) else None
        if clock is None:
            raise ValueError(BAD_TIMES)
        times.append(clock)
    times = sorted(set(times))
    if len(times) > TIMES_MAX:
        raise ValueError(BAD_TIMES)
    return times


def times_from_when_where(text):
    """The default reminder: a time written in "when and where" ("after dinner, 19:00"), else the
    hour its words suggest ("after breakfast" -> 08:00), else none."""
    text = text or ""
    for found in _TIME_IN_TEXT.findall(text):
        clock = _clock(found)
        if clock:
            return [clock]
    lowered = text.lower()
    for word, clock in _DAYPARTS:
        if word in lowered:
            return [clock]
    return []


def assignment_reminders_set(*, assignment, actor, times=None, on=None, expected_version=None):
    """The client's own choice for one assignment: new times, or reminders on or off (the
    times are kept). A conditional update, so a revision by the therapist is never overwritten."""
    changes = {}
    if times is not None:
        try:
            changes["reminder_times"] = clean_times(times)
        except ValueError as problem:
            raise ValidationError({"reminder_times": str(problem)}) from None
    if on is not None:
        changes["reminders_on"] = bool(on)
    if not changes:
        return assignment
    version = assignment.version if expected_version is None else expected_version
    with transaction.atomic():
        changed = Assignment.objects.filter(pk=assignment.pk, version=version).update(
            **changes, version=F("version") + 1, updated_at=timezone.now()
        )
        if changed != 1:
            raise EditConflict(STALE_REMINDERS, reason=STALE)
        assignment.refresh_from_db()
        record(actor=actor, action=AuditAction.UPDATE, obj=assignment, client=assignment.client)
        assignment_changed.send(sender=Assignment, assignment=assignment)
    return assignment
