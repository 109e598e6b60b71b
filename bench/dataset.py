"""Build a benchmark dataset through the app's own write functions; print what the bench needs.

Run by bench/run.py in a subprocess whose environment points DATABASE_URL at a throwaway
database (never var/between.sqlite3):

    python bench/dataset.py small   # after `manage.py seed_demo`: the demo practice
    python bench/dataset.py large   # a therapist with 200 clients, one with a year of practice

It prints one JSON object on its last line: the sign-ins (fresh passwords) and the URL of every
measured page, so the load generator never has to know the data model.
"""

import json
import os
import random
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "between.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.second_factor import enrol_totp, unused_recovery_code  # noqa: E402
from between.management.commands.seed_demo import sample_answers  # noqa: E402
from homework.assigning import assignment_create, assignment_review  # noqa: E402
from homework.models import Assignment, Comment, Entry, TemplateVersion  # noqa: E402
from homework.recording import comment_add, entry_record  # noqa: E402
from notifications.models import Message, MessageStatus  # noqa: E402
from practices.clients import client_create, goal_create  # noqa: E402
from practices.models import Client  # noqa: E402
from practices.team import practice_create  # noqa: E402

LARGE_CLIENTS = 200
LARGE_DAYS = 334  # three daily exercises for 334 days: 1,002 entries, about a year of practice
FIRST_NAMES = ["Alex", "Blake", "Casey", "Drew", "Eden", "Finley", "Gray", "Harper", "Indy", "Jesse"]
LAST_NAMES = [
    "Adams",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Foster",
    "Green",
    "Hughes",
    "Irving",
    "Jones",
    "King",
    "Lewis",
    "Moore",
    "Nash",
    "Owen",
    "Parry",
    "Quinn",
    "Reed",
    "Shaw",
    "Turner",
]


def latest(key):
    return TemplateVersion.objects.filter(template__builtin_key=key).order_by("-number").first()


def set_password(user, *, second_step=False):
    """A fresh password, and for staff an unused recovery code for the second step."""
    password = secrets.token_urlsafe(18)
    user.set_password(password)
    user.save(update_fields=["password"])
    info = {"email": user.email, "password": password}
    if second_step:
        enrol_totp(user)
        info["recovery_code"] = unused_recovery_code(user)
    return info


def answers_for(key, rng, n):
    if key in ("thought-record", "skill-practice"):
        return sample_answers(key, rng)
    return {
        "mood_before": rng.randint(2, 7),
        "writing": f"Day {n}: a walk at lunch, a call with my sister, finished the report.",
        "mood_after": rng.randint(4, 9),
    }


def log(rng, assignment, key, user, day, n):
    if rng.random() < 0.12:
        return entry_record(
            assignment=assignment,
            client_user=user,
            outcome="skipped",
            occurred_on=day,
            answers={},
            skip_reason=rng.choice(["forgot", "no_time", "too_uncomfortable"]),
        )
    return entry_record(
        assignment=assignment,
        client_user=user,
        outcome="done" if rng.random() < 0.8 else "partly",
        occurred_on=day,
        answers=answers_for(key, rng, n),
        helpfulness=rng.randint(1, 4),
        difficulty=rng.choice(["easy", "about_right", "about_right", "hard"]),
        wants_to_discuss=rng.random() < 0.05,
        comment="Harder than I expected today." if n % 4 == 0 else "",
    )


