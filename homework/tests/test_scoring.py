from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from homework.builtin.templates import BUILTIN_TEMPLATES
from homework.scoring import score_answers, validate_scoring

PHQ9 = SimpleNamespace(**next(t for t in BUILTIN_TEMPLATES if t["builtin_key"] == "phq-9"))
GAD7 = SimpleNamespace(**next(t for t in BUILTIN_TEMPLATES if t["builtin_key"] == "gad-7"))
JOURNAL = SimpleNamespace(**next(t for t in BUILTIN_TEMPLATES if t["builtin_key"] == "journal"))


def phq9(*codes, **extra):
    return {**{f"phq9_{n}": str(code) for n, code in enumerate(codes, 1)}, **extra}


@pytest.mark.parametrize(
    "codes, score, severity",
    [
        ((0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "Minimal"),
        ((1, 1, 1, 1, 0, 0, 0, 0, 0), 4, "Minimal"),
        ((1, 1, 1, 1, 1, 0, 0, 0, 0), 5, "Mild"),
        ((2, 2, 2, 2, 1, 0, 0, 0, 0), 9, "Mild"),
        ((2, 2, 2, 2, 2, 0, 0, 0, 0), 10, "Moderate"),
        ((2, 2, 2, 2, 2, 2, 2, 1, 0), 15, "Moderately severe"),
        ((3, 3, 3, 3, 3, 3, 2, 0, 0), 20, "Severe"),
        ((3, 3, 3, 3, 3, 3, 3, 3, 3), 27, "Severe"),
    ],
)
def test_phq9_sums_the_nine_items_into_the_standard_bands(codes, score, severity):
    assert score_answers(PHQ9, phq9(*codes))[:2] == (score, severity)


def test_the_phq9_difficulty_question_does_not_count():
    assert score_answers(PHQ9, phq9(1, 1, 1, 1, 1, 1, 1, 1, 0, phq9_difficulty="extremely"))[0] == 8


@pytest.mark.parametrize("item_9", [1, 2, 3])
def test_phq9_item_9_above_zero_flags_risk(item_9):
    assert score_answers(PHQ9, phq9(0, 0, 0, 0, 0, 0, 0, 0, item_9))[2] is True


def test_phq9_item_9_at_zero_does_not_flag_risk_even_with_a_severe_score():
    assert score_answers(PHQ9, phq9(3, 3, 3, 3, 3, 3, 3, 3, 0)) == (24, "Severe", False)


def test_an_incomplete_questionnaire_has_no_score_but_still_flags_risk():
    assert score_answers(PHQ9, {"phq9_1": "3", "phq9_9": "2"}) == (None, "", True)


def test_gad7_bands():
    answers = {f"gad7_{n}": "2" for n in range(1, 8)}
    assert score_answers(GAD7, answers) == (14, "Moderate", False)
    answers["gad7_1"] = "3"
    assert score_answers(GAD7, answers) == (15, "Severe", False)


def test_an_exercise_that_is_not_a_questionnaire_is_not_scored():
    assert score_answers(JOURNAL, {"mood_before": 2, "writing": "x"}) == (None, "", False)


def test_any_item_with_a_risk_threshold_can_flag_risk():
    version = SimpleNamespace(
        items=[{"linkId": "urge", "text": "Urge to self-harm", "type": "integer", "riskIfAbove": 5}], scoring={}
    )
    assert score_answers(version, {"urge": 6}) == (None, "", True)
    assert score_answers(version, {"urge": 5}) == (None, "", False)
    assert score_answers(version, {}) == (None, "", False)


ONE = {"valueCoding": {"code": "1", "display": "One"}}
CHOICE = {"linkId": "q", "text": "Q", "type": "choice", "answerOption": [ONE]}


@pytest.mark.parametrize(
    "scoring, problem",
    [
        ({"method": "mean", "items": ["q"]}, "only scoring method"),
        ({"method": "sum", "items": []}, "linkIds"),
        ({"method": "sum", "items": ["nope"]}, "'nope' is not"),
        ({"method": "sum", "items": ["q"], "bands": [[0, 4]]}, "Each band"),
        ({"method": "sum", "items": ["q"], "bands": [[5, 1, "Odd"]]}, "Each band"),
        ({"method": "sum", "items": ["q"], "bands": [[0, 5, "Low"], [5, 9, "High"]]}, "overlap"),
    ],
)
def test_a_malformed_scoring_rule_is_rejected(scoring, problem):
    with pytest.raises(ValidationError, match=problem):
        validate_scoring([CHOICE], scoring)


def test_a_choice_with_word_codes_cannot_be_summed():
    words = {**CHOICE, "answerOption": [{"valueCoding": {"code": "often", "display": "Often"}}]}
    with pytest.raises(ValidationError, match="whole-number codes"):
        validate_scoring([words], {"method": "sum", "items": ["q"]})


# The published bands, written out here independently of the library's definitions.
PHQ9_BANDS = [
    (0, 4, "Minimal"),
    (5, 9, "Mild"),
    (10, 14, "Moderate"),
    (15, 19, "Moderately severe"),
    (20, 27, "Severe"),
]
GAD7_BANDS = [(0, 4, "Minimal"), (5, 9, "Mild"), (10, 14, "Moderate"), (15, 21, "Severe")]


def _spread(total, items):
    """Item codes (0-3 each) that add up to `total`, filling items in order."""
    codes = []
    for _ in range(items):
        codes.append(min(3, total))
        total -= codes[-1]
    return codes


@pytest.mark.parametrize(
    ("version", "prefix", "items", "bands"), [(PHQ9, "phq9", 9, PHQ9_BANDS), (GAD7, "gad7", 7, GAD7_BANDS)]
)
def test_every_score_and_every_band_boundary_of_phq9_and_gad7(version, prefix, items, bands):
    for low, high, label in bands:
        for total in {low, low + 1, high - 1, high} & set(range(low, high + 1)):
            codes = _spread(total, items)
            if prefix == "phq9" and total <= 24:
                codes = _spread(total, 8) + [0]  # item 9 at 0 where it can be: the total alone decides
            answers = {f"{prefix}_{n}": str(code) for n, code in enumerate(codes, 1)}
            assert score_answers(version, answers)[:2] == (total, label), (total, codes)
