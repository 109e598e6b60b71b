"""The client's side of the API: what to do, logging a practice, correcting it, the history.

Writes go through homework.recording, so an entry is accepted or refused by the same rules as
on the log page; several tests here post the same input to both and compare the answers.
"""

from datetime import timedelta
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from api.tests.conftest import entry_body, send, thought_record_answers
from conftest import SENTINEL, make_assignment, make_entry
from homework.models import Comment, Entry


def entries_url(assignment):
    return f"/api/v1/me/assignments/{assignment.code}/entries"


def entry_url(entry):
    return f"/api/v1/me/entries/{entry.code}"


@pytest.fixture
def me(api_as, client_a):
    return api_as("client_a")


# --- What to do -------------------------------------------------------------------------------------


def test_my_assignments_are_the_active_ones_with_their_form(me, client_a, assignment_a):
    stopped = make_assignment(client_a, title="Stopped one", status="stopped")
    response = me.get("/api/v1/me/assignments")
    assert response.status_code == 200
    [assignment] = response.json()
    assert assignment["code"] == assignment_a.code
    assert stopped.code not in response.content.decode()
    assert assignment["kind"] == "thought_record"
    assert assignment["frequency_label"] == "Every day"
    assert assignment["instructions"] == f"Instructions {SENTINEL}"
    assert assignment["if_then_plan"] == "If I am tired, then I do it after dinner"
    link_ids = [item["linkId"] for item in assignment["items"]]
    assert link_ids[:2] == ["situation", "automatic_thought"]
    situation = assignment["items"][0]
    assert situation["required"] is True and situation["type"] == "text"


def test_an_assignment_lists_exactly_the_fields_it_promises(me, assignment_a):
    """T-AZ-4: no stray fields (no barriers note, no ids, no therapist)."""
    assignment = me.get(f"/api/v1/me/assignments/{assignment_a.code}").json()
    assert set(assignment) == {
        "code", "title", "kind", "status", "frequency", "frequency_label", "times_per_week", "weekdays",
        "starts_on", "due_on", "instructions", "rationale", "when_where", "if_then_plan", "items",
        "reminder_times", "reminders_on", "allows_private_entries",
    }  # fmt: skip


def test_risk_rules_of_a_form_stay_on_the_server(me, client_a):
    phq9 = make_assignment(client_a, key="phq-9")
    items = me.get(f"/api/v1/me/assignments/{phq9.code}").json()["items"]
    item9 = next(item for item in items if item["linkId"] == "phq9_9")
    assert item9["answerOption"][0]["valueCoding"] == {"code": "0", "display": "Not at all"}
    assert "riskIfAbove" not in item9
    assert "the crisis resources" in item9["helpText"]


# --- Logging a practice -------------------------------------------------------------------------------


def test_a_posted_entry_is_saved_and_shows_on_the_therapists_page(me, api_as, assignment_a):
    body = entry_body(assignment_a.client, answers=thought_record_answers(situation="Posted through the API"))
    body.update(wants_to_discuss=True, comment="Can we talk about this?")
    response = send(me, "POST", entries_url(assignment_a), body)
    assert response.status_code == 201, response.content
    created = response.json()
    entry = Entry.objects.get(code=created["code"])
    assert entry.assignment == assignment_a
    assert entry.answers["emotion_intensity"] == 80
    assert entry.answers["evidence_against"] == ["She praised my report last week"]
    assert (entry.helpfulness, entry.difficulty, entry.wants_to_discuss) == (3, "about_right", True)
    assert created["assignment"] == assignment_a.code
    assert created["version"] == 1 and created["reviewed"] is False
    assert [(c["by"], c["body"]) for c in created["comments"]] == [("client", "Can we talk about this?")]

    page = api_as("therapist_a").get(reverse("homework:assignment_detail", args=[assignment_a.code]))
    assert "Posted through the API" in page.content.decode()


@pytest.mark.parametrize(
    "link_id,json_value,form_value",
    [
        ("emotion_intensity", 150, "150"),
        ("emotion_intensity", "lots", "lots"),
        ("emotion_intensity", -1, "-1"),
        ("situation", None, None),  # a required question left out
        ("emotion", "x" * 201, "x" * 201),
    ],
)
def test_an_invalid_answer_gets_422_with_the_message_the_web_form_shows(
    link_id, json_value, form_value, me, assignment_a
):
    answers = thought_record_answers(**{link_id: json_value})
    if json_value is None:
        del answers[link_id]
    response = send(me, "POST", entries_url(assignment_a), entry_body(assignment_a.client, answers=answers))
    assert response.status_code == 422
    messages = response.json()["errors"][link_id]
    assert messages and all(isinstance(message, str) for message in messages)
    assert not Entry.objects.exists()

    # The log page, given the same answer, shows the same words.
    form = {key: "\n".join(value) if isinstance(value, list) else str(value) for key, value in answers.items()}
    form.update({"log-outcome": "done", "log-occurred_on": assignment_a.client.today().isoformat()})
    page = me.post(reverse("homework:entry_new", args=[assignment_a.code]), form)
    assert page.status_code == 200
    for message in messages:
        assert escape(message) in page.content.decode(), f"the log page does not say {message!r}"
    assert not Entry.objects.exists()


