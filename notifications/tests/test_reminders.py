"""Reminders from plan to inbox: planned once per occurrence whatever runs twice, and judged again
at the moment they are due (logged, stopped, past due, paused, quiet hours, back-off)."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from conftest import make_entry
from homework.models import AssignmentStatus
from notifications import planner, tasks
from notifications.models import Message, MessageKind, MessageStatus, ReminderPreferences
from notifications.reminders import WORDINGS

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now().replace(second=0, microsecond=0)


def _local(client, at):
    return at.astimezone(client.tz)


@pytest.fixture
def reminded(assignment_a, now):
    """assignment_a reminding at a time three hours from now, in client_a's zone (Europe/Berlin)."""
    assignment_a.reminder_times = [f"{_local(assignment_a.client, now + timedelta(hours=3)):%H:%M}"]
    assignment_a.save()
    return assignment_a


@pytest.fixture
def local_midnight(client_a, now):
    """The start of client_a's local day (as a UTC instant), to plan a whole local day ahead."""
    return _local(client_a, now).replace(hour=0, minute=0)


def _reminders(**filters):
    return Message.objects.filter(kind=MessageKind.REMINDER, **filters).order_by("due_at")


def _first(now):
    return _reminders(status=MessageStatus.PENDING).first()


def test_planning_twice_or_on_two_workers_makes_one_row_per_occurrence(reminded, now):
    planner.plan_reminders(now=now)
    planner.plan_reminders(now=now)
    planner.plan_reminders(now=now + timedelta(minutes=5))
    rows = list(_reminders().values_list("due_at", flat=True))
    assert rows == [now + timedelta(hours=3), now + timedelta(hours=27)], "48 hours ahead, once each"
    assert _reminders().values("idempotency_key").distinct().count() == 2


def test_a_reminder_is_sent_once_at_its_time_without_clinical_text(reminded, now, client_a):
    planner.plan_reminders(now=now)
    due = _first(now)
    assert tasks.deliver_due(now=due.due_at - timedelta(minutes=1)) == 0, "not before its time"
    assert tasks.deliver_due(now=due.due_at) == 1
    assert tasks.deliver_due(now=due.due_at + timedelta(minutes=1)) == 0
    (email,) = mail.outbox
    assert email.to == [client_a.user.email]
    assert email.body.split("\n\n")[1].startswith(WORDINGS[0])
    assert "List-Unsubscribe" in email.extra_headers and email.extra_headers["List-Unsubscribe-Post"]
    assert "Alice Therapist" in email.body  # the therapist's name may appear; nothing clinical does


@pytest.mark.parametrize("outcome", ["done", "partly", "skipped"])
def test_a_practice_already_logged_that_day_silences_its_reminder(reminded, now, outcome):
    planner.plan_reminders(now=now)
    due = _first(now)
    day = date.fromisoformat(due.context["date"])
    extra = {"skip_reason": "no_time", "helpfulness": None, "difficulty": ""} if outcome == "skipped" else {}
    make_entry(reminded, occurred_on=day, outcome=outcome, **extra)
    assert tasks.deliver_due(now=due.due_at) == 0
    assert Message.objects.get(pk=due.pk).status == MessageStatus.CANCELLED
    assert mail.outbox == []


def test_a_practice_logged_on_another_day_does_not_silence_today(reminded, now):
    planner.plan_reminders(now=now)
    due = _first(now)
    make_entry(reminded, occurred_on=date.fromisoformat(due.context["date"]) - timedelta(days=1))
    assert tasks.deliver_due(now=due.due_at) == 1


def test_a_stopped_or_past_due_assignment_sends_nothing_more(reminded, now):
    planner.plan_reminders(now=now)
    first, second = _reminders()
    reminded.due_on = date.fromisoformat(first.context["date"])
    reminded.save()
    assert tasks.deliver_due(now=second.due_at) == 1, "the last day is still reminded"
    assert Message.objects.get(pk=second.pk).status == MessageStatus.CANCELLED, "past its due date"
    Message.objects.filter(pk=first.pk).update(status=MessageStatus.PENDING, sent_at=None)
    reminded.status = AssignmentStatus.STOPPED
    reminded.save()
    assert tasks.deliver_due(now=second.due_at) == 0


def test_pausing_after_planning_silences_what_was_planned(reminded, now, client_a):
    planner.plan_reminders(now=now)
    due = _first(now)
    ReminderPreferences.objects.create(client=client_a, paused_until=date.fromisoformat(due.context["date"]))
    assert tasks.deliver_due(now=due.due_at) == 0
    reminded.refresh_from_db()
    ReminderPreferences.objects.filter(client=client_a).update(paused_until=None, channels=[])
    assert tasks.deliver_due(now=due.due_at + timedelta(days=1)) == 0, "email turned off"


def test_new_quiet_hours_move_a_planned_reminder_instead_of_sending_it_inside_them(reminded, now, client_a):
    planner.plan_reminders(now=now)
    due = _first(now)
    local = _local(client_a, due.due_at).time()
    end = (datetime.combine(date.today(), local) + timedelta(hours=1)).time()
    ReminderPreferences.objects.create(client=client_a, quiet_start=time(local.hour, 0), quiet_end=end)
    assert tasks.deliver_due(now=due.due_at) == 0
    moved = Message.objects.get(pk=due.pk)
    assert moved.status == MessageStatus.PENDING and _local(client_a, moved.due_at).time() == end
    assert tasks.deliver_due(now=moved.due_at) == 1


