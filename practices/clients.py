"""Who is in whose care: add and change clients, their goals and appointments.

Write functions (keyword-only, one transaction each, audited at the point of change) that the
therapist pages and the API both call. What the client list shows of each client's homework
is homework.access.caseload_summary.
"""

import zoneinfo
from datetime import UTC

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.invitations import invited_user_create
from audit.models import AuditAction
from audit.record import record
from lib.validation import DATE_OUT_OF_RANGE, checked_text, date_problem
from practices.events import client_added, client_timezone_changed
from practices.models import Appointment, Client, Goal, GoalStatus, validate_timezone

EMAIL_TAKEN = "Someone already uses this email address in Between. Use another address for this client."
NAME_MAX = 150
GOAL_TITLE_MAX = 200
GOAL_DESCRIPTION_MAX = 2000


def _checked_goal(title, description, status):
    errors = {}
    title = checked_text(
        errors, "title", title, max_length=GOAL_TITLE_MAX, required=True, required_message="Name the goal."
    )
    description = checked_text(errors, "description", description, max_length=GOAL_DESCRIPTION_MAX)
    if status not in GoalStatus.values:
        errors["status"] = "Choose working on it, achieved or set aside."
    if errors:
        raise ValidationError(errors)
    return title, description


def _checked_start(starts_at):
    """An aware appointment time inside the supported range, in every zone."""
    if starts_at is None or date_problem(starts_at.astimezone(UTC).date()):
        raise ValidationError({"starts_at": DATE_OUT_OF_RANGE})
    return starts_at


def _checked_name(name):
    errors = {}
    name = checked_text(errors, "name", name, max_length=NAME_MAX, required=True, required_message="Enter a name.")
    if errors:
        raise ValidationError(errors)
    return name


# --- Time helpers --------------------------------------------------------------------------------


def local_to_aware(naive, tz_name):
    """A wall-clock time typed for the client's zone -> an aware datetime.

    Raises ValidationError for a time the clocks skip (the hour lost when summer time starts),
    so nobody is booked for 02:30 on a day that has no 02:30.
    """
    tz = zoneinfo.ZoneInfo(tz_name)
    naive = naive.replace(tzinfo=None)
    problem = date_problem(naive.date())
    if problem:
        # Far from 1900-2199 the conversion to UTC can leave the range datetime represents.
        raise ValidationError(problem)
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise ValidationError(f"That time does not exist in {tz_name} (the clocks change). Choose another time.")
    return aware


def aware_to_local(value, tz_name):
    """An aware datetime -> the naive wall-clock time in the client's zone, for form inputs."""
    return value.astimezone(zoneinfo.ZoneInfo(tz_name)).replace(tzinfo=None)


def default_timezone_for(therapist):
    """Most clients of one therapist live where the therapist works: reuse the newest client's zone."""
    latest = (
        Client.objects.filter(therapist=therapist).order_by("-created_at").values_list("timezone", flat=True).first()
    )
    return latest or "UTC"


# --- Clients --------------------------------------------------------------------------------------------


def client_create(*, therapist, practice, name, email, timezone, next_appointment=None):
    """Create the client's account, their place in the caseload and the invitation email.

    For seed_demo and the benchmark only, which add clients without asking them. The therapist's
    "Add a client" page uses practices.invitations.care_invite instead: this function tells that an
    address already has an account (EMAIL_TAKEN), which a therapist must not learn.

    next_appointment is an aware datetime (see local_to_aware). Raises ValidationError on the
    "email" key when the address is taken; then nothing is created.
    """
    name = _checked_name(name)
    try:
        with transaction.atomic():
            user = invited_user_create(email=email, name=name, email_taken=EMAIL_TAKEN)
            validate_timezone(timezone)
            client = Client.objects.create(practice=practice, therapist=therapist, user=user, timezone=timezone)
            record(actor=therapist, action=AuditAction.CREATE, obj=client, client=client)
            if next_appointment is not None:
                appointment_create(actor=therapist, client=client, starts_at=next_appointment)
            client_added.send(sender=Client, client=client)
    except IntegrityError as exc:
        # Two people adding the same address at once: the unique index decides, the form explains.
        raise ValidationError({"email": EMAIL_TAKEN}) from exc
    return client


def client_update(*, actor, client, name, timezone, is_active):
    """Change name, time zone or whether the client is in care. Inactive clients vanish everywhere."""
    name = _checked_name(name)
    with transaction.atomic():
        validate_timezone(timezone)
        zone_changed = timezone != client.timezone
        client.timezone = timezone
        client.is_active = is_active
        client.save(update_fields=["timezone", "is_active"])
        if client.user.name != name:
            client.user.name = name
            client.user.save(update_fields=["name"])
        record(actor=actor, action=AuditAction.UPDATE, obj=client, client=client)
        if zone_changed:
            client_timezone_changed.send(sender=Client, client=client)
    return client


def client_timezone_set(*, client, actor, timezone):
    """The client's own choice of clock (their reminder settings): "today" and every reminder
    follow it. Refused in the words of practices.models.validate_timezone, keyed "timezone"."""
    try:
        validate_timezone(timezone)
    except ValidationError as exc:
        raise ValidationError({"timezone": exc.messages}) from None
    if timezone == client.timezone:
        return client
    with transaction.atomic():
        client.timezone = timezone
        client.save(update_fields=["timezone"])
        record(actor=actor, action=AuditAction.UPDATE, obj=client, client=client)
        client_timezone_changed.send(sender=Client, client=client)
    return client


# --- Goals ------------------------------------------------------------------------------------------------


def goal_create(*, actor, client, title, description="", status=GoalStatus.ACTIVE):
    title, description = _checked_goal(title, description, status)
    with transaction.atomic():
        goal = Goal.objects.create(client=client, title=title, description=description, status=status)
        record(actor=actor, action=AuditAction.CREATE, obj=goal, client=client)
    return goal


def goal_update(*, actor, goal, title, description, status):
    title, description = _checked_goal(title, description, status)
    with transaction.atomic():
        goal.title, goal.description, goal.status = title, description, status
        goal.save(update_fields=["title", "description", "status", "updated_at"])
        record(actor=actor, action=AuditAction.UPDATE, obj=goal, client=goal.client)
    return goal


# --- Appointments -----------------------------------------------------------------------------------------


def appointment_create(*, actor, client, starts_at):
    starts_at = _checked_start(starts_at)
    with transaction.atomic():
        appointment = Appointment.objects.create(client=client, starts_at=starts_at)
        record(actor=actor, action=AuditAction.CREATE, obj=appointment, client=client)
    return appointment


def appointment_update(*, actor, appointment, starts_at):
    starts_at = _checked_start(starts_at)
    with transaction.atomic():
        appointment.starts_at = starts_at
        appointment.save(update_fields=["starts_at"])
        record(actor=actor, action=AuditAction.UPDATE, obj=appointment, client=appointment.client)
    return appointment


def appointment_delete(*, actor, appointment):
    with transaction.atomic():
        # No "delete" action in the trail yet; a change is the closest. Codes outlive the row.
        record(actor=actor, action=AuditAction.UPDATE, obj=appointment, client=appointment.client)
        appointment.delete()


def next_appointment_date(client):
    """The local date of the client's next appointment, or None."""
    upcoming = Appointment.objects.filter(client=client).upcoming().values_list("starts_at", flat=True).first()
    if upcoming is None:
        return None
    return upcoming.astimezone(client.tz).date()
