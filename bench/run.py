"""`make bench`: requests per second of the main pages against the one-query /healthz floor.

For each dataset ("small": the demo; "large": a therapist with 200 clients, one client with a
year of daily practice) it builds a throwaway database through the app's own write functions,
serves it with gunicorn (2 sync workers) on a free loopback port, signs in through the real
sign-in form, and drives every page at concurrency 1 and 8 with bench/load.py. Query counts come
from an in-process pass with Django's test Client against the same database (bench/inproc.py).

Then the "reminders" target (bench/reminders.py): 100,000 due reminders through two run_huey
consumers on PostgreSQL and Redis to a local SMTP sink, one more run in results.json (skipped,
with a message, when PostgreSQL or Redis is not reachable; BENCH_REMINDERS=0 skips it).

Writes bench/results.json ({"runs": [...]}, the format README.md documents), prints
a table and the pages that miss the goals (the heaviest page >= 10% of the floor's rps,
the others >= 30%), with a cProfile of each page that misses. Missing a goal is reported, not
fatal (the machine's speed varies); a non-200 answer or a broken step exits non-zero.

Never touches var/between.sqlite3: SQLite databases live in a temporary directory. With
DATABASE_URL=postgres://user@host:port/name in the environment the bench runs on PostgreSQL
instead, creating that database for each dataset and dropping it afterwards.

Knobs (environment): BENCH_REQUESTS (300 per target and concurrency), BENCH_SECONDS (cap per
target and concurrency, 3.5), BENCH_DATASETS ("small,large"), BENCH_CONCURRENCY ("1,8"),
BENCH_PROFILE (how many of the pages that miss their goal by half or more to profile, worst
first, on the last dataset; 4, 0 for none).
"""

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reminders  # noqa: E402
from load import Person, measure  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
PY = sys.executable
GUNICORN = str(Path(PY).parent / "gunicorn")

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "3.5"))
DATASETS = [d for d in os.environ.get("BENCH_DATASETS", "small,large").split(",") if d]
CONCURRENCY = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "1,8").split(",") if c]
PROFILE = int(os.environ.get("BENCH_PROFILE", "4"))

FLOOR = "healthz"
TARGETS = [
    "healthz",
    "client_home",
    "client_history",
    "client_assignment",
    "log_form",
    "therapist_client_list",
    "therapist_client_detail",
    "assignment_detail",
    "entry_detail",
]
HEAVIEST_GOAL, OTHERS_GOAL = 0.10, 0.30
QUERY_LIMIT = 10  # docs/security.md T-RL-10


class BenchError(Exception):
    pass


def say(text=""):
    print(text, flush=True)


# --- Databases --------------------------------------------------------------------------------------


