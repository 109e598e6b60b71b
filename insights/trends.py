"""Trends as charts, from the numbers clients log: anxiety (SUDS) across exposure trials and the
predicted versus actual outcome, tension around a skill practice, mood around journals and
activities, and questionnaire totals over their severity bands with weekly adherence beneath.

Pure: everything comes from a `History` (insights.history), whose answers were decrypted on
load, so the brief, its PDF and the client's progress page draw the same charts without a
query. Each chart is worded for the therapist or, with for_client=True, for the client.
"""

from dataclasses import dataclass
from datetime import timedelta

from homework.models import PRACTISED, ExerciseKind, Outcome
from homework.scheduling import planned_count
from insights.charts import Series, line_chart

# A chart shows at most this many of the latest practices, or weeks: beyond that the points
# merge into a smear on a phone or a printed page, and the table under it stops being readable.
TREND_TRIALS = 20
TREND_WEEKS = 26


@dataclass(frozen=True)
class Trend:
    """One chart's recipe: which answers, on which scale, in whose words."""

    link_ids: tuple
    top: int  # the scale's maximum (0 to top)
    title: str  # for the therapist
    names: tuple  # series names for the therapist, one per link_id
    y_label: str
    client_title: str
    client_names: tuple
    client_y_label: str
    unit: str = "practice"  # what one point is, in the summary sentence


TRENDS = {
    ExerciseKind.EXPOSURE: (
        Trend(
            ("suds_before", "suds_peak", "suds_after"), 100,
            "SUDS before, at peak and after each trial", ("Before", "Peak", "After"), "SUDS (0–100)",
            "Your anxiety before, at its highest and after each practice", ("Before", "At its highest", "After"),
            "Anxiety (0–100)", unit="trial",
        ),
        Trend(
            ("belief_before", "came_true"), 100,
            "Predicted versus actual outcome", ("Predicted (belief before)", "Came true"), "0–100",
            "What you feared would happen, and how much did", ("How sure you were", "How much happened"), "0–100",
            unit="trial",
        ),
    ),
    ExerciseKind.SKILL_PRACTICE: (
        Trend(
            ("tension_before", "tension_after"), 10,
            "Tension before and after each practice", ("Before", "After"), "Tension (0–10)",
            "Your tension before and after each practice", ("Before", "After"), "Tension (0–10)",
        ),
    ),
    ExerciseKind.JOURNAL: (
        Trend(
            ("mood_before", "mood_after"), 10,
            "Mood before and after writing", ("Before", "After"), "Mood (0–10)",
            "Your mood before and after writing", ("Before", "After"), "Mood (0–10)", unit="entry",
        ),
    ),
    ExerciseKind.ACTIVITY: (
        Trend(
            ("mood",), 10,
            "Mood after each activity", ("Mood",), "Mood (0–10)",
            "Your mood after each activity", ("Mood",), "Mood (0–10)", unit="activity",
        ),
    ),
}  # fmt: skip


def _number(value):
    # Answers are JSON: a rating is an int (or a float from a decimal item); a bool is not one.
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _day(day):
    return f"{day:%-d %b}"


def _labels(entries):
    """Day labels, with a count for a second practice on the same day ("3 Mar", "3 Mar (2)")."""
    seen, labels = {}, []
    for entry in entries:
        base = _day(entry.occurred_on)
        seen[base] = seen.get(base, 0) + 1
        labels.append(base if seen[base] == 1 else f"{base} ({seen[base]})")
    return labels


def _change(name, values):
    present = [v for v in values if v is not None]
    if not present:
        return None
    if len(present) == 1:
        return f"{name.lower()} {present[0]:g}"
    return f"{name.lower()} from {present[0]:g} to {present[-1]:g}"


def _summary(unit, entries, total, series):
    """One sentence with what a sighted reader takes from the chart: how many, when, from what to what."""
    count = len(entries)
    when = (
        f"on {_day(entries[0].occurred_on)}"
        if count == 1
        else f"from {_day(entries[0].occurred_on)} to {_day(entries[-1].occurred_on)}"
    )
    of = f"the last {count} of {total} {unit}s" if total > count else f"{count} {unit}{'s' if count != 1 else ''}"
    changes = [c for c in (_change(s.name, s.values) for s in series) if c]
    return f"{of[0].upper()}{of[1:]}, {when}: {'; '.join(changes)}."


def _practice_charts(assignment, entries, for_client):
    charts = []
    practised = [e for e in entries if e.outcome in PRACTISED]
    for trend in TRENDS.get(assignment.kind, ()):
        rows = [e for e in practised if any(_number(e.answers.get(link)) is not None for link in trend.link_ids)]
        if not rows:
            continue
        shown = rows[-TREND_TRIALS:]
        names = trend.client_names if for_client else trend.names
        series = [
            Series(name, [_number(e.answers.get(link)) for e in shown])
            for name, link in zip(names, trend.link_ids, strict=True)
        ]
        title = f"{trend.client_title if for_client else trend.title}: {assignment.title}"
        charts.append(
            line_chart(
                title=title,
                x_labels=_labels(shown),
                series=series,
                summary=_summary(trend.unit, shown, len(rows), series),
                y_label=trend.client_y_label if for_client else trend.y_label,
                y_range=(0, trend.top),
            )
        )
    return charts


