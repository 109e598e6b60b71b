"""Demo data for `make run`: one practice, two therapists, five clients, weeks of entries.

Idempotent: a second run keeps the data and only sets fresh passwords, which it prints.
Everything goes through the same write functions the pages use, so the demo is valid data; only
the moments things happened are set afterwards (an entry logged the evening it describes, an
assignment made on the day it started, a review in its session), which no write function lets a
person choose, so the timeliness rules and the feedback on assigning have a past to read.

Every section of the therapist's home and of a brief has something to show: appointments today
(Jordan) and later this week (everyone else); in the queue, Riley's risk answer on a PHQ-9 that
went from 17 to 9 over five weeks, Jordan's comment awaiting a reply and topic for the session,
Morgan with nothing logged for five days; Priya avoiding her exposures ("too uncomfortable",
SUDS on the ones she did) and Alex finding a task too easy twice in a row.
"""

import random
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.second_factor import enrol_totp, unused_recovery_code
from homework.assigning import assignment_create, assignment_review
from homework.models import Assignment, AssignmentReview, Entry, Outcome, TemplateVersion
from homework.recording import comment_add, entry_record, risk_mark_seen, self_rating_record
from insights.topics import topic_add
from notifications.models import Message, MessageKind, MessageStatus
from practices.clients import appointment_create, client_create, goal_create
from practices.models import Practice
from practices.team import practice_create, therapist_invite

PRACTICE = "Riverside Practice (demo)"
OWNER = ("maya@example.org", "Maya Reyes")
COLLEAGUE = ("sam@example.org", "Sam Okafor")
STAFF = {OWNER[0], COLLEAGUE[0]}
CLIENTS = [
    ("jordan@example.org", "Jordan Lee", "Europe/London"),
    ("alex@example.org", "Alex Novak", "Europe/Berlin"),
    ("riley@example.org", "Riley Chen", "America/New_York"),
    ("priya@example.org", "Priya Shah", "Europe/London"),
    ("morgan@example.org", "Morgan Ellis", "Europe/Berlin"),
]
ROLES = {
    "jordan@example.org": "client with three weeks of entries, seen today",
    "alex@example.org": "client: a task too easy twice in a row",
    "riley@example.org": "client: PHQ-9 from 17 to 9, and a risk answer",
    "priya@example.org": "client avoiding exposures",
    "morgan@example.org": "client: nothing logged for five days",
}
# Days from today of each client's next appointment (0: today), and of the last one for some.
NEXT_APPOINTMENT_IN = {"jordan@example.org": 0, "alex@example.org": 2, "riley@example.org": 3,
                       "priya@example.org": 4, "morgan@example.org": 5}  # fmt: skip
LAST_APPOINTMENT_AGO = {"jordan@example.org": 7, "riley@example.org": 7}
PHQ9_TREND = [17, 15, 14, 12, 11, 9]  # weekly, oldest first; the last one answers item 9 with 1

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
    if key == "exposure":
        before = rng.randint(55, 75)
        return {
            "hierarchy_step": rng.choice(["Supermarket at a busy time", "Bus ride, two stops"]),
            "feared_outcome": "I will panic and have to leave",
            "belief_before": rng.randint(50, 80),
            "suds_before": before,
            "suds_peak": min(100, before + rng.randint(5, 20)),
            "suds_after": max(0, before - rng.randint(20, 40)),
            "duration_minutes": rng.randint(15, 40),
            "what_happened": "I felt anxious at first, it eased after a while and I stayed.",
            "came_true": rng.randint(0, 20),
        }
    if key == "activity":
        return {
            "planned_activity": rng.choice(["Walk to the park after lunch", "Call my sister", "Cook a proper dinner"]),
            "done_as_planned": True,
            "mood": rng.randint(5, 8),
            "mastery": rng.randint(4, 8),
            "pleasure": rng.randint(5, 8),
        }
    raise ValueError(f"No sample answers for {key!r}")


