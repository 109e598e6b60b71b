"""The therapist's start page: today's and the coming week's appointments, the queue of who needs
attention (most urgent first), and how much of the planned practice each client did lately.

Loaded in a fixed number of queries whatever the caseload's history (`load_home`): the database
counts (subqueries per client in the style of homework.access.caseload_summary, outcomes grouped
per assignment and day), so a client with two thousand entries costs what one with ten does. The
rules on top (`quiet_since`, `improving`, `neither_engaging_nor_improving`) are pure functions of
those numbers, each with its thresholds named and its sentence shown on the page.

Times. Insights may not read the therapist's own zone (notifications.TherapistPreferences: the
apps are siblings), so each appointment is shown, and counted as "today", in its client's zone,
with the zone's abbreviation beside the time. That is the zone the appointment was booked in
(practices' forms read the time in the client's zone) and the one the client list and client page
show, so one appointment reads the same everywhere; for the usual practice, therapist and clients
share a zone and it is simply the therapist's time.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Avg, Count, Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from homework.models import Assignment, Comment, Entry, Frequency, Outcome
from homework.scheduling import planned_count
from insights.patterns import LOW_ADHERENCE, QUIET_DAYS
from practices.access import caseload
from practices.models import Appointment

# A rolling week (today and the six days after) rather than the calendar week, which would be
# empty on a Friday afternoon, exactly when a therapist looks ahead to Monday.
WEEK_DAYS = 7

# "Neither engaging nor improving": thresholds, shown on the page in NOT_ENGAGING_RULE.
PERIOD_DAYS = 28  # the period adherence is measured over, on the queue and at a glance
NOT_ENGAGING_BELOW = LOW_ADHERENCE  # under half of the planned practice done (the brief's rule too)
MIN_PLANNED = 4  # a fresh assignment with one planned day cannot make anyone "not engaging"
SCORE_DROP = 5  # questionnaire points; about the smallest reliable change on the PHQ-9
HELPFULNESS_RISE = 0.5  # average helpfulness (0-4), second half of the period against the first
MIN_RATINGS = 2  # ratings needed in each half before a rise counts

NOT_ENGAGING_RULE = (
    f"Under {round(NOT_ENGAGING_BELOW * 100)}% of the planned practice done in the last {PERIOD_DAYS} days "
    f"(with {MIN_PLANNED} or more practices planned), and nothing getting better: no questionnaire score "
    f"{SCORE_DROP} points or more lower than the first one of the period, and helpfulness ratings not up "
    f"by {HELPFULNESS_RISE} or more in the last {PERIOD_DAYS // 2} days against the {PERIOD_DAYS // 2} before."
)
QUIET_RULE = f"Has homework that has started, and nothing logged for {QUIET_DAYS} days or more."

# The queue's order: each client is listed once, under their most urgent reason.
RISK, DISCUSS, REPLY, QUIET, NOT_ENGAGING = range(5)


# --- The rules (pure) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """What one client did in the last PERIOD_DAYS days, as plain numbers.

    `practised` credits a done practice 1 and a partly done one half, capped at the plan per
    assignment (as homework.adherence does). Scores are read as symptom measures, lower being
    better, which holds for the built-in PHQ-9 and GAD-7."""

    planned: int = 0
    practised: float = 0
    scores: tuple = ()  # one tuple per questionnaire: its scores in the period, oldest first
    early_helpfulness: tuple = (0, 0)  # (sum, number) of helpfulness ratings, first half of the period
    late_helpfulness: tuple = (0, 0)  # the same for the second half

    @property
    def adherence(self):
        return self.practised / self.planned if self.planned else None

    @property
    def adherence_pct(self):
        return "" if self.adherence is None else f"{round(self.adherence * 100)}%"


def improving(period):
    """A questionnaire score down by SCORE_DROP or more from the first of the period, or average
    helpfulness up by HELPFULNESS_RISE or more (with MIN_RATINGS ratings in each half)."""
    if any(len(series) >= 2 and series[0] - series[-1] >= SCORE_DROP for series in period.scores):
        return True
    (early_sum, early_n), (late_sum, late_n) = period.early_helpfulness, period.late_helpfulness
    if early_n < MIN_RATINGS or late_n < MIN_RATINGS:
        return False
    # late/late_n - early/early_n >= rise, multiplied out: no rounding of thirds.
    return late_sum * early_n - early_sum * late_n >= HELPFULNESS_RISE * early_n * late_n


def neither_engaging_nor_improving(period):
    """NOT_ENGAGING_RULE: too little practice for a while, and no sign that things get better."""
    if period.planned < MIN_PLANNED:
        return False
    return period.adherence < NOT_ENGAGING_BELOW and not improving(period)


def quiet_since(last_logged_on, first_started_on, today, *, days=QUIET_DAYS):
    """The day from which a client with started homework has logged nothing, if that is `days`
    days or more before `today`; else None. Counting starts at the later of the last entry and the
    start of the oldest active assignment, so new homework is not "quiet" on its first day."""
    if first_started_on is None or first_started_on > today:
        return None
    since = max(first_started_on, last_logged_on) if last_logged_on else first_started_on
    return since if (today - since).days >= days else None


# --- What the page shows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    rank: int  # RISK ... NOT_ENGAGING
    kind: str  # a stable id, also the tag's look
    label: str
    detail: str = ""
    since: datetime | None = None  # when it started waiting (aware), oldest first within a rank
    entry: str = ""  # the code of the entry to open, when the reason is about one


@dataclass
class QueueRow:
    client: object
    reasons: list = field(default_factory=list)

    @property
    def first(self):
        return self.reasons[0]

    def sort_key(self):
        since = self.first.since.timestamp() if self.first.since else float("inf")
        return (self.first.rank, since, self.client.name.lower(), self.client.pk)


@dataclass(frozen=True)
class Home:
    today: list  # Appointment rows of today in each client's zone, earliest first (client attached)
    week: list  # the six days after
    queue: list  # QueueRow, most urgent first
    glance: list  # (client, Period) for every client in care, by name


def _entries(n):
    return f"{n} entr{'y' if n == 1 else 'ies'}"


def reasons_for(client, period, today):
    """Why `client` (annotated by _annotated_caseload) needs attention, most urgent first."""
    found = []
    if client.risk_count:
        found.append(Reason(RISK, "risk", "Risk answer not marked seen", _entries(client.risk_count),
                            client.risk_since, client.risk_entry))  # fmt: skip
    if client.discuss_count:
        found.append(Reason(DISCUSS, "discuss", "Wants to discuss", _entries(client.discuss_count),
                            client.discuss_since, client.discuss_entry))  # fmt: skip
    if client.reply_count:
        detail = f"on {_entries(client.reply_count)}"
        found.append(Reason(REPLY, "reply", "Comment awaiting your reply", detail, client.reply_since,
                            client.reply_entry))  # fmt: skip
    last_logged_on = client.last_logged_at.astimezone(client.tz).date() if client.last_logged_at else None
    since = quiet_since(last_logged_on, client.first_started_on, today)
    if since is not None:
        found.append(Reason(QUIET, "quiet", f"Nothing logged for {(today - since).days} days", "",
                            datetime.combine(since, time(), tzinfo=client.tz)))  # fmt: skip
    if neither_engaging_nor_improving(period):
        detail = f"{period.adherence_pct} of the planned practice in {PERIOD_DAYS} days"
        found.append(Reason(NOT_ENGAGING, "not_engaging", "Neither engaging nor improving", detail))
    return found


# --- Loading ------------------------------------------------------------------------------------------


def _count(queryset, by):
    return Subquery(queryset.order_by().values(by).annotate(n=Count("pk")).values("n"))


def _oldest(queryset, column):
    return Subquery(queryset.order_by("created_at", "pk").values(column)[:1])


def _annotated_caseload(user):
    """The therapist's clients in care with, in one query, what the queue needs: unseen risk
    flags, entries to discuss, comments awaiting a reply (how many, the oldest, its entry), the
    last time they logged anything and the start of their oldest active assignment."""
    entries = Entry.objects.filter(assignment__client=OuterRef("pk"))
    risk = entries.risk_unseen()
    discuss = entries.unreviewed().to_discuss()
    # A comment of the client's with nothing after it on the same entry: the thread waits for us
    # (not on a private entry, whose thread is the client's own).
    later = Comment.objects.filter(entry=OuterRef("entry")).filter(
        Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    waiting = Comment.objects.filter(
        entry__assignment__client=OuterRef("pk"), entry__is_private=False, author=OuterRef("user")
    ).filter(~Exists(later))
    return (
        caseload(user)
        .annotate(
            risk_count=_count(risk, "assignment__client"),
            risk_since=_oldest(risk, "created_at"),
            risk_entry=_oldest(risk, "code"),
            discuss_count=_count(discuss, "assignment__client"),
            discuss_since=_oldest(discuss, "created_at"),
            discuss_entry=_oldest(discuss, "code"),
            reply_count=_count(waiting, "entry__assignment__client"),
            reply_since=_oldest(waiting, "created_at"),
            reply_entry=_oldest(waiting, "entry__code"),
            last_logged_at=Subquery(entries.order_by("-created_at").values("created_at")[:1]),
            first_started_on=Subquery(
                Assignment.objects.active().filter(client=OuterRef("pk")).order_by("starts_on").values("starts_on")[:1]
            ),
        )
        .order_by("user__name", "pk")
    )


def _appointments(user, clients, now):
    """(today's, the next six days') appointments of the caseload, each in its client's zone."""
    rows = (
        Appointment.objects.filter(
            client__therapist=user,
            client__is_active=True,
            # Wide enough for every zone's "today" (UTC-12 to UTC+14); each row is placed below.
            starts_at__gte=now - timedelta(days=1),
            starts_at__lt=now + timedelta(days=WEEK_DAYS + 1),
        )
        .only("code", "client_id", "starts_at")
        .order_by("starts_at", "pk")
    )
    todays, week = [], []
    for appointment in rows:
        client = clients[appointment.client_id]
        appointment.client = client  # the caseload's own object: no query per row
        day = appointment.starts_at.astimezone(client.tz).date()
        today = now.astimezone(client.tz).date()
        if day == today:
            todays.append(appointment)
        elif today < day < today + timedelta(days=WEEK_DAYS):
            week.append(appointment)
    return todays, week


