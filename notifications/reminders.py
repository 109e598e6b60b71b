"""The rules a reminder must pass at the moment it is sent, for a whole delivery batch at once.

Planning happens up to 48 hours ahead; by the time a reminder is due the client may have logged
the practice, paused, moved their quiet hours, or the therapist may have stopped the exercise. So
every reminder is judged again here, against current data, in a fixed number of queries per batch:

- not sent when that day's practice is logged (done, partly or skipped), or a once or N-a-week
  exercise has had its practices;
- not sent when the assignment is stopped, past its due date or no longer plans that time;
- not sent when the client paused reminders, turned them off for the assignment or for email;
- backs off: after 3 reminders in a row followed by no entry, at most one a day for that
  assignment until the client logs again;
- moved, not sent, when quiet hours or a new time zone put its instant later.

The wording rotates among a few warm sentences, none of which names the exercise.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Max

from homework.models import PRACTISED, Assignment, Entry, Frequency
from homework.scheduling import is_due_on, parse_time, planned_occurrences
from notifications.access import reminder_preferences_of
from notifications.models import Channel, Message, MessageKind, MessageStatus

BACK_OFF_AFTER = 3
LOOK_BACK = timedelta(days=14)
LATE_ENOUGH = timedelta(seconds=60)  # a reminder whose instant moved less than this is sent now

WORDINGS = (
    "A gentle nudge: today is a day you planned to practise.",
    "You planned a practice for today. A few minutes is enough.",
    "Here is the reminder you asked for. However it goes, it is worth noting.",
    "Just a reminder of today's practice. Small steps count.",
    "When you have a moment, today's practice is waiting for you.",
)


@dataclass
class Verdict:
    cancel: set = field(default_factory=set)
    postpone: dict = field(default_factory=dict)  # message pk -> new UTC instant
    wording: dict = field(default_factory=dict)  # message pk -> index into WORDINGS


def sort_out(messages, *, now):
    """Judge a batch of claimed reminder messages: which to cancel, postpone or send (and how)."""
    verdict = Verdict()
    if not messages:
        return verdict
    assignment_ids = {m.assignment_id for m in messages}
    # The rules read no free text: deferring it spares decrypting five fields per reminder.
    free_text = ("title", "instructions", "rationale", "when_where", "barriers", "if_then_plan")
    assignments = {
        a.pk: a
        for a in Assignment.objects.filter(pk__in=assignment_ids)
        .select_related("client__reminder_preferences")
        .defer(*free_text)
    }
    days = {m.pk: date.fromisoformat(m.context["date"]) for m in messages}
    since = min(_counting_from(assignments.get(m.assignment_id), days[m.pk]) for m in messages)
    logged, practised = _entries(assignment_ids, since)
    last_entry = dict(
        Entry.objects.filter(assignment_id__in=assignment_ids)
        .values("assignment_id")
        .annotate(last=Max("created_at"))
        .values_list("assignment_id", "last")
    )
    sent = _recently_sent(assignment_ids, now)
    for message in messages:
        assignment = assignments.get(message.assignment_id)
        day = days[message.pk]
        if assignment is None or not _still_wanted(assignment, day, message, logged, practised):
            verdict.cancel.add(message.pk)
            continue
        at = _planned_instant(assignment, day, message.context["time"])
        if at is None:
            verdict.cancel.add(message.pk)
            continue
        if at > now + LATE_ENOUGH:
            verdict.postpone[message.pk] = at
            continue
        history = sent.setdefault(assignment.pk, [])
        if _backing_off(history, last_entry.get(assignment.pk)) and any(d == day for _, d in history):
            verdict.cancel.add(message.pk)
            continue
        verdict.wording[message.pk] = len(history) % len(WORDINGS)
        history.insert(0, (now, day))  # a second reminder in this batch sees this one
    return verdict


def _counting_from(assignment, day):
    if assignment is None:
        return day
    if assignment.frequency == Frequency.ONCE:
        return assignment.starts_on
    return day - timedelta(days=day.weekday())  # N times a week counts from Monday


def _entries(assignment_ids, since):
    logged, practised = set(), {}
    rows = Entry.objects.filter(assignment_id__in=assignment_ids, occurred_on__gte=since).values_list(
        "assignment_id", "occurred_on", "outcome"
    )
    for assignment_id, occurred_on, outcome in rows:
        logged.add((assignment_id, occurred_on))
        if outcome in PRACTISED:
            practised.setdefault(assignment_id, []).append(occurred_on)
    return logged, practised


def _recently_sent(assignment_ids, now):
    """assignment pk -> [(sent_at, local day)], newest first."""
    history = {}
    rows = (
        Message.objects.filter(
            assignment_id__in=assignment_ids,
            kind=MessageKind.REMINDER,
            status=MessageStatus.SENT,
            sent_at__gte=now - LOOK_BACK,
        )
        .order_by("-sent_at")
        .values_list("assignment_id", "sent_at", "context")
    )
    for assignment_id, sent_at, context in rows:
        history.setdefault(assignment_id, []).append((sent_at, date.fromisoformat(context["date"])))
    return history


def _still_wanted(assignment, day, message, logged, practised):
    preferences = reminder_preferences_of(assignment.client)
    return (
        assignment.is_open_on(day)
        and assignment.reminders_on
        and message.context["time"] in assignment.reminder_times
        and preferences.wants(message.channel or Channel.EMAIL)
        and not preferences.is_paused_on(day)
        and (assignment.pk, day) not in logged
        and is_due_on(assignment, day, practised.get(assignment.pk, ()))
    )


def _planned_instant(assignment, day, time_text):
    preferences = reminder_preferences_of(assignment.client)
    chosen = parse_time(time_text)
    for occurrence in planned_occurrences(assignment, assignment.client.tz, day, day, quiet=preferences.quiet):
        if occurrence.local_time == chosen:
            return occurrence.at
    return None


def _backing_off(history, last_entry_at):
    """Three reminders in a row with no entry since the first of them."""
    if len(history) < BACK_OFF_AFTER:
        return False
    third_newest = history[BACK_OFF_AFTER - 1][0]
    return last_entry_at is None or last_entry_at < third_newest
