from datetime import UTC, date, datetime, timedelta

import time_machine
from hypothesis import given
from hypothesis import strategies as st

from homework.models import Assignment, Entry
from homework.scheduling import DONE, TO_DO, is_due_on, planned_count, planned_dates, todays_plan
from practices.models import Client

# Monday 2025-03-03 to Sunday 2025-03-30 (four full weeks; the last day is Europe's DST change).
MONDAY = date(2025, 3, 3)
LAST = date(2025, 3, 30)


def assignment(frequency="daily", pk=1, starts_on=MONDAY, due_on=LAST, **fields):
    return Assignment(pk=pk, frequency=frequency, starts_on=starts_on, due_on=due_on, **fields)


def entry(day, outcome="done"):
    return Entry(occurred_on=day, outcome=outcome)


def days(first, last):
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# --- Daily ---------------------------------------------------------------------------------------


def test_daily_plans_every_day_from_start_to_due_date():
    daily = assignment()
    assert planned_dates(daily, date(2025, 1, 1), date(2025, 12, 31)) == days(MONDAY, LAST)
    assert planned_count(daily, MONDAY, LAST) == 28


def test_the_range_is_clipped_to_the_assignment():
    daily = assignment()
    assert planned_count(daily, date(2025, 3, 28), date(2025, 4, 10)) == 3
    assert planned_count(daily, date(2025, 4, 1), date(2025, 4, 10)) == 0
    assert planned_dates(daily, date(2025, 4, 1), date(2025, 4, 10)) == []


dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))


@given(dates, dates, dates, dates)
def test_daily_count_is_the_number_of_days_shared_by_range_and_assignment(a, b, c, d):
    starts_on, due_on = sorted((a, b))
    start, end = sorted((c, d))
    shared = (min(due_on, end) - max(starts_on, start)).days + 1
    assert planned_count(assignment(starts_on=starts_on, due_on=due_on), start, end) == max(0, shared)


# --- Chosen weekdays -----------------------------------------------------------------------------


def test_weekdays_plans_only_the_chosen_days():
    mon_thu = assignment("weekdays", weekdays=[0, 3])
    planned = planned_dates(mon_thu, MONDAY, LAST)
    assert planned[:3] == [date(2025, 3, 3), date(2025, 3, 6), date(2025, 3, 10)]
    assert {day.weekday() for day in planned} == {0, 3} and planned_count(mon_thu, MONDAY, LAST) == 8
    assert is_due_on(mon_thu, date(2025, 3, 6)) and not is_due_on(mon_thu, date(2025, 3, 7))


# --- Once ----------------------------------------------------------------------------------------


def test_once_counts_one_occurrence_whenever_the_range_touches_the_assignment():
    once = assignment("once")
    assert planned_count(once, MONDAY, LAST) == 1
    assert planned_count(once, date(2025, 3, 20), date(2025, 3, 20)) == 1
    assert planned_count(once, date(2025, 4, 1), date(2025, 4, 30)) == 0
    assert planned_dates(once, MONDAY, LAST) == days(MONDAY, LAST)


def test_once_is_due_any_day_until_it_is_done():
    once = assignment("once")
    assert is_due_on(once, date(2025, 3, 20))
    assert not is_due_on(once, date(2025, 3, 20), done_dates=[date(2025, 3, 4)])
    assert not is_due_on(once, date(2025, 3, 31))


# --- Times per week ------------------------------------------------------------------------------


def test_times_per_week_counts_n_per_full_week():
    assert planned_count(assignment("times_per_week", times_per_week=3), MONDAY, LAST) == 12


def test_times_per_week_prorates_partial_weeks_rounding_up():
    # Thursday to the next Tuesday: 4 days of one week (3 * 4/7 -> 2) and 2 of the next (3 * 2/7 -> 1).
    thrice = assignment("times_per_week", times_per_week=3, starts_on=date(2025, 3, 6), due_on=date(2025, 3, 11))
    assert planned_count(thrice, MONDAY, LAST) == 3
    # One day of a week still asks for one practice, never none.
    assert planned_count(thrice, date(2025, 3, 9), date(2025, 3, 9)) == 1


