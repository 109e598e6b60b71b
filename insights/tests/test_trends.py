"""Trend charts from constructed histories: which charts, what they plot, and their words."""

from datetime import date, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from homework.models import Assignment, Entry, ExerciseTemplate, TemplateVersion
from insights.history import History
from insights.trends import TREND_TRIALS, trend_charts, weekly_adherence

TODAY = date(2026, 3, 18)  # a Wednesday
PHQ9_BANDS = [
    [0, 4, "Minimal"],
    [5, 9, "Mild"],
    [10, 14, "Moderate"],
    [15, 19, "Moderately severe"],
    [20, 27, "Severe"],
]
_pk = iter(range(1000, 100000))


def assignment(kind, title, *, frequency="daily", days=28, scoring=None, **fields):
    template = ExerciseTemplate(pk=next(_pk), kind=kind)
    version = TemplateVersion(pk=next(_pk), template=template, number=1, title=title, items=[], scoring=scoring or {})
    return Assignment(
        pk=next(_pk), template_version=version, title=title, frequency=frequency, starts_on=TODAY - timedelta(days=days),
        due_on=TODAY + timedelta(days=7), confidence=8, **fields,
    )  # fmt: skip


def entry(of, day, outcome="done", **answers):
    return Entry(pk=next(_pk), assignment=of, occurred_on=day, outcome=outcome, answers=answers, score=None)


def history(assignments, entries):
    client = SimpleNamespace(tz=ZoneInfo("Europe/Berlin"))
    entries = sorted(entries, key=lambda e: e.occurred_on)
    return History(client=client, today=TODAY, assignments=assignments, entries=entries, adherence={})


def day(n):
    return TODAY - timedelta(days=n)


def test_an_empty_history_has_no_charts():
    assert trend_charts(history([], [])) == []
    practice = assignment("exposure", "Lift")
    assert trend_charts(history([practice], [])) == []


def test_exposure_gives_suds_per_trial_and_predicted_against_actual():
    lift = assignment("exposure", "Lift, third floor")
    entries = [
        entry(lift, day(6), suds_before=70, suds_peak=90, suds_after=50, belief_before=80, came_true=10),
        entry(lift, day(3), suds_before=60, suds_peak=75, suds_after=30, belief_before=60),  # before came_true existed
        entry(lift, day(3), suds_before=50, suds_peak=60, suds_after=20, belief_before=40, came_true=0),
        entry(lift, day(1), "skipped"),  # a skipped practice plots nothing
    ]
    suds, outcome = trend_charts(history([lift], entries))
    assert suds.title == "SUDS before, at peak and after each trial: Lift, third floor"
    assert suds.headers == ["", "Before", "Peak", "After"]
    assert suds.rows == [["12 Mar", 70, 90, 50], ["15 Mar", 60, 75, 30], ["15 Mar (2)", 50, 60, 20]]
    assert (
        suds.summary
        == "3 trials, from 12 Mar to 15 Mar: before from 70 to 50; peak from 90 to 60; after from 50 to 20."
    )
    assert outcome.headers == ["", "Predicted (belief before)", "Came true"]
    assert [row[2] for row in outcome.rows] == [10, "", 0], "a trial without the answer is a gap, not a zero"
    assert suds.svg.startswith("<?xml") and "<script" not in suds.svg
    assert suds.data_uri.startswith("data:image/svg+xml;base64,")


def test_the_client_wording_speaks_to_the_client():
    lift = assignment("exposure", "Lift")
    suds, _ = trend_charts(
        history([lift], [entry(lift, day(2), suds_before=40, suds_peak=60, belief_before=50)]), for_client=True
    )
    assert suds.title == "Your anxiety before, at its highest and after each practice: Lift"
    assert suds.headers == ["", "Before", "At its highest", "After"]
    assert suds.summary == "1 trial, on 16 Mar: before 40; at its highest 60."