def build_large():
    rng = random.Random(11)
    practice, therapist, _ = practice_create(
        name="Large Practice (bench)", owner_email="therapist@bench.example", owner_name="Morgan Bench"
    )
    with transaction.atomic():
        clients = []
        for i in range(LARGE_CLIENTS):
            # "Aaron" sorts first, so the busy client is on the first page of the client list.
            name = "Aaron Busy" if i == 0 else f"{FIRST_NAMES[i % 10]} {LAST_NAMES[(i // 10) % 20]} {i}"
            appointment = (timezone.now() + timedelta(days=1 + i % 14, hours=2)).replace(
                minute=0, second=0, microsecond=0
            )
            clients.append(
                client_create(
                    therapist=therapist,
                    practice=practice,
                    name=name,
                    email=f"client{i}@bench.example",
                    timezone="Europe/London",
                    next_appointment=appointment,
                )
            )
        busy, others = clients[0], clients[1:]
        today = busy.today()
        goal = goal_create(
            actor=therapist, client=busy, title="Feel calmer at work", description="Fewer panicky mornings"
        )
        start = today - timedelta(days=LARGE_DAYS - 1)
        keys = ["thought-record", "skill-practice", "journal"]
        assignments = [
            assignment_create(
                therapist=therapist,
                client=busy,
                version=latest(key),
                goal=goal if key == "thought-record" else None,
                title=f"{latest(key).title} every day",
                instructions="Do it every evening, after dinner.",
                rationale="Practice makes the skill available when it is needed.",
                frequency="daily",
                starts_on=start,
                due_on=today + timedelta(days=7),
                when_where="At the kitchen table",
                barriers="Tired in the evenings",
                if_then_plan="If I am tired, then I do the short version",
                confidence=7,
            )
            for key in keys
        ]
        n = 0
        for offset in range(LARGE_DAYS - 1, -1, -1):
            day = today - timedelta(days=offset)
            for assignment, key in zip(assignments, keys, strict=True):
                entry = log(rng, assignment, key, busy.user, day, n)
                if n % 8 == 0:
                    comment_add(entry=entry, author=therapist, body="Thank you, let's look at this on Thursday.")
                n += 1
            if offset == 30:
                # Reviewed in session a month ago: everything older is part of the record.
                for assignment in assignments:
                    assignment_review(assignment=assignment, reviewer=therapist, decision="keep", note="Going well.")
        for i, other in enumerate(others):
            assignment = assignment_create(
                therapist=therapist,
                client=other,
                version=latest("journal"),
                title="Three good things",
                instructions="Each evening, write three things that went well and why.",
                rationale="Noticing what goes well balances the habit of scanning for threats.",
                frequency="daily",
                starts_on=other.today() - timedelta(days=6),
                due_on=other.today() + timedelta(days=7),
                confidence=8,
            )
            for day_back in (2 + i % 4, 1):
                log(rng, assignment, "journal", other.user, other.today() - timedelta(days=day_back), i)
        # The entry the therapist opens: yesterday's thought record, with a thread going.
        thread = Entry.objects.filter(assignment=assignments[0], outcome="done").order_by("-occurred_on").first()
        for j in range(6):
            author = busy.user if j % 2 else therapist
            comment_add(entry=thread, author=author, body=f"Message {j} about this entry: what helped, what did not.")
        Message.objects.update(status=MessageStatus.SENT, sent_at=timezone.now())
    return therapist, busy, assignments[0], thread


def find_small():
    therapist = User.objects.get(email="maya@example.org")
    client = Client.objects.get(user__email="jordan@example.org")
    assignment = Assignment.objects.filter(
        client=client, template_version__template__builtin_key="thought-record"
    ).first()
    # An entry with a comment thread if there is one, else the newest.
    thread = (
        Entry.objects.filter(assignment=assignment, comments__isnull=False).order_by("-occurred_on").first()
        or Entry.objects.filter(assignment=assignment).order_by("-occurred_on").first()
    )
    return therapist, client, assignment, thread


def main(name):
    started = time.monotonic()
    therapist, client, assignment, entry = build_large() if name == "large" else find_small()
    info = {
        "dataset": name,
        "therapist": set_password(therapist, second_step=True),
        "client": set_password(client.user),
        "counts": {
            "clients": Client.objects.filter(therapist=therapist).count(),
            "assignments": Assignment.objects.filter(client=client).count(),
            "entries": Entry.objects.filter(assignment__client=client).count(),
            "comments": Comment.objects.filter(entry__assignment__client=client).count(),
        },
        "seconds": round(time.monotonic() - started, 1),
        # target -> (who, path). healthz is anonymous: the floor.
        "targets": {
            "healthz": ["anonymous", reverse("healthz")],
            "client_home": ["client", reverse("homework:client_home")],
            "client_history": ["client", reverse("homework:client_history")],
            "client_assignment": ["client", reverse("homework:client_assignment", args=[assignment.code])],
            "log_form": ["client", reverse("homework:entry_new", args=[assignment.code])],
            "therapist_client_list": ["therapist", reverse("homework:client_list")],
            "therapist_client_detail": ["therapist", reverse("homework:client_detail", args=[client.code])],
            "assignment_detail": ["therapist", reverse("homework:assignment_detail", args=[assignment.code])],
            "entry_detail": ["therapist", reverse("homework:entry_detail", args=[entry.code])],
        },
    }
    print(json.dumps(info))


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("small", "large"):
        sys.exit("usage: dataset.py small|large")
    main(sys.argv[1])
