"""The therapist's own settings for what they hear from us: their time zone and when the morning
email comes on a day with appointments. The one rulebook for them: pages only parse types.

A change moves the morning emails already planned (notifications.planner writes them up to 48
hours ahead) instead of cancelling them: the planner would find the old row's idempotency key
and write no new one, and that morning's email would never come.
"""

import zoneinfo
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone as django_timezone

from notifications.models import Message, MessageKind, MessageStatus, TherapistPreferences

CHOOSE_TIMEZONE = "Choose a time zone from the list (for example Europe/Berlin)."
CHOOSE_TIME = "Choose the time of the morning email, for example 07:30."


def therapist_preferences_update(*, user, timezone, morning_brief_at):
    """Save the therapist's zone and morning-email time; pending morning emails follow at once."""
    errors = {}
    if not isinstance(timezone, str) or timezone not in zoneinfo.available_timezones():
        errors["timezone"] = CHOOSE_TIMEZONE
    if not isinstance(morning_brief_at, time):
        errors["morning_brief_at"] = CHOOSE_TIME
    if errors:
        raise ValidationError(errors)
    # The planner combines it with a date in the chosen zone: a wall-clock time, to the minute.
    brief_at = morning_brief_at.replace(second=0, microsecond=0, tzinfo=None)
    with transaction.atomic():
        preferences, _ = TherapistPreferences.objects.update_or_create(
            user=user, defaults={"timezone": timezone, "morning_brief_at": brief_at}
        )
        _move_morning_briefs(user, zoneinfo.ZoneInfo(timezone), brief_at, django_timezone.now())
    return preferences


def _planned_day(message):
    try:
        return date.fromisoformat(message.context.get("date", ""))
    except (AttributeError, TypeError, ValueError):
        return None


def _move_morning_briefs(user, tz, brief_at, now):
    """The same instant the planner would choose now: the local day it was planned for, at the new
    time in the new zone, and never in the past (a morning already gone is told at once)."""
    pending = Message.objects.filter(recipient=user, kind=MessageKind.MORNING_BRIEF, status=MessageStatus.PENDING)
    for message in pending.only("pk", "context", "due_at"):
        day = _planned_day(message)
        if day is None:
            continue
        at = max(datetime.combine(day, brief_at, tzinfo=tz), now)
        if at == message.due_at:
            continue
        # One row at a time, and only while still pending: a worker may be claiming it right now.
        # Undispatched again, so a delivery already queued for the old instant finds it not due.
        Message.objects.filter(pk=message.pk, status=MessageStatus.PENDING).update(
            due_at=at, next_attempt_at=at, dispatched_at=None
        )
