"""A client's history loads in a fixed number of queries and gives the facts the rules read."""

from datetime import timedelta

import pytest

from conftest import make_assignment, make_entry
from insights.history import load_history

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("entries", [1, 40])
def test_a_history_costs_three_queries_however_long_it_is(django_assert_num_queries, client_a, entries):
    assignments = [make_assignment(client_a), make_assignment(client_a, key="phq-9", frequency="once")]
    for n in range(entries):
        make_entry(assignments[n % 2], occurred_on=client_a.today() - timedelta(days=n % 7))
    with django_assert_num_queries(3):
        history = load_history(client_a)
        facts = history.entry_facts + history.assignment_facts
    assert len(history.entries) == entries and len(facts) == entries + 2


def test_facts_carry_the_local_day_an_entry_was_logged_and_the_adherence(client_a):
    assignment = make_assignment(client_a)
    late = make_entry(assignment, occurred_on=client_a.today() - timedelta(days=3))
    history = load_history(client_a)
    (fact,) = history.entry_facts
    assert fact.code == late.code and fact.logged_on == client_a.today() and fact.kind == "thought_record"
    (assignment_fact,) = history.assignment_facts
    assert assignment_fact.adherence == history.adherence[assignment.pk]["rate"] > 0
    assert [e.code for e in history.since(client_a.today()).entries] == []


def test_an_entry_logged_late_on_the_night_clocks_go_back_counts_for_that_local_day(client_a):
    """Europe/Berlin leaves summer time at 01:00 UTC on 25 October 2026: 22:30 UTC that day is
    23:30 local, still the 25th, so the entry is neither back-filled nor a day late."""
    from datetime import UTC, date, datetime

    from homework.models import Entry
    from insights.patterns import backfill_share, no_activity

    assignment = make_assignment(client_a, starts_on=date(2026, 10, 20), due_on=date(2026, 11, 1))
    entry = make_entry(assignment, occurred_on=date(2026, 10, 25))
    Entry.objects.filter(pk=entry.pk).update(created_at=datetime(2026, 10, 25, 22, 30, tzinfo=UTC))
    history = load_history(client_a, today=date(2026, 10, 28))
    (fact,) = history.entry_facts
    assert fact.logged_on == date(2026, 10, 25)
    assert backfill_share(history.entry_facts) == (0, ())
    assert no_activity(history.entry_facts, date(2026, 10, 28)) == [], "three local days, not four"


def test_after_a_move_to_another_zone_days_are_counted_in_the_new_one(client_a):
    from datetime import UTC, date, datetime

    from homework.models import Entry
    from insights.patterns import backfill_share

    assignment = make_assignment(client_a, starts_on=date(2026, 11, 1), due_on=date(2026, 11, 30))
    entry = make_entry(assignment, occurred_on=date(2026, 11, 10))
    # 03:00 UTC on the 12th: the 12th in Berlin (two days late), still the 11th in Los Angeles.
    Entry.objects.filter(pk=entry.pk).update(created_at=datetime(2026, 11, 12, 3, 0, tzinfo=UTC))
    assert backfill_share(load_history(client_a).entry_facts)[0] == 1
    client_a.timezone = "America/Los_Angeles"
    client_a.save()
    assert backfill_share(load_history(client_a).entry_facts)[0] == 0