def test_a_required_answer_message_is_the_forms(me, assignment_a):
    answers = thought_record_answers()
    del answers["automatic_thought"]
    response = send(me, "POST", entries_url(assignment_a), entry_body(assignment_a.client, answers=answers))
    assert response.json()["errors"] == {"automatic_thought": ["This question needs an answer."]}


def test_a_list_answer_to_a_single_question_is_refused(me, assignment_a):
    answers = thought_record_answers(situation=["one", "two"], evidence_for={"not": "a list"})
    response = send(me, "POST", entries_url(assignment_a), entry_body(assignment_a.client, answers=answers))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["situation"] == ["This question takes a single answer."]
    assert errors["evidence_for"] == ["Write each answer on its own line."]


def test_a_skipped_practice_needs_a_reason_but_no_answers(me, assignment_a):
    body = entry_body(assignment_a.client, outcome="skipped", answers={})
    refused = send(me, "POST", entries_url(assignment_a), body)
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"skip_reason": ["Choose what got in the way. One tap is enough."]}

    accepted = send(me, "POST", entries_url(assignment_a), {**body, "skip_reason": "no_time"})
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["skip_reason"] == "no_time"


def test_a_date_in_the_future_is_refused(me, assignment_a):
    tomorrow = assignment_a.client.today() + timedelta(days=1)
    response = send(
        me, "POST", entries_url(assignment_a), entry_body(assignment_a.client, occurred_on=tomorrow.isoformat())
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"occurred_on": ["This date is in the future. Choose today or an earlier day."]}


@pytest.mark.parametrize(
    "field,value",
    [
        ("helpfulness", 5),
        ("helpfulness", -1),
        ("outcome", "finished"),
        ("difficulty", "brutal"),
        ("occurred_on", "soon"),
    ],
)
def test_out_of_range_fields_get_422_by_field(field, value, me, assignment_a):
    response = send(me, "POST", entries_url(assignment_a), entry_body(assignment_a.client, **{field: value}))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert not Entry.objects.exists()


@pytest.mark.parametrize("extra", ["client_id", "assignment_id", "risk_flag", "score", "reviewed_at", "id"])
def test_unknown_fields_and_slipped_in_ids_are_refused_and_nothing_is_saved(extra, me, assignment_a, client_b):
    """T-IN-6: a body cannot set what the system decides (whose entry, risk, review)."""
    body = {**entry_body(assignment_a.client), extra: client_b.pk}
    response = send(me, "POST", entries_url(assignment_a), body)
    assert response.status_code == 422
    assert extra in response.json()["errors"]
    assert str(client_b.pk) not in response.json()["detail"]
    assert not Entry.objects.exists()


def test_a_stopped_assignment_cannot_be_logged(me, client_a):
    stopped = make_assignment(client_a, status="stopped")
    response = send(me, "POST", entries_url(stopped), entry_body(client_a))
    assert response.status_code == 422
    assert response.json() == {
        "detail": "This exercise has been stopped; there is nothing to log.",
        "errors": {"__all__": ["This exercise has been stopped; there is nothing to log."]},
    }
    assert not Entry.objects.exists()


def test_a_risk_answer_flags_the_entry_for_the_therapist(me, api_as, client_a):
    phq9 = make_assignment(client_a, key="phq-9")
    answers = {f"phq9_{n}": "1" for n in range(1, 10)}
    response = send(me, "POST", entries_url(phq9), entry_body(client_a, answers=answers))
    assert response.status_code == 201, response.content
    assert (response.json()["score"], response.json()["risk_flag"]) == (9, True)
    [seen] = api_as("therapist_a").get(f"/api/v1/assignments/{phq9.code}/entries").json()["items"]
    assert (seen["risk_flag"], seen["score"], seen["severity"]) == (True, 9, "Mild")


def test_a_foreign_client_gets_the_same_answer_for_a_bad_body_as_for_a_missing_record(api_as, assignment_a, client_b):
    """The body is checked before the record is looked up; what comes back must not tell A's
    assignment from one that does not exist."""
    http = api_as("client_b")
    for body in ({}, {"outcome": "done"}):
        foreign = send(http, "POST", entries_url(assignment_a), body)
        missing = send(http, "POST", "/api/v1/me/assignments/zzzzzzzzzzzz/entries", body)
        assert foreign.status_code == missing.status_code == 422
        assert foreign.content == missing.content


# --- CSRF (docs/security.md T-IN-4) -----------------------------------------------------------------------


def csrf_token(http):
    """The token a page hands the browser (the docs page renders one, like every form)."""
    http.get("/api/v1/docs")
    return http.cookies["csrftoken"].value