@given(st.integers(1, 7), dates, st.integers(0, 60))
def test_times_per_week_never_asks_more_than_n_per_week_or_less_than_n_per_full_week(n, starts_on, length):
    due_on = starts_on + timedelta(days=length)
    weekly = assignment("times_per_week", times_per_week=n, starts_on=starts_on, due_on=due_on)
    count = planned_count(weekly, starts_on, due_on)
    mondays = [starts_on - timedelta(days=starts_on.weekday() - 7 * w) for w in range(12)]
    weeks_touched = sum(1 for monday in mondays if monday <= due_on)
    full_weeks = sum(1 for monday in mondays if starts_on <= monday and monday + timedelta(days=6) <= due_on)
    assert n * full_weeks <= count <= n * weeks_touched


def test_times_per_week_is_due_until_this_weeks_quota_is_met():
    twice = assignment("times_per_week", times_per_week=2)
    wednesday = date(2025, 3, 12)
    last_week = [date(2025, 3, 5), date(2025, 3, 6), date(2025, 3, 7)]
    assert is_due_on(twice, wednesday, done_dates=last_week)
    assert is_due_on(twice, wednesday, done_dates=[date(2025, 3, 10)])
    assert not is_due_on(twice, wednesday, done_dates=[date(2025, 3, 10), date(2025, 3, 11)])


# --- Today's plan --------------------------------------------------------------------------------

TODAY = date(2025, 3, 12)  # a Wednesday


def plan(assignments, entries=None, today=TODAY):
    return [(a.pk, status) for a, status in todays_plan(assignments, entries or {}, today)]


def test_todays_plan_lists_what_to_do_and_what_was_logged_in_order():
    daily, logged = assignment(pk=1), assignment(pk=2)
    assert plan([daily, logged], {2: [entry(TODAY)]}) == [(1, TO_DO), (2, DONE)]


def test_an_entry_logged_today_shows_as_done_even_on_an_unplanned_day():
    mondays = assignment("weekdays", weekdays=[0])
    assert plan([mondays]) == []
    assert plan([mondays], {1: [entry(TODAY, "partly")]}) == [(1, DONE)]


def test_a_skipped_practice_does_not_complete_a_once_assignment():
    once = assignment("once")
    assert plan([once], {1: [entry(date(2025, 3, 10), "skipped")]}) == [(1, TO_DO)]
    assert plan([once], {1: [entry(date(2025, 3, 10), "partly")]}) == []


def test_times_per_week_drops_off_today_once_the_week_is_done():
    twice = assignment("times_per_week", times_per_week=2)
    assert plan([twice], {1: [entry(date(2025, 3, 10))]}) == [(1, TO_DO)]
    assert plan([twice], {1: [entry(date(2025, 3, 10)), entry(date(2025, 3, 11))]}) == []


def test_stopped_unstarted_and_finished_assignments_are_not_in_todays_plan():
    stopped = assignment(pk=1, status="stopped")
    later = assignment(pk=2, starts_on=date(2025, 3, 13))
    finished = assignment(pk=3, due_on=date(2025, 3, 11))
    assert plan([stopped, later, finished]) == []


# --- Time zones ----------------------------------------------------------------------------------


@time_machine.travel(datetime(2025, 3, 29, 23, 30, tzinfo=UTC), tick=False)
def test_today_is_the_clients_local_day_across_the_spring_dst_change():
    # 00:30 on Sunday 30 March in Berlin, the night clocks go forward; still Saturday in UTC.
    today = Client(timezone="Europe/Berlin").today()
    sundays = assignment("weekdays", weekdays=[6])
    assert today == date(2025, 3, 30)
    assert plan([sundays], today=today) == [(1, TO_DO)]
    assert plan([sundays], today=Client(timezone="UTC").today()) == []


@time_machine.travel(datetime(2025, 11, 3, 3, 30, tzinfo=UTC), tick=False)
def test_a_daily_week_spanning_the_autumn_dst_change_has_seven_days():
    # 22:30 on Sunday 2 November in New York, the 25-hour day clocks went back; Monday in UTC.
    today = Client(timezone="America/New_York").today()
    week = assignment(starts_on=date(2025, 10, 27), due_on=date(2025, 11, 2))
    assert today == date(2025, 11, 2)
    assert planned_count(week, week.starts_on, today) == 7
    assert plan([week], today=today) == [(1, TO_DO)]
