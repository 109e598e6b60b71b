"""Deliver outbox messages: at-least-once underneath, once as the recipient sees it.

Three steps, each safe to run on any number of workers on any number of machines:

1. plan (every 5 minutes): reminders due in the next 48 hours become outbox rows; the unique
   idempotency key makes a second plan of the same occurrence impossible (notifications.planner).
2. dispatch (every minute): rows due within the next minute are handed to the queue in batches,
   each scheduled for its due time, so a reminder leaves within about a second of its time and
   every worker of every consumer shares the load.
3. deliver a batch: one conditional UPDATE claims the batch's rows (pending -> sending, stamped
   with the batch's token); only rows this worker claimed are sent, over one SMTP connection, and
   each is marked sent right after the server accepted it. A worker that dies leaves its rows in
   "sending"; after the lease the dispatcher hands them out again.

The only window for a duplicate is between the SMTP server's acceptance and our "sent" mark, and
the deterministic Message-ID lets mail clients collapse that duplicate (docs/security.md, T-RL-7).
"""

import functools
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connections
from django.db.models import F, Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from notifications import planner, reminders
from notifications.email import build_emails
from notifications.models import Heartbeat, Message, MessageKind, MessageStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 50  # messages per delivery task: one claim, one SMTP connection
DISPATCH_AHEAD = timedelta(seconds=60)  # the dispatcher runs every minute
EARLY = timedelta(seconds=2)  # the queue's clock and ours may differ by a little
LOCK_TTL = 55  # seconds: a consumer killed while dispatching blocks the next run for less than a minute
DISPATCH = "dispatch"
PLAN = "plan"


def lease():
    """How long a claim or a dispatch holds before another worker may take the message over."""
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def retry_delay(attempts):
    return timedelta(minutes=min(2**attempts, 240))


def _due(now):
    return Q(status=MessageStatus.PENDING, next_attempt_at__lte=now + EARLY)


