"""Demo data for `make run`: one practice, two therapists, three clients, weeks of entries.

Idempotent: a second run keeps the data and only sets fresh passwords, which it prints.
Everything goes through the same write functions the pages use, so the demo is valid data.
"""

import random
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from homework.assigning import assignment_create
from homework.models import Outcome, TemplateVersion
from homework.recording import comment_add, entry_record
from notifications.models import Message, MessageKind, MessageStatus
from practices.clients import client_create, goal_create
from practices.models import Practice
from practices.team import practice_create, therapist_invite

PRACTICE = "Riverside Practice (demo)"
OWNER = ("maya@example.org", "Maya Reyes")
COLLEAGUE = ("sam@example.org", "Sam Okafor")
CLIENTS = [
    ("jordan@example.org", "Jordan Lee", "Europe/London"),
    ("alex@example.org", "Alex Novak", "Europe/Berlin"),
    ("riley@example.org", "Riley Chen", "America/New_York"),
]

SITUATIONS = [
    "Meeting with my manager about the deadline",
    "A friend did not answer my message all day",
    "Lying awake at 3am thinking about the exam",
    "Colleague made a joke about my presentation",
]
THOUGHTS = ["I am going to fail", "They don't like me any more", "I can't cope with this", "Everyone noticed"]


def sample_answers(key, rng):
    """Plausible answers to the thought record and the skill practice (the benchmark uses them too)."""
    if key == "thought-record":
        before = rng.randint(55, 90)
        return {
            "situation": rng.choice(SITUATIONS),
            "automatic_thought": rng.choice(THOUGHTS),
            "emotion": rng.choice(["anxious", "ashamed", "low"]),
            "emotion_intensity": before,
            "evidence_against": "It went fine last time\nMy friend said she was busy",
            "balanced_thought": "It is uncomfortable, but I have handled this before.",
            "emotion_rerated": max(0, before - rng.randint(10, 40)),
        }
    if key == "skill-practice":
        tension = rng.randint(5, 8)
        return {
            "practised_at": "21:30",
            "duration_minutes": 5,
            "tension_before": tension,
            "tension_after": max(0, tension - rng.randint(1, 4)),
        }
    raise ValueError(f"No sample answers for {key!r}")


def latest(key):
    return TemplateVersion.objects.filter(template__builtin_key=key).order_by("-number").first()


class Command(BaseCommand):
    help = "Load the demo practice (idempotent) and print demo sign-ins with fresh passwords."

    def handle(self, *args, **options):
        if not Practice.objects.filter(name=PRACTICE).exists():
            with transaction.atomic():
                self.create_demo()
        self.print_sign_ins()

    def create_demo(self):
        rng = random.Random(7)
        practice, owner, _ = practice_create(name=PRACTICE, owner_email=OWNER[0], owner_name=OWNER[1])
        therapist_invite(practice=practice, name=COLLEAGUE[1], email=COLLEAGUE[0])
        clients = []
        for email, name, tz in CLIENTS:
            first_appointment = timezone.now() + timedelta(days=5 + len(clients), hours=2)
            clients.append(
                client_create(
                    therapist=owner,
                    practice=practice,
                    name=name,
                    email=email,
                    timezone=tz,
                    next_appointment=first_appointment.replace(minute=0, second=0, microsecond=0),
                )
            )
        jordan = clients[0]
        goal = goal_create(
            actor=owner, client=jordan, title="Feel calmer at work", description="Fewer panicky mornings"
        )
        today = jordan.today()
        start = today - timedelta(days=20)
        common = dict(
            therapist=owner,
            client=jordan,
            goal=goal,
            starts_on=start,
            due_on=today + timedelta(days=6),
            when_where="After dinner, at the kitchen table",
            barriers="Tired in the evenings",
            if_then_plan="If I feel too tired, then I do the short version before bed",
            expected_difficulty="moderate",
            confidence=7,
        )
        thought_record = assignment_create(
            version=latest("thought-record"),
            title="Catch and check anxious thoughts",
            instructions="When you notice a jump in worry, write down the situation and the thought, then look at the evidence.",
            rationale="Writing thoughts down lets you test them instead of just believing them.",
            frequency="daily",
            **common,
        )
        breathing = assignment_create(
            version=latest("skill-practice"),
            title="Slow breathing, 5 minutes",
            instructions="Breathe in for 4, out for 6, for five minutes.",
            rationale="Slow breathing calms the body's alarm system.",
            frequency="times_per_week",
            times_per_week=4,
            **{**common, "when_where": "Before bed, in the bedroom"},
        )
        for day_offset in range(20, -1, -1):
            day = today - timedelta(days=day_offset)
            self.log_thought_record(rng, thought_record, jordan, day, owner)
            if day.weekday() in (0, 2, 4, 6):
                self.log_breathing(rng, breathing, jordan, day)
        for client in clients[1:]:
            assignment_create(
                version=latest("journal"),
                title="Three good things",
                instructions="Each evening, write three things that went well and why.",
                rationale="Noticing what goes well balances the mind's habit of scanning for threats.",
                frequency="daily",
                therapist=owner,
                client=client,
                starts_on=client.today(),
                due_on=client.today() + timedelta(days=7),
                confidence=8,
            )

        # Demo people have no inboxes; their invitations would only bury the sign-ins printed below.
        # Their reminders stay planned, so a worker running beside `make run` shows them in the console.
        Message.objects.exclude(kind=MessageKind.REMINDER).update(status=MessageStatus.SENT, sent_at=timezone.now())

    def log_thought_record(self, rng, assignment, client, day, therapist):
        user = client.user
        if rng.random() < 0.2:
            entry_record(
                assignment=assignment,
                client_user=user,
                outcome=Outcome.SKIPPED,
                occurred_on=day,
                answers={},
                skip_reason=rng.choice(["forgot", "no_time", "too_uncomfortable"]),
            )
            return
        entry = entry_record(
            assignment=assignment,
            client_user=user,
            outcome=Outcome.DONE if rng.random() < 0.8 else Outcome.PARTLY,
            occurred_on=day,
            answers=sample_answers("thought-record", rng),
            helpfulness=rng.randint(1, 4),
            difficulty=rng.choice(["easy", "about_right", "about_right", "hard"]),
            wants_to_discuss=rng.random() < 0.15,
            comment="Harder than I expected to find evidence against." if rng.random() < 0.15 else "",
        )
        if entry.comments.exists():
            comment_add(entry=entry, author=therapist, body="Thank you, let's look at this together on Thursday.")

    def log_breathing(self, rng, assignment, client, day):
        entry_record(
            assignment=assignment,
            client_user=client.user,
            outcome=Outcome.DONE,
            occurred_on=day,
            answers=sample_answers("skill-practice", rng),
            helpfulness=rng.randint(2, 4),
            difficulty="easy",
        )

    def print_sign_ins(self):
        self.stdout.write(
            self.style.SUCCESS(f"Demo sign-ins at {settings.SITE_URL}/accounts/login/ (new passwords each run):")
        )
        people = [(OWNER[0], "therapist, practice owner"), (COLLEAGUE[0], "therapist")]
        people += [
            (email, "client" + (" with three weeks of entries" if i == 0 else ""))
            for i, (email, _, _) in enumerate(CLIENTS)
        ]
        for email, role in people:
            user = User.objects.get(email=email)
            password = "-".join(secrets.token_hex(3) for _ in range(3))
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(f"  {email:<22} {password}   ({role})")
