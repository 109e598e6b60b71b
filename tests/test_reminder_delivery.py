"""Reminders reach a real SMTP server through a real Huey consumer, exactly once, even when the
consumer is killed with SIGKILL in the middle of a batch (docs/security.md T-RL-6, T-RL-7).

Each test starts an SMTP server (aiosmtpd, in a thread of this process) and `manage.py run_huey`
subprocesses on this test's own database (the SQLite test file, or the PostgreSQL test database)
and on a queue of their own (a temporary SQLite file, or a fresh Huey name in the suite's Redis
or PostgreSQL queue storage). The reminders are planned by notifications.planner for the latest
whole minute, so they are due and every send-time rule is judged for real. This process plays
the periodic dispatcher, only more often than once a minute: it calls notifications.tasks.dispatch,
which enqueues into the consumers' queue and, after the lease, hands out again what a killed
consumer had claimed.

The one window no design closes is between the server's 250 and our "sent" UPDATE. The first
crash test kills where a loss would be likeliest and a duplicate impossible: from inside the
SMTP server, while the only worker waits for the reply to a message the server never accepts.
The second kills at random instants with several workers: then a worker may be inside the window,
so a kill may cause one duplicate per worker in flight, which carries the Message-ID of the first
copy (mail clients collapse it). Counts are printed (pytest -s shows them).
"""

