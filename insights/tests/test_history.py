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