def deliver_batch(message_ids, *, now=None):
    """Claim and send the given messages that are due and free. Returns how many this call sent."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    message_ids = list(message_ids)
    claimed = Message.objects.filter(_due(now), pk__in=message_ids).update(
        status=MessageStatus.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return 0
    # pk__in: the claim has no index, the primary key has; only these rows can carry the token.
    mine = Message.objects.filter(pk__in=message_ids, claim=token, status=MessageStatus.SENDING)
    messages = list(mine.select_related("recipient").order_by("next_attempt_at", "pk"))
    verdict = reminders.sort_out([m for m in messages if m.kind == MessageKind.REMINDER], now=now)
    if verdict.cancel:
        mine.filter(pk__in=verdict.cancel).update(status=MessageStatus.CANCELLED, claim="")
    for pk, at in verdict.postpone.items():
        mine.filter(pk=pk).update(
            status=MessageStatus.PENDING, next_attempt_at=at, due_at=at, dispatched_at=None, claim="",
            attempts=F("attempts") - 1,
        )  # fmt: skip
    sendable = [m for m in messages if m.pk not in verdict.cancel and m.pk not in verdict.postpone]
    return _send(sendable, verdict.wording, token, now)


def _send(messages, wording, token, now):
    if not messages:
        return 0
    sent = 0
    connection = get_connection()
    try:
        emails = build_emails(messages, wording)
    except Exception as error:  # rendering failed for the batch: every message retries later
        for message in messages:
            _failed(message, error, token, now)
        return 0
    for message, email in zip(messages, emails, strict=True):
        email.connection = connection
        try:
            # Opened here, not by send(): a connection send() opens itself it also closes again.
            connection.open()
            email.send()
        except Exception as error:  # any failure of SMTP: retry later, never lose it
            _failed(message, error, token, now)
            connection.close()  # a broken connection is reopened for the next message
            continue
        _mark_sent(message.pk, token)
        sent += 1
    connection.close()
    return sent


@functools.cache
def _mark_sent_sql(alias):
    """The UPDATE that Message.objects.filter(pk=pk, claim=token).update(status=SENT, sent_at=now,
    last_error="", claim="") runs, built once: it runs once per email, and the ORM took longer
    to build it than the database took to run it."""
    quote = connections[alias].ops.quote_name

    def column(name):
        return quote(Message._meta.get_field(name).column)

    return (
        f"UPDATE {quote(Message._meta.db_table)} SET {column('status')} = %s, {column('sent_at')} = %s, "
        f"{column('last_error')} = '', {column('claim')} = '' WHERE {column('id')} = %s AND {column('claim')} = %s"
    )


def _mark_sent(pk, token):
    """Marked at once, in its own statement, and only while the claim is still ours: the smallest
    window for a duplicate."""
    alias = Message.objects.db
    db = connections[alias]
    with db.cursor() as cursor:
        at = db.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(_mark_sent_sql(alias), [MessageStatus.SENT.value, at, pk, token])


def _failed(message, error, token, now):
    gave_up = message.attempts >= MAX_ATTEMPTS
    Message.objects.filter(pk=message.pk, claim=token).update(
        status=MessageStatus.FAILED if gave_up else MessageStatus.PENDING,
        next_attempt_at=now + retry_delay(message.attempts),
        dispatched_at=None,
        claim="",
        last_error=type(error).__name__,
    )
    log.warning("message %s attempt %s failed: %s", message.pk, message.attempts, type(error).__name__)


def deliver(message_id, *, now=None):
    """Send one message if it is due and nobody else holds it. True when this call sent it."""
    return deliver_batch([message_id], now=now) == 1


def release_abandoned(now):
    """Rows claimed by a worker that died (the lease ran out) become pending again."""
    return Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=now - lease()).update(
        status=MessageStatus.PENDING, claim="", dispatched_at=None
    )


def _undispatched(now, ahead):
    return Message.objects.filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - lease()),
        status=MessageStatus.PENDING,
        next_attempt_at__lte=now + ahead,
    )


def dispatch(*, now=None, ahead=DISPATCH_AHEAD, page=1000):
    """Hand every message due within `ahead` to the queue, in batches scheduled for their time.
    Returns how many were handed out."""
    now = now or timezone.now()
    release_abandoned(now)
    handed, after = 0, None
    while True:
        undispatched = _undispatched(now, ahead)
        if after is not None:  # from where the last page ended: never rereads what it handed out
            undispatched = undispatched.filter(next_attempt_at__gte=after[1]).exclude(
                next_attempt_at=after[1], pk__lte=after[0]
            )
        rows = list(undispatched.order_by("next_attempt_at", "pk").values_list("pk", "next_attempt_at")[:page])
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            ids = [pk for pk, _ in chunk]
            # Conditional: a second dispatcher running at the same moment hands out nothing twice.
            if not _undispatched(now, ahead).filter(pk__in=ids).update(dispatched_at=now):
                continue
            eta = max(due for _, due in chunk)
            if eta <= now:
                deliver_messages(ids)
            else:
                deliver_messages.schedule(args=(ids,), eta=eta)
            handed += len(ids)
        if len(rows) < page:
            break
        after = rows[-1]
    beat(DISPATCH, now)
    return handed


def deliver_due(*, now=None, batch=BATCH):
    """Send, here and now, every message due: for commands and tests that need no worker."""
    now = now or timezone.now()
    release_abandoned(now)
    sent, tried = 0, set()
    while True:
        due = Message.objects.filter(_due(now)).exclude(pk__in=tried).order_by("next_attempt_at", "pk")
        ids = list(due.values_list("pk", flat=True)[:batch])
        if not ids:
            return sent
        tried.update(ids)  # a message another worker holds is not waited for
        sent += deliver_batch(ids, now=now)


def beat(name, now=None):
    Heartbeat.objects.update_or_create(name=name, defaults={"at": now or timezone.now()})


@db_task()
def deliver_messages(message_ids):
    deliver_batch(message_ids)


def deliver_message(message_id):
    """Queue one message for delivery now (after the commit that promised it)."""
    deliver_messages([message_id])


@db_periodic_task(crontab(minute="*"))
def dispatch_due_messages():
    # One dispatcher at a time across all consumers; another would only find nothing to do.
    with lock_task(DISPATCH, ttl=LOCK_TTL):
        dispatch()


@db_periodic_task(crontab(minute="*/5"))
def plan_messages():
    with lock_task(PLAN, ttl=LOCK_TTL):
        planner.plan_reminders()
        planner.plan_morning_briefs()
        beat(PLAN)
