"""A real SMTP server, real `manage.py run_huey` consumers and honest reminder data, shared by
tests/test_reminder_delivery.py and the reminders benchmark (bench/reminders.py).

- Sink: aiosmtpd on loopback ports, one thread each, recording every message it accepts (the
  moment it answers 250) with its Message-ID, recipients, port and headers. A hook called before
  each acceptance may refuse it, which is how a test kills a consumer at the worst moment.
  `python -m tests.reminder_harness sink PORT FILE` runs one as a process and writes
  "message-id<TAB>accepted-at<TAB>port" lines to FILE when it gets SIGTERM.
- Consumer: one `manage.py run_huey` process with its own environment (database, queue storage
  and name, EMAIL_URL, OUTBOX_LEASE_SECONDS), killed with SIGKILL and restarted on demand.
- build_clients / plan_reminders_at: clients and assignments with reminder times, bulk-created in
  the shape the app writes them, and their outbox rows written by notifications.planner.

Nothing here imports Django at module level: the bench's orchestrator uses the sink and the
consumer without settings; the data functions need a configured Django.
"""

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY_LINE = "Huey consumer started"
# Clients live in several zones, so the planner's local days and times are really exercised.
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Adelaide")
FOLD = re.compile(r"\r?\n[ \t]+")
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout, step=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    raise TimeoutError(f"{what} not met within {timeout} s")


# --- The SMTP sink ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    message_id: str
    to: tuple
    port: int
    at: float  # time.time() when the sink answered 250
    headers: dict | None


class _Handler:
    def __init__(self, sink, port):
        self.sink, self.port = sink, port

    async def handle_DATA(self, server, session, envelope):
        return self.sink.accept(envelope, self.port)


class Sink:
    """SMTP servers on loopback ports (`ports` free ones, or the given list) sharing one record of
    accepted messages.

    before_accept(accepted_so_far, port), when given, runs before each acceptance; when it returns
    False the message is answered 421 and not recorded: the server never accepted it."""

    def __init__(self, ports=1, *, before_accept=None, headers=True, on_accept=None):
        self.before_accept = before_accept
        self.on_accept = on_accept
        self.keep_headers = headers
        self.received = []
        self.refused = 0
        self.ports = list(ports) if isinstance(ports, list | tuple) else [free_port() for _ in range(ports)]
        self._lock = threading.Lock()
        self._controllers = []

    def start(self):
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
        for port in self.ports:
            controller = Controller(
                _Handler(self, port), hostname="127.0.0.1", port=port, server_hostname="sink.test", ready_timeout=10
            )
            controller.start()
            self._controllers.append(controller)
        return self

    def stop(self):
        for controller in self._controllers:
            controller.stop()
        self._controllers.clear()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def url(self, index=0):
        return f"smtp://127.0.0.1:{self.ports[index]}"

    def accept(self, envelope, port):
        if self.before_accept is not None and not self.before_accept(len(self.received), port):
            with self._lock:
                self.refused += 1
            return "421 4.3.2 Not accepted"
        content = envelope.original_content or envelope.content
        if self.keep_headers:
            parsed = BytesHeaderParser(policy=compat32).parsebytes(content)
            headers = {name: FOLD.sub(" ", value).strip() for name, value in parsed.items()}
            message_id = headers.get("Message-ID", "")
        else:
            headers = None
            found = MESSAGE_ID.search(content)
            message_id = found.group(1).decode() if found else ""
        received = Received(message_id, tuple(envelope.rcpt_tos), port, time.time(), headers)
        with self._lock:
            self.received.append(received)
        if self.on_accept is not None:
            self.on_accept(received)
        return "250 OK"

    def count(self):
        return len(self.received)

    def by_message_id(self):
        return Counter(r.message_id for r in self.received)


def run_sink_process(port, out):
    """The sink as a process (the bench): records until SIGTERM, then writes FILE and exits."""
    lines = []
    sink = Sink([port], headers=False, on_accept=lambda r: lines.append(f"{r.message_id}\t{r.at:.6f}\t{r.port}\n"))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with sink:
        print(f"sink listening on 127.0.0.1:{port}", flush=True)
        stop.wait()
    Path(out).write_text("".join(lines))


