"""Feedback on one's own assigning: of the homework a therapist set in the last 90 days, how much
carried what the research ties to homework being done. Private: it reads only the assignments the
therapist made (`assigned_by`), and the page shows shares, never a client.

`shares` is a pure function of plain facts (tested on constructed ones); `load_facts` reads them
in one query however many assignments there are. Questionnaires are left out: they measure, they
are not practice to plan for.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from homework.models import Assignment, AssignmentReview, ExerciseKind
from insights.patterns import LOW_CONFIDENCE
from practices.models import Appointment

FEEDBACK_DAYS = 90
CONFIDENT = LOW_CONFIDENCE  # 7 or more on the 0-10 scale, as the assign form advises
# "Reviewed at the next appointment": a review from a little before the first appointment after
# the assignment was made (sessions start early) to a day after it (notes written that evening).
REVIEW_EARLY = timedelta(hours=1)
REVIEW_WITHIN = timedelta(days=1)


@dataclass(frozen=True)
class AssigningFact:
    """One assignment as the feedback sees it: whether each part was there, nothing of its text."""

    has_rationale: bool
    has_when_where: bool
    has_frequency: bool
    has_barrier_plan: bool  # what might get in the way, or an if-then plan
    confidence: int
    next_appointment_at: datetime | None = None  # the client's first appointment after it was made
    reviewed_in_time: bool = False  # a review in [next appointment - REVIEW_EARLY, + REVIEW_WITHIN]


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    research: str  # what the research says, in one line of our own words
    count: int
    total: int  # the assignments it is measured on
    note: str = ""  # which ones count, when not all of them

    @property
    def pct(self):
        return None if not self.total else round(self.count * 100 / self.total)


PARTS = {
    "rationale": ("Had a rationale", "Homework with a clear reason behind it, agreed together, is done more often."),
    "specifics": (
        "Said when and where, and how often",
        "A plan that names when and where makes doing it more likely (implementation intentions).",
    ),
    "barriers": (
        "Had a plan for barriers",
        "Planning for what could get in the way, and what to do then, helps people follow through.",
    ),
    "confidence": (
        f"Client's confidence {CONFIDENT} or more",
        "Low confidence when homework is set predicts that it will not be done; make it smaller until it is 7.",
    ),
    "reviewed": (
        "Reviewed at the next appointment",
        "Homework that is reviewed in the next session is done more often the time after.",
    ),
}


def _is_due_for_review(fact, now):
    """Whether it could have been reviewed by now: its next appointment is past the window, or
    the review happened already. Without a next appointment it is not counted at all."""
    if fact.next_appointment_at is None:
        return False
    return fact.reviewed_in_time or fact.next_appointment_at + REVIEW_WITHIN <= now


def shares(facts, now):
    """One Share per part in PARTS, in that order."""
    facts = list(facts)
    due = [f for f in facts if _is_due_for_review(f, now)]
    counted = {
        "rationale": sum(f.has_rationale for f in facts),
        "specifics": sum(f.has_when_where and f.has_frequency for f in facts),
        "barriers": sum(f.has_barrier_plan for f in facts),
        "confidence": sum(f.confidence >= CONFIDENT for f in facts),
    }
    found = [Share(key, *PARTS[key], count, len(facts)) for key, count in counted.items()]
    note = "Counts only homework whose next appointment has passed."
    found.append(Share("reviewed", *PARTS["reviewed"], sum(f.reviewed_in_time for f in due), len(due), note))
    return found


def _written(text):
    return bool((text or "").strip())


def load_facts(user, *, now=None):
    """The facts of every assignment `user` made in the last FEEDBACK_DAYS days (questionnaires
    left out), in one query: the next appointment and whether a review fell in its window are
    subqueries. The free-text parts are decrypted only to see whether they are empty."""
    now = now or timezone.now()
    next_appointment = (
        Appointment.objects.filter(client=OuterRef("client"), starts_at__gt=OuterRef("created_at"))
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    reviewed = AssignmentReview.objects.filter(
        assignment=OuterRef("pk"),
        created_at__gte=OuterRef("next_appointment_at") - REVIEW_EARLY,
        created_at__lte=OuterRef("next_appointment_at") + REVIEW_WITHIN,
    )
    rows = (
        Assignment.objects.filter(assigned_by=user, created_at__gte=now - timedelta(days=FEEDBACK_DAYS))
        .exclude(template_version__template__kind=ExerciseKind.QUESTIONNAIRE)
        .only(
            "rationale", "when_where", "barriers", "if_then_plan", "frequency", "confidence", "created_at", "client_id"
        )
        .annotate(next_appointment_at=Subquery(next_appointment))
        .annotate(reviewed_in_time=Exists(reviewed))
        .order_by("created_at", "pk")
    )
    return [
        AssigningFact(
            has_rationale=_written(a.rationale),
            has_when_where=_written(a.when_where),
            has_frequency=bool(a.frequency),
            has_barrier_plan=_written(a.barriers) or _written(a.if_then_plan),
            confidence=a.confidence,
            next_appointment_at=a.next_appointment_at,
            reviewed_in_time=a.reviewed_in_time,
        )
        for a in rows
    ]
