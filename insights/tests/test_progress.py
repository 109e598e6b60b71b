"""The client's progress page: practices per Monday-based week over the last eight weeks (a chart
and a table), runs of planned days per open assignment, and words that never blame.

Who may open the page at all is tests/test_authorization_matrix.py; its query count is in
tests/test_query_counts.py."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse

from conftest import SENTINEL, make_assignment, make_entry
from insights.client_views import QUIET_WEEK, WEEKS_SHOWN, weekly_counts

pytestmark = pytest.mark.django_db

PROGRESS = reverse("insights:progress")
BLAME = ("missed", "failed", "fail", "broke", "behind", "should have", "only ")


def fact(day, outcome="done"):
    return SimpleNamespace(occurred_on=day, outcome=outcome)


# --- Weeks ----------------------------------------------------------------------------------------


def test_weekly_counts_are_per_monday_based_week_over_the_last_eight():
    today = date(2025, 3, 12)  # a Wednesday; its week starts on Monday 10 March
    entries = [
        fact(date(2025, 3, 10)),
        fact(date(2025, 3, 12), "partly"),
        fact(date(2025, 3, 9), "skipped"),  # Sunday: the week before
        fact(date(2025, 3, 3)),
        fact(date(2025, 3, 3)),  # two practices on one day count twice
        fact(date(2025, 1, 20), "partly"),  # the Monday seven weeks back: the oldest week shown
        fact(date(2025, 1, 19)),  # a day earlier: outside the eight weeks
    ]
    weeks = weekly_counts(entries, today)
    assert len(weeks) == WEEKS_SHOWN
    assert [w.monday for w in weeks] == [date(2025, 1, 20) + timedelta(weeks=n) for n in range(WEEKS_SHOWN)]
    assert all(w.monday.weekday() == 0 for w in weeks)
    counts = {w.monday: (w.done, w.partly, w.skipped) for w in weeks}
    assert counts[date(2025, 3, 10)] == (1, 1, 0)
    assert counts[date(2025, 3, 3)] == (2, 0, 1)
    assert counts[date(2025, 1, 20)] == (0, 1, 0)
    assert sum(w.done + w.partly + w.skipped for w in weeks) == 6
    assert [w.is_current for w in weeks] == [False] * 7 + [True]


def test_a_week_without_practice_gets_the_quiet_note_and_no_other():
    weeks = weekly_counts([fact(date(2025, 3, 3), "skipped"), fact(date(2025, 3, 10), "partly")], date(2025, 3, 12))
    notes = {w.monday: w.note for w in weeks}
    assert notes[date(2025, 3, 3)] == QUIET_WEEK  # skipped only: still quiet, never "missed"
    assert notes[date(2025, 3, 10)] == ""
    assert notes[date(2025, 2, 24)] == QUIET_WEEK  # nothing at all


def test_on_a_monday_the_current_week_starts_today():
    weeks = weekly_counts([fact(date(2025, 3, 10))], date(2025, 3, 10))
    assert weeks[-1].monday == date(2025, 3, 10) and weeks[-1].done == 1


# --- The page ---------------------------------------------------------------------------------------------


def _week_of(day):
    return day - timedelta(days=day.weekday())


def test_the_page_counts_the_clients_practices_per_week(sign_in, client_a, client_b):
    today = client_a.today()
    daily = make_assignment(client_a, starts_on=today - timedelta(days=60))
    make_entry(daily, occurred_on=today)
    make_entry(daily, occurred_on=today - timedelta(days=7), outcome="partly")
    make_entry(daily, occurred_on=today - timedelta(days=7), outcome="skipped", skip_reason="no_time")
    # B's practices never count on A's page.
    theirs = make_assignment(client_b, title="B's homework")
    for _ in range(3):
        make_entry(theirs, occurred_on=client_b.today())

    response = sign_in(client_a.user).get(PROGRESS)
    assert response.status_code == 200
    weeks = {w.monday: w for w in response.context["weeks"]}
    assert len(weeks) == WEEKS_SHOWN
    this_week, last_week = weeks[_week_of(today)], weeks[_week_of(today - timedelta(days=7))]
    assert (this_week.done, this_week.partly, this_week.skipped) == (1, 0, 0)
    assert (last_week.done, last_week.partly, last_week.skipped) == (0, 1, 1)
    assert sum(w.done + w.partly + w.skipped for w in weeks.values()) == 3

    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    assert response.context["chart"].summary in html  # the chart's alt text
    assert "This week" in html and QUIET_WEEK in html
    assert "B&#x27;s homework" not in html and "Eve Client" not in html


def test_the_chart_has_done_partly_and_skipped_and_no_red(sign_in, client_a):
    assignment = make_assignment(client_a)
    make_entry(assignment)
    make_entry(assignment, outcome="partly")
    make_entry(assignment, outcome="skipped", skip_reason="forgot")
    chart = sign_in(client_a.user).get(PROGRESS).context["chart"]
    svg = chart.svg.lower()
    for name in ("Done", "Partly done", "Skipped"):
        assert name in chart.svg
    # The palette's vermilion (and the page's error red) are never drawn on the client's chart.
    assert "#d55e00" not in svg and "#b42318" not in svg
    assert chart.title == "Your practice, week by week"


def test_streaks_are_shown_for_assignments_with_fixed_days(sign_in, client_a):
    today = client_a.today()
    daily = make_assignment(client_a, title=f"Breathing {SENTINEL}", starts_on=today - timedelta(days=6))
    for back in (6, 5, 4, 2, 1):  # three in a row, a skipped day, then two in a row
        make_entry(daily, occurred_on=today - timedelta(days=back))
    make_entry(daily, occurred_on=today - timedelta(days=3), outcome="skipped", skip_reason="no_time")

    response = sign_in(client_a.user).get(PROGRESS)
    (run,) = response.context["runs"]
    assert (run.has_runs, run.current, run.longest) == (True, 2, 3)  # today is not over: it breaks nothing
    html = response.content.decode()
    assert "You have practised on 2 planned days in a row. Your longest run so far: 3." in html
    assert f"Breathing {SENTINEL}" in html


def test_a_run_that_ended_is_a_fresh_start_not_a_failing(sign_in, client_a):
    today = client_a.today()
    daily = make_assignment(client_a, starts_on=today - timedelta(days=5))
    make_entry(daily, occurred_on=today - timedelta(days=5))
    make_entry(daily, occurred_on=today - timedelta(days=4))
    html = sign_in(client_a.user).get(PROGRESS).content.decode()
    assert "Your longest run so far: 2 planned days in a row. The next planned day is a fresh start." in html
    assert not any(word in html.lower() for word in BLAME)


def test_weekday_plans_count_only_their_days(sign_in, client_a):
    today = client_a.today()
    # Planned on today's weekday only: last week's practice and this week's today make a run of 2.
    weekly = make_assignment(
        client_a, frequency="weekdays", weekdays=[today.weekday()], starts_on=today - timedelta(days=13)
    )
    make_entry(weekly, occurred_on=today - timedelta(days=7))
    make_entry(weekly, occurred_on=today)
    (run,) = sign_in(client_a.user).get(PROGRESS).context["runs"]
    assert (run.current, run.longest) == (2, 2)


def test_plans_without_fixed_days_show_this_weeks_count_instead_of_a_run(sign_in, client_a):
    today = client_a.today()
    flexible = make_assignment(
        client_a, frequency="times_per_week", times_per_week=3, starts_on=_week_of(today) - timedelta(days=7)
    )
    make_entry(flexible, occurred_on=today)
    make_entry(flexible, occurred_on=_week_of(today) - timedelta(days=1))  # last week's Sunday
    (run,) = sign_in(client_a.user).get(PROGRESS).context["runs"]
    assert (run.has_runs, run.done, run.asked) == (False, 1, 3)


def test_stopped_and_future_assignments_have_no_run(sign_in, client_a):
    today = client_a.today()
    make_assignment(client_a, status="stopped")
    make_assignment(client_a, starts_on=today + timedelta(days=1), due_on=today + timedelta(days=8))
    assert sign_in(client_a.user).get(PROGRESS).context["runs"] == []


def test_the_clients_own_trends_are_drawn_in_their_words(sign_in, client_a):
    exposure = make_assignment(client_a, key="exposure", title=f"Lifts {SENTINEL}")
    for back, (before, peak, after) in enumerate([(70, 80, 40), (60, 70, 30)]):
        make_entry(
            exposure,
            occurred_on=client_a.today() - timedelta(days=back),
            answers={"suds_before": before, "suds_peak": peak, "suds_after": after},
        )
    response = sign_in(client_a.user).get(PROGRESS)
    trends = response.context["trends"]
    assert trends and trends[0].title.startswith("Your anxiety before, at its highest and after each practice")
    html = response.content.decode()
    assert "How it has been going" in html and trends[0].summary in html


def test_an_empty_history_is_an_encouraging_empty_state(sign_in, client_a):
    response = sign_in(client_a.user).get(PROGRESS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing logged yet, and that is fine." in html
    assert response.context["chart"] is None and "data:image/svg" not in html
    assert not any(word in html.lower() for word in BLAME)


def test_a_long_quiet_spell_is_said_gently_and_draws_no_chart(sign_in, client_a):
    today = client_a.today()
    old = make_assignment(client_a, starts_on=today - timedelta(days=120), due_on=today - timedelta(days=90))
    make_entry(old, occurred_on=today - timedelta(days=100))
    response = sign_in(client_a.user).get(PROGRESS)
    html = response.content.decode()
    assert response.context["chart"] is None
    assert "Whenever you are ready, your next practice will show up here." in html
    assert html.count(QUIET_WEEK) == WEEKS_SHOWN


def test_no_other_clients_data_ever_appears(sign_in, client_a, client_b, entry_a):
    response = sign_in(client_b.user).get(PROGRESS)
    html = response.content.decode()
    assert SENTINEL not in html and "Dana Client" not in html
    assert all(w.done == w.partly == w.skipped == 0 for w in response.context["weeks"])


def test_reading_the_page_is_audited(sign_in, client_a):
    from audit.models import AuditEvent

    sign_in(client_a.user).get(PROGRESS)
    assert AuditEvent.objects.filter(
        actor=client_a.user, action="read", object_type="Client", object_code=client_a.code
    ).exists()


def test_the_client_nav_links_to_progress(sign_in, client_a):
    html = sign_in(client_a.user).get(reverse("homework:client_home")).content.decode()
    assert f'href="{PROGRESS}">My progress</a>' in html
