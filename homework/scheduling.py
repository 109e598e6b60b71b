"""Pure scheduling: which days an assignment asks for practice and what a client should do today.

Everything works on calendar dates in the client's own zone (the caller passes the client's
`today()`), so a daylight-saving change can never add, drop or shift a day. No queries here:
functions read only the objects they are given.
"""

from datetime import date, timedelta

from homework.models import PRACTISED, Frequency

TO_DO = "to_do"
DONE = "done"  # something was logged for today, whatever its outcome
WEEK = 7


def planned_dates(assignment, start: date, end: date) -> list[date]:
    """Days in [start, end] on which the assignment asks for a practice.

    Daily and weekdays assignments fix the days. For once and times_per_week the client picks
    them, so every day of the assignment is open; `planned_count` says how many are expected.
    """
    low, high = max(start, assignment.starts_on), min(end, assignment.due_on)
    days = [low + timedelta(days=n) for n in range((high - low).days + 1)]
    if assignment.frequency == Frequency.WEEKDAYS:
        return [day for day in days if day.weekday() in assignment.weekdays]
    return days


def planned_count(assignment, start: date, end: date) -> int:
    """How many practices the assignment expects in [start, end].

    Once counts 1 as soon as the range touches the assignment. N times a week counts N per
    Monday-based week, prorated (rounded up) for the days of a week that fall in the range.
    """
    low, high = max(start, assignment.starts_on), min(end, assignment.due_on)
    if low > high:
        return 0
    if assignment.frequency == Frequency.ONCE:
        return 1
    if assignment.frequency == Frequency.TIMES_PER_WEEK:
        total, monday = 0, _monday(low)
        while monday <= high:
            days = (min(high, monday + timedelta(days=WEEK - 1)) - max(low, monday)).days + 1
            total += -(-assignment.times_per_week * days // WEEK)  # ceiling, in integers
            monday += timedelta(days=WEEK)
        return total
    return len(planned_dates(assignment, low, high))


def is_due_on(assignment, day: date, done_dates=()) -> bool:
    """Whether the client should practise on `day`, given the dates of their done or partly
    done entries (one date per entry, so two practices on one day count twice)."""
    if not assignment.is_open_on(day):
        return False
    if assignment.frequency == Frequency.ONCE:
        return not done_dates
    if assignment.frequency == Frequency.TIMES_PER_WEEK:
        monday = _monday(day)
        sunday = monday + timedelta(days=WEEK - 1)
        done_this_week = sum(1 for done in done_dates if monday <= done <= sunday)
        return done_this_week < planned_count(assignment, monday, sunday)
    return assignment.frequency == Frequency.DAILY or day.weekday() in assignment.weekdays


def todays_plan(assignments, entries_by_assignment, today: date) -> list[tuple]:
    """(assignment, TO_DO or DONE) for what the client should do or has logged today, in the
    order given. `entries_by_assignment` maps assignment pk to its entries."""
    plan = []
    for assignment in assignments:
        if not assignment.is_open_on(today):
            continue
        entries = entries_by_assignment.get(assignment.pk, ())
        if any(entry.occurred_on == today for entry in entries):
            plan.append((assignment, DONE))
        elif is_due_on(assignment, today, [entry.occurred_on for entry in entries if entry.outcome in PRACTISED]):
            plan.append((assignment, TO_DO))
    return plan


def _monday(day):
    return day - timedelta(days=day.weekday())
