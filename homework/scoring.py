"""Questionnaire scores, severity bands and risk flags from a version's `scoring` and items.

`version.scoring` is {"method": "sum", "items": [linkIds], "bands": [[low, high, label], ...]};
the score is the sum of the chosen options' codes (or of integer answers), and bands are
inclusive. Risk comes from items, not scoring: any answer above an item's `riskIfAbove`.
"""

from itertools import pairwise

from django.core.exceptions import ValidationError


def score_answers(version, answers) -> tuple[int | None, str, bool]:
    """(score, severity, risk). No score unless every scored item is answered: a partial sum
    would read as a lower, falsely reassuring severity."""
    risk = any(
        _exceeds(answers.get(item["linkId"]), item["riskIfAbove"]) for item in version.items if "riskIfAbove" in item
    )
    scoring = version.scoring or {}
    if scoring.get("method") != "sum":
        return None, "", risk
    values = [answers.get(link_id) for link_id in scoring["items"]]
    if any(value is None for value in values):
        return None, "", risk
    score = sum(int(value) for value in values)
    severity = next((label for low, high, label in scoring.get("bands", []) if low <= score <= high), "")
    return score, severity, risk


def _exceeds(answer, threshold):
    answers = answer if isinstance(answer, list) else [answer]
    return any(value is not None and float(value) > threshold for value in answers)


def validate_scoring(items, scoring) -> None:
    """Check a scoring rule against its (already valid) items; empty means "not scored"."""
    if not scoring:
        return
    if scoring.get("method") != "sum":
        raise ValidationError('The only scoring method is "sum".')
    by_id = {item["linkId"]: item for item in items}
    scored = scoring.get("items")
    if not isinstance(scored, list) or not scored:
        raise ValidationError("Scoring needs the linkIds of the items it adds up.")
    for link_id in scored:
        if not _is_summable(by_id.get(link_id)):
            raise ValidationError(f"{link_id!r} is not an integer item or a choice with whole-number codes.")
    bands = scoring.get("bands", [])
    if not all(_is_band(band) for band in bands):
        raise ValidationError("Each band is [low, high, label] with whole numbers, low ≤ high.")
    ordered = sorted(bands)
    if any(previous[1] >= following[0] for previous, following in pairwise(ordered)):
        raise ValidationError("Score bands overlap.")


def _is_summable(item):
    if item is None or item.get("repeats"):
        return False
    if item["type"] == "integer":
        return True
    if item["type"] != "choice":
        return False
    return all(_is_whole_text(option["valueCoding"]["code"]) for option in item["answerOption"])


def _is_whole_text(code):
    try:
        int(code)
    except ValueError:
        return False
    return True


def _is_band(band):
    return (
        isinstance(band, list)
        and len(band) == 3
        and all(isinstance(bound, int) and not isinstance(bound, bool) for bound in band[:2])
        and band[0] <= band[1]
        and isinstance(band[2], str)
    )