def test_a_changed_time_cancels_the_old_reminder_and_plans_the_new_one(reminded, now, client_a):
    from homework.reminding import assignment_reminders_set

    planner.plan_reminders(now=now)
    old = _first(now)
    later = now + timedelta(hours=5)
    assignment_reminders_set(assignment=reminded, actor=client_a.user, times=f"{_local(client_a, later):%H:%M}")
    assert Message.objects.get(pk=old.pk).status == MessageStatus.CANCELLED
    assert _first(now).due_at == later


def _send_reminders_without_entries(assignment, days, now):
    """Reminders at 08:00 and 20:00 on `days` consecutive days, all sent, none answered."""
    sent = []
    for n in range(days):
        for hour in (8, 20):
            at = now - timedelta(days=days - n) + timedelta(hours=hour)
            sent.append(
                Message(
                    idempotency_key=f"reminder:test:{n}:{hour}",
                    recipient=assignment.client.user,
                    kind=MessageKind.REMINDER,
                    assignment=assignment,
                    due_at=at,
                    next_attempt_at=at,
                    status=MessageStatus.SENT,
                    sent_at=at,
                    context={"assignment": assignment.code, "date": at.date().isoformat(), "time": f"{hour:02d}:00"},
                )  # fmt: skip
            )
    Message.objects.bulk_create(sent)


def _todays(midnight):
    day = midnight.date().isoformat()
    return [m for m in _reminders(status=MessageStatus.PENDING) if m.context["date"] == day]


def test_after_three_unanswered_reminders_at_most_one_a_day_until_the_client_logs(assignment_a, local_midnight):
    assignment_a.reminder_times = ["00:01", "23:58"]
    assignment_a.save()
    _send_reminders_without_entries(assignment_a, 2, local_midnight)  # four sent, none answered
    planner.plan_reminders(now=local_midnight)
    first, second = _todays(local_midnight)
    assert tasks.deliver_due(now=first.due_at) == 1
    assert tasks.deliver_due(now=second.due_at) == 0, "backing off: one a day"
    assert Message.objects.get(pk=second.pk).status == MessageStatus.CANCELLED


def test_logging_again_ends_the_back_off(assignment_a, local_midnight):
    assignment_a.reminder_times = ["00:01", "23:58"]
    assignment_a.save()
    _send_reminders_without_entries(assignment_a, 2, local_midnight)
    planner.plan_reminders(now=local_midnight)
    first, second = _todays(local_midnight)
    assert tasks.deliver_due(now=first.due_at) == 1
    make_entry(assignment_a, occurred_on=local_midnight.date() - timedelta(days=1))  # logged (late) for yesterday
    Message.objects.filter(pk=first.pk).update(sent_at=timezone.now() - timedelta(days=3))
    assert tasks.deliver_due(now=second.due_at) == 1


def test_the_wording_rotates_among_warm_sentences(reminded, now):
    planner.plan_reminders(now=now)
    first, second = _reminders()
    tasks.deliver_due(now=first.due_at)
    tasks.deliver_due(now=second.due_at)
    openings = [email.body.split("\n\n")[1] for email in mail.outbox]
    assert openings[0].startswith(WORDINGS[0]) and openings[1].startswith(WORDINGS[1])


def test_a_once_exercise_done_earlier_in_the_week_is_not_reminded_again(assignment_a, now):
    assignment_a.frequency = "once"
    assignment_a.reminder_times = [f"{_local(assignment_a.client, now + timedelta(hours=3)):%H:%M}"]
    assignment_a.save()
    planner.plan_reminders(now=now)
    make_entry(assignment_a, occurred_on=assignment_a.starts_on)
    assert tasks.deliver_due(now=_first(now).due_at) == 0


def test_the_planner_reads_a_fixed_number_of_queries_per_page(django_assert_max_num_queries, client_a, now):
    from conftest import make_assignment

    for _ in range(30):
        make_assignment(client_a, reminder_times=["07:00", "19:00"])
    with django_assert_max_num_queries(6):
        planner.plan_reminders(now=now)
    assert _reminders().count() == 30 * 4


def test_a_delivery_batch_judges_its_reminders_in_a_fixed_number_of_queries(
    django_assert_max_num_queries, client_a, now
):
    from conftest import make_assignment

    for _ in range(20):
        make_assignment(client_a, reminder_times=[f"{_local(client_a, now + timedelta(hours=3)):%H:%M}"])
    planner.plan_reminders(now=now)
    due = list(_reminders().filter(due_at=now + timedelta(hours=3)).values_list("pk", flat=True))
    assert len(due) == 20
    # claim, load, 4 rule queries, sign-in links, names, one "sent" mark per email
    with django_assert_max_num_queries(9 + len(due)):
        assert tasks.deliver_batch(due, now=now + timedelta(hours=3)) == 20
