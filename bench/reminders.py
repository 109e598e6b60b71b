"""`make bench`, target "reminders": 100,000 due reminders through two `run_huey` consumers on
PostgreSQL and Redis to a local SMTP server. bench/run.py calls run(); the Django steps run in
subprocesses of this file with the bench's environment.

1. A throwaway PostgreSQL database (on DATABASE_URL's server when that is PostgreSQL, otherwise
   postgres://postgres@127.0.0.1:5432), migrated; a fresh Huey name in Redis (HUEY_URL when it
   is Redis, otherwise redis://127.0.0.1:6379/0), flushed afterwards.
2. `prepare N`: N/3 clients in five zones, three daily assignments each, bulk-created in the
   shape the app writes them; each assignment's reminder time is the current minute in its
   client's zone, and notifications.planner writes the N outbox rows as its 5-minute run would.
3. The SMTP sink (`python -m tests.reminder_harness sink`, a process of its own: aiosmtpd,
   recording Message-ID and acceptance time) and two consumers (`run_huey -w W -k thread -n`).
4. `drive START SPREAD`: the due times are staggered over SPREAD seconds from START, one second
   at a time, because the planner's instants are whole minutes and 100,000 due at one instant
   would make the p95 delay just 95% of the drain time. The planned instants stay where the
   planner put them (a minute or two before START), so the send-time rules still judge each
   reminder. VACUUM ANALYZE follows, as autovacuum would after such a bulk change. Then it plays
   the periodic dispatcher: at once, then at every whole minute.
5. When every row is final, `report SINKFILE` measures: messages per second (sent / (last
   acceptance - first due)), p50 and p95 of the delay from due_at to the SMTP server's
   acceptance, duplicates (copies of a Message-ID beyond the first; must be 0) and losses.
   Meanwhile /proc gives the CPU each part used and how busy the whole machine was.

The consumers run with -n (no periodic tasks): the 5-minute planner would otherwise cancel or
move the staggered rows, which no longer sit at their planned instant; the driver runs the
per-minute dispatcher itself, exactly as the periodic task does (notifications.tasks.dispatch).

Knobs (environment): BENCH_REMINDERS (100000; 0 skips), BENCH_REMINDER_SPREAD (120 seconds),
BENCH_REMINDER_WORKERS (threads per consumer, 8), BENCH_REMINDER_KIND (thread; or process),
BENCH_REMINDER_TIMEOUT (seconds after the last due time before giving up, 300).
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reminder_harness import Consumer, consumer_env, free_port, wait_for  # noqa: E402

COUNT = int(os.environ.get("BENCH_REMINDERS", "100000"))
SPREAD = int(os.environ.get("BENCH_REMINDER_SPREAD", "120"))
WORKERS = int(os.environ.get("BENCH_REMINDER_WORKERS", "8"))
KIND = os.environ.get("BENCH_REMINDER_KIND", "thread")
TIMEOUT = int(os.environ.get("BENCH_REMINDER_TIMEOUT", "300"))
CONSUMERS = 2
PER_CLIENT = 3
LEAD = 15  # seconds from the consumers being ready to the first due time: the stagger takes 3-8 s
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/between"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


# --- The orchestrator (no Django here) -----------------------------------------------------------------


def _servers(say):
    """(PostgreSQL URL of a throwaway database, Redis URL), or None after saying why not."""
    import psycopg
    import redis

    outer = os.environ.get("DATABASE_URL", "")
    base = outer if outer.startswith(("postgres://", "postgresql://")) else DEFAULT_PG
    parts = urllib.parse.urlsplit(base)
    pg_url = urllib.parse.urlunsplit(parts._replace(path="/between_bench_reminders"))
    huey = os.environ.get("HUEY_URL", "")
    redis_url = huey if huey.startswith(("redis://", "rediss://")) else DEFAULT_REDIS
    try:
        with psycopg.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")), connect_timeout=3):
            pass
    except psycopg.Error as error:
        say(f"[reminders] SKIPPED: PostgreSQL at {parts.hostname}:{parts.port or 5432} is not reachable ({error}).")
        return None
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        say(f"[reminders] SKIPPED: Redis at {redis_url} is not reachable ({error}).")
        return None
    return pg_url, redis_url


def _cpu_seconds(pids):
    """User + system CPU time of the given processes so far, their ended children included
    (PostgreSQL's backends come and go: CONN_MAX_AGE recycles connections every minute)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def _with_children(pids):
    """The given processes and their descendants (huey's process workers are children)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, todo = set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(child for child, parent in parents.items() if parent == pid)
    return found


def _pids_named(name):
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _machine_cpu():
    """(busy, total) CPU seconds of the whole machine since boot, all cores together."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:8]) - idle) / tick, sum(fields[:8]) / tick


class _CpuMeter:
    """CPU seconds each group of processes spends between start() and stop(), and the share of
    the whole machine's CPU that was busy meanwhile (ours and any other work's)."""

    def __init__(self, groups):
        self.groups = groups  # name -> callable returning pids

    def start(self):
        self.before = {name: _cpu_seconds(pids()) for name, pids in self.groups.items()}
        self.pids = {name: set(pids()) for name, pids in self.groups.items()}
        self.machine = _machine_cpu()

    def stop(self):
        # Server processes that started meanwhile (new PostgreSQL backends) count from zero.
        spent = {
            name: _cpu_seconds(self.pids[name] | set(pids())) - self.before[name] for name, pids in self.groups.items()
        }
        busy, total = (now - before for now, before in zip(_machine_cpu(), self.machine, strict=True))
        return spent, busy, total


def _unfinished(conn):
    """Rows still pending or being sent: read from the partial index of unsent rows, so that
    watching costs the database next to nothing."""
    return conn.execute("SELECT count(*) FROM notifications_message WHERE status IN ('pending', 'sending')").fetchone()[
        0
    ]


class _Process:
    """A Python step that runs while the bench waits (the sink, the driver)."""

    def __init__(self, env, args, log_path):
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def text(self):
        return Path(self.log_path).read_text(errors="replace")


def run(*, say, bench_env, run_step, pg_recreate, pg_drop, workdir):
    """The reminders benchmark; returns its results.json row, or None when it was skipped.
    bench/run.py passes its helpers (environment, subprocess steps, throwaway databases)."""
    import psycopg

    if COUNT <= 0:
        say("[reminders] skipped (BENCH_REMINDERS=0).")
        return None
    servers = _servers(say)
    if servers is None:
        return None
    pg_url, redis_url = servers
    workdir.mkdir(parents=True, exist_ok=True)
    huey_name = f"between-bench-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = bench_env(workdir, pg_url, free_port())
    env.update(HUEY_URL=redis_url, HUEY_NAME=huey_name, EMAIL_URL=f"smtp://127.0.0.1:{port}")
    pg_recreate(pg_url)
    processes, consumers = [], []
    try:
        say(
            f"[reminders] migrate; {COUNT:,} reminders for {-(-COUNT // PER_CLIENT):,} clients, planned by the planner ..."
        )
        run_step(env, "manage.py", "migrate", "--noinput", "-v", "0")
        prepared = json.loads(run_step(env, "bench/reminders.py", "prepare", str(COUNT)).strip().splitlines()[-1])
        say(
            f"[reminders] built in {prepared['build_seconds']} s, planned {prepared['planned']:,} in "
            f"{prepared['plan_seconds']} s"
        )
        sink_file = workdir / "sink.tsv"
        sink = _Process(env, ["-m", "tests.reminder_harness", "sink", str(port), str(sink_file)], workdir / "sink.log")
        processes.append(sink)
        wait_for(lambda: "listening" in sink.text(), timeout=20, what="SMTP sink start")
        for index in range(CONSUMERS):
            consumer_environment = consumer_env(
                database_url=pg_url,
                huey_url=redis_url,
                huey_name=huey_name,
                email_url=env["EMAIL_URL"],
                lease=600,
                secret_key=env["SECRET_KEY"],
                field_keys=env["FIELD_ENCRYPTION_KEYS"],
                site_url=env["SITE_URL"],
            )
            consumers.append(
                Consumer(
                    consumer_environment, workdir / f"consumer{index}.log", workers=WORKERS, kind=KIND, options=["-n"]
                ).start()
            )
        for consumer in consumers:
            consumer.wait_ready()
        meter = _CpuMeter(
            {
                "consumers": lambda: _with_children(consumer.proc.pid for consumer in consumers),
                "SMTP sink": lambda: [sink.proc.pid],
                "dispatcher": lambda: [driver.proc.pid] if driver else [],
                "PostgreSQL (the whole server)": lambda: _pids_named("postgres"),
                "Redis": lambda: _pids_named("redis-server"),
            }
        )
        driver = None
        start = time.time() + LEAD
        say(
            f"[reminders] {CONSUMERS} consumers (run_huey -w {WORKERS} -k {KIND}) ready; due times from "
            f"{time.strftime('%H:%M:%S', time.localtime(start))} over {SPREAD} s"
        )
        driver = _Process(env, ["bench/reminders.py", "drive", f"{start:.3f}", str(SPREAD)], workdir / "drive.log")
        processes.append(driver)
        # The meter starts once the due times are staggered: the bench's own bulk UPDATE and
        # VACUUM are not delivery work.
        wait_for(lambda: "staggered_seconds" in driver.text(), timeout=180, what="staggered due times", step=0.05)
        meter.start()
        load_before = os.getloadavg()[0]
        deadline = start + SPREAD + TIMEOUT
        with psycopg.connect(pg_url, autocommit=True) as conn:
            while True:
                unfinished = _unfinished(conn)
                if not unfinished or time.time() > deadline:
                    break
                if any(not consumer.alive for consumer in consumers) or driver.proc.poll() is not None:
                    raise RuntimeError("a consumer or the driver died:\n" + driver.text()[-2000:])
                time.sleep(2)
        say(f"[reminders] {'every row final' if not unfinished else f'TIMED OUT, {unfinished:,} unsent'}; stopping ...")
        cpu, machine_busy, machine_total = meter.stop()
        load_after = os.getloadavg()[0]
        driver.stop()
        for consumer in consumers:
            consumer.stop()
        sink.stop()
        dispatches = [json.loads(line) for line in driver.text().splitlines() if line.startswith("{")]
        result = json.loads(run_step(env, "bench/reminders.py", "report", str(sink_file)).strip().splitlines()[-1])
    except Exception:
        for consumer in consumers:
            say(f"--- {consumer.log_path.name}:\n{consumer.tail(2000)}")
        raise
    finally:
        for process in processes:
            process.stop()
        for consumer in consumers:
            consumer.kill()
        _flush_queue(redis_url, huey_name)
        pg_drop(pg_url)
    staggered = next((d for d in dispatches if "staggered_seconds" in d), {})
    handed = [d for d in dispatches if "handed" in d]
    say(
        f"[reminders] {result['sent']:,} sent, {result['received']:,} accepted by the sink, {result['duplicates']} "
        f"duplicates, {result['lost']} lost; {result['rps']:.0f} messages/s; delay from due to acceptance p50 "
        f"{result['p50_ms'] / 1000:.2f} s, p95 {result['p95_ms'] / 1000:.2f} s, max {result['max_ms'] / 1000:.2f} s"
    )
    say(
        f"[reminders] stagger took {staggered.get('staggered_seconds')} s; the first dispatch began "
        f"{start - staggered.get('dispatch_at', start):.1f} s before the first due time; dispatcher runs: "
        + ", ".join(f"{d['handed']:,} rows in {d['seconds']} s" for d in handed)
    )
    say(
        "[reminders] CPU per message sent: "
        + ", ".join(f"{name} {1000 * seconds / max(result['sent'], 1):.2f} ms" for name, seconds in cpu.items())
        + f" (the machine has {os.cpu_count()} cores; load average {load_before:.1f} at the start, {load_after:.1f} at the end)"
    )
    ours = sum(cpu.values())
    say(
        f"[reminders] the machine's CPU was {machine_busy / machine_total:.0%} busy while the reminders went out: "
        f"{ours / machine_total:.0%} the parts above, {(machine_busy - ours) / machine_total:.0%} everything else"
    )
    goals = result["rps"] >= 500 and result["p95_ms"] < 60_000 and result["duplicates"] == 0 and result["lost"] == 0
    say(f"[reminders] goals (>= 500 messages/s, p95 < 60 s, no duplicate, none lost): {'met' if goals else 'MISSED'}")
    return {
        "db": "postgresql",
        "dataset": f"{COUNT // 1000}k-reminders" if COUNT % 1000 == 0 else f"{COUNT}-reminders",
        "target": "reminders",
        "concurrency": CONSUMERS,
        "rps": round(result["rps"], 1),
        "p50_ms": round(result["p50_ms"], 1),
        "p95_ms": round(result["p95_ms"], 1),
        "queries": None,
        "ratio_to_floor": None,
        "duplicates": result["duplicates"],
        "sent": result["sent"],
    }


def _flush_queue(redis_url, name):
    from huey import RedisHuey

    RedisHuey(name, url=redis_url).storage.flush_all()


# --- The Django steps (subprocesses with the bench environment) -----------------------------------------


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "between.settings")
    import django

    django.setup()


