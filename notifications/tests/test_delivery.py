from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from conftest import SENTINEL
from notifications import tasks
from notifications.models import Message, MessageKind, MessageStatus
from notifications.outbox import enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def message(assignment_a):
    return enqueue(
        recipient=assignment_a.client.user,
        kind=MessageKind.NEW_ASSIGNMENT,
        key=assignment_a.code,
        context={"assignment": assignment_a.code},
    )


def test_the_same_promise_twice_makes_one_message(assignment_a, message):
    again = enqueue(
        recipient=assignment_a.client.user,
        kind=MessageKind.NEW_ASSIGNMENT,
        key=assignment_a.code,
        context={"assignment": assignment_a.code},
    )
    assert again.pk == message.pk
    assert Message.objects.count() == 1


def test_a_message_is_delivered_after_commit(assignment_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(
            recipient=assignment_a.client.user,
            kind=MessageKind.NEW_ASSIGNMENT,
            key=assignment_a.code,
            context={"assignment": assignment_a.code},
        )
    assert len(mail.outbox) == 1
    assert Message.objects.get().status == MessageStatus.SENT


def test_a_sent_message_is_never_sent_again(message):
    assert tasks.deliver(message.pk) is True
    assert tasks.deliver(message.pk) is False
    assert tasks.deliver_due() == 0
    assert len(mail.outbox) == 1


def test_a_failed_send_is_retried_later_and_sent_once(message, monkeypatch):
    def broken_send(self, fail_silently=False):
        raise ConnectionRefusedError("smtp down")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMessage.send", broken_send)
        assert tasks.deliver(message.pk) is False
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING and message.attempts == 1
    assert message.last_error == "ConnectionRefusedError"
    assert tasks.deliver_due() == 0, "not before its retry time"
    later = message.next_attempt_at + timedelta(seconds=1)
    assert tasks.deliver_due(now=later) == 1
    assert tasks.deliver_due(now=later) == 0
    assert len(mail.outbox) == 1


def test_it_gives_up_after_the_last_attempt(message, monkeypatch):
    monkeypatch.setattr("django.core.mail.EmailMessage.send", lambda self, fail_silently=False: 1 / 0)
    now = timezone.now()
    for _ in range(tasks.MAX_ATTEMPTS):
        tasks.deliver(message.pk, now=now)
        now += timedelta(days=1)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert tasks.deliver_due(now=now + timedelta(days=30)) == 0


def test_a_message_abandoned_mid_send_is_picked_up_after_the_lease(message):
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=now)
    assert tasks.deliver_due(now=now + timedelta(minutes=1)) == 0, "another worker may still be sending it"
    assert tasks.deliver_due(now=now + tasks.lease() + timedelta(seconds=1)) == 1
    assert len(mail.outbox) == 1


def test_the_message_id_is_the_same_on_every_attempt(message):
    from notifications.email import build_email

    first = build_email(message).extra_headers["Message-ID"]
    assert first == build_email(message).extra_headers["Message-ID"]
    assert message.idempotency_key not in first


def test_emails_carry_no_clinical_text(message, entry_a):
    tasks.deliver(message.pk)
    (email,) = mail.outbox
    assert SENTINEL not in email.subject + email.body
    assert "Thought record" not in email.subject + email.body
    assert f"/my/assignments/{entry_a.assignment.code}/" in email.body


def test_a_queued_delivery_survives_in_the_configured_queue_storage(huey_immediate, message):
    """Runs against SQLite storage by default and Redis in CI (HUEY_URL)."""
    huey_immediate.immediate = False
    huey_immediate.flush()
    tasks.deliver_message(message.pk)
    assert len(mail.outbox) == 0
    queued = huey_immediate.dequeue()
    assert queued.name.endswith("deliver_messages") and queued.args == ([message.pk],)
    # Run the task's body here: huey's own wrapper would close the test's database connection.
    tasks.deliver_batch(*queued.args)
    assert len(mail.outbox) == 1
    assert Message.objects.get(pk=message.pk).status == MessageStatus.SENT
