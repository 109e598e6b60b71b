"""In-process measurements against the bench database: query counts and, on request, profiles.

Run by bench/run.py in a subprocess with the bench environment; reads the dataset JSON that
bench/dataset.py printed on stdin.

    python bench/inproc.py queries              # prints {"target": queries, ...} as JSON
    python bench/inproc.py profile T1 [T2 ...]  # cProfile of each target, top frames, as text

Both use Django's test Client (signed in with force_login as the same person the load generator
signs in as) against the same database the server reads. The first GET of each page warms
one-off caches (templates, content types); the second is the one counted.
"""

import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "between.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402

PROFILE_REQUESTS = 10


def http_for(info):
    people = {"anonymous": Client(SERVER_NAME="127.0.0.1")}
    for who in ("therapist", "client"):
        http = Client(SERVER_NAME="127.0.0.1")
        http.force_login(User.objects.get(email=info[who]["email"]))
        people[who] = http
    return people


def get_ok(http, path):
    response = http.get(path)
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: {response.status_code}")
    return response


def queries(info):
    people = http_for(info)
    counts = {}
    for target, (who, path) in info["targets"].items():
        get_ok(people[who], path)
        with CaptureQueriesContext(connection) as captured:
            response = get_ok(people[who], path)
        counts[target] = {"queries": len(captured), "bytes": len(response.content)}
    print(json.dumps(counts))


def is_project(filename):
    return filename.startswith(str(ROOT)) and "/.venv/" not in filename


# Buckets of the cumulative-time breakdown: (label, file suffix, function name). Cumulative times
# overlap (SQL runs inside template rendering when a template iterates a lazy queryset).
BUCKETS = [
    ("template rendering (django/shortcuts.py render)", "django/shortcuts.py", "render"),
    ("ORM: building SQL (compiler.as_sql)", "django/db/models/sql/compiler.py", "as_sql"),
    ("ORM: rows -> model instances (Model.from_db)", "django/db/models/base.py", "from_db"),
    ("ORM: column converters (apply_converters)", "django/db/models/sql/compiler.py", "apply_converters"),
    ("decrypting free text (lib/crypto.py decrypt)", "lib/crypto.py", "decrypt"),
    ("audit row write (audit/record.py record)", "audit/record.py", "record"),
]


class TemplateTimer:
    """Inclusive wall time and calls per template file (an extending template includes its
    parent's time; an {% include %} inside a loop shows up as many calls)."""

    def __init__(self):
        from django.template.base import Template

        self.Template = Template
        self.original = Template._render
        self.times = {}

    def __enter__(self):
        original, times = self.original, self.times

        def timed(template, context):
            started = time.perf_counter()
            try:
                return original(template, context)
            finally:
                name = getattr(template.origin, "template_name", None) or template.origin.name
                total, calls = times.get(name, (0.0, 0))
                times[name] = (total + time.perf_counter() - started, calls + 1)

        self.Template._render = timed
        return self

    def __exit__(self, *exc):
        self.Template._render = self.original


def where_of(filename, line):
    where = os.path.relpath(filename, ROOT) if filename.startswith(str(ROOT)) else filename
    if "/site-packages/" in where:
        where = where.split("/site-packages/", 1)[1]
    return f"{where}:{line}"


def profile(info, targets):
    people = http_for(info)
    for target in targets:
        who, path = info["targets"][target]
        http = people[who]
        get_ok(http, path)
        # Wall time first, without the profiler's overhead; then templates; then cProfile.
        started = time.perf_counter()
        for _ in range(PROFILE_REQUESTS):
            get_ok(http, path)
        plain_ms = 1000 * (time.perf_counter() - started) / PROFILE_REQUESTS
        with TemplateTimer() as templates:
            started = time.perf_counter()
            for _ in range(PROFILE_REQUESTS):
                response = get_ok(http, path)
            templated_ms = 1000 * (time.perf_counter() - started) / PROFILE_REQUESTS
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(PROFILE_REQUESTS):
            get_ok(http, path)
        profiler.disable()
        stats = pstats.Stats(profiler)
        total = stats.total_tt
        print(
            f"--- profile: {target} ({who}, GET {path}): {plain_ms:.1f} ms per request in-process, "
            f"{len(response.content) / 1024:.1f} KB of HTML ({PROFILE_REQUESTS} requests; percentages "
            f"from cProfile, which slows everything down about {1000 * total / PROFILE_REQUESTS / plain_ms:.1f}x)"
        )
        rows = []
        for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():
            rows.append((cumtime, tottime, ncalls, filename, line, func))

        print("  where the time goes (cumulative, overlapping):")
        for label, suffix, func in BUCKETS:
            cum = sum(r[0] for r in rows if r[3].endswith(suffix) and r[5] == func)
            calls = sum(r[2] for r in rows if r[3].endswith(suffix) and r[5] == func)
            if calls:
                print(f"    {100 * cum / total:5.1f}%  {calls / PROFILE_REQUESTS:7.0f} calls/req  {label}")
        print("  templates (inclusive wall time per request, calls per request):")
        for name, (seconds, calls) in sorted(templates.times.items(), key=lambda kv: -kv[1][0])[:6]:
            print(
                f"    {1000 * seconds / PROFILE_REQUESTS:6.1f} ms {calls / PROFILE_REQUESTS:5.0f}x  {name}"
                f"  ({100 * seconds / PROFILE_REQUESTS / (templated_ms / 1000):.0f}% of the request)"
            )

        def show(title, picked, key, limit, total=total):
            print(f"  {title}")
            print(f"    {'cum %':>6} {'self %':>6} {'calls/req':>9}  where")
            for cumtime, tottime, ncalls, filename, line, func in sorted(picked, key=key, reverse=True)[:limit]:
                print(
                    f"    {100 * cumtime / total:6.1f} {100 * tottime / total:6.1f} "
                    f"{ncalls / PROFILE_REQUESTS:9.0f}  {where_of(filename, line)} {func}"
                )

        project = [row for row in rows if is_project(row[3]) and "/bench/" not in row[3]]
        show("project code, by cumulative time:", project, key=lambda row: row[0], limit=12)
        show("all code, by own time:", rows, key=lambda row: row[1], limit=10)
        print(flush=True)


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("queries", "profile"):
        raise SystemExit("usage: inproc.py queries | profile TARGET...")
    info = json.load(sys.stdin)
    if sys.argv[1] == "queries":
        queries(info)
    else:
        profile(info, sys.argv[2:])


if __name__ == "__main__":
    main()
