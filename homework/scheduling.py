"""Pure scheduling: which days an assignment asks for practice and what a client should do today.

Everything works on calendar dates in the client's own zone (the caller passes the client's
`today()`), so a daylight-saving change can never add, drop or shift a day. No queries here:
functions read only the objects they are given.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

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


@dataclass(frozen=True)
class Occurrence:
    """One planned practice at one reminder time: the local day and the time the client chose,
    and the UTC instant it falls on once quiet hours and daylight saving are applied."""

    assignment: object
    local_date: date
    local_time: time
    at: datetime

    @property
    def key(self):
        """Stable whatever moves the instant (quiet hours, a new zone): the outbox idempotency key."""
        return f"{self.assignment.code}:{self.local_date.isoformat()}T{self.local_time:%H:%M}"


def parse_time(text: str) -> time:
    """ "19:00" -> time(19, 0); the stored form of reminder times and quiet hours."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(moment: time, quiet) -> bool:
    """quiet: (start, end) local times, end excluded; a window may run past midnight (22:00-08:00)."""
    if not quiet:
        return False
    start, end = quiet
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def planned_occurrences(assignment, tz, start: date, end: date, *, quiet=None) -> list[Occurrence]:
    """Every reminder-time occurrence of `assignment` on its planned days in [start, end], in zone
    `tz`, moved out of `quiet` hours. The one planner: reminders, the calendar feed and adherence
    all read it, so they can never disagree about when a practice was planned.

    A reminder inside quiet hours moves to their end, or is dropped when the end falls on the
    next day. A wall-clock time that does not exist on a daylight-saving day fires just after
    the gap; one that exists twice fires at the first.
    """
    times = sorted({parse_time(text) for text in assignment.reminder_times})
    occurrences = []
    for day in planned_dates(assignment, start, end):
        instants = set()
        for chosen in times:
            at = _fire_at(day, chosen, tz, quiet)
            if at is not None and at not in instants:  # two times moved to one quiet-hours end
                instants.add(at)
                occurrences.append(Occurrence(assignment, day, chosen, at))
    return occurrences


def _fire_at(day, chosen, tz, quiet):
    moment = chosen
    for _ in range(3):  # a move can land in a DST gap, and the gap can shift it back into quiet
        at = _instant(day, moment, tz)
        local = at.astimezone(tz).time()
        if not in_quiet_hours(local, quiet):
            return at
        start, end = quiet
        if start > end and local >= start:
            return None  # the quiet hours end tomorrow: today's reminder is dropped
        moment = end
    return None


def _instant(day, moment, tz):
    """The UTC instant of local `day` at `moment`, never on another local day."""
    at = datetime.combine(day, moment, tzinfo=tz).astimezone(UTC)
    if at.astimezone(tz).date() != day:  # a gap at midnight pushed it into tomorrow: fire just before
        at = datetime.combine(day, moment, tzinfo=tz).replace(fold=1).astimezone(UTC)
    return at


def _monday(day):
    return day - timedelta(days=day.weekday())
