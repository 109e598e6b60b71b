"""The same bad input gets the same words on the page and from the API, beside the same field:
both doors hand it to one write function (homework.recording, homework.assigning), which owns
every rule and its wording."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from conftest import builtin_version
from homework import assigning, recording
from homework.models import Entry
from lib.validation import NUL_MESSAGE

ANSWERS = {
    "situation": "Meeting at work",
    "automatic_thought": "She thinks I am useless",
    "emotion": "anxious",
    "emotion_intensity": 80,
    "evidence_for": ["She frowned"],
    "evidence_against": ["She praised my report"],
    "balanced_thought": "She may have been concentrating",
    "emotion_rerated": 40,
}

# (name, what differs from a valid entry, the field that must carry the message, the message)
CASES = [
    ("skipped without a reason", {"outcome": "skipped"}, "skip_reason", recording.CHOOSE_SKIP_REASON),
    ("something else without a word", {"outcome": "skipped", "skip_reason": "other"}, "skip_note", recording.EXPLAIN_OTHER),
    ("a date in the future", {"occurred_on": "tomorrow"}, "occurred_on", recording.FUTURE_DATE),
    ("a date before the start", {"occurred_on": "before start"}, "occurred_on", "This exercise started on"),
    ("helpfulness out of range", {"helpfulness": 7}, "helpfulness", recording.HELPFULNESS_RANGE),
    ("an unknown difficulty", {"difficulty": "brutal"}, "difficulty", recording.CHOOSE_DIFFICULTY),
    ("no outcome", {"outcome": ""}, "outcome", recording.CHOOSE_OUTCOME),
    ("a NUL byte in the note", {"outcome": "skipped", "skip_reason": "other", "skip_note": "a\x00b"}, "skip_note", NUL_MESSAGE),
    ("an answer out of range", {"answers": {"emotion_intensity": 150}}, "emotion_intensity", "between 0 and 100"),
]  # fmt: skip


def _day(assignment, value):
    today = assignment.client.today()
    return {"tomorrow": today + timedelta(days=1), "before start": assignment.starts_on - timedelta(days=1)}.get(
        value, today
    )


def _page_errors(http, assignment, changes):
    answers = {**ANSWERS, **changes.get("answers", {})}
    data = {key: "\n".join(value) if isinstance(value, list) else str(value) for key, value in answers.items()}
    meta = {"outcome": "done", "helpfulness": 3, "difficulty": "about_right", **changes}
    meta.pop("answers", None)
    meta["occurred_on"] = _day(assignment, changes.get("occurred_on")).isoformat()
    data.update({f"log-{key}": str(value) for key, value in meta.items()})
    response = http.post(reverse("homework:entry_new", args=[assignment.code]), data)
    assert response.status_code == 200, "the page keeps what was typed and shows the problem"
    errors = {**response.context["meta"].errors, **response.context["answers_form"].errors}
    return {field: list(messages) for field, messages in errors.items()}


def _api_errors(http, assignment, changes):
    body = {"outcome": "done", "helpfulness": 3, "difficulty": "about_right", **changes}
    body["answers"] = {**ANSWERS, **changes.get("answers", {})}
    body["occurred_on"] = _day(assignment, changes.get("occurred_on")).isoformat()
    url = reverse("api:my_entry_create", kwargs={"code": assignment.code})
    response = http.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    return response.json()["errors"]


@pytest.mark.parametrize("name, changes, field, message", CASES, ids=[case[0] for case in CASES])
def test_page_and_api_refuse_alike(sign_in, assignment_a, name, changes, field, message):
    http = sign_in(assignment_a.client.user)

    on_page = _page_errors(http, assignment_a, changes)
    from_api = _api_errors(http, assignment_a, changes)

    assert on_page[field] == from_api[field]
    assert message in on_page[field][0]
    assert not Entry.objects.exists()


def test_a_goal_of_another_client_gets_the_same_words_on_the_page_and_from_the_write_function(
    sign_in, therapist_a, client_a, client_b
):
    from django.core.exceptions import ValidationError

    from practices.models import Goal

    foreign = Goal.objects.create(client=client_b, title="B's goal")
    version = builtin_version("thought-record")
    today = client_a.today()
    form = {
        "title": "Try it",
        "instructions": "Do it",
        "rationale": "It helps",
        "goal": foreign.code,
        "frequency": "daily",
        "starts_on": today.isoformat(),
        "due_on": (today + timedelta(days=7)).isoformat(),
        "expected_difficulty": "moderate",
        "confidence": "7",
    }
    url = reverse("homework:assign", args=[client_a.code, version.template.code])
    page = sign_in(therapist_a).post(url, form)
    fields = {key: value for key, value in form.items() if key not in ("goal", "starts_on", "due_on", "confidence")}
    with pytest.raises(ValidationError) as refused:
        assigning.assignment_create(
            therapist=therapist_a,
            client=client_a,
            version=version,
            goal=foreign,
            starts_on=today,
            due_on=today + timedelta(days=7),
            confidence=7,
            **fields,
        )

    assert (
        page.context["form"].errors["goal"] == refused.value.message_dict["goal"] == [assigning.GOAL_NOT_THIS_CLIENTS]
    )