def _window(client, now):
    today = now.astimezone(client.tz).date()
    return today - timedelta(days=PERIOD_DAYS - 1), today


def _periods(user, clients, now):
    """{client pk: Period} in three queries: the active assignments, their done and partly done
    practices per day, and questionnaire scores and helpfulness ratings per day."""
    # Every zone's window starts on or after this day (a zone is at most a day ahead of UTC).
    earliest = (now - timedelta(days=1)).date() - timedelta(days=PERIOD_DAYS)
    # Active assignments only: a stopped one keeps no date of stopping, and planning practice
    # for it after that day would count against the client.
    assignments = list(
        Assignment.objects.active()
        .filter(client__therapist=user, client__is_active=True)
        .only("pk", "client_id", "status", "frequency", "times_per_week", "weekdays", "starts_on", "due_on")
    )
    practised = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # assignment -> day -> [done, partly]
    if assignments:
        rows = (
            Entry.objects.filter(assignment__in=[a.pk for a in assignments])
            # A practice of a one-off exercise counts whenever it happened since it started.
            .filter(Q(occurred_on__gte=earliest) | Q(assignment__frequency=Frequency.ONCE))
            .order_by()
            .values("assignment_id", "occurred_on")
            .annotate(
                done=Count("pk", filter=Q(outcome=Outcome.DONE)), partly=Count("pk", filter=Q(outcome=Outcome.PARTLY))
            )
        )
        for row in rows:
            practised[row["assignment_id"]][row["occurred_on"]] = [row["done"], row["partly"]]

    planned, credited = defaultdict(int), defaultdict(float)
    for assignment in assignments:
        start, today = _window(clients[assignment.client_id], now)
        plan = planned_count(assignment, start, today)
        low = assignment.starts_on if assignment.frequency == Frequency.ONCE else max(start, assignment.starts_on)
        high = min(today, assignment.due_on)
        days = [counts for day, counts in practised[assignment.pk].items() if low <= day <= high]
        done = sum(d for d, _ in days) + sum(p for _, p in days) / 2
        planned[assignment.client_id] += plan
        credited[assignment.client_id] += min(plan, done)

    # A private entry's ratings are the client's own: they count towards nothing the therapist sees.
    rated = (
        Entry.objects.filter(assignment__client__therapist=user, assignment__client__is_active=True, is_private=False)
        .filter(occurred_on__gte=earliest)
        .filter(Q(score__isnull=False) | Q(helpfulness__isnull=False))
        .order_by()
        .values("assignment__client_id", "assignment__template_version__template_id", "occurred_on")
        .annotate(mean_score=Avg("score"), rating_sum=Sum("helpfulness"), ratings=Count("helpfulness"))
    )
    scores = defaultdict(lambda: defaultdict(list))  # client -> questionnaire -> [(day, score)]
    halves = defaultdict(lambda: [0, 0, 0, 0])  # client -> [early sum, early n, late sum, late n]
    for row in rated:
        client_pk, day = row["assignment__client_id"], row["occurred_on"]
        start, today = _window(clients[client_pk], now)
        if not start <= day <= today:
            continue
        if row["mean_score"] is not None:
            scores[client_pk][row["assignment__template_version__template_id"]].append((day, row["mean_score"]))
        late = 2 if (day - start).days >= PERIOD_DAYS // 2 else 0
        halves[client_pk][late] += row["rating_sum"] or 0
        halves[client_pk][late + 1] += row["ratings"]

    return {
        pk: Period(
            planned=planned[pk],
            practised=credited[pk],
            scores=tuple(tuple(score for _, score in sorted(series)) for series in scores[pk].values()),
            early_helpfulness=tuple(halves[pk][:2]),
            late_helpfulness=tuple(halves[pk][2:]),
        )
        for pk in clients
    }


def load_home(user, *, now=None):
    """Everything the home shows, in five queries whatever the caseload's size or history."""
    now = now or timezone.now()
    clients = {client.pk: client for client in _annotated_caseload(user)}
    todays, week = _appointments(user, clients, now)
    periods = _periods(user, clients, now)
    queue = []
    for client in clients.values():
        reasons = reasons_for(client, periods[client.pk], now.astimezone(client.tz).date())
        if reasons:
            queue.append(QueueRow(client, sorted(reasons, key=lambda r: r.rank)))
    queue.sort(key=QueueRow.sort_key)
    return Home(today=todays, week=week, queue=queue, glance=[(c, periods[c.pk]) for c in clients.values()])