# --- Consumers -------------------------------------------------------------------------------------


def consumer_env(*, database_url, huey_url, huey_name, email_url, lease, secret_key, field_keys, site_url, **extra):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="between.settings",
        DATABASE_URL=database_url,
        HUEY_URL=huey_url,
        HUEY_NAME=huey_name,
        EMAIL_URL=email_url,
        OUTBOX_LEASE_SECONDS=str(lease),
        SECRET_KEY=secret_key,
        FIELD_ENCRYPTION_KEYS=field_keys,
        SITE_URL=site_url,
        DEBUG="0",
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
        **{key: str(value) for key, value in extra.items()},
    )
    return env


class Consumer:
    """One `manage.py run_huey` process; its output goes to `log_path` (appended across restarts).

    -f -L dispatch,plan: a consumer killed inside the dispatcher would otherwise leave its lock
    for the lock's 55 s; -m 0.5 caps the idle polling of SQLite queue storage at half a second."""

    def __init__(self, env, log_path, *, workers=1, kind="thread", options=()):
        self.env, self.log_path = env, Path(log_path)
        self.args = ["-w", str(workers), "-k", kind, "-f", "-L", "dispatch,plan", "-m", "0.5", *options]
        self.proc = None
        self.starts = self.kills = 0
        self._log_offset = 0

    def start(self):
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "run_huey", *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        return self

    def wait_ready(self, timeout=30):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"run_huey exited ({self.proc.returncode}):\n{self.tail()}")
            with open(self.log_path, "rb") as log:
                log.seek(self._log_offset)
                return READY_LINE in log.read().decode(errors="replace")

        wait_for(ready, timeout, what="consumer start")
        return self

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL, and wait until it is gone: nothing of it runs after this returns."""
        if self.alive:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.kills += 1
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def stop(self, timeout=10):
        if self.alive:
            self.proc.send_signal(signal.SIGINT)  # huey's graceful shutdown
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, chars=4000):
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-chars:]


# --- Django side: the same database and queue as the consumers --------------------------------------


def database_url(settings_dict):
    """A DATABASE_URL for another process to reach the database of `settings_dict` (the test
    database while a test runs)."""
    engine, name = settings_dict["ENGINE"], settings_dict["NAME"]
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(name).resolve()}"
    if engine == "django.db.backends.postgresql":
        user = urllib.parse.quote(settings_dict.get("USER") or "")
        password = settings_dict.get("PASSWORD") or ""
        auth = f"{user}:{urllib.parse.quote(password)}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{auth}{host}{port}/{urllib.parse.quote(name)}"
    raise ValueError(f"no URL for {engine}")


def queue(url, name):
    """A Huey object on the queue storage a consumer started with HUEY_URL=url, HUEY_NAME=name reads."""
    from huey.utils import load_class

    from between.settings import huey_settings

    config = huey_settings(url, name)
    return load_class(config.pop("huey_class"))(config.pop("name"), **config)


class enqueue_into:
    """While active, the app's tasks (notifications.tasks.dispatch and the rest) are enqueued
    into `huey`'s storage instead of run inline as the suite's huey_immediate fixture wants."""

    def __init__(self, huey):
        self.storage = huey.storage

    def __enter__(self):
        from huey.contrib.djhuey import HUEY

        self.saved = (HUEY.storage, HUEY.immediate, HUEY.immediate_use_memory)
        HUEY.immediate_use_memory = False  # switching immediate off must not open another storage
        HUEY.immediate = False
        HUEY.storage = self.storage
        return self

    def __exit__(self, *exc):
        from huey.contrib.djhuey import HUEY

        HUEY.storage, immediate, use_memory = self.saved
        HUEY.immediate = immediate
        HUEY.immediate_use_memory = use_memory


# --- Honest data: clients, assignments with reminder times, rows written by the planner ------------------


def _template_version():
    from homework.builtin.loader import load_builtin_templates
    from homework.models import ExerciseTemplate, TemplateVersion

    versions = TemplateVersion.objects.filter(template__builtin_key="thought-record").order_by("-number")
    if not versions.exists():  # a transactional test flushed what the data migration loaded
        load_builtin_templates(ExerciseTemplate, TemplateVersion)
    return versions.first()


def build_clients(assignments, *, per_client=3, therapists=20, label="reminders"):
    """`assignments` daily assignments, `per_client` per client, for clients spread over ZONES
    and over `therapists` therapists of one practice. Bulk-created with the fields the app's
    write functions set; no reminder times yet (plan_reminders_at gives them). Returns the
    assignment pks, in order."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import User
    from homework.models import Assignment
    from practices.models import Client, Membership, Practice

    version = _template_version()
    practice = Practice.objects.create(name=f"Practice ({label})")
    staff = User.objects.bulk_create(
        User(email=f"therapist{i}@{label}.example", name=f"Therapist {i} Harness", password=make_password(None))
        for i in range(therapists)
    )
    Membership.objects.bulk_create(
        Membership(practice=practice, user=user, role="owner" if i == 0 else "therapist")
        for i, user in enumerate(staff)
    )
    clients_needed = -(-assignments // per_client)
    people = User.objects.bulk_create(
        (
            User(email=f"client{i}@{label}.example", name=f"Client {i} Harness", password=make_password(None))
            for i in range(clients_needed)
        ),
        batch_size=2000,
    )
    clients = Client.objects.bulk_create(
        (
            Client(practice=practice, therapist=staff[i % therapists], user=user, timezone=ZONES[i % len(ZONES)])
            for i, user in enumerate(people)
        ),
        batch_size=2000,
    )
    today = timezone.now().date()
    rows = Assignment.objects.bulk_create(
        (
            Assignment(
                client=clients[i // per_client],
                assigned_by=clients[i // per_client].therapist,
                template_version=version,
                title=version.title,
                instructions="Write down one situation, the thought, and a kinder one.",
                rationale="Noticing thoughts is the first step to changing them.",
                when_where="Evenings at home",
                frequency="daily",
                starts_on=today - timedelta(days=7),
                due_on=today + timedelta(days=7),
                confidence=7,
            )
            for i in range(assignments)
        ),
        batch_size=2000,
    )
    return [row.pk for row in rows]


def plan_reminders_at(assignment_pks, at, *, only_these=True):
    """Give each assignment one reminder time, the local wall-clock time of the whole minute `at`
    in its client's zone, ending the assignment that local day; then let the planner write the
    outbox rows as it does every five minutes (its clock just before `at`). Returns the number
    planned. only_these=False plans every assignment, as the periodic planner does."""
    from django.db import transaction

    from homework.models import Assignment
    from notifications import planner

    at = at.astimezone(UTC).replace(second=0, microsecond=0)
    by_zone = {}
    for pk, zone in Assignment.objects.filter(pk__in=assignment_pks).values_list("pk", "client__timezone"):
        by_zone.setdefault(zone, []).append(pk)
    with transaction.atomic():
        for zone, pks in by_zone.items():
            local = at.astimezone(zoneinfo.ZoneInfo(zone))
            for start in range(0, len(pks), 5000):
                Assignment.objects.filter(pk__in=pks[start : start + 5000]).update(
                    reminder_times=[f"{local:%H:%M}"],
                    starts_on=local.date() - timedelta(days=7),
                    due_on=local.date(),  # the last day: no occurrence of tomorrow gets planned
                )
    before = at - timedelta(seconds=1)
    if not only_these:
        return planner.plan_reminders(now=before, page=1000)
    planned = 0
    for start in range(0, len(assignment_pks), 5000):
        chunk = [Assignment(pk=pk) for pk in assignment_pks[start : start + 5000]]
        planned += planner.plan_reminders(now=before, assignments=chunk, page=1000)
    return planned


def latest_minute(now=None):
    """The latest whole minute: a reminder planned for it is due now."""
    return (now or datetime.now(UTC)).replace(second=0, microsecond=0)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "sink":
        raise SystemExit("usage: python -m tests.reminder_harness sink PORT FILE")
    run_sink_process(int(sys.argv[2]), sys.argv[3])