import os
import random
import re
import threading
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from notifications import tasks
from notifications.email import message_id
from notifications.models import Message, MessageStatus
from tests.reminder_harness import (
    Consumer,
    Sink,
    build_clients,
    consumer_env,
    database_url,
    enqueue_into,
    latest_minute,
    plan_reminders_at,
    queue,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Seconds: a killed consumer's claims are handed out again this soon. A live worker slower than
# this on one batch would lose its claim and cause a duplicate; batches take 0.1-1.5 s here.
LEASE = 5
BIG = 1000
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


class World:
    """The consumers' environment: this test's database, a queue of their own, a short lease."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        if settings.HUEY_URL.startswith("sqlite:///"):
            self.huey_url = f"sqlite:///{tmp_path / 'huey.sqlite3'}"
        else:  # the suite's Redis (or PostgreSQL) queue storage, under a name nobody else uses
            self.huey_url = settings.HUEY_URL
        self.huey_name = f"between-test-{uuid.uuid4().hex[:10]}"
        self.huey = queue(self.huey_url, self.huey_name)
        self.consumers = []

    def consumer(self, sink_url, *, workers=1, name="consumer"):
        env = consumer_env(
            database_url=database_url(connection.settings_dict),
            huey_url=self.huey_url,
            huey_name=self.huey_name,
            email_url=sink_url,
            lease=LEASE,
            secret_key=settings.SECRET_KEY,
            field_keys=",".join(settings.FIELD_ENCRYPTION_KEYS),
            site_url=settings.SITE_URL,
        )
        consumer = Consumer(env, self.tmp_path / f"{name}.log", workers=workers)
        self.consumers.append(consumer)
        return consumer

    def close(self):
        for consumer in self.consumers:
            consumer.kill()
        self.huey.storage.flush_all()


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.OUTBOX_LEASE_SECONDS = LEASE  # this process's dispatcher releases claims after it too
    world = World(tmp_path)
    try:
        with enqueue_into(world.huey):
            yield world
    finally:
        world.close()  # before pytest-django empties the tables the consumers still use


def due_reminders(count, per_client=5):
    """`count` reminders due now (planned for the latest whole minute), one per assignment, for
    clients in several zones. Returns {Message-ID: recipient's address}."""
    pks = build_clients(count, per_client=per_client)
    assert plan_reminders_at(pks, latest_minute()) == count
    rows = list(Message.objects.filter(assignment_id__in=pks).select_related("recipient"))
    assert len(rows) == count and all(row.status == MessageStatus.PENDING for row in rows)
    return {message_id(row): row.recipient.email for row in rows}


def deliver(sink, expected, consumers, *, timeout):
    """Dispatch every half second and restart any consumer that died, until the sink accepted
    every expected message; then wait for the last "sent" marks."""
    deadline = time.monotonic() + timeout
    while not expected.keys() <= sink.by_message_id().keys():
        assert time.monotonic() < deadline, (
            f"{len(expected.keys() - sink.by_message_id().keys())} reminders not delivered within {timeout} s:\n"
            + "\n".join(consumer.tail(1500) for consumer in consumers)
        )
        for consumer in consumers:
            if not consumer.alive:
                consumer.start().wait_ready()
        tasks.dispatch()
        time.sleep(0.5)
    wait_for(
        lambda: Message.objects.exclude(status=MessageStatus.SENT).count() == 0,
        timeout=10,
        what="every row marked sent",
    )


def slowest_batch(consumers):
    """Seconds of the slowest delivery task in the consumers' logs (huey logs each duration)."""
    times = [
        float(t) for c in consumers for t in re.findall(r"deliver_messages: \S+ executed in ([0-9.]+)s", c.tail(10**7))
    ]
    return max(times, default=0.0)


def check_received(sink, expected):
    """Every reminder arrived, to its recipient; returns {Message-ID: copies} of the duplicates."""
    copies = sink.by_message_id()
    assert copies.keys() == expected.keys(), "a message the outbox did not promise, or one lost"
    for received in sink.received:
        assert received.to == (expected[received.message_id],)
    assert Message.objects.filter(status=MessageStatus.SENT).count() == len(expected)
    return {mid: count for mid, count in copies.items() if count > 1}


def report(name, **counts):
    print(f"\n[{name}] " + ", ".join(f"{key}={value}" for key, value in counts.items()))


def test_a_due_reminder_reaches_the_smtp_server_within_seconds(world):
    expected = due_reminders(20)
    with Sink() as sink:
        consumer = world.consumer(sink.url()).start().wait_ready()
        started = time.monotonic()
        tasks.dispatch()
        wait_for(lambda: sink.count() >= len(expected), timeout=15, what="20 reminders at the sink")
        seconds = time.monotonic() - started
        deliver(sink, expected, [consumer], timeout=10)
    assert not check_received(sink, expected)
    headers = sink.received[0].headers
    assert headers["Subject"] == "A reminder from Between"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith(f"<{settings.SITE_URL}/")
    report("within seconds", reminders=len(expected), seconds=round(seconds, 2))


def test_the_dispatcher_hands_out_each_due_reminder_once_page_after_page(world):
    """All due at one instant, pages of 60 (not a multiple of the batch): the hand-out goes on
    from where the last page ended, and a second run finds nothing left."""
    from huey.contrib.djhuey import HUEY  # its storage is the world's queue now

    due_reminders(230, per_client=10)
    assert tasks.dispatch(page=60) == 230
    assert tasks.dispatch(page=60) == 0
    handed = []
    while (task := HUEY.dequeue()) is not None:
        (ids,) = task.args
        assert 0 < len(ids) <= tasks.BATCH
        handed += ids
    assert sorted(handed) == sorted(Message.objects.values_list("pk", flat=True))


def test_killed_while_the_server_holds_a_reply_every_reminder_arrives_exactly_once(world):
    """SIGKILL twice from inside the SMTP handler, while the one worker waits for the reply to a
    message that is then never accepted: nothing is in the window, so exactly once holds."""
    expected = due_reminders(BIG)
    kill_at = (310, 645)  # accepted so far: not a multiple of 50, so in the middle of a batch
    killed = {}  # accepted so far -> rows left claimed ("sending") by the killed consumer

    def before_accept(accepted, port):
        if accepted in kill_at and accepted not in killed:
            consumer.kill()  # returns once the process is gone
            try:
                killed[accepted] = Message.objects.filter(status=MessageStatus.SENDING).count()
            finally:
                connection.close()  # the SMTP server thread's own connection
            return False
        return True

    with Sink(before_accept=before_accept) as sink:
        consumer = world.consumer(sink.url(), workers=1).start().wait_ready()
        started = time.monotonic()
        deliver(sink, expected, [consumer], timeout=60)
        seconds = time.monotonic() - started
    duplicates = check_received(sink, expected)
    assert consumer.kills == 2 and sink.refused == 2
    assert all(killed.values()), f"a kill left no claimed rows behind: {killed}"
    assert not duplicates, (
        f"{len(duplicates)} duplicates although no kill fell inside the window; the slowest batch took "
        f"{slowest_batch([consumer])} s against a lease of {LEASE} s"
    )
    report(
        "kill inside the SMTP handler",
        reminders=len(expected),
        received=sink.count(),
        distinct=len(sink.by_message_id()),
        duplicates=0,
        kills=consumer.kills,
        killed_after_accepting=list(killed),
        left_sending=list(killed.values()),
        seconds=round(seconds, 1),
        slowest_batch_s=slowest_batch([consumer]),
    )


def test_killed_at_random_instants_nothing_is_lost_and_a_duplicate_keeps_its_message_id(world):
    """SIGKILL twice at random moments of delivery, 4 workers: none lost; at most one duplicate
    per worker and kill, each with the Message-ID of the copy the server already accepted."""
    seed = int(os.environ.get("REMINDER_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    workers, kills = 4, 2
    expected = due_reminders(BIG)

    with Sink() as sink:
        consumer = world.consumer(sink.url(), workers=workers).start().wait_ready()

        def killer():
            for _ in range(kills):
                at_least = sink.count() + 100  # the (restarted) consumer is delivering again
                wait_for(lambda at_least=at_least: sink.count() >= at_least, timeout=40, what="delivery", step=0.01)
                time.sleep(rng.uniform(0, 0.5))
                consumer.kill()

        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        started = time.monotonic()
        deliver(sink, expected, [consumer], timeout=75)
        seconds = time.monotonic() - started
        thread.join(timeout=5)
    duplicates = check_received(sink, expected)
    assert consumer.kills == kills, f"delivery ended before the killer's {kills} kills"
    assert sum(count - 1 for count in duplicates.values()) <= kills * workers
    assert all(count <= 1 + kills for count in duplicates.values())
    report(
        "kill at random instants",
        seed=seed,
        workers=workers,
        reminders=len(expected),
        received=sink.count(),
        distinct=len(sink.by_message_id()),
        duplicates=sum(count - 1 for count in duplicates.values()),
        kills=consumer.kills,
        seconds=round(seconds, 1),
        slowest_batch_s=slowest_batch([consumer]),
    )


@pytest.mark.skipif(not ON_POSTGRES, reason="two consumers writing one SQLite file is not a supported setup")
def test_two_consumers_at_once_deliver_every_reminder_exactly_once(world):
    expected = due_reminders(BIG)
    # One server on two ports, one port per consumer: the port tells who delivered what.
    with Sink(2) as sink:
        consumers = [world.consumer(sink.url(index), workers=2, name=f"consumer{index}").start() for index in range(2)]
        for consumer in consumers:
            consumer.wait_ready()
        started = time.monotonic()
        deliver(sink, expected, consumers, timeout=60)
        seconds = time.monotonic() - started
    assert not check_received(sink, expected)
    per_port = {port: sum(1 for r in sink.received if r.port == port) for port in sink.ports}
    assert all(per_port.values()), f"one consumer delivered nothing: {per_port}"
    report(
        "two consumers",
        reminders=len(expected),
        per_consumer=list(per_port.values()),
        seconds=round(seconds, 1),
        slowest_batch_s=slowest_batch(consumers),
    )