def prepare(count):
    from tests.reminder_harness import build_clients, latest_minute, plan_reminders_at

    started = time.monotonic()
    pks = build_clients(count, per_client=PER_CLIENT, therapists=100, label="bench")
    built = time.monotonic()
    planned = plan_reminders_at(pks, latest_minute(), only_these=False)
    print(
        json.dumps(
            {
                "planned": planned,
                "build_seconds": round(built - started, 1),
                "plan_seconds": round(time.monotonic() - built, 1),
            }
        )
    )


def drive(start, spread):
    """Stagger the due times, then dispatch as the periodic task does: now, then every minute."""
    from datetime import UTC, datetime, timedelta

    from django.db import connection

    from notifications import tasks
    from notifications.models import Message, MessageKind, MessageStatus

    began = time.monotonic()
    pks = list(
        Message.objects.filter(kind=MessageKind.REMINDER, status=MessageStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    first = datetime.fromtimestamp(start, UTC).replace(microsecond=0)
    for second in range(spread):
        group = pks[second * len(pks) // spread : (second + 1) * len(pks) // spread]
        at = first + timedelta(seconds=second)
        Message.objects.filter(pk__in=group).update(due_at=at, next_attempt_at=at)
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk change. With the statistics of a table that held no
        # due rows, PostgreSQL reads every due row's index entry for each 50-row claim.
        cursor.execute(f"VACUUM ANALYZE {Message._meta.db_table}")
    print(json.dumps({"staggered_seconds": round(time.monotonic() - began, 1), "dispatch_at": time.time()}), flush=True)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        began = time.monotonic()
        handed = tasks.dispatch()
        print(json.dumps({"handed": handed, "seconds": round(time.monotonic() - began, 2)}), flush=True)
        next_minute = (time.time() // 60 + 1) * 60
        while not stop and time.time() < next_minute:
            time.sleep(0.2)


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(sink_file):
    from notifications.email import message_id
    from notifications.models import Message, MessageKind, MessageStatus

    due, sent = {}, 0
    for message in Message.objects.filter(kind=MessageKind.REMINDER).only("idempotency_key", "due_at", "status"):
        due[message_id(message)] = message.due_at.timestamp()
        sent += message.status == MessageStatus.SENT
    first_acceptance, copies = {}, 0
    for line in Path(sink_file).read_text().splitlines():
        mid, at, _port = line.split("\t")
        copies += 1
        first_acceptance.setdefault(mid, float(at))
    delays = [1000 * (at - due[mid]) for mid, at in first_acceptance.items() if mid in due]
    span = max(first_acceptance.values()) - min(due.values()) if first_acceptance else 0
    print(
        json.dumps(
            {
                "sent": sent,
                "received": copies,
                "duplicates": copies - len(first_acceptance),
                "lost": len(due.keys() - first_acceptance.keys()),
                "unknown": len(first_acceptance.keys() - due.keys()),
                "rps": sent / span if span > 0 else 0.0,
                "p50_ms": percentile(delays, 0.50),
                "p95_ms": percentile(delays, 0.95),
                "max_ms": max(delays, default=0.0),
            }
        )
    )


if __name__ == "__main__":
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step not in ("prepare", "drive", "report"):
        raise SystemExit("usage: reminders.py prepare N | drive START SPREAD | report SINKFILE")
    _django()
    if step == "prepare":
        prepare(int(sys.argv[2]))
    elif step == "drive":
        drive(float(sys.argv[2]), int(sys.argv[3]))
    else:
        report(sys.argv[2])
