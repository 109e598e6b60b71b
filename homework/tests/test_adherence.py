from collections import Counter
from datetime import date, timedelta

import pytest

from conftest import make_assignment, make_entry
from homework.adherence import adherence_from_counts, logged_outcomes
from homework.models import Assignment

MONDAY = date(2025, 3, 3)
SUNDAY = date(2025, 3, 9)


def assignment(frequency="daily", **fields):
    return Assignment(pk=1, frequency=frequency, starts_on=MONDAY, due_on=SUNDAY, **fields)


def test_it_counts_planned_days_up_to_today_against_logged_practice():
    stats = adherence_from_counts(assignment(), Counter(done=1, partly=1, skipped=1), today=date(2025, 3, 6))
    assert stats == {"planned": 4, "done": 1, "partly": 1, "skipped": 1, "rate": 1.5 / 4, "rate_pct": "38%"}


def test_it_stops_planning_at_the_due_date():
    stats = adherence_from_counts(assignment(), Counter(done=7), today=date(2025, 4, 30))
    assert (stats["planned"], stats["done"], stats["rate"]) == (7, 7, 1.0)


def test_nothing_planned_yet_means_no_rate():
    stats = adherence_from_counts(assignment(), Counter(), today=date(2025, 3, 1))
    assert stats == {"planned": 0, "done": 0, "partly": 0, "skipped": 0, "rate": None, "rate_pct": ""}


def test_extra_practice_cannot_push_the_rate_above_100_percent():
    assert adherence_from_counts(assignment("once"), Counter(done=2), today=SUNDAY)["rate"] == 1.0


@pytest.mark.parametrize(
    "frequency, fields, planned",
    [("once", {}, 1), ("weekdays", {"weekdays": [0, 2, 4]}, 3), ("times_per_week", {"times_per_week": 3}, 3)],
)
def test_planned_follows_the_frequency(frequency, fields, planned):
    assert adherence_from_counts(assignment(frequency, **fields), Counter(), today=SUNDAY)["planned"] == planned


def test_the_database_counts_only_practice_inside_each_assignments_span(client_a):
    today = client_a.today()
    running = make_assignment(client_a, starts_on=today - timedelta(days=10), due_on=today + timedelta(days=3))
    ended = make_assignment(client_a, starts_on=today - timedelta(days=10), due_on=today - timedelta(days=8))
    for days_ago, outcome in [(11, "done"), (9, "done"), (5, "partly"), (2, "skipped"), (0, "done")]:
        # the first one is before both starts; only the one 9 days ago is inside `ended`'s span
        for target in (running, ended):
            make_entry(target, occurred_on=today - timedelta(days=days_ago), outcome=outcome,
                       skip_reason="forgot" if outcome == "skipped" else "")  # fmt: skip

    counts = logged_outcomes([running, ended], today)

    assert counts[running.pk] == Counter(done=2, partly=1, skipped=1)
    assert counts[ended.pk] == Counter(done=1)
    stats = adherence_from_counts(running, counts[running.pk], today)
    assert (stats["planned"], stats["rate"]) == (11, 2.5 / 11)


def test_counting_takes_one_query_however_many_assignments_and_entries(client_a, django_assert_num_queries):
    assignments = [make_assignment(client_a) for _ in range(4)]
    for target in assignments:
        for _ in range(3):
            make_entry(target)
    with django_assert_num_queries(1):
        logged_outcomes(assignments, client_a.today())
