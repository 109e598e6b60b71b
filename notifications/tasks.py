"""Deliver outbox messages: at-least-once underneath, once as the recipient sees it.

A worker claims a message with a conditional update (pending -> sending) and sends only if its
update changed the row, so two workers never send the same message. A worker that dies while
sending leaves the row in "sending"; after the lease the sweep hands it out again. The only
window for a duplicate is between the SMTP server's acceptance and our "sent" mark, and the
deterministic Message-ID lets mail clients collapse that duplicate.
"""

import logging
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from notifications.email import build_email
from notifications.models import Message, MessageStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8
SWEEP_BATCH = 100


def retry_delay(attempts):
    return timedelta(minutes=min(2**attempts, 240))


def deliver(message_id, *, now=None):
    """Send one message if it is due and nobody else holds it. True when this call sent it."""
    now = now or timezone.now()
    claimed = Message.objects.filter(
        Q(status=MessageStatus.PENDING, next_attempt_at__lte=now)
        | Q(status=MessageStatus.SENDING, claimed_at__lt=now - LEASE),
        pk=message_id,
    ).update(status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if claimed != 1:
        return False
    message = Message.objects.select_related("recipient").get(pk=message_id)
    try:
        build_email(message).send()
    except Exception as error:  # any failure of rendering or SMTP: retry later, never lose it
        failed = message.attempts >= MAX_ATTEMPTS
        Message.objects.filter(pk=message_id).update(
            status=MessageStatus.FAILED if failed else MessageStatus.PENDING,
            next_attempt_at=now + retry_delay(message.attempts),
            last_error=type(error).__name__,
        )
        log.warning("message %s attempt %s failed: %s", message_id, message.attempts, type(error).__name__)
        return False
    Message.objects.filter(pk=message_id).update(status=MessageStatus.SENT, sent_at=timezone.now(), last_error="")
    return True


def deliver_due(*, now=None, batch=SWEEP_BATCH):
    """One bounded sweep over due and abandoned messages; safe to run anywhere, any time."""
    now = now or timezone.now()
    due = Message.objects.filter(
        Q(status=MessageStatus.PENDING, next_attempt_at__lte=now)
        | Q(status=MessageStatus.SENDING, claimed_at__lt=now - LEASE)
    ).order_by("next_attempt_at")
    return sum(deliver(pk, now=now) for pk in due.values_list("pk", flat=True)[:batch])


@db_task()
def deliver_message(message_id):
    deliver(message_id)


@db_periodic_task(crontab(minute="*"))
def deliver_due_messages():
    deliver_due()
