"""The one planner (homework.scheduling.planned_occurrences) over time zones, start dates and
daylight-saving changes (docs/security.md T-RL-8): every reminder falls on the chosen local
wall-clock time of its own local day, no day is skipped or doubled, none falls in quiet hours."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from homework.models import Assignment, Frequency
from homework.scheduling import in_quiet_hours, planned_occurrences

# The zones the issue names (a 30-minute shift, a 45-minute offset, both hemispheres), and any other.
NAMED = ["America/Los_Angeles", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "America/Santiago"]
ZONES = st.one_of(st.sampled_from(NAMED), st.sampled_from(sorted(zoneinfo.available_timezones())))
# Two years, so every zone's spring and autumn changes fall in range.
STARTS = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))
MINUTES = st.builds(time, st.integers(0, 23), st.sampled_from([0, 1, 15, 30, 45, 59]))


def _assignment(start, days, times, frequency=Frequency.DAILY, weekdays=()):
    return Assignment(
        code="A" * 16,
        frequency=frequency,
        weekdays=list(weekdays),
        starts_on=start,
        due_on=start + timedelta(days=days - 1),
        reminder_times=[f"{t:%H:%M}" for t in times],
    )


def _exists(day, moment, tz):
    """Whether `moment` is a wall-clock time that exists on `day` in `tz` (not in a DST gap)."""
    at = datetime.combine(day, moment, tzinfo=tz)
    return at.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == at.replace(tzinfo=None)


def _gap_after(day, moment, tz):
    """How far a DST gap pushes `moment` forward on `day` (zero when it exists)."""
    at = datetime.combine(day, moment, tzinfo=tz)
    local = at.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return local - at.replace(tzinfo=None)


@settings(max_examples=300, deadline=None)
@given(zone=ZONES, start=STARTS, days=st.integers(1, 60), moment=MINUTES)
def test_a_daily_reminder_falls_once_a_day_on_its_wall_clock_time(zone, start, days, moment):
    tz = zoneinfo.ZoneInfo(zone)
    occurrences = planned_occurrences(_assignment(start, days, [moment]), tz, start, start + timedelta(days=days))
    local_days = [o.local_date for o in occurrences]
    assert local_days == [start + timedelta(days=n) for n in range(days)], "a day skipped or doubled"
    for occurrence in occurrences:
        local = occurrence.at.astimezone(tz)
        assert local.date() == occurrence.local_date, "fired on another local day"
        if _exists(occurrence.local_date, moment, tz):
            assert local.time() == moment
        else:  # the time does not exist that day: next to the gap, never further away than the gap
            shift = local.replace(tzinfo=None) - datetime.combine(occurrence.local_date, moment)
            assert timedelta(0) < abs(shift) <= _gap_after(occurrence.local_date, moment, tz)
    instants = [o.at for o in occurrences]
    assert instants == sorted(set(instants))


@settings(max_examples=300, deadline=None)
@given(
    zone=ZONES,
    start=STARTS,
    days=st.integers(1, 30),
    moments=st.lists(MINUTES, min_size=1, max_size=6, unique=True),
    quiet=st.tuples(MINUTES, MINUTES).filter(lambda q: q[0] != q[1]),
)
def test_no_reminder_falls_in_quiet_hours_and_none_leaves_its_day(zone, start, days, moments, quiet):
    tz = zoneinfo.ZoneInfo(zone)
    assignment = _assignment(start, days, moments)
    occurrences = planned_occurrences(assignment, tz, start, start + timedelta(days=days), quiet=quiet)
    for occurrence in occurrences:
        local = occurrence.at.astimezone(tz)
        assert not in_quiet_hours(local.time(), quiet), f"{local} is inside quiet hours {quiet}"
        assert local.date() == occurrence.local_date
    per_day = {}
    for occurrence in occurrences:
        per_day.setdefault(occurrence.local_date, []).append(occurrence.at)
    for instants in per_day.values():
        assert len(instants) == len(set(instants)) <= len(moments), "two reminders at one instant"


@settings(max_examples=200, deadline=None)
@given(zone=ZONES, start=STARTS, weekdays=st.sets(st.integers(0, 6), min_size=1), moment=MINUTES)
def test_weekday_reminders_fall_on_the_chosen_weekdays_only(zone, start, weekdays, moment):
    tz = zoneinfo.ZoneInfo(zone)
    assignment = _assignment(start, 21, [moment], frequency=Frequency.WEEKDAYS, weekdays=sorted(weekdays))
    occurrences = planned_occurrences(assignment, tz, start, start + timedelta(days=21))
    assert {o.local_date.weekday() for o in occurrences} == set(weekdays)
    assert len(occurrences) == sum(1 for n in range(21) if (start + timedelta(days=n)).weekday() in weekdays)


def test_quiet_hours_move_a_reminder_to_their_end_or_drop_it_when_that_is_tomorrow():
    tz = zoneinfo.ZoneInfo("Europe/Berlin")
    day = date(2026, 6, 10)
    quiet = (time(22, 0), time(8, 0))
    moved = planned_occurrences(_assignment(day, 1, [time(6, 0), time(12, 0)]), tz, day, day, quiet=quiet)
    assert [(o.local_time, o.at.astimezone(tz).time()) for o in moved] == [(time(6, 0), time(8, 0)), (time(12, 0),) * 2]
    # 23:00 would move to 08:00 tomorrow, which is another day's business.
    assert planned_occurrences(_assignment(day, 1, [time(23, 0)]), tz, day, day, quiet=quiet) == []


def test_two_times_inside_quiet_hours_become_one_reminder_at_their_end():
    tz = zoneinfo.ZoneInfo("UTC")
    day = date(2026, 6, 10)
    assignment = _assignment(day, 1, [time(13, 0), time(13, 30)])
    occurrences = planned_occurrences(assignment, tz, day, day, quiet=(time(12, 30), time(14, 0)))
    assert [o.at.time() for o in occurrences] == [time(14, 0)]


def test_across_the_spring_change_the_reminder_keeps_its_local_time_not_its_utc_time():
    tz = zoneinfo.ZoneInfo("America/Los_Angeles")
    start = date(2026, 3, 7)  # DST starts on Sunday 8 March 2026
    occurrences = planned_occurrences(_assignment(start, 3, [time(19, 0)]), tz, start, start + timedelta(days=2))
    assert [o.at.astimezone(tz).time() for o in occurrences] == [time(19, 0)] * 3
    assert [o.at.hour for o in occurrences] == [3, 2, 2]  # 19:00 PST = 03:00 UTC; PDT = 02:00 UTC


def test_a_time_that_does_not_exist_on_lord_howe_fires_just_after_the_half_hour_gap():
    tz = zoneinfo.ZoneInfo("Australia/Lord_Howe")
    day = date(2026, 10, 4)  # clocks go from 02:00 to 02:30
    (occurrence,) = planned_occurrences(_assignment(day, 1, [time(2, 15)]), tz, day, day)
    assert occurrence.at.astimezone(tz).time() == time(2, 45)
    assert occurrence.local_time == time(2, 15)  # the key keeps what the client chose


def test_a_gap_at_midnight_never_pushes_a_late_reminder_into_tomorrow():
    tz = zoneinfo.ZoneInfo("America/Nuuk")
    day = date(2026, 3, 28)  # clocks go from 23:00 straight to 00:00 on the 29th
    (occurrence,) = planned_occurrences(_assignment(day, 1, [time(23, 30)]), tz, day, day)
    local = occurrence.at.astimezone(tz)
    assert local.date() == day and local.time() == time(22, 30)


def test_the_occurrence_key_does_not_change_when_quiet_hours_move_the_instant():
    tz = zoneinfo.ZoneInfo("UTC")
    day = date(2026, 6, 10)
    assignment = _assignment(day, 1, [time(7, 0)])
    (loud,) = planned_occurrences(assignment, tz, day, day)
    (quiet,) = planned_occurrences(assignment, tz, day, day, quiet=(time(22, 0), time(8, 0)))
    assert loud.key == quiet.key and loud.at != quiet.at
