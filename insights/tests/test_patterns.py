"""Each pattern rule on constructed histories with known answers (empty, one entry, edges)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from insights import patterns
from insights.patterns import AssignmentFact, EntryFact
from insights.timeliness import crammed, spread_label, streaks

TODAY = date(2026, 12, 1)


def entry(n, *, assignment="A", kind="exposure", day=None, logged=None, outcome="done", reason="", helpful=None,
          difficulty=""):  # fmt: skip
    day = day or TODAY - timedelta(days=10 - n)
    return EntryFact(
        code=f"e{n}", assignment=assignment, kind=kind, occurred_on=day, logged_on=logged or day,
        outcome=outcome, skip_reason=reason, helpfulness=helpful, difficulty=difficulty,
    )  # fmt: skip


def skipped(n, reason, **kw):
    return entry(n, outcome="skipped", reason=reason, **kw)


def rules(found):
    return [(f.rule, f.assignment, f.entries) for f in found]


@pytest.mark.parametrize(
    "rule",
    [
        patterns.same_skip_reason, patterns.avoidance, patterns.too_hard, patterns.too_easy,
        patterns.low_helpfulness, patterns.helpfulness_falling, patterns.kind_skipped, patterns.backfilled,
    ],
)  # fmt: skip
def test_no_rule_fires_on_an_empty_history_or_a_single_entry(rule):
    assert rule([]) == []
    assert rule([skipped(1, "too_uncomfortable", helpful=0, difficulty="too_hard", logged=TODAY)]) == []


def test_the_same_skip_reason_three_times_fires_and_twice_does_not():
    two = [skipped(1, "no_time"), skipped(2, "no_time"), skipped(3, "forgot")]
    assert patterns.same_skip_reason(two) == []
    three = [*two, skipped(4, "no_time")]
    assert rules(patterns.same_skip_reason(three)) == [("same_skip_reason", "A", ("e1", "e2", "e4"))]


def test_the_same_reason_counts_per_assignment():
    spread = [skipped(1, "no_time"), skipped(2, "no_time", assignment="B"), skipped(3, "no_time", assignment="C")]
    assert patterns.same_skip_reason(spread) == []


def test_avoiding_because_uncomfortable_twice_is_possible_avoidance():
    once = [skipped(1, "too_uncomfortable"), skipped(2, "no_time")]
    assert patterns.avoidance(once) == []
    twice = [*once, skipped(3, "too_uncomfortable")]
    (found,) = patterns.avoidance(twice)
    assert found.entries == ("e1", "e3") and "smaller step" in found.suggestion


def test_too_hard_twice_in_a_row_suggests_a_smaller_step_but_not_with_an_easier_one_between():
    apart = [entry(1, difficulty="too_hard"), entry(2, difficulty="about_right"), entry(3, difficulty="too_hard")]
    assert patterns.too_hard(apart) == []
    in_a_row = [*apart, entry(4, difficulty="too_hard")]
    (found,) = patterns.too_hard(in_a_row)
    assert found.entries == ("e3", "e4") and found.suggestion == "Suggest a smaller step."
    assert patterns.too_easy(in_a_row) == []


def test_too_easy_twice_in_a_row_suggests_a_bigger_step_and_unrated_entries_do_not_interrupt():
    history = [entry(1, difficulty="too_easy"), entry(2), entry(3, difficulty="too_easy")]
    (found,) = patterns.too_easy(history)
    assert found.entries == ("e1", "e3") and found.suggestion == "Suggest a bigger step."


def test_helpfulness_of_zero_or_one_three_times_asks_to_revisit_the_rationale():
    history = [entry(1, helpful=0), entry(2, helpful=1), entry(3, helpful=2), entry(4, helpful=4)]
    assert patterns.low_helpfulness(history) == []
    (found,) = patterns.low_helpfulness([*history, entry(5, helpful=1)])
    assert found.entries == ("e1", "e2", "e5") and "rationale" in found.suggestion


def test_no_entry_for_four_days_fires_and_three_days_does_not():
    assert patterns.no_activity([entry(1, day=TODAY - timedelta(days=3))], TODAY) == []
    (found,) = patterns.no_activity([entry(1, day=TODAY - timedelta(days=4))], TODAY)
    assert "4 days" in found.when
    (never,) = patterns.no_activity([], TODAY)
    assert "ever" in never.when


def test_a_late_log_counts_as_activity_on_the_day_it_was_logged():
    late = entry(1, day=TODAY - timedelta(days=9), logged=TODAY - timedelta(days=1))
    assert patterns.no_activity([late], TODAY) == []


def test_ratings_trending_down_over_the_last_five_fire_and_a_flat_or_rising_run_does_not():
    falling = [entry(n, helpful=h) for n, h in enumerate([4, 3, 3, 2, 1], start=1)]
    assert rules(patterns.helpfulness_falling(falling)) == [
        ("helpfulness_falling", "A", ("e1", "e2", "e3", "e4", "e5"))
    ]
    assert patterns.helpfulness_falling([entry(n, helpful=2) for n in range(1, 6)]) == []
    assert patterns.helpfulness_falling(falling[:4]) == [], "four ratings are not a trend"
    recovering = [*falling[1:], entry(6, helpful=4)]
    assert patterns.helpfulness_falling(recovering) == []


def test_one_kind_skipped_while_others_are_done_is_possible_resistance():
    exposures = [skipped(n, "no_time", kind="exposure", assignment="X") for n in (1, 2)] + [
        entry(3, kind="exposure", assignment="X")
    ]
    journals = [entry(n, kind="journal", assignment="J") for n in (4, 5, 6)]
    (found,) = patterns.kind_skipped(exposures + journals)
    assert found.title == "One kind skipped: exposure" and found.entries == ("e1", "e2")
    everything_skipped = exposures + [skipped(n, "no_time", kind="journal", assignment="J") for n in (4, 5, 6)]
    assert [f.title for f in patterns.kind_skipped(everything_skipped)] == []


def test_back_filled_share_counts_entries_logged_more_than_a_day_late():
    on_time = [entry(n) for n in (1, 2, 3)]
    next_day = entry(4, logged=TODAY - timedelta(days=5))  # described day 6 days ago... logged one day later
    next_day = EntryFact(**{**next_day.__dict__, "occurred_on": TODAY - timedelta(days=6)})
    assert patterns.backfill_share([*on_time, next_day]) == (0, ())
    late = EntryFact(**{**next_day.__dict__, "code": "late", "logged_on": TODAY})
    assert patterns.backfill_share([*on_time, late]) == (0.25, ("late",))
    assert patterns.backfilled([*on_time, late]) == [], "a quarter is below the threshold"
    (found,) = patterns.backfilled([*on_time[:2], late, EntryFact(**{**late.__dict__, "code": "late2"})])
    assert found.entries == ("late", "late2") and "50%" in found.when


def test_low_confidence_with_low_adherence_fires_only_together():
    facts = [
        AssignmentFact("A", "a", "exposure", confidence=5, adherence=0.3),
        AssignmentFact("B", "b", "exposure", confidence=5, adherence=0.8),
        AssignmentFact("C", "c", "exposure", confidence=8, adherence=0.1),
        AssignmentFact("D", "d", "exposure", confidence=3, adherence=None),
    ]
    assert [f.assignment for f in patterns.low_confidence_low_adherence(facts)] == ["A"]


def test_find_patterns_puts_avoidance_first():
    history = [skipped(n, "too_uncomfortable") for n in (1, 2, 3)]
    found = patterns.find_patterns(history, [], TODAY)
    assert [f.rule for f in found][:2] == ["avoidance", "same_skip_reason"]


# --- Timeliness and streaks ---------------------------------------------------------------------------


def _at(days_before, hours=0):
    appointment = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    return appointment - timedelta(days=days_before, hours=hours)


def timed(n, at):
    return EntryFact(code=f"t{n}", assignment="A", kind="journal", occurred_on=at.date(), logged_on=at.date(),
                     outcome="done", logged_at=at)  # fmt: skip


def test_practice_spread_over_the_week_is_not_crammed():
    appointment = _at(0)
    week = [timed(n, _at(n, hours=3)) for n in range(6, 0, -1)]
    assert crammed(week, appointment) == (0, ())
    assert spread_label(week, appointment) == "spread over the days"


def test_practice_logged_in_the_last_24_hours_is_crammed():
    appointment = _at(0)
    rush = [timed(1, _at(6)), timed(2, _at(0, hours=20)), timed(3, _at(0, hours=2))]
    share, codes = crammed(rush, appointment)
    assert share == pytest.approx(2 / 3) and codes == ("t2", "t3")
    assert spread_label(rush, appointment) == "crammed into the last 24 hours"
    assert spread_label([], appointment) == "nothing logged"


def test_streaks_count_planned_days_in_a_row_and_today_does_not_break_them():
    days = [TODAY - timedelta(days=n) for n in range(6, -1, -1)]  # a week up to today
    done = [entry(n, day=d) for n, d in enumerate(days[:2])] + [entry(9, day=d) for d in days[3:6]]
    assert streaks(days, done, TODAY) == (3, 3), "today is still open"
    assert streaks(days, done, TODAY + timedelta(days=1)) == (0, 3), "tomorrow, today broke it"
    assert streaks([], [], TODAY) == (0, 0)
    partly = [entry(1, day=days[-1], outcome="partly"), entry(2, day=days[-2], outcome="skipped", reason="no_time")]
    assert streaks(days, partly, TODAY) == (1, 1)
