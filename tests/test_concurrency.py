"""Concurrent writes lose nothing and fail cleanly, on SQLite and PostgreSQL (docs/security.md T-RL-1).

Each thread has its own database connection, as separate web workers would.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.models import SignInLink
from conftest import make_assignment, make_entry
from homework.models import Entry
from homework.recording import entry_update
from lib.conflicts import EditConflict
from notifications import tasks
from notifications.models import Message, MessageKind

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


@pytest.fixture(autouse=True)
def builtin_templates(db):
    # transaction=True empties the tables the data migration filled; put the library back.
    from homework.builtin.loader import load_builtin_templates
    from homework.models import ExerciseTemplate, TemplateVersion

    load_builtin_templates(ExerciseTemplate, TemplateVersion)


def run_in_threads(work, count=THREADS):
    def in_own_connection(index):
        try:
            return work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(in_own_connection, range(count)))


def test_concurrent_edits_of_one_entry_never_lose_an_update(client_a):
    entry = make_entry(make_assignment(client_a, key="skill-practice"))
    edits_per_thread = 10

    def edit(index):
        saved, stale = [], 0
        for attempt in range(edits_per_thread):
            current = Entry.objects.get(pk=entry.pk)
            try:
                entry_update(
                    entry=current,
                    expected_version=current.version,
                    client_user=client_a.user,
                    outcome="done",
                    occurred_on=current.occurred_on,
                    answers={
                        "practised_at": "08:00",
                        "duration_minutes": index * 100 + attempt,
                        "tension_before": 5,
                        "tension_after": 3,
                    },
                    helpfulness=2,
                )
                saved.append(current.version)
            except EditConflict:
                stale += 1
        return saved, stale

    results = run_in_threads(edit)
    based_on = [version for versions, _ in results for version in versions]
    stale = sum(count for _, count in results)
    entry.refresh_from_db()
    assert len(based_on) + stale == THREADS * edits_per_thread, "every attempt saved or was told it was stale"
    # Two saves built on the same version would mean one silently overwrote the other.
    assert len(based_on) == len(set(based_on))
    assert entry.version == 1 + len(based_on)


def test_a_sign_in_link_signs_in_once_even_when_used_at_the_same_moment(client_a):
    link, _ = SignInLink.issue(client_a.user)
    results = run_in_threads(lambda _: SignInLink.objects.get(pk=link.pk).consume())
    assert results.count(True) == 1


def test_two_workers_delivering_the_same_message_send_it_once(client_a):
    assignment = make_assignment(client_a)
    # Written directly: enqueue() would already deliver it on commit in the test's immediate mode.
    message = Message.objects.create(
        idempotency_key=f"test:{assignment.code}",
        recipient=client_a.user,
        kind=MessageKind.NEW_ASSIGNMENT,
        context={"assignment": assignment.code},
        next_attempt_at=timezone.now(),
    )
    results = run_in_threads(lambda _: tasks.deliver(message.pk))
    assert results.count(True) == 1
    assert len(mail.outbox) == 1


def test_eight_planners_at_once_plan_each_reminder_once(client_a):
    from notifications import planner

    for _ in range(5):
        make_assignment(client_a, reminder_times=["07:00", "12:00", "19:00"])
    now = timezone.now()
    run_in_threads(lambda _: planner.plan_reminders(now=now))
    reminders = Message.objects.filter(kind=MessageKind.REMINDER)
    assert reminders.count() == reminders.values("idempotency_key").distinct().count() == 5 * 3 * 2


def test_eight_dispatchers_and_deliverers_at_once_send_every_due_reminder_once(client_a):
    from notifications import planner

    for _ in range(4):
        make_assignment(client_a, reminder_times=["07:00", "12:00", "19:00"])
    now = timezone.now()
    planner.plan_reminders(now=now)
    due = list(Message.objects.filter(kind=MessageKind.REMINDER).values_list("pk", flat=True))
    later = now + timezone.timedelta(hours=48)
    # Each thread takes every message at once, as racing batches would.
    run_in_threads(lambda _: tasks.deliver_batch(due, now=later))
    sent = Message.objects.filter(kind=MessageKind.REMINDER, status="sent").count()
    cancelled = Message.objects.filter(kind=MessageKind.REMINDER, status="cancelled").count()
    assert sent + cancelled == len(due) and len(mail.outbox) == sent > 0
    assert len({email.extra_headers["Message-ID"] for email in mail.outbox}) == sent
