"""The client's home page (what to do today), the assignment page and the history list."""

from datetime import UTC, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_assignment, make_entry
from homework.models import Comment, Entry

HOME = reverse("homework:client_home")
HISTORY = reverse("homework:client_history")


@pytest.fixture
def browser(sign_in, client_a):
    return sign_in(client_a.user)


def test_home_shows_todays_assignment_with_a_log_button(browser, assignment_a):
    html = browser.get(HOME).content.decode()
    assert assignment_a.title in html
    assert f'href="{reverse("homework:entry_new", args=[assignment_a.code])}">Log it' in html
    assert "Logged today" not in html


def test_home_marks_an_assignment_done_today(browser, assignment_a):
    make_entry(assignment_a)
    html = browser.get(HOME).content.decode()
    assert "Logged today" in html
    assert "Log another" in html


def test_home_hides_stopped_assignments(browser, client_a, assignment_a):
    stopped = make_assignment(client_a, title="Stopped exercise")
    stopped.status = "stopped"
    stopped.save(update_fields=["status"])
    html = browser.get(HOME).content.decode()
    assert assignment_a.title in html
    assert "Stopped exercise" not in html
    assert stopped.code not in html


def test_home_lists_later_work_and_the_next_session_under_coming_up(browser, client_a, appointment_a):
    today = client_a.today()
    make_assignment(
        client_a, title="Starts soon", starts_on=today + timedelta(days=3), due_on=today + timedelta(days=10)
    )
    html = browser.get(HOME).content.decode()
    coming_up = html[html.index("Coming up") :]
    assert "Starts soon" in coming_up
    assert "Next session:" in coming_up
    assert "Nothing is planned for today." in html


@time_machine.travel("2025-03-12 09:00 +0000", tick=False)  # a Wednesday
def test_home_follows_the_weekdays_the_assignment_asks_for(browser, client_a):
    make_assignment(client_a, title="Mondays and Fridays", frequency="weekdays", weekdays=[0, 4])
    make_assignment(client_a, title="Wednesdays", frequency="weekdays", weekdays=[2])
    html = browser.get(HOME).content.decode()
    todo, coming_up = html.split("Coming up")
    assert "Wednesdays" in todo
    assert "Mondays and Fridays" not in todo
    assert "Next Friday, 14 March" in coming_up


@time_machine.travel("2025-03-12 09:00 +0000", tick=False)  # a Wednesday
def test_home_counts_practices_for_times_a_week(browser, client_a):
    assignment = make_assignment(client_a, title="Walks", frequency="times_per_week", times_per_week=3)
    make_entry(assignment, occurred_on=client_a.today() - timedelta(days=1))
    html = browser.get(HOME).content.decode()
    assert "1 of 3 this week" in html


def test_home_shows_the_next_appointment_in_the_clients_time_zone(browser, client_a):
    from practices.models import Appointment

    with time_machine.travel("2025-06-02 08:00 +0000", tick=False):
        from datetime import datetime

        Appointment.objects.create(client=client_a, starts_at=datetime(2025, 6, 5, 14, 0, tzinfo=UTC))
        html = browser.get(HOME).content.decode()
    assert "Thursday, 5 June, 16:00" in html  # Berlin is UTC+2 in summer


def test_the_assignment_page_writes_the_plan_down(browser, assignment_a, goal_a):
    html = browser.get(reverse("homework:client_assignment", args=[assignment_a.code])).content.decode()
    for text in (
        assignment_a.instructions,
        assignment_a.rationale,
        assignment_a.when_where,
        assignment_a.if_then_plan,
        assignment_a.frequency_label(),
        goal_a.title,
    ):
        assert text in html
    assert assignment_a.due_on.strftime("%Y") in html
    assert reverse("homework:entry_new", args=[assignment_a.code]) in html


def test_the_assignment_page_lists_its_own_entries_only(browser, client_a, assignment_a):
    mine = make_entry(assignment_a)
    other = make_entry(make_assignment(client_a, title="Other one"))
    html = browser.get(reverse("homework:client_assignment", args=[assignment_a.code])).content.decode()
    assert mine.code in html
    assert other.code not in html


def test_a_stopped_assignment_page_has_no_log_button(browser, assignment_a):
    assignment_a.status = "stopped"
    assignment_a.save(update_fields=["status"])
    html = browser.get(reverse("homework:client_assignment", args=[assignment_a.code])).content.decode()
    assert "stopped this exercise" in html
    assert reverse("homework:entry_new", args=[assignment_a.code]) not in html


def test_history_is_newest_first_and_paginated(browser, assignment_a):
    today = assignment_a.client.today()
    entries = [make_entry(assignment_a, occurred_on=today - timedelta(days=n % 7)) for n in range(25)]
    newest = [e.code for e in sorted(entries, key=lambda e: (e.occurred_on, e.created_at, e.pk), reverse=True)]
    first = browser.get(HISTORY).content.decode()
    second = browser.get(HISTORY + "?page=2").content.decode()
    positions = [first.index(code) for code in newest[:20]]
    assert positions == sorted(positions)
    assert all(code not in first for code in newest[20:])
    assert all(code in second for code in newest[20:])
    assert "Page 1 of 2" in first


def test_history_shows_outcome_ratings_and_skip_reason(browser, assignment_a):
    make_entry(assignment_a, outcome="skipped", skip_reason="no_time", helpfulness=None, difficulty="")
    make_entry(assignment_a, helpfulness=4, difficulty="too_hard")
    html = browser.get(HISTORY).content.decode()
    assert "Skipped" in html and "No time" in html
    assert "Helpful: Very" in html and "Too hard" in html


# --- A bounded number of queries, however much data ---------------------------------------------


def seed(client, assignments, entries_each):
    made = [make_assignment(client, title=f"Exercise {n}") for n in range(assignments)]
    today = client.today()
    Entry.objects.bulk_create(
        Entry(assignment=assignment, occurred_on=today - timedelta(days=n % 7), outcome="done", answers={"a": "x"})
        for assignment in made
        for n in range(entries_each)
    )
    for entry in Entry.objects.all()[:3]:
        Comment.objects.create(entry=entry, author=client.user, body="c")


def queries_for(browser, url):
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [HOME, HISTORY])
def test_page_queries_do_not_grow_with_the_number_of_entries(browser, client_a, url, django_assert_max_num_queries):
    seed(client_a, assignments=1, entries_each=5)
    few = queries_for(browser, url)
    assert few <= 12
    seed(client_a, assignments=4, entries_each=50)  # 205 entries over 5 assignments
    assert Entry.objects.count() == 205
    with django_assert_max_num_queries(few):
        browser.get(url)


def test_the_assignment_page_queries_do_not_grow(browser, client_a, django_assert_max_num_queries):
    assignment = make_assignment(client_a)
    for _ in range(3):
        make_entry(assignment)
    url = reverse("homework:client_assignment", args=[assignment.code])
    few = queries_for(browser, url)
    today = client_a.today()
    Entry.objects.bulk_create(Entry(assignment=assignment, occurred_on=today, outcome="done") for _ in range(200))
    with django_assert_max_num_queries(few):
        browser.get(url)
