"""The client's own rules for reminders: quiet hours, channels, a pause, the calendar feed, and
what a pause link from an email does.

Write functions (keyword-only, one transaction each, audited at the point of change) that the
settings page, the pause link and later the API all call, so each refuses the same input in the
same words. A change that can move or silence a reminder plans the client's reminders again in
the same transaction (notifications.planner.replan), so rows already in the outbox never
disagree with what the client just chose.
"""

from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import AuditAction
from audit.record import record
from homework.models import Assignment
from homework.reminding import assignment_reminders_set
from lib.conflicts import EditConflict
from lib.validation import date_problem
from notifications import planner
from notifications.links import ALL, BadLink, new_feed_nonce
from notifications.models import Channel, ReminderPreferences
from practices.models import Client

QUIET_BOTH = "Give quiet hours both a start and an end, or leave both empty."
QUIET_SAME = "Quiet hours must end at another time than they start."
NOT_A_TIME = "Enter a time of day such as 22:00."
NOT_A_CHANNEL = "Choose from the ways of reminding listed."
NOT_A_DATE = "Enter a date such as 2026-05-31."
PAUSE_IN_THE_PAST = "Choose today or a later day, or leave it empty to keep reminders going."


def _active_assignment_ids(client):
    return list(Assignment.objects.active().filter(client=client).values_list("pk", flat=True))


def replan_client(client):
    """Plan every active assignment of the client again (after a change to their rules or zone)."""
    planner.replan(_active_assignment_ids(client))


def _minute(value):
    return value.replace(second=0, microsecond=0) if isinstance(value, time) else value


def _checked(client, quiet_start, quiet_end, channels, paused_until):
    errors = {}
    quiet_start, quiet_end = _minute(quiet_start), _minute(quiet_end)
    for field, value in (("quiet_start", quiet_start), ("quiet_end", quiet_end)):
        if value is not None and not isinstance(value, time):
            errors[field] = NOT_A_TIME
    if not errors:
        if (quiet_start is None) != (quiet_end is None):
            errors["quiet_end" if quiet_end is None else "quiet_start"] = QUIET_BOTH
        elif quiet_start is not None and quiet_start == quiet_end:
            errors["quiet_end"] = QUIET_SAME
    if not isinstance(channels, list | tuple | set) or any(c not in Channel.values for c in channels):
        errors["channels"] = NOT_A_CHANNEL
        channels = []
    if paused_until is not None:
        if not isinstance(paused_until, date):
            errors["paused_until"] = NOT_A_DATE
        elif date_problem(paused_until):
            errors["paused_until"] = date_problem(paused_until)
        elif paused_until < client.today():
            errors["paused_until"] = PAUSE_IN_THE_PAST
    if errors:
        raise ValidationError(errors)
    # Stored in Channel's order, so the same choice always compares equal.
    return quiet_start, quiet_end, [value for value in Channel.values if value in set(channels)]


def reminder_preferences_update(*, client, actor, quiet_start, quiet_end, channels, paused_until):
    """Quiet hours (local times, both or neither; they may run past midnight), the channels that
    remind (a list of Channel values; empty turns every reminder off) and a pause (no reminder
    on or before that local day; None for no pause)."""
    quiet_start, quiet_end, channels = _checked(client, quiet_start, quiet_end, channels, paused_until)
    with transaction.atomic():
        preferences, _ = ReminderPreferences.objects.select_for_update().get_or_create(client=client)
        preferences.quiet_start, preferences.quiet_end = quiet_start, quiet_end
        preferences.channels = channels
        preferences.paused_until = paused_until
        preferences.save()
        record(actor=actor, action=AuditAction.UPDATE, obj=preferences, client=client)
        replan_client(client)
    return preferences


def feed_turn_on(*, client, actor):
    """Turn the private calendar feed on, or give it a new address: a new secret makes every
    older address stop working. Reminders are not affected, so nothing is planned again."""
    with transaction.atomic():
        preferences, _ = ReminderPreferences.objects.select_for_update().get_or_create(client=client)
        preferences.feed_nonce = new_feed_nonce()
        preferences.save(update_fields=["feed_nonce", "updated_at"])
        record(actor=actor, action=AuditAction.UPDATE, obj=preferences, client=client)
    return preferences


def feed_turn_off(*, client, actor):
    with transaction.atomic():
        preferences, _ = ReminderPreferences.objects.select_for_update().get_or_create(client=client)
        preferences.feed_nonce = ""
        preferences.save(update_fields=["feed_nonce", "updated_at"])
        record(actor=actor, action=AuditAction.UPDATE, obj=preferences, client=client)
    return preferences


def pause_by_link(*, client_code, assignment_code):
    """What a signed pause link from a reminder does (the caller checked the signature): ALL
    turns email reminders off altogether; an assignment's code turns that assignment's reminders
    off and keeps its times. Raises BadLink when the link names nothing of that client's.

    The link is the client's own credential (only they received it), so the audit row names the
    client as the one who acted."""
    client = Client.objects.select_related("user").filter(code=client_code, is_active=True).first()
    if client is None:
        raise BadLink
    if assignment_code == ALL:
        with transaction.atomic():
            preferences, _ = ReminderPreferences.objects.select_for_update().get_or_create(client=client)
            if Channel.EMAIL in preferences.channels:
                preferences.channels = [c for c in preferences.channels if c != Channel.EMAIL]
                preferences.save(update_fields=["channels", "updated_at"])
                record(actor=client.user, action=AuditAction.UPDATE, obj=preferences, client=client)
                replan_client(client)
        return None
    assignment = Assignment.objects.select_related("client").filter(code=assignment_code, client=client).first()
    if assignment is None:
        raise BadLink
    # The client's wish is "off" whatever the therapist changed meanwhile, so a stale version is
    # read again once rather than refused (assignment_reminders_set re-plans it).
    for _ in range(2):
        if not assignment.reminders_on:
            return assignment
        try:
            return assignment_reminders_set(assignment=assignment, actor=client.user, on=False)
        except EditConflict:
            assignment.refresh_from_db()
    raise EditConflict("This practice changed while pausing its reminders. Open the link again.")
