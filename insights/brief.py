"""The pre-session brief: one page per appointment with everything since the last one.

Risk first, then the client's topics, then per assignment what was planned against what was
done, when (spread or crammed, streaks), the patterns with their rules and entries, skip
reasons, ratings from both sides, and the review decision the findings suggest; then entries the
client wants to talk about, comments awaiting a reply, questionnaire scores and the charts.

The caller has let the viewer through the door (practices.access); this module only reads, in
a fixed number of queries: the history (3) and six more, however long the history is.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import OuterRef, Q, Subquery

from homework.items import answer_rows
from homework.models import (
    AssignmentReview,
    Comment,
    Entry,
    ExerciseKind,
    FeltDifficulty,
    Frequency,
    Outcome,
    ReviewDecision,
    SelfRating,
    SkipReason,
)
from homework.scheduling import planned_count, planned_dates
from insights import patterns, timeliness
from insights.history import load_history
from insights.models import SessionTopic
from insights.trends import TREND_TRIALS, TREND_WEEKS, trend_charts
from practices.models import Appointment

PERIOD_DAYS = 28  # without an earlier appointment or review, the brief looks back this far
GOOD_ADHERENCE = 0.8  # "keep" needs this share of the plan done, and no pattern
AWAITING_MAX = 20  # comments awaiting a reply listed on the brief (the count says if there are more)

STEP_DOWN_RULES = ("too_hard", "avoidance", "low_confidence")
MODIFY_RULES = ("too_easy", "low_helpfulness")
# Planned on fixed days, so a run of them means something; "N times a week" and "once" let the
# client choose the days, and every open day would count as missed.
STREAK_FREQUENCIES = (Frequency.DAILY, Frequency.WEEKDAYS)


@dataclass(frozen=True)
class Suggestion:
    decisions: tuple  # ReviewDecision values, the likeliest first
    reasons: tuple  # sentences saying why, from the findings
    discuss: bool = False  # talk it through first: no decision follows from the data alone

    @property
    def label(self):
        words = " or ".join(ReviewDecision(d).label.lower() for d in self.decisions)
        return f"Discuss, then {words}" if self.discuss else words[0].upper() + words[1:]


def suggest(findings, *, adherence, logged):
    """The review decision the findings point to, for one assignment.

    `findings` are the patterns that fired for it, `adherence` the share of the plan done in the
    period (0..1, None when nothing was planned), `logged` how many entries it had in the period.
    Making it easier comes before making it bigger: a step that is too hard, avoided, or not
    believed in is the one most likely to stop the practice altogether.
    """
    rules = {f.rule: f for f in findings}
    step_down = [rules[r] for r in STEP_DOWN_RULES if r in rules]
    modify = [rules[r] for r in MODIFY_RULES if r in rules]
    if step_down or modify:
        decisions = ((ReviewDecision.STEP_DOWN,) if step_down else ()) + ((ReviewDecision.MODIFY,) if modify else ())
        return Suggestion(decisions, tuple(f"{f.title}. {f.suggestion}" for f in step_down + modify))
    if adherence is None:
        return Suggestion((ReviewDecision.KEEP,), ("Nothing was planned in this period yet.",))
    if not logged:
        return Suggestion(
            (ReviewDecision.KEEP, ReviewDecision.STEP_DOWN),
            ("Nothing logged in this period: ask what got in the way, then keep it or make it easier.",),
            discuss=True,
        )
    done = f"{round(adherence * 100)}% of the plan done"
    if adherence >= GOOD_ADHERENCE:
        return Suggestion((ReviewDecision.KEEP,), (f"{done} and no pattern fired.",))
    return Suggestion(
        (ReviewDecision.KEEP, ReviewDecision.MODIFY),
        (f"No pattern fired, but only {done}: ask what got in the way.",),
        discuss=True,
    )


@dataclass
class FindingView:
    """A pattern as the brief shows it: the finding, its assignment, the entries behind it."""

    finding: patterns.Finding
    assignment: object = None
    entries: list = field(default_factory=list)
    anchor: str = ""  # the id of its place on the page, for links from its assignment


@dataclass
class AssignmentBrief:
    assignment: object
    entries: list  # its entries logged in the period, oldest first
    planned: int
    done: int
    partly: int
    skipped: int
    rate: float | None
    timeliness: str  # "spread over the days", "crammed into the last 24 hours", "nothing logged"
    crammed_share: float | None
    streak: tuple | None  # (current, longest) planned days in a row practised, or None
    skip_reasons: list  # [(label, count)], most frequent first
    helpfulness: float | None  # mean 0-4 of the rated entries
    rated: int
    difficulty: list  # [(label, count)] in the scale's order
    findings: list  # FindingView
    suggestion: Suggestion
    review: object = None  # the newest AssignmentReview (the therapist's quantity and quality)
    self_rating: object = None  # the client's newest SelfRating

    @property
    def rate_pct(self):
        return "" if self.rate is None else f"{round(self.rate * 100)}%"

    @property
    def crammed_pct(self):
        return "" if self.crammed_share is None else f"{round(self.crammed_share * 100)}%"


@dataclass
class QuestionnaireScores:
    title: str
    scores: list  # entries with a score in the period, oldest first
    previous: object = None  # the last scored entry before the period, for the change

    @property
    def latest(self):
        return self.scores[-1]

    @property
    def change(self):
        """The latest score minus the one before it (before the period, or earlier in it)."""
        before = self.previous or (self.scores[0] if len(self.scores) > 1 else None)
        return None if before is None else self.latest.score - before.score

    @property
    def baseline(self):
        return self.previous or (self.scores[0] if len(self.scores) > 1 else None)


@dataclass
class Brief:
    appointment: object
    client: object
    now: datetime
    period_start: datetime
    period_reason: str  # "appointment", "review" or "days"
    risk: list  # flagged entries: in the period, or not yet marked as seen; newest first
    topics: list  # SessionTopic: open ones first, then those ticked off in the period
    assignments: list  # AssignmentBrief
    findings: list  # FindingView: every pattern, in the order the rules rank them
    skip_reasons: list  # [(label, count)] over every assignment
    timeliness: str
    crammed_share: float | None
    to_discuss: list  # entries the client flagged "I want to talk about this"
    awaiting: list  # (entry, its newest comment, by the client)
    awaiting_total: int
    questionnaires: list  # QuestionnaireScores
    charts: list  # insights.charts.Chart
    thresholds: list  # (what, value) the rules use, as the page lists them
    logged: int  # entries in the period

    @property
    def crammed_pct(self):
        return "" if self.crammed_share is None else f"{round(self.crammed_share * 100)}%"

    @property
    def open_topics(self):
        return [t for t in self.topics if t.discussed_at is None]


def pct(share):
    return f"{round(share * 100)}%"


def thresholds():
    """Every number a rule on the brief fires at, worded for the page."""
    return [
        ("Same skip reason", f"{patterns.SAME_SKIP_REASON_TIMES} times or more for one assignment"),
        ("Possible avoidance", f"skipped as too uncomfortable {patterns.AVOIDANCE_TIMES} times or more"),
        ("Too hard, too easy", f"the last {patterns.IN_A_ROW} rated practices in a row"),
        ("Not felt to help", f"helpfulness {patterns.LOW_HELPFULNESS} of 4 or lower, "
                             f"{patterns.LOW_HELPFULNESS_TIMES} times or more"),
        ("Ratings going down", f"over the last {patterns.TREND_ENTRIES} ratings, a slope of "
                               f"{patterns.TREND_SLOPE:g} points per practice or steeper"),
        ("One kind skipped", f"{pct(patterns.KIND_SKIPPED_SHARE)} or more of one kind skipped, at most "
                             f"{pct(patterns.OTHERS_SKIPPED_SHARE)} of the others, {patterns.KIND_MIN_ENTRIES} "
                             "entries or more on each side"),
        ("No activity", f"nothing logged for {patterns.QUIET_DAYS} days or more"),
        ("Filled in afterwards", f"{pct(patterns.BACKFILL_SHARE)} or more of at least "
                                 f"{patterns.BACKFILL_MIN_ENTRIES} entries logged more than "
                                 f"{patterns.BACKFILL_DAYS} day after the practice"),
        ("Low confidence, little practice", f"confidence below {patterns.LOW_CONFIDENCE} of 10 and under "
                                            f"{pct(patterns.LOW_ADHERENCE)} of the plan done"),
        ("Crammed", f"{pct(timeliness.CRAMMED_SHARE)} or more of the entries logged in the "
                    f"{int(timeliness.CRAMMED_WINDOW.total_seconds() // 3600)} hours before the appointment"),
        ("Keep", f"{pct(GOOD_ADHERENCE)} or more of the plan done and no pattern"),
        ("Period", f"since the previous appointment or the latest review, else the last {PERIOD_DAYS} days"),
        ("Charts", f"the latest {TREND_TRIALS} practices, or {TREND_WEEKS} weeks of questionnaires"),
    ]  # fmt: skip


def _counted(values, choices):
    counts = Counter(v for v in values if v)
    return [(choices(value).label, n) for value, n in counts.most_common()]


def _above(value, limit):
    try:
        return float(value) > limit
    except (TypeError, ValueError):
        return False


def risk_rows(entry):
    """The answers that raised the entry's risk flag (above their item's riskIfAbove), readable."""
    items = entry.assignment.template_version.items
    raised = {
        item["linkId"]
        for item in items
        if "riskIfAbove" in item and _above(entry.answers.get(item["linkId"]), item["riskIfAbove"])
    }
    return [row for row in answer_rows(items, entry.answers) if row["linkId"] in raised]


def _awaiting_reply(client):
    """(entry pk, comment pk) of entries whose newest comment is the client's, newest first; and
    those comments. Two queries, whatever the threads hold. A private entry's thread is the
    client's own: it awaits nobody's reply."""
    newest = Comment.objects.filter(entry=OuterRef("pk")).order_by("-created_at", "-pk")
    pairs = list(
        Entry.objects.filter(assignment__client=client, is_private=False)
        .annotate(last_comment=Subquery(newest.values("pk")[:1]), last_author=Subquery(newest.values("author_id")[:1]))
        .filter(last_author=client.user_id)
        .order_by("-created_at", "-pk")
        .values_list("pk", "last_comment")
    )
    shown = pairs[:AWAITING_MAX]
    comments = Comment.objects.in_bulk([comment for _, comment in shown]) if shown else {}
    return shown, comments, len(pairs)


def _period(appointment):
    """Where the brief starts: the previous appointment, or the newest review before this
    appointment if later, or PERIOD_DAYS back. Reviews written during this session do not move
    it, so the brief keeps its content while the therapist works through it."""
    previous = (
        Appointment.objects.filter(client=appointment.client, starts_at__lt=appointment.starts_at)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    reviews = list(
        AssignmentReview.objects.filter(assignment__client=appointment.client)
        .defer("note")
        .order_by("-created_at", "-pk")
    )
    reviewed = next((r.created_at for r in reviews if r.created_at < appointment.starts_at), None)
    if reviewed is not None and (previous is None or reviewed > previous):
        return reviewed, "review", reviews
    if previous is not None:
        return previous, "appointment", reviews
    return appointment.starts_at - timedelta(days=PERIOD_DAYS), "days", reviews


def _newest_by_assignment(rows):
    newest = {}
    for row in rows:  # newest first
        newest.setdefault(row.assignment_id, row)
    return newest


def _assignment_brief(a, entries, facts, findings, *, start_day, end_day, appointment, review, self_rating):
    outcomes = Counter(e.outcome for e in entries)
    planned = planned_count(a, start_day, end_day)
    credited = min(planned, outcomes[Outcome.DONE] + outcomes[Outcome.PARTLY] / 2)
    rate = credited / planned if planned else None
    crammed = timeliness.crammed(facts, appointment.starts_at)
    streak = None
    if a.frequency in STREAK_FREQUENCIES:
        streak = timeliness.streaks(planned_dates(a, start_day, end_day), facts, end_day)
    rated = [e.helpfulness for e in entries if e.helpfulness is not None]
    difficulty = Counter(e.difficulty for e in entries if e.difficulty)
    return AssignmentBrief(
        assignment=a,
        entries=entries,
        planned=planned,
        done=outcomes[Outcome.DONE],
        partly=outcomes[Outcome.PARTLY],
        skipped=outcomes[Outcome.SKIPPED],
        rate=rate,
        timeliness=timeliness.spread_label(facts, appointment.starts_at),
        crammed_share=None if crammed is None else crammed[0],
        streak=streak,
        skip_reasons=_counted((e.skip_reason for e in entries if e.outcome == Outcome.SKIPPED), SkipReason),
        helpfulness=sum(rated) / len(rated) if rated else None,
        rated=len(rated),
        difficulty=[(d.label, difficulty[d.value]) for d in FeltDifficulty if difficulty[d.value]],
        findings=findings,
        suggestion=suggest([v.finding for v in findings], adherence=rate, logged=len(entries)),
        review=review,
        self_rating=self_rating,
    )


def _questionnaires(history, period):
    in_period = {e.pk for e in period}
    by_template = {}
    for entry in history.entries:  # oldest first
        if entry.assignment.kind == ExerciseKind.QUESTIONNAIRE and entry.score is not None:
            by_template.setdefault(entry.assignment.template_version.template_id, []).append(entry)
    found = []
    for scored in by_template.values():
        now = [e for e in scored if e.pk in in_period]
        if not now:
            continue
        earlier = [e for e in scored if e.pk not in in_period and e.occurred_on <= now[0].occurred_on]
        title = max((e.assignment.template_version for e in scored), key=lambda v: v.number).title
        found.append(QuestionnaireScores(title=title, scores=now, previous=earlier[-1] if earlier else None))
    return found


def build_brief(appointment, *, now):
    """Everything the brief shows for `appointment` (whose client the caller may see)."""
    client = appointment.client
    start, reason, reviews = _period(appointment)
    history = load_history(client)
    today = history.today
    start_day = start.astimezone(client.tz).date()
    end_day = min(today, appointment.starts_at.astimezone(client.tz).date())

    period = [e for e in history.entries if start <= e.created_at < appointment.starts_at]
    in_period = {e.pk for e in period}
    by_code = {e.code: e for e in history.entries}
    facts = history.entry_facts  # in history order, one per entry
    period_facts = [f for f, e in zip(facts, history.entries, strict=True) if e.pk in in_period]

    # Patterns over the period; "no activity" looks at the whole history, so a quiet period
    # after months of practice says "since 3 March", not "ever".
    found = [
        f for f in patterns.find_patterns(period_facts, history.assignment_facts, today) if f.rule != "no_activity"
    ]
    found += patterns.no_activity(facts, today)
    by_assignment_code = {a.code: a for a in history.assignments}
    views = [
        FindingView(
            f, by_assignment_code.get(f.assignment), [by_code[c] for c in f.entries if c in by_code], f"pattern-{n}"
        )
        for n, f in enumerate(found, start=1)
    ]

    newest_review = _newest_by_assignment(reviews)
    newest_rating = _newest_by_assignment(
        SelfRating.objects.filter(assignment__client=client).order_by("-created_at", "-pk")
    )
    assignments = []
    for a in history.assignments:
        entries = [e for e in period if e.assignment_id == a.pk]
        if not a.is_active and not entries:
            continue
        assignments.append(
            _assignment_brief(
                a, entries, [f for f in period_facts if f.assignment == a.code],
                [v for v in views if v.finding.assignment == a.code],
                start_day=start_day, end_day=end_day, appointment=appointment,
                review=newest_review.get(a.pk), self_rating=newest_rating.get(a.pk),
            )
        )  # fmt: skip

    topics = sorted(
        SessionTopic.objects.filter(client=client).filter(Q(discussed_at__isnull=True) | Q(discussed_at__gte=start)),
        key=lambda t: (t.discussed_at is not None, t.created_at),
    )
    by_pk = {e.pk: e for e in history.entries}
    for topic in topics:
        topic.from_entry = by_pk.get(topic.entry_id)  # no query: the history has it

    risk = sorted(
        (e for e in history.entries if e.risk_flag and (e.pk in in_period or e.risk_seen_at is None)),
        key=lambda e: (e.occurred_on, e.created_at),
        reverse=True,
    )
    for entry in risk:
        entry.risk_rows = risk_rows(entry)
    to_discuss = [e for e in period if e.wants_to_discuss]
    for entry in to_discuss:
        entry.rows = answer_rows(entry.assignment.template_version.items, entry.answers)
    pairs, comments, awaiting_total = _awaiting_reply(client)
    crammed = timeliness.crammed(period_facts, appointment.starts_at)
    return Brief(
        appointment=appointment,
        client=client,
        now=now,
        period_start=start,
        period_reason=reason,
        risk=risk,
        topics=topics,
        assignments=assignments,
        findings=views,
        skip_reasons=_counted((e.skip_reason for e in period if e.outcome == Outcome.SKIPPED), SkipReason),
        timeliness=timeliness.spread_label(period_facts, appointment.starts_at),
        crammed_share=None if crammed is None else crammed[0],
        to_discuss=to_discuss,
        awaiting=[
            (by_pk[entry], comments[comment]) for entry, comment in pairs if entry in by_pk and comment in comments
        ],
        awaiting_total=awaiting_total,
        questionnaires=_questionnaires(history, period),
        charts=trend_charts(history),
        thresholds=thresholds(),
        logged=len(period),
    )
