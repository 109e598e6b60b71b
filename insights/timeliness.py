"""When practice happened: spread over the week or crammed before the appointment, and streaks.

Pure functions of `patterns.EntryFact`s and planned days (homework.scheduling), so a page, the
PDF brief and the API compute them alike.
"""

from datetime import timedelta

PRACTISED = ("done", "partly")
CRAMMED_WINDOW = timedelta(hours=24)
CRAMMED_SHARE = 0.5  # half or more of the entries logged in the last 24 hours: "crammed"


def crammed(entries, appointment_at):
    """(share of entries first logged in the 24 hours before `appointment_at`, their codes), or
    None when there are no entries. Paper diaries filled in the waiting room look like this."""
    timed = [e for e in entries if e.logged_at is not None and e.logged_at <= appointment_at]
    if not timed:
        return None
    late = [e for e in timed if appointment_at - e.logged_at <= CRAMMED_WINDOW]
    return len(late) / len(timed), tuple(e.code for e in late)


def spread_label(entries, appointment_at):
    found = crammed(entries, appointment_at)
    if found is None:
        return "nothing logged"
    share, _ = found
    return "crammed into the last 24 hours" if share >= CRAMMED_SHARE else "spread over the days"


def streaks(planned_days, entries, today):
    """(current, longest) runs of planned days up to today, in order, each with a done or partly
    done entry. A day without a plan neither breaks nor extends a run, and today, not practised
    yet, does not break the current one: the day is not over."""
    practised = {e.occurred_on for e in entries if e.outcome in PRACTISED}
    current = longest = 0
    for day in sorted(d for d in set(planned_days) if d <= today):
        if day in practised:
            current += 1
            longest = max(longest, current)
        elif day != today:
            current = 0
    return current, longest
