"""The therapist's side of the API: caseload, assignments, entries, FHIR export."""

from datetime import timedelta

import pytest

from conftest import SENTINEL, make_assignment, make_entry
from homework.models import Comment


@pytest.fixture
def alice(api_as, therapist_a):
    return api_as("therapist_a")


def test_the_caseload_lists_code_name_and_time_zone_only(alice, client_a, client_b):
    """T-AZ-4: no email address, no ids, nobody else's clients."""
    assert alice.get("/api/v1/clients").json() == [
        {"code": client_a.code, "name": "Dana Client", "timezone": "Europe/Berlin"}
    ]


def test_an_inactive_client_leaves_the_caseload_and_their_records(alice, client_a, assignment_a):
    client_a.is_active = False
    client_a.save()
    assert alice.get("/api/v1/clients").json() == []
    assert alice.get(f"/api/v1/clients/{client_a.code}/assignments").status_code == 404
    assert alice.get(f"/api/v1/assignments/{assignment_a.code}/entries").status_code == 404


def test_a_clients_assignments_include_stopped_ones_newest_first(alice, client_a, assignment_a, goal_a):
    stopped = make_assignment(client_a, title="Old one", status="stopped")
    assignments = alice.get(f"/api/v1/clients/{client_a.code}/assignments").json()
    assert [a["code"] for a in assignments] == [stopped.code, assignment_a.code]
    current = assignments[1]
    assert current["barriers"] == "Tired after work"
    assert current["goal"] == {"code": goal_a.code, "title": "Sleep better"}
    assert current["confidence"] == 7
    assert current["instructions"] == f"Instructions {SENTINEL}"
    assert not any(key == "id" or key.endswith("_id") for key in current)


def test_entries_come_with_readable_answers_flags_and_the_thread(alice, entry_a, therapist_a):
    Comment.objects.create(entry=entry_a, author=therapist_a, body="Thanks, let's look at it")
    response = alice.get(f"/api/v1/assignments/{entry_a.assignment.code}/entries")
    assert response.status_code == 200
    page = response.json()
    assert (page["count"], page["page"]) == (1, 1)
    [entry] = page["items"]
    assert entry["code"] == entry_a.code
    assert entry["answers"] == [
        {"linkId": "situation", "text": "What was the situation?", "value": f"Situation {SENTINEL}"}
    ]
    assert (entry["outcome"], entry["helpfulness"], entry["difficulty"]) == ("done", 3, "about_right")
    assert (entry["wants_to_discuss"], entry["risk_flag"], entry["score"], entry["severity"]) == (True, False, None, "")
    assert [(c["by"], c["body"]) for c in entry["comments"]] == [
        ("client", f"Comment {SENTINEL}"),
        ("therapist", "Thanks, let's look at it"),
    ]
    # Comments name roles, never people: no emails, no names, no ids.
    assert set(entry["comments"][0]) == {"code", "by", "body", "created_at"}
    assert "alice@example.com" not in response.content.decode()


def test_entries_are_newest_first_a_page_at_a_time(alice, assignment_a):
    today = assignment_a.client.today()
    made = [make_entry(assignment_a, occurred_on=today - timedelta(days=n)) for n in range(23)]
    url = f"/api/v1/assignments/{assignment_a.code}/entries"
    first, second = alice.get(url).json(), alice.get(url + "?page=2").json()
    assert first["count"] == 23
    assert [e["code"] for e in first["items"] + second["items"]] == [e.code for e in made]


def test_an_entry_exports_as_a_fhir_questionnaire_response(alice, assignment_a):
    entry = make_entry(
        assignment_a,
        answers={"situation": f"At work {SENTINEL}", "emotion_intensity": 70, "evidence_for": ["a", "b"]},
    )
    response = alice.get(f"/api/v1/entries/{entry.code}/fhir")
    assert response.status_code == 200
    resource = response.json()
    assert resource["resourceType"] == "QuestionnaireResponse"
    assert resource["status"] == "completed"
    by_link = {item["linkId"]: item["answer"] for item in resource["item"]}
    assert by_link["situation"] == [{"valueString": f"At work {SENTINEL}"}]
    assert by_link["emotion_intensity"] == [{"valueInteger": 70}]
    assert by_link["evidence_for"] == [{"valueString": "a"}, {"valueString": "b"}]


def test_a_skipped_practice_exports_as_stopped(alice, assignment_a):
    entry = make_entry(assignment_a, outcome="skipped", skip_reason="no_time")
    assert alice.get(f"/api/v1/entries/{entry.code}/fhir").json()["status"] == "stopped"
