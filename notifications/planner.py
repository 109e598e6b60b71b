"""Turn plans into outbox rows ahead of time: reminders for the next 48 hours, and each
therapist's morning email on the day of their appointments.

Runs in bounded batches (a page of assignments at a time), and is idempotent: the outbox key of
a reminder is (recipient, assignment, local day, chosen time), so planning twice, on two workers,
or after the client moved their quiet hours never makes a second row. Rows still pending whose
instant moved are moved; rows no longer planned are cancelled.
"""

import zoneinfo
from datetime import datetime, timedelta

from django.utils import timezone

from homework.models import Assignment
from homework.scheduling import parse_time, planned_occurrences
from notifications.access import MORNING_BRIEF_DEFAULT, reminder_preferences_of
from notifications.models import Channel, Message, MessageKind, MessageStatus, TherapistPreferences
from practices.models import Appointment

HORIZON = timedelta(hours=48)
PAGE = 200


def reminder_key(recipient_id, occurrence):
    return f"{MessageKind.REMINDER}:{recipient_id}:{occurrence.key}"


def _with_reminders():
    return (
        Assignment.objects.active()
        .filter(reminders_on=True)
        .exclude(reminder_times=[])
        .select_related("client__reminder_preferences")
        .only(
            "pk", "code", "client_id", "frequency", "times_per_week", "weekdays", "starts_on", "due_on",
            "reminder_times", "reminders_on", "status", "client__timezone", "client__user_id",
            "client__reminder_preferences",
        )
    )  # fmt: skip


def plan_reminders(*, now=None, page=PAGE, assignments=None):
    """Write the outbox rows of every reminder due in the next 48 hours. Returns the number of
    occurrences planned (new or already there)."""
    now = now or timezone.now()
    oldest_open = (now - timedelta(days=1)).date()  # a zone ahead of UTC may still be on that day
    queryset = _with_reminders().filter(due_on__gte=oldest_open)
    if assignments is not None:
        queryset = queryset.filter(pk__in=[a.pk for a in assignments])
    planned, last_pk = 0, 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk).order_by("pk")[:page])
        if not batch:
            return planned
        last_pk = batch[-1].pk
        planned += _plan_page(batch, now)


def replan(assignment_ids, *, now=None):
    """After a change: cancel what is no longer wanted and plan the assignments again."""
    now = now or timezone.now()
    ids = list(assignment_ids)
    wanted = {a.pk for a in _with_reminders().filter(pk__in=ids)}
    _pending_reminders(now).filter(assignment_id__in=set(ids) - wanted).update(status=MessageStatus.CANCELLED)
    if wanted:
        plan_reminders(now=now, assignments=[Assignment(pk=pk) for pk in wanted])


def _pending_reminders(now):
    return Message.objects.filter(kind=MessageKind.REMINDER, status=MessageStatus.PENDING, due_at__gte=now)


def _plan_page(assignments, now):
    rows = {}
    for assignment in assignments:
        client = assignment.client
        preferences = reminder_preferences_of(client)
        if not preferences.wants(Channel.EMAIL):
            continue
        tz = client.tz
        first, last = now.astimezone(tz).date(), (now + HORIZON).astimezone(tz).date()
        for occurrence in planned_occurrences(assignment, tz, first, last, quiet=preferences.quiet):
            if not now <= occurrence.at < now + HORIZON or preferences.is_paused_on(occurrence.local_date):
                continue
            key = reminder_key(client.user_id, occurrence)
            rows[key] = Message(
                idempotency_key=key,
                recipient_id=client.user_id,
                kind=MessageKind.REMINDER,
                assignment_id=assignment.pk,
                due_at=occurrence.at,
                next_attempt_at=occurrence.at,
                context={
                    "assignment": assignment.code,
                    "date": occurrence.local_date.isoformat(),
                    "time": f"{occurrence.local_time:%H:%M}",
                },
            )
    existing = _pending_reminders(now).filter(assignment_id__in=[a.pk for a in assignments])
    moved, gone = [], []
    for message in existing.only("pk", "idempotency_key", "due_at"):
        wanted = rows.pop(message.idempotency_key, None)
        if wanted is None:
            gone.append(message.pk)
        elif wanted.due_at != message.due_at:
            message.due_at = message.next_attempt_at = wanted.due_at
            message.dispatched_at = None
            moved.append(message)
        else:
            rows[message.idempotency_key] = None  # already planned as it is
    if gone:
        Message.objects.filter(pk__in=gone, status=MessageStatus.PENDING).update(status=MessageStatus.CANCELLED)
    if moved:
        Message.objects.bulk_update(moved, ["due_at", "next_attempt_at", "dispatched_at"])
    new = [row for row in rows.values() if row is not None]
    # A row another planner wrote meanwhile (or one already sent) wins: the key is unique.
    Message.objects.bulk_create(new, ignore_conflicts=True)
    return len(new) + len(moved) + sum(1 for row in rows.values() if row is None)


def plan_morning_briefs(*, now=None, page=500):
    """One email per therapist on the morning (their zone, 07:30 unless they chose) of each day
    they have an appointment with a client in care in the next 48 hours. A day whose morning has
    passed is told now. Pending emails for a day that no longer has one (a cancelled
    appointment, a new zone that moves it to another local day) are cancelled."""
    now = now or timezone.now()
    upcoming = Appointment.objects.filter(
        starts_at__gte=now, starts_at__lt=now + HORIZON, client__is_active=True
    ).order_by()
    pending = Message.objects.filter(kind=MessageKind.MORNING_BRIEF, status=MessageStatus.PENDING, due_at__gte=now)
    therapists = sorted(
        set(upcoming.values_list("client__therapist_id", flat=True))
        | set(pending.values_list("recipient_id", flat=True))
    )
    planned = 0
    for start in range(0, len(therapists), page):
        chunk = therapists[start : start + page]
        preferences = {p.user_id: p for p in TherapistPreferences.objects.filter(user_id__in=chunk)}
        rows = {}
        for starts_at, therapist in upcoming.filter(client__therapist_id__in=chunk).values_list(
            "starts_at", "client__therapist_id"
        ):
            mine = preferences.get(therapist)
            tz = zoneinfo.ZoneInfo(mine.timezone if mine else "UTC")
            day = starts_at.astimezone(tz).date()
            brief_at = mine.morning_brief_at if mine and mine.morning_brief_at else parse_time(MORNING_BRIEF_DEFAULT)
            at = max(datetime.combine(day, brief_at, tzinfo=tz), now)
            key = f"{MessageKind.MORNING_BRIEF}:{therapist}:{day.isoformat()}"
            rows[key] = Message(
                idempotency_key=key, recipient_id=therapist, kind=MessageKind.MORNING_BRIEF, due_at=at,
                next_attempt_at=at, context={"date": day.isoformat()},
            )  # fmt: skip
        pending.filter(recipient_id__in=chunk).exclude(idempotency_key__in=list(rows)).update(
            status=MessageStatus.CANCELLED
        )
        Message.objects.bulk_create(list(rows.values()), ignore_conflicts=True)
        planned += len(rows)
    return planned