def outer_database_url():
    """The PostgreSQL URL given to `make bench`, or None for the default SQLite in a temp dir."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    if url:
        say(f"DATABASE_URL={url!r} is not PostgreSQL; benchmarking on SQLite in a temporary directory instead.")
    return None


def pg_admin(url, sql):
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def pg_name(url):
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise BenchError(f"refusing an unusual database name {name!r}")
    return name


def pg_recreate(url):
    name = pg_name(url)
    pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(url, f'CREATE DATABASE "{name}"')


def pg_drop(url):
    pg_admin(url, f'DROP DATABASE IF EXISTS "{pg_name(url)}" WITH (FORCE)')


# --- Processes -----------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(workdir, database_url, port):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="between.settings",
        DATABASE_URL=database_url,
        HUEY_URL=f"sqlite:///{workdir}/huey.sqlite3",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS="k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL=f"http://127.0.0.1:{port}",
        EMAIL_URL="consolemail://",
        ALLOW_CONSOLE_EMAIL="1",  # DEBUG=0 refuses a printing email backend otherwise
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def run(env, *args, stdin=None):
    """Run a Python step in the bench environment; its stdout, or BenchError with its output."""
    result = subprocess.run(
        [PY, *args], check=False, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise BenchError(
            f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-4000:]}"
        )
    return result.stdout


class Server:
    """gunicorn between.wsgi, 2 sync workers, on a loopback port; stopped in a finally block."""

    def __init__(self, env, port, logfile):
        self.port = port
        self.logfile = logfile
        self.log = open(logfile, "wb")  # noqa: SIM115 (open for the server's lifetime; closed in stop())
        self.proc = subprocess.Popen(
            [
                GUNICORN,
                "between.wsgi",
                "-w",
                "2",
                "--threads",
                "1",
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited ({self.proc.returncode}):\n{self.tail()}")
            try:
                status, _, _ = Person(self.port).request("GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"/healthz did not answer 200 within {timeout} s:\n{self.tail()}")

    def tail(self):
        self.log.flush()
        return Path(self.logfile).read_text(errors="replace")[-3000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the group holds only this master and its workers
                self.proc.wait(timeout=5)
        self.log.close()


# --- One dataset ---------------------------------------------------------------------------------------


def prepare(dataset, env, first):
    say(f"[{dataset}] migrate, createcachetable{', collectstatic' if first else ''} ...")
    run(env, "manage.py", "migrate", "--noinput", "-v", "0")
    run(env, "manage.py", "createcachetable", "-v", "0")
    if first:
        run(env, "manage.py", "collectstatic", "--noinput", "-v", "0")
    if dataset == "small":
        run(env, "manage.py", "seed_demo")  # prints demo passwords; bench/dataset.py sets its own
    say(f"[{dataset}] building the dataset through the app's write functions ...")
    info = json.loads(run(env, "bench/dataset.py", dataset).strip().splitlines()[-1])
    counts = info["counts"]
    say(
        f"[{dataset}] {counts['clients']} clients; the measured client has {counts['assignments']} assignments, "
        f"{counts['entries']} entries, {counts['comments']} comments (built in {info['seconds']} s)"
    )
    return info


def bench_dataset(db, dataset, env, port, workdir, info):
    """Measure every target at every concurrency; returns result rows (with extra keys)."""
    sizes = json.loads(run(env, "bench/inproc.py", "queries", stdin=json.dumps(info)).strip().splitlines()[-1])
    server = Server(env, port, workdir / f"gunicorn-{dataset}.log")
    rows = []
    try:
        server.wait_ready()
        people = {"anonymous": Person(port)}
        for who in ("therapist", "client"):
            people[who] = Person(port).sign_in(
                info[who]["email"], info[who]["password"], info[who].get("recovery_code")
            )
        for concurrency in CONCURRENCY:
            # The floor is measured before and after the pages and the better run kept: a burst of
            # other work on the machine can only lower a measurement, never raise it.
            floors, group = [], []
            for target in [FLOOR, *[t for t in TARGETS if t != FLOOR], FLOOR]:
                who, path = info["targets"][target]
                person = people[who]
                # Warm-up: both workers load the page's templates and code before the clock runs.
                warm = measure(person, path, concurrency=concurrency, requests=max(6, 2 * concurrency), seconds=1.5)
                result = measure(person, path, concurrency=concurrency, requests=REQUESTS, seconds=SECONDS)
                result["errors"] = warm["errors"] + result["errors"]
                errors = result["errors"]
                mark = f"  ERRORS: {len(errors)} ({', '.join(sorted(set(map(str, errors)))[:3])})" if errors else ""
                say(
                    f"[{dataset}] c={concurrency} {target:<24} {result['rps']:8.1f} rps  p95 {result['p95_ms']:7.1f} ms  "
                    f"n={result['completed']}{mark}"
                )
                if target == FLOOR:
                    floors.append(result)
                else:
                    group.append((target, path, result))
            floor = max(floors, key=lambda result: result["rps"])
            floor["errors"] = [error for result in floors for error in result["errors"]]
            for target, path, result in [(FLOOR, info["targets"][FLOOR][1], floor), *group]:
                rows.append(
                    {
                        "db": db,
                        "dataset": dataset,
                        "target": target,
                        "concurrency": concurrency,
                        "rps": round(result["rps"], 1),
                        "p50_ms": round(result["p50_ms"], 1),
                        "p95_ms": round(result["p95_ms"], 1),
                        "queries": sizes[target]["queries"],
                        "ratio_to_floor": round(result["rps"] / floor["rps"], 3) if floor["rps"] else 0.0,
                        # Not written to results.json:
                        "_kb": round(sizes[target]["bytes"] / 1024, 1),
                        "_n": result["completed"],
                        "_errors": result["errors"],
                        "_path": path,
                    }
                )
        if any(row["_errors"] for row in rows):
            say(server.tail())
    finally:
        server.stop()
    return rows


# --- Report --------------------------------------------------------------------------------------------


def judge(rows):
    """Per (db, dataset, concurrency): the slowest page is "the heaviest" (goal 10%), the rest 30%."""
    groups = {}
    for row in rows:
        groups.setdefault((row["db"], row["dataset"], row["concurrency"]), []).append(row)
    for group in groups.values():
        pages = [row for row in group if row["target"] != FLOOR]
        heaviest = min(pages, key=lambda row: row["rps"]) if pages else None
        for row in group:
            if row["target"] == FLOOR:
                row["_goal"] = None
            else:
                row["_goal"] = HEAVIEST_GOAL if row is heaviest else OTHERS_GOAL
                row["_heaviest"] = row is heaviest


def badly_missed(rows):
    """Targets under half their goal somewhere, worst (lowest share of the goal) first."""
    share = {}
    for row in rows:
        if row["_goal"] is not None and row["ratio_to_floor"] < row["_goal"] / 2:
            share[row["target"]] = min(share.get(row["target"], 1.0), row["ratio_to_floor"] / row["_goal"])
    return sorted(share, key=share.get)


def table(rows):
    head = (
        f"{'db':<10} {'dataset':<7} {'c':>2} {'target':<24} {'rps':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'queries':>7} {'KB':>6} {'ratio':>6} {'goal':>5}  verdict"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        goal = row["_goal"]
        if goal is None:
            verdict = "floor"
        else:
            verdict = "ok" if row["ratio_to_floor"] >= goal else "MISS"
            if row.get("_heaviest"):
                verdict += " (heaviest)"
        notes = []
        if row["queries"] > QUERY_LIMIT:
            notes.append(f"queries>{QUERY_LIMIT}")
        if row["_errors"]:
            notes.append(f"{len(row['_errors'])} ERRORS")
        if notes:
            verdict += " [" + ", ".join(notes) + "]"
        lines.append(
            f"{row['db']:<10} {row['dataset']:<7} {row['concurrency']:>2} {row['target']:<24} {row['rps']:>8.1f} "
            f"{row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['queries']:>7} {row['_kb']:>6.1f} "
            f"{row['ratio_to_floor']:>6.3f} {'' if goal is None else f'{goal:.0%}':>5}  {verdict}"
        )
    return "\n".join(lines)


def main():
    started = time.monotonic()
    RESULTS.unlink(missing_ok=True)  # a broken run must not leave the previous numbers looking current
    pg_url = outer_database_url()
    db = "postgresql" if pg_url else "sqlite"
    say(
        f"Between benchmarks on {db}: gunicorn -w 2 (sync), {REQUESTS} requests or {SECONDS:g} s per page and "
        f"concurrency {CONCURRENCY}, datasets {DATASETS}."
    )
    cores, load_before = os.cpu_count() or 1, os.getloadavg()[0]
    busy = load_before > 0.5 * cores
    say(
        f"Machine: {cores} cores, load average {load_before:.1f} before the run"
        + (
            " (BUSY: other work competes with the server and the load generator; the numbers are noisy)."
            if busy
            else "."
        )
    )
    rows, profiles = [], []
    with tempfile.TemporaryDirectory(prefix="between-bench-") as tmp:
        for index, dataset in enumerate(DATASETS):
            if dataset not in ("small", "large"):
                raise BenchError(f"unknown dataset {dataset!r} (small, large)")
            workdir = Path(tmp) / dataset
            workdir.mkdir()
            port = free_port()
            if pg_url:
                pg_recreate(pg_url)
                database_url = pg_url
            else:
                database_url = f"sqlite:///{workdir}/bench.sqlite3"
            env = bench_env(workdir, database_url, port)
            try:
                info = prepare(dataset, env, first=index == 0)
                dataset_rows = bench_dataset(db, dataset, env, port, workdir, info)
                rows += dataset_rows
                judge(rows)
                last = index == len(DATASETS) - 1
                if PROFILE and last and not any(row["_errors"] for row in rows):
                    worst = badly_missed(rows)[:PROFILE]
                    if worst:
                        say(
                            f"[{dataset}] profiling in-process the pages that miss their goal by half or more: "
                            f"{', '.join(worst)}"
                        )
                        profiles.append(run(env, "bench/inproc.py", "profile", *worst, stdin=json.dumps(info)))
            finally:
                if pg_url:
                    pg_drop(pg_url)
        try:
            reminder_run = reminders.run(
                say=say, bench_env=bench_env, run_step=run, pg_recreate=pg_recreate, pg_drop=pg_drop,
                workdir=Path(tmp) / "reminders",
            )  # fmt: skip
        except (RuntimeError, TimeoutError) as exc:
            raise BenchError(f"reminders: {exc}") from exc

    judge(rows)
    if rows:
        say()
        say(table(rows))
    for text in profiles:
        say()
        say(text.rstrip())
    errors = [row for row in rows if row["_errors"]]
    misses = [row for row in rows if row["_goal"] is not None and row["ratio_to_floor"] < row["_goal"]]
    say()
    say(
        f"Load generator and server share the machine ({cores} cores). Load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after{'; the machine was busy before the run, so compare with care' if busy else ''}."
    )
    if misses:
        say("Pages under the goal (heaviest page >= 10% of the /healthz rps, the rest >= 30%):")
        for row in misses:
            say(
                f"  {row['dataset']}/c={row['concurrency']} {row['target']}: {row['ratio_to_floor']:.1%} "
                f"of the floor (goal {row['_goal']:.0%}), GET {row['_path']}"
            )
    elif rows:
        say("Every page meets the goal (heaviest page >= 10% of the /healthz rps, the rest >= 30%).")
    if errors:
        for row in errors:
            say(
                f"ERROR {row['dataset']}/c={row['concurrency']} {row['target']}: {len(row['_errors'])} "
                f"non-200 answers, e.g. {row['_errors'][:3]}"
            )
        say("Run broken: bench/results.json not written.")
        return 1
    runs = [{key: value for key, value in row.items() if not key.startswith("_")} for row in rows]
    if reminder_run is not None:
        runs.append(reminder_run)
    RESULTS.write_text(json.dumps({"runs": runs}, indent=1) + "\n")
    say(f"Wrote {RESULTS.relative_to(ROOT)} ({len(runs)} runs) in {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(2)
