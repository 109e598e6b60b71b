"""Feedback on one's own assigning: the shares on constructed facts, then what the loader reads
(only the therapist's own assignments of the last 90 days, questionnaires left out, a review in
the window around the next appointment) and the page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_assignment
from insights.feedback import AssigningFact, load_facts, shares

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def fact(**overrides):
    fields = dict(has_rationale=True, has_when_where=True, has_frequency=True, has_barrier_plan=True, confidence=8)
    return AssigningFact(**{**fields, **overrides})


def by_key(found):
    return {s.key: (s.count, s.total) for s in found}


def test_each_share_counts_the_assignments_that_had_it():
    facts = [
        fact(),
        fact(has_rationale=False, has_barrier_plan=False),
        fact(has_when_where=False, confidence=7),
        fact(has_frequency=False, confidence=6),
    ]
    found = by_key(shares(facts, NOW))
    assert found["rationale"] == (3, 4)
    assert found["specifics"] == (2, 4)  # when and where *and* a frequency
    assert found["barriers"] == (3, 4)
    assert found["confidence"] == (3, 4)  # 7 counts as confident, 6 does not


def test_every_share_has_its_research_line_in_a_fixed_order():
    found = shares([fact()], NOW)
    assert [s.key for s in found] == ["rationale", "specifics", "barriers", "confidence", "reviewed"]
    assert all(s.research for s in found)
    assert "implementation intentions" in found[1].research


def test_reviewed_counts_only_homework_whose_next_appointment_has_passed():
    facts = [
        fact(next_appointment_at=NOW - timedelta(days=3), reviewed_in_time=True),
        fact(next_appointment_at=NOW - timedelta(days=3), reviewed_in_time=False),
        fact(next_appointment_at=NOW - timedelta(hours=2), reviewed_in_time=False),  # a day to go
        fact(next_appointment_at=NOW - timedelta(hours=2), reviewed_in_time=True),  # already done
        fact(next_appointment_at=NOW + timedelta(days=2)),
        fact(next_appointment_at=None),  # no appointment after it: nothing to measure
    ]
    reviewed = shares(facts, NOW)[-1]
    assert (reviewed.count, reviewed.total, reviewed.pct) == (2, 3, 67)


def test_no_assignments_measure_nothing():
    found = shares([], NOW)
    assert all(s.total == 0 and s.pct is None for s in found)


# --- What is loaded --------------------------------------------------------------------------------------

needs_db = pytest.mark.django_db


def _made_ago(assignment, days):
    type(assignment).objects.filter(pk=assignment.pk).update(created_at=timezone.now() - timedelta(days=days))


@needs_db
def test_only_ones_own_assignments_of_the_last_90_days_count_and_no_questionnaires(
    therapist_a, colleague_a, client_a, client_b
):
    make_assignment(client_a, barriers="", if_then_plan="", confidence=5)
    _made_ago(make_assignment(client_a), 91)
    make_assignment(client_a, key="phq-9", frequency="once")
    make_assignment(client_a, assigned_by=colleague_a)  # a colleague's, for a client of A's
    make_assignment(client_b)
    (only,) = load_facts(therapist_a)
    assert (only.has_rationale, only.has_when_where, only.has_barrier_plan, only.confidence) == (True, True, False, 5)
    assert len(load_facts(colleague_a)) == 1


@needs_db
def test_a_review_within_a_day_of_the_next_appointment_counts_as_reviewed(therapist_a, client_a):
    from homework.models import AssignmentReview
    from practices.models import Appointment

    now = timezone.now()
    assignment = make_assignment(client_a)
    _made_ago(assignment, 10)
    Appointment.objects.create(client=client_a, starts_at=now - timedelta(days=12))  # before: not "next"
    Appointment.objects.create(client=client_a, starts_at=now - timedelta(days=3))  # the next one
    Appointment.objects.create(client=client_a, starts_at=now - timedelta(days=1))

    def reviewed_at(when):
        AssignmentReview.objects.all().delete()
        review = AssignmentReview.objects.create(assignment=assignment, reviewer=therapist_a, decision="keep")
        AssignmentReview.objects.filter(pk=review.pk).update(created_at=when)
        (found,) = load_facts(therapist_a, now=now)
        return found

    found = reviewed_at(now - timedelta(days=3, minutes=-30))
    assert found.reviewed_in_time and abs(found.next_appointment_at - (now - timedelta(days=3))) < timedelta(seconds=1)
    assert reviewed_at(now - timedelta(days=3, minutes=30)).reviewed_in_time  # the session began early
    assert not reviewed_at(now - timedelta(days=1, minutes=30)).reviewed_in_time  # two days late
    assert not reviewed_at(now - timedelta(days=3, hours=2)).reviewed_in_time  # before it


@needs_db
def test_the_page_shows_shares_and_what_the_research_says(sign_in, therapist_a, client_a):
    make_assignment(client_a)
    make_assignment(client_a, confidence=4, when_where="")
    html = sign_in(therapist_a).get(reverse("insights:assigning_feedback")).content.decode()
    assert "Based on 2 assignments you made" in html
    assert "Low confidence when homework is set predicts" in html
    assert "50%" in html  # confidence and specifics: one of two
    assert client_a.name not in html  # shares only, never a client


@needs_db
def test_a_colleague_sees_only_their_own(sign_in, colleague_a, client_a):
    make_assignment(client_a)
    html = sign_in(colleague_a).get(reverse("insights:assigning_feedback")).content.decode()
    assert "No assignments in the last 90 days" in html
