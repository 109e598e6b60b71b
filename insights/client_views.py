"""The client's own pages in insights: topics for the next session, and their progress.

For the signed-in client only (client_required). Topics and entries come through the doors
(insights.access, homework.access), which answer 404 for anything not the client's own; changes
go through insights.topics. Each page runs a fixed number of queries however much the client
has logged. The wording is the client's: a quiet week or a broken run is never a failing.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods

from homework.access import get_entry_for_client
from homework.models import Frequency, Outcome
from homework.scheduling import planned_count, planned_dates
from insights.access import get_topic_for_client, own_history, topics_page_of
from insights.charts import Series, line_chart
from insights.client_forms import TopicForm
from insights.timeliness import PRACTISED, streaks
from insights.topics import OPEN_TOPICS_MAX, topic_add, topic_remove
from insights.trends import trend_charts
from lib.converters import CodeConverter
from lib.validation import saved
from practices.decorators import client_required

ADDED = "Added to your topics for next time."
REMOVED = "Taken off your list."
WEEKS_SHOWN = 8
QUIET_WEEK = "A quieter week — that happens."
# Assignments whose days are fixed have a run of planned days to keep; for "once" and "N times a
# week" every open day counts as planned, so a run would "break" on days nobody asked for.
FIXED_DAYS = (Frequency.DAILY, Frequency.WEEKDAYS)


# --- Topics for the next session ----------------------------------------------------------------


@client_required
@require_http_methods(["GET", "POST"])
def topics(request):
    client = request.client
    form, entry = TopicForm(), None
    if request.method == "POST":
        if "remove" in request.POST:
            return _remove_topic(request)
        form = TopicForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["entry"]
            if code:
                # Only the client's own entries: anyone else's is "not found", as a missing one.
                entry = get_entry_for_client(request.user, _code(code), request=request)
            if saved(form, topic_add, client=client, author=request.user, text=form.cleaned_data["text"], entry=entry):
                messages.success(request, ADDED)
                if entry is not None:
                    return redirect("homework:client_entry", code=entry.code)
                return redirect("insights:topics")
    page = topics_page_of(client, user=request.user, request=request)
    context = {"client": client, "form": form, "page": page, "from_entry": entry, "open_max": OPEN_TOPICS_MAX}
    return render(request, "insights/client/topics.html", context)


def _remove_topic(request):
    topic = get_topic_for_client(request.user, _code(request.POST["remove"]), request=request)
    try:
        topic_remove(topic=topic, author=request.user)
    except ValidationError as exc:
        # Ticked off in session meanwhile: say so kindly and show the list as it is now.
        messages.info(request, " ".join(exc.messages))
    else:
        messages.success(request, REMOVED)
    return redirect("insights:topics")


def _code(value):
    # A code posted in a form gets what one in a URL gets (lib.converters): anything not shaped
    # like a code is a plain "not found", and never reaches the audit trail as typed.
    if not re.fullmatch(CodeConverter.regex, value):
        raise Http404("Not found")
    return value


# --- Progress ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    monday: object  # a date
    done: int
    partly: int
    skipped: int
    is_current: bool

    @property
    def practised(self):
        return self.done + self.partly

    @property
    def note(self):
        return "" if self.practised else QUIET_WEEK


def weekly_counts(entries, today, weeks=WEEKS_SHOWN):
    """Done, partly done and skipped practices per Monday-based week, the last `weeks` weeks up
    to today's, oldest first. `entries` need only `occurred_on` and `outcome`."""
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    counts = {monday: {Outcome.DONE: 0, Outcome.PARTLY: 0, Outcome.SKIPPED: 0} for monday in mondays}
    for entry in entries:
        monday = entry.occurred_on - timedelta(days=entry.occurred_on.weekday())
        if monday in counts and entry.outcome in counts[monday]:
            counts[monday][entry.outcome] += 1
    return [
        Week(
            monday=monday,
            done=counts[monday][Outcome.DONE],
            partly=counts[monday][Outcome.PARTLY],
            skipped=counts[monday][Outcome.SKIPPED],
            is_current=monday == this_monday,
        )
        for monday in mondays
    ]


def _weekly_chart(weeks):
    labels = [date_format(week.monday, "j M") for week in weeks]
    practised = sum(week.practised for week in weeks)
    busiest = max(weeks, key=lambda week: (week.practised, week.monday))
    summary = (
        f"Your practices in each of the last {len(weeks)} weeks, by the Monday each week starts: "
        f"{practised} done or partly done in all, the most ({busiest.practised}) in the week of "
        f"{date_format(busiest.monday, 'j F')}."
    )
    # At least 0-8 (a daily practice fills at most 7 a week), where the axis ticks whole numbers:
    # with less room matplotlib ticks halves, and half a practice means nothing.
    top = max([8] + [max(week.done, week.partly, week.skipped) + 1 for week in weeks])
    return line_chart(
        title="Your practice, week by week",
        x_labels=labels,
        series=[
            Series("Done", [week.done for week in weeks]),
            # No values, so nothing is drawn and no legend entry appears: it only moves the
            # next lines past the palette's vermilion, so nothing on the client's chart reads as
            # a red mark.
            Series("", [None] * len(weeks)),
            Series("Partly done", [week.partly for week in weeks]),
            Series("Skipped", [week.skipped for week in weeks]),
        ],
        summary=summary,
        y_label="Practices",
        y_range=(0, top),
    )


@dataclass(frozen=True)
class Run:
    """How one open assignment is going: a run of planned days, or this week's count."""

    assignment: object
    has_runs: bool
    current: int = 0
    longest: int = 0
    done: int = 0  # no fixed days: practices this week (once: ever)
    asked: int = 0  # no fixed days: what this week asks for (once: 1)


def runs_of(history):
    """A Run per active, started assignment of `history`, newest first (the history's order)."""
    today = history.today
    monday = today - timedelta(days=today.weekday())
    runs = []
    for assignment in history.assignments:
        if not assignment.has_started_by(today):
            continue
        entries = history.entries_of(assignment)
        if assignment.frequency in FIXED_DAYS:
            planned = planned_dates(assignment, assignment.starts_on, min(today, assignment.due_on))
            current, longest = streaks(planned, entries, today)
            runs.append(Run(assignment, has_runs=True, current=current, longest=longest))
        else:
            since = assignment.starts_on if assignment.frequency == Frequency.ONCE else monday
            done = sum(1 for e in entries if e.outcome in PRACTISED and since <= e.occurred_on <= today)
            asked = planned_count(assignment, since, monday + timedelta(days=6))
            runs.append(Run(assignment, has_runs=False, done=done, asked=asked))
    return runs


@client_required
@require_GET
def progress(request):
    history = own_history(request.user, request=request)
    weeks = weekly_counts(history.entries, history.today)
    logged_lately = any(week.practised or week.skipped for week in weeks)
    return render(
        request,
        "insights/client/progress.html",
        {
            "client": history.client,
            "today": history.today,
            "has_entries": bool(history.entries),
            "weeks": list(reversed(weeks)),  # the table: this week first
            "chart": _weekly_chart(weeks) if logged_lately else None,
            "runs": runs_of(history),
            # Their own numbers over time (anxiety, mood, questionnaire scores), in their words.
            "trends": trend_charts(history, for_client=True),
        },
    )