def phq9_answers(total, item_9=0):
    """PHQ-9 answers (codes 0-3, the points) that add up to `total`, item 9 as given."""
    rest, answers = total - item_9, {"phq9_9": str(item_9), "phq9_difficulty": "somewhat"}
    for n in range(1, 9):
        points = min(3, -(-rest // (9 - n)))  # spread evenly, the first items a little higher
        answers[f"phq9_{n}"] = str(points)
        rest -= points
    return answers


def at_local(client, day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=client.tz)


def logged_on_the_day(entry, client, rng):
    """An entry seeded today is dated to the evening of the day it describes: no demo client
    looks as if they filled everything in at once."""
    when = at_local(client, entry.occurred_on, 19, rng.randint(0, 59))
    Entry.objects.filter(pk=entry.pk).update(created_at=min(when, timezone.now()))


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
        clients = {}
        for email, name, tz in CLIENTS:
            clients[email] = client = client_create(
                therapist=owner, practice=practice, name=name, email=email, timezone=tz
            )
            self.appointments(owner, client, email)
        self.jordan(rng, owner, clients["jordan@example.org"])
        self.alex(rng, owner, clients["alex@example.org"])
        self.riley(owner, clients["riley@example.org"])
        self.priya(rng, owner, clients["priya@example.org"])
        self.morgan(rng, owner, clients["morgan@example.org"])

        # Demo people have no inboxes; their invitations would only bury the sign-ins printed below.
        # Their reminders stay planned, so a worker running beside `make run` shows them in the console.
        Message.objects.exclude(kind=MessageKind.REMINDER).update(status=MessageStatus.SENT, sent_at=timezone.now())

    def appointments(self, owner, client, email):
        """The next appointment (today's later today when there is still time, else earlier today)
        and, for some, the last one a week ago."""
        today = client.today()
        soon = (timezone.now() + timedelta(hours=1)).astimezone(client.tz).replace(minute=0, second=0, microsecond=0)
        days = NEXT_APPOINTMENT_IN[email]
        starts_at = soon if days == 0 and soon.date() == today else at_local(client, today + timedelta(days=days), 17)
        appointment_create(actor=owner, client=client, starts_at=starts_at)
        if email in LAST_APPOINTMENT_AGO:
            past = at_local(client, today - timedelta(days=LAST_APPOINTMENT_AGO[email]), 17)
            appointment_create(actor=owner, client=client, starts_at=past)

    def assign(self, owner, client, key, *, started_days_ago, **fields):
        """assignment_create, made (created_at) on the morning it started, as it would have been."""
        today = client.today()
        start = today - timedelta(days=started_days_ago)
        fields = {
            "due_on": today + timedelta(days=6),
            "when_where": "After dinner, at the kitchen table",
            "expected_difficulty": "moderate",
            "confidence": 7,
            **fields,
        }
        assignment = assignment_create(therapist=owner, client=client, version=latest(key), starts_on=start, **fields)
        Assignment.objects.filter(pk=assignment.pk).update(created_at=min(at_local(client, start, 9), timezone.now()))
        return assignment

    def log(self, rng, assignment, client, day, **fields):
        entry = entry_record(assignment=assignment, client_user=client.user, occurred_on=day, **fields)
        logged_on_the_day(entry, client, rng)
        return entry

    def jordan(self, rng, owner, jordan):
        """Three weeks of thought records and breathing, reviewed in last week's session; a comment
        still waiting for a reply and a topic for today."""
        goal = goal_create(
            actor=owner, client=jordan, title="Feel calmer at work", description="Fewer panicky mornings"
        )
        today = jordan.today()
        common = dict(
            goal=goal,
            barriers="Tired in the evenings",
            if_then_plan="If I feel too tired, then I do the short version before bed",
        )
        thought_record = self.assign(
            owner, jordan, "thought-record", started_days_ago=20,
            title="Catch and check anxious thoughts",
            instructions="When you notice a jump in worry, write down the situation and the thought, then look at the evidence.",
            rationale="Writing thoughts down lets you test them instead of just believing them.",
            frequency="daily",
            **common,
        )  # fmt: skip
        breathing = self.assign(
            owner, jordan, "skill-practice", started_days_ago=20,
            title="Slow breathing, 5 minutes",
            instructions="Breathe in for 4, out for 6, for five minutes.",
            rationale="Slow breathing calms the body's alarm system.",
            frequency="times_per_week",
            times_per_week=4,
            **{**common, "when_where": "Before bed, in the bedroom"},
        )  # fmt: skip
        session = LAST_APPOINTMENT_AGO["jordan@example.org"]
        for day_offset in range(20, -1, -1):
            day = today - timedelta(days=day_offset)
            if day_offset == session - 1:
                # Last week's session (the day before): the thought record reviewed with its ratings.
                review = assignment_review(
                    assignment=thought_record, reviewer=owner, decision="keep", quantity=2, quality=2,
                    note="Good week; evidence against is still the hard part.",
                )  # fmt: skip
                reviewed = at_local(jordan, today - timedelta(days=session), 17, 50)
                AssignmentReview.objects.filter(pk=review.pk).update(created_at=reviewed)
            self.log_thought_record(rng, thought_record, jordan, day, owner)
            if day.weekday() in (0, 2, 4, 6):
                self.log_breathing(rng, breathing, jordan, day)
        waiting = self.log(
            rng, thought_record, jordan, today, outcome=Outcome.DONE, answers=sample_answers("thought-record", rng),
            helpfulness=2, difficulty="hard", wants_to_discuss=True,
        )  # fmt: skip
        # A weekly PHQ-9 for three weeks; the newest answered item 9 above 0 and was seen, with a note.
        phq9 = self.assign(
            owner, jordan, "phq-9", started_days_ago=15, title="PHQ-9 mood questionnaire",
            instructions="Once a week: how the last two weeks have been.",
            rationale="A short, standard measure lets us both see how your mood changes over time.",
            frequency="weekdays", weekdays=[(today - timedelta(days=15)).weekday()], when_where="Sunday evening",
            confidence=8,
        )  # fmt: skip
        for week, score in enumerate((14, 12, 10)):
            entry = self.log(
                rng, phq9, jordan, today - timedelta(days=15 - 7 * week), outcome=Outcome.DONE,
                answers=phq9_answers(score, item_9=1 if week == 2 else 0),
            )  # fmt: skip
        risk_mark_seen(entry=entry, therapist=owner, note="Called Jordan the same day; safety plan reviewed.")
        comment_add(entry=waiting, author=jordan.user, body="Can we go through the evidence part? I got stuck again.")
        topic_add(client=jordan, author=jordan.user, text="The presentation on Friday", entry=waiting)
        # Jordan's own view of the week, for the brief to set beside the therapist's review.
        self_rating_record(assignment=thought_record, client_user=jordan.user, quantity=2, quality=1)

    def log_thought_record(self, rng, assignment, client, day, therapist):
        if rng.random() < 0.2:
            self.log(
                rng, assignment, client, day, outcome=Outcome.SKIPPED, answers={},
                skip_reason=rng.choice(["forgot", "no_time", "too_uncomfortable"]),
            )  # fmt: skip
            return
        entry = self.log(
            rng, assignment, client, day,
            outcome=Outcome.DONE if rng.random() < 0.8 else Outcome.PARTLY,
            answers=sample_answers("thought-record", rng),
            helpfulness=rng.randint(1, 4),
            difficulty=rng.choice(["easy", "about_right", "about_right", "hard"]),
            wants_to_discuss=rng.random() < 0.15,
            comment="Harder than I expected to find evidence against." if rng.random() < 0.15 else "",
        )  # fmt: skip
        if entry.comments.exists():
            comment_add(entry=entry, author=therapist, body="Thank you, let's look at this together on Thursday.")

    def log_breathing(self, rng, assignment, client, day):
        self.log(
            rng, assignment, client, day, outcome=Outcome.DONE, answers=sample_answers("skill-practice", rng),
            helpfulness=rng.randint(2, 4), difficulty="easy",
        )  # fmt: skip

    def alex(self, rng, owner, alex):
        """A new journal, and a daily activity that felt too easy the last two times."""
        self.journal(owner, alex, started_days_ago=0)
        walk = self.assign(
            owner, alex, "activity", started_days_ago=9,
            title="One small activity a day",
            instructions="Plan one small activity for the day and do it, even if you don't feel like it.",
            rationale="Doing comes before feeling better: small activities bring back energy and mood.",
            frequency="daily", when_where="After lunch", barriers="Rainy days",
            if_then_plan="If it rains, then I do something indoors instead", confidence=8,
        )  # fmt: skip
        today = alex.today()
        felt = ["about_right"] * 5 + ["easy"] * 2 + ["too_easy"] * 2
        for offset, difficulty in zip(range(9, 0, -1), felt, strict=True):
            self.log(
                rng, walk, alex, today - timedelta(days=offset), outcome=Outcome.DONE,
                answers=sample_answers("activity", rng), helpfulness=rng.randint(2, 3), difficulty=difficulty,
            )  # fmt: skip

    def riley(self, owner, riley):
        """A weekly PHQ-9 for six weeks, 17 down to 9; the last answers item 9 with "several days"."""
        self.journal(owner, riley, started_days_ago=0)
        today = riley.today()
        start = today - timedelta(days=7 * (len(PHQ9_TREND) - 1))
        phq9 = self.assign(
            owner, riley, "phq-9", started_days_ago=(today - start).days,
            title="PHQ-9 mood questionnaire",
            instructions="Once a week, on the same day: how the last two weeks have been.",
            rationale="A short, standard measure lets us both see how your mood changes over time.",
            frequency="weekdays", weekdays=[start.weekday()], when_where="Sunday evening", confidence=9,
        )  # fmt: skip
        rng = random.Random(9)
        for week, score in enumerate(PHQ9_TREND):
            last = week == len(PHQ9_TREND) - 1
            self.log(
                rng, phq9, riley, start + timedelta(days=7 * week), outcome=Outcome.DONE,
                answers=phq9_answers(score, item_9=1 if last else 0),
            )  # fmt: skip

    def priya(self, rng, owner, priya):
        """Exposure four times a week: a few done (with SUDS), and more and more skipped as "too
        uncomfortable"."""
        exposure = self.assign(
            owner, priya, "exposure", started_days_ago=13,
            title="Supermarket, a step at a time",
            instructions="Go to the supermarket at a busy time and stay until your anxiety has come down.",
            rationale="Staying in the situation teaches your body that it can cope, and the fear fades.",
            frequency="times_per_week", times_per_week=4, when_where="Saturday morning and after work",
            barriers="Wanting to leave when it gets busy",
            if_then_plan="If I want to leave, then I stay two more minutes and rate my anxiety again", confidence=6,
        )  # fmt: skip
        today = priya.today()
        for offset in (13, 11, 9):
            self.log(
                rng, exposure, priya, today - timedelta(days=offset), outcome=Outcome.DONE,
                answers=sample_answers("exposure", rng), helpfulness=3, difficulty="hard",
            )  # fmt: skip
        for offset in (7, 5, 3, 1):
            self.log(
                rng, exposure, priya, today - timedelta(days=offset), outcome=Outcome.SKIPPED, answers={},
                skip_reason="too_uncomfortable",
            )  # fmt: skip

    def morgan(self, rng, owner, morgan):
        """A journal kept for a week, then nothing for five days."""
        journal = self.journal(owner, morgan, started_days_ago=13)
        today = morgan.today()
        for offset in (13, 12, 10, 9, 8, 6, 5):
            self.log(
                rng, journal, morgan, today - timedelta(days=offset), outcome=Outcome.DONE,
                answers={"mood_before": 4, "writing": "A long day; writing it down helped a little.", "mood_after": 5},
                helpfulness=2,
            )  # fmt: skip

    def journal(self, owner, client, *, started_days_ago):
        return self.assign(
            owner, client, "journal", started_days_ago=started_days_ago,
            title="Three good things",
            instructions="Each evening, write three things that went well and why.",
            rationale="Noticing what goes well balances the mind's habit of scanning for threats.",
            frequency="daily", due_on=client.today() + timedelta(days=7), when_where="", confidence=8,
        )  # fmt: skip

    def print_sign_ins(self):
        self.stdout.write(
            self.style.SUCCESS(f"Demo sign-ins at {settings.SITE_URL}/accounts/login/ (new passwords each run):")
        )
        people = [(OWNER[0], "therapist, practice owner"), (COLLEAGUE[0], "therapist")]
        people += [(email, ROLES[email]) for email, _, _ in CLIENTS]
        passwords = ["-".join(secrets.token_hex(3) for _ in range(3)) for _ in people]
        # Hashing is most of the command's time, deliberately slow, and releases the GIL: in parallel.
        with ThreadPoolExecutor() as pool:
            hashes = list(pool.map(make_password, passwords))
        users = {user.email: user for user in User.objects.filter(email__in=[email for email, _ in people])}
        for (email, role), password, hashed in zip(people, passwords, hashes, strict=True):
            user = users[email]
            user.password = hashed
            user.save(update_fields=["password"])
            self.stdout.write(f"  {email:<22} {password}   ({role})")
            if email in STAFF:
                # Staff must pass a second step; a recovery code works once, and each run prints
                # an unused one. The authenticator-app secret lets a newcomer add the demo to an app.
                secret = enrol_totp(user)
                self.stdout.write(f"  {'':<22} second step: recovery code {unused_recovery_code(user)}")
                self.stdout.write(f"  {'':<22} (or add the key {secret} to an authenticator app)")