def _monday(day):
    return day - timedelta(days=day.weekday())


def weekly_adherence(assignments, entries, mondays, today):
    """Per week (Monday-based, up to `today`): the share of planned practice done, 0..100, over
    `assignments` together, or None for a week with nothing planned. A partly done practice
    counts half and practice beyond the plan earns nothing extra, as in homework.adherence."""
    credit = {}
    for entry in entries:
        if entry.outcome == Outcome.SKIPPED:
            continue
        a = entry.assignment
        if not a.starts_on <= entry.occurred_on <= min(a.due_on, today):
            continue
        key = (a.code, _monday(entry.occurred_on))
        credit[key] = credit.get(key, 0) + (1 if entry.outcome == Outcome.DONE else 0.5)
    rates = []
    for monday in mondays:
        end = min(monday + timedelta(days=6), today)
        planned = done = 0
        for a in assignments:
            week_planned = planned_count(a, monday, end)
            planned += week_planned
            done += min(week_planned, credit.get((a.code, monday), 0))
        rates.append(round(done / planned * 100) if planned else None)
    return rates


def _bands(versions):
    """The severity bands of the newest version that has them: [(low, high, label)]."""
    for version in sorted(versions, key=lambda v: v.number, reverse=True):
        bands = (version.scoring or {}).get("bands")
        if bands:
            return [tuple(band) for band in bands]
    return []


def _questionnaire_charts(history, for_client):
    by_template = {}
    for entry in history.entries:
        if entry.assignment.kind == ExerciseKind.QUESTIONNAIRE and entry.score is not None:
            by_template.setdefault(entry.assignment.template_version.template_id, []).append(entry)
    practice = [a for a in history.assignments if a.kind != ExerciseKind.QUESTIONNAIRE]
    practice_entries = [e for e in history.entries if e.assignment.kind != ExerciseKind.QUESTIONNAIRE]
    charts = []
    for scored in by_template.values():
        versions = {e.assignment.template_version.pk: e.assignment.template_version for e in scored}.values()
        latest = max(versions, key=lambda v: v.number)
        bands = _bands(versions)
        last_week = _monday(history.today)
        first_week = max(_monday(scored[0].occurred_on), last_week - timedelta(weeks=TREND_WEEKS - 1))
        mondays = [first_week + timedelta(weeks=n) for n in range((last_week - first_week).days // 7 + 1)]
        week_score = {}
        for entry in scored:  # oldest first: the week's last score wins
            week_score[_monday(entry.occurred_on)] = entry.score
        scores = Series("Your score" if for_client else "Total score", [week_score.get(monday) for monday in mondays])
        bars = None
        if practice:
            bars = Series(
                "Practice done that week (%)" if for_client else "Weekly adherence (%)",
                weekly_adherence(practice, practice_entries, mondays, history.today),
            )
        shown = [e for e in scored if e.occurred_on >= first_week]
        top = max([high for _, high, _ in bands] + [e.score for e in scored])
        title = f"Your {latest.title} scores" if for_client else f"{latest.title}: total score and weekly adherence"
        charts.append(
            line_chart(
                title=title,
                x_labels=[f"w/c {_day(monday)}" for monday in mondays],
                series=[scores],
                summary=_score_summary(shown, len(scored), bars, for_client),
                y_label="Score",
                y_range=(0, top + 1),
                bands=bands,
                bars=bars,
                bars_label="Practice done (%)",
            )
        )
    return charts


def _band(entry):
    return f" ({entry.severity})" if entry.severity else ""


def _score_summary(shown, total, bars, for_client):
    first, last = shown[0], shown[-1]
    count = f"the last {len(shown)} of {total}" if total > len(shown) else str(len(shown))
    if len(shown) == 1:
        text = f"One score, {last.score}{_band(last)} on {_day(last.occurred_on)}"
    else:
        text = (
            f"{count[0].upper()}{count[1:]} scores by week: {first.score}{_band(first)} on "
            f"{_day(first.occurred_on)}, {last.score}{_band(last)} on {_day(last.occurred_on)}"
        )
    if bars is not None:
        weeks = [v for v in bars.values if v is not None]
        if weeks:
            what = "practice done" if for_client else "adherence"
            text += f"; weekly {what} averaged {round(sum(weeks) / len(weeks))}% (grey bars)"
    return text + "."


def trend_charts(history, *, for_client=False):
    """Every chart the history has numbers for: questionnaires first (the outcome measures),
    then each assignment's own trends, newest assignment first."""
    charts = _questionnaire_charts(history, for_client)
    by_assignment = {}
    for entry in history.entries:
        by_assignment.setdefault(entry.assignment.code, []).append(entry)
    for assignment in history.assignments:
        if assignment.kind in TRENDS and assignment.code in by_assignment:
            charts.extend(_practice_charts(assignment, by_assignment[assignment.code], for_client))
    return charts