def test_skill_practice_journal_and_activity_chart_their_own_numbers():
    breathing = assignment("skill_practice", "Slow breathing")
    journal = assignment("journal", "Evening pages")
    walk = assignment("activity", "A walk")
    thoughts = assignment("thought_record", "Thoughts")  # no trend of its own
    entries = [
        entry(breathing, day(2), tension_before=7, tension_after=3),
        entry(journal, day(2), mood_before=3, mood_after=5),
        entry(walk, day(1), mood=6),
        entry(thoughts, day(1), emotion_intensity=80),
    ]
    charts = trend_charts(history([breathing, journal, walk, thoughts], entries))
    assert [c.title for c in charts] == [
        "Tension before and after each practice: Slow breathing",
        "Mood before and after writing: Evening pages",
        "Mood after each activity: A walk",
    ]
    assert charts[0].rows == [["16 Mar", 7, 3]]
    assert charts[2].rows == [["17 Mar", 6]]


def test_a_long_history_shows_the_latest_trials_and_says_so():
    breathing = assignment("skill_practice", "Breathing", days=60)
    entries = [entry(breathing, day(n), tension_before=8, tension_after=n % 10) for n in range(40, 0, -1)]
    (chart,) = trend_charts(history([breathing], entries))
    assert len(chart.rows) == TREND_TRIALS
    assert chart.rows[-1][0] == "17 Mar"
    assert chart.summary.startswith(f"The last {TREND_TRIALS} of 40 practices")


def test_questionnaire_totals_by_week_over_their_bands_with_weekly_adherence():
    phq9 = assignment("questionnaire", "PHQ-9 mood questionnaire", frequency="once", scoring={"bands": PHQ9_BANDS})
    daily = assignment("thought_record", "Thoughts", days=16)  # from Mon 2 Mar
    scores = [entry(phq9, day(16)), entry(phq9, day(9)), entry(phq9, day(1))]
    for scored, (score, severity) in zip(
        scores, [(18, "Moderately severe"), (12, "Moderate"), (7, "Mild")], strict=True
    ):
        scored.score, scored.severity = score, severity
    practice = [entry(daily, day(n)) for n in (16, 15, 14, 13, 12, 11, 10)] + [entry(daily, day(3), "partly")]
    (chart,) = trend_charts(history([daily, phq9], scores + practice))
    assert chart.title == "PHQ-9 mood questionnaire: total score and weekly adherence"
    assert chart.headers == ["", "Total score", "Weekly adherence (%)"]
    # Week of 2 Mar: all 7 days done; of 9 Mar: one partly done of 7; of 16 Mar: nothing yet of 3 days.
    assert chart.rows == [["w/c 2 Mar", 18, 100], ["w/c 9 Mar", 12, 7], ["w/c 16 Mar", 7, 0]]
    assert chart.summary == (
        "3 scores by week: 18 (Moderately severe) on 2 Mar, 7 (Mild) on 17 Mar; weekly adherence averaged 36% "
        "(grey bars)."
    )
    for label in ("Minimal", "Moderately severe", "Severe"):
        assert label in chart.svg, "each severity band is shaded and named"
    (client_chart,) = trend_charts(history([daily, phq9], scores + practice), for_client=True)
    assert client_chart.title == "Your PHQ-9 mood questionnaire scores"
    assert "practice done averaged" in client_chart.summary


def test_an_incomplete_questionnaire_has_no_score_and_no_point():
    gad7 = assignment("questionnaire", "GAD-7", frequency="once")
    assert trend_charts(history([gad7], [entry(gad7, day(2))])) == []


def test_weekly_adherence_counts_partly_half_and_caps_at_the_plan():
    twice = assignment("activity", "Walks", frequency="times_per_week", times_per_week=2, days=9)  # from Mon 9 Mar
    entries = [entry(twice, day(n)) for n in (9, 8, 7, 6)] + [entry(twice, day(1), "partly")]
    rates = weekly_adherence([twice], entries, [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)], TODAY)
    # Nothing planned before the start; 4 done of 2 planned is 100%; this week prorated to 3 days: 1 planned.
    assert rates == [None, 100, 50]


def test_the_exposure_template_asks_how_much_of_the_fear_came_true(db):
    """The number the predicted-versus-actual chart needs, beside belief_before (same 0-100 scale),
    optional so a client may leave it out."""
    from conftest import builtin_version
    from homework.items import answers_form_class

    items = {item["linkId"]: item for item in builtin_version("exposure").items}
    came_true = items["came_true"]
    assert (came_true["type"], came_true["minValue"], came_true["maxValue"]) == ("integer", 0, 100)
    assert not came_true.get("required") and items["belief_before"]["maxValue"] == 100
    assert answers_form_class(list(items.values()))().fields["came_true"].required is False