def test_a_post_without_the_csrf_token_is_refused_and_creates_nothing(api_as, assignment_a):
    http = api_as("client_a", enforce_csrf_checks=True)
    response = send(http, "POST", entries_url(assignment_a), entry_body(assignment_a.client))
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF check Failed"}
    assert not Entry.objects.exists()

    # The control: the same request with the token goes through, so the 403 was about the token.
    token = csrf_token(http)
    response = send(http, "POST", entries_url(assignment_a), entry_body(assignment_a.client), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    assert Entry.objects.count() == 1


def test_a_put_without_the_csrf_token_is_refused_and_changes_nothing(api_as, entry_a):
    http = api_as("client_a", enforce_csrf_checks=True)
    body = {**entry_body(entry_a.assignment.client), "version": entry_a.version}
    response = send(http, "PUT", entry_url(entry_a), body)
    assert response.status_code == 403
    entry_a.refresh_from_db()
    assert entry_a.version == 1 and entry_a.answers == {"situation": f"Situation {SENTINEL}"}

    response = send(http, "PUT", entry_url(entry_a), body, HTTP_X_CSRFTOKEN=csrf_token(http))
    assert response.status_code == 200


def test_a_post_with_a_wrong_csrf_token_is_refused(api_as, assignment_a):
    http = api_as("client_a", enforce_csrf_checks=True)
    csrf_token(http)
    response = send(http, "POST", entries_url(assignment_a), entry_body(assignment_a.client), HTTP_X_CSRFTOKEN="x" * 64)
    assert response.status_code == 403
    assert not Entry.objects.exists()


# --- Correcting an entry ------------------------------------------------------------------------------


def test_a_put_replaces_the_entry_and_bumps_its_version(me, entry_a):
    body = {
        **entry_body(entry_a.assignment.client, answers=thought_record_answers(situation="On second thought")),
        "helpfulness": 1,
        "version": 1,
    }
    response = send(me, "PUT", entry_url(entry_a), body)
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert response.json()["answers"]["situation"] == "On second thought"
    entry_a.refresh_from_db()
    assert (entry_a.version, entry_a.helpfulness, entry_a.answers["situation"]) == (2, 1, "On second thought")


def test_a_stale_put_gets_409_and_changes_nothing(me, entry_a):
    client = entry_a.assignment.client
    first = {**entry_body(client, answers=thought_record_answers(situation="From the phone")), "version": 1}
    assert send(me, "PUT", entry_url(entry_a), first).status_code == 200

    stale = {**entry_body(client, answers=thought_record_answers(situation="From the laptop")), "version": 1}
    response = send(me, "PUT", entry_url(entry_a), stale)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This entry was changed somewhere else since you opened it.",
        "reason": "stale",
    }
    entry_a.refresh_from_db()
    assert (entry_a.version, entry_a.answers["situation"]) == (2, "From the phone")


def test_a_put_on_a_reviewed_entry_gets_409_locked(me, entry_a):
    Entry.objects.filter(pk=entry_a.pk).update(reviewed_at=timezone.now())
    body = {**entry_body(entry_a.assignment.client), "version": 1}
    response = send(me, "PUT", entry_url(entry_a), body)
    assert response.status_code == 409
    assert response.json()["reason"] == "locked"
    entry_a.refresh_from_db()
    assert entry_a.version == 1 and entry_a.answers == {"situation": f"Situation {SENTINEL}"}


def test_a_put_needs_the_version_it_started_from(me, entry_a):
    response = send(me, "PUT", entry_url(entry_a), entry_body(entry_a.assignment.client))
    assert response.status_code == 422
    assert "version" in response.json()["errors"]


def test_a_put_cannot_add_a_comment(me, entry_a):
    """Comments are added to the thread, not smuggled into an edit."""
    body = {**entry_body(entry_a.assignment.client), "version": 1, "comment": "sneaky"}
    assert send(me, "PUT", entry_url(entry_a), body).status_code == 422
    assert Comment.objects.filter(entry=entry_a).count() == 1


# --- History -------------------------------------------------------------------------------------------


def test_my_entries_come_newest_first_a_page_at_a_time(me, assignment_a):
    today = assignment_a.client.today()
    made = [make_entry(assignment_a, occurred_on=today - timedelta(days=n % 7)) for n in range(25)]
    expected = sorted(made, key=lambda e: (e.occurred_on, e.created_at, e.pk), reverse=True)

    first = me.get("/api/v1/me/entries").json()
    second = me.get("/api/v1/me/entries?page=2").json()
    assert (first["count"], first["page"], first["page_size"]) == (25, 1, 20)
    assert [e["code"] for e in first["items"] + second["items"]] == [e.code for e in expected]
    assert me.get("/api/v1/me/entries?page=3").json()["items"] == []


@pytest.mark.parametrize("page", ["0", "-1", "10001", "abc", "99999999999999999999999"])
def test_a_bad_page_number_gets_422(page, me, assignment_a):
    response = me.get(f"/api/v1/me/entries?page={page}")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["page"]
