from datetime import date, timedelta

import pytest

from conftest import make_assignment, make_entry
from homework.models import Assignment, Entry
from insights.adherence import adherence, summarise

MONDAY = date(2025, 3, 3)
SUNDAY = date(2025, 3, 9)


def assignment(frequency="daily", **fields):
    return Assignment(pk=1, frequency=frequency, starts_on=MONDAY, due_on=SUNDAY, **fields)


def entries(*pairs):
    return [Entry(occurred_on=date(2025, 3, day), outcome=outcome) for day, outcome in pairs]


def test_it_counts_planned_days_up_to_today_against_logged_entries():
    stats = adherence(assignment(), entries((3, "done"), (4, "partly"), (5, "skipped")), today=date(2025, 3, 6))
    assert stats == {"planned": 4, "done": 1, "partly": 1, "skipped": 1, "rate": 1.5 / 4, "rate_pct": "38%"}


def test_it_stops_counting_at_the_due_date():
    stats = adherence(assignment(), entries(*[(day, "done") for day in range(3, 10)]), today=date(2025, 4, 30))
    assert (stats["planned"], stats["done"], stats["rate"]) == (7, 7, 1.0)


def test_entries_outside_the_assignment_window_are_ignored():
    stats = adherence(assignment(), entries((2, "done"), (10, "done"), (3, "done")), today=date(2025, 3, 20))
    assert stats["done"] == 1


def test_nothing_planned_yet_means_no_rate():
    stats = adherence(assignment(), [], today=date(2025, 3, 1))
    assert stats == {"planned": 0, "done": 0, "partly": 0, "skipped": 0, "rate": None, "rate_pct": ""}


def test_extra_practice_cannot_push_the_rate_above_100_percent():
    twice = entries((3, "done"), (3, "done"))
    assert adherence(assignment("once"), twice, today=SUNDAY)["rate"] == 1.0


@pytest.mark.parametrize(
    "frequency, fields, planned",
    [("once", {}, 1), ("weekdays", {"weekdays": [0, 2, 4]}, 3), ("times_per_week", {"times_per_week": 3}, 3)],
)
def test_planned_follows_the_frequency(frequency, fields, planned):
    assert adherence(assignment(frequency, **fields), [], today=SUNDAY)["planned"] == planned


def test_summarise_adds_up_and_does_not_let_one_assignment_cover_for_another(client_a):
    keen = make_assignment(client_a, frequency="once")
    idle = make_assignment(client_a, frequency="once")
    for _ in range(3):
        make_entry(keen)
    today = client_a.today()

    summary = summarise(Assignment.objects.filter(client=client_a).prefetch_related("entries").order_by("pk"), today)

    assert [(a.pk, stats["done"]) for a, stats in summary["assignments"]] == [(keen.pk, 3), (idle.pk, 0)]
    assert summary["overall"] == {"planned": 2, "done": 3, "partly": 0, "skipped": 0, "rate": 0.5, "rate_pct": "50%"}


def test_summarise_runs_on_prefetched_rows_without_more_queries(client_a, django_assert_num_queries):
    for _ in range(3):
        make_entry(make_assignment(client_a))
    today = client_a.today()
    with django_assert_num_queries(2):
        summarise(list(Assignment.objects.filter(client=client_a).prefetch_related("entries")), today)


@pytest.mark.django_db
def test_counts_from_the_database_give_the_same_figures_as_the_rows(client_a):
    from insights.adherence import adherence_from_counts, logged_outcomes

    today = client_a.today()
    assignment = make_assignment(client_a, starts_on=today - timedelta(days=10), due_on=today + timedelta(days=3))
    for days_ago, outcome in [(11, "done"), (9, "done"), (5, "partly"), (2, "skipped"), (0, "done")]:
        # the first one is before the start: neither way may count it
        make_entry(assignment, occurred_on=today - timedelta(days=days_ago), outcome=outcome,
                   skip_reason="forgot" if outcome == "skipped" else "")
    from_rows = adherence(assignment, list(assignment.entries.all()), today)
    from_counts = adherence_from_counts(assignment, logged_outcomes([assignment], today)[assignment.pk], today)
    assert from_counts == from_rows
    assert (from_counts["done"], from_counts["partly"], from_counts["skipped"]) == (2, 1, 1)
