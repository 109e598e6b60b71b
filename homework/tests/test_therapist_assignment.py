from datetime import timedelta

import pytest
from django.urls import reverse

from conftest import SENTINEL, make_entry
from homework.assigning import assignment_update
from homework.models import Assignment, AssignmentReview, Comment, Entry
from lib.conflicts import EditConflict
from practices.models import Goal


def detail(assignment):
    return reverse("homework:assignment_detail", args=[assignment.code])


def edit(assignment):
    return reverse("homework:assignment_edit", args=[assignment.code])


def review(assignment):
    return reverse("homework:assignment_review", args=[assignment.code])


# --- The assignment page ---------------------------------------------------------------------------


def test_it_shows_everything_the_client_was_given(sign_in, therapist_a, assignment_a):
    response = sign_in(therapist_a).get(detail(assignment_a))
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        f"Instructions {SENTINEL}",
        f"Rationale {SENTINEL}",
        "Evenings at home",
        "Tired after work",
        "If I am tired, then I do it after dinner",
        "Every day",
        "Sleep better",
        "7/10",
        "Moderate",
    ):
        assert text in body, text


def test_it_shows_adherence_entries_answers_flags_and_comments(sign_in, therapist_a, client_a, assignment_a, entry_a):
    make_entry(
        assignment_a,
        occurred_on=client_a.today() - timedelta(days=1),
        outcome="skipped",
        skip_reason="too_uncomfortable",
        skip_note="Felt sick",
        helpfulness=None,
        difficulty="",
        risk_flag=True,
    )
    body = sign_in(therapist_a).get(detail(assignment_a)).content.decode()
    assert "Done 1" in body and "Skipped 1" in body and "Partly 0" in body
    assert f"Situation {SENTINEL}" in body
    assert f"Comment {SENTINEL}" in body
    assert "I avoided it because it felt too uncomfortable" in body and "Felt sick" in body
    assert "Wants to discuss" in body and "Risk flag" in body
    assert reverse("homework:entry_detail", args=[entry_a.code]) in body


def test_its_query_count_does_not_grow_with_entries(
    sign_in, therapist_a, client_a, assignment_a, django_assert_max_num_queries
):
    browser = sign_in(therapist_a)

    def grow(n, start):
        for day in range(start, start + n):
            entry = make_entry(
                assignment_a, occurred_on=client_a.today() - timedelta(days=day), answers={"situation": "x"}
            )
            Comment.objects.create(entry=entry, author=client_a.user, body="c")

    grow(5, 0)
    with django_assert_max_num_queries(16) as small:
        assert browser.get(detail(assignment_a)).status_code == 200
    grow(45, 5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert browser.get(detail(assignment_a)).status_code == 200


# --- Editing ------------------------------------------------------------------------------------------


def edit_form(assignment, **overrides):
    data = {
        "version": str(assignment.version),
        "title": "Catch the thought, shorter",
        "instructions": "Write one line",
        "rationale": "Small steps first",
        "goal": assignment.goal.code if assignment.goal else "",
        "frequency": "times_per_week",
        "times_per_week": "3",
        "when_where": "After dinner",
        "starts_on": assignment.starts_on.isoformat(),
        "due_on": assignment.due_on.isoformat(),
        "barriers": "",
        "if_then_plan": "",
        "expected_difficulty": "easy",
        "confidence": "9",
    }
    data.update(overrides)
    return data


def test_edit_starts_from_the_current_assignment(sign_in, therapist_a, assignment_a, goal_a):
    body = sign_in(therapist_a).get(edit(assignment_a)).content.decode()
    assert f'value="{assignment_a.title}"' in body
    assert f"Instructions {SENTINEL}" in body
    assert f'<option value="{goal_a.code}" selected>' in body
    assert 'name="version" value="1"' in body


def test_edit_saves_and_bumps_the_version(sign_in, therapist_a, assignment_a):
    response = sign_in(therapist_a).post(edit(assignment_a), edit_form(assignment_a))
    assert response.status_code == 302
    assert response["Location"] == detail(assignment_a)
    assignment_a.refresh_from_db()
    assert assignment_a.version == 2
    assert (assignment_a.title, assignment_a.instructions, assignment_a.times_per_week) == (
        "Catch the thought, shorter",
        "Write one line",
        3,
    )
    assert assignment_a.confidence == 9 and assignment_a.expected_difficulty == "easy"


def test_a_stale_edit_gets_409_and_keeps_the_text(sign_in, therapist_a, assignment_a):
    browser = sign_in(therapist_a)
    data = edit_form(assignment_a, instructions="My careful new wording")
    assignment_update(assignment=assignment_a, expected_version=1, title="Changed elsewhere")  # another tab
    response = browser.post(edit(assignment_a), data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone changed this assignment meanwhile; your text is still below." in body
    assert "My careful new wording" in body
    assert 'name="version" value="2"' in body  # saving again is a deliberate overwrite
    assignment_a.refresh_from_db()
    assert assignment_a.title == "Changed elsewhere" and assignment_a.version == 2
    assert browser.post(edit(assignment_a), {**data, "version": "2"}).status_code == 302
    assignment_a.refresh_from_db()
    assert assignment_a.instructions == "My careful new wording"


def test_the_write_function_refuses_a_stale_version(assignment_a):
    assignment_update(assignment=assignment_a, expected_version=1, title="First")
    with pytest.raises(EditConflict):
        assignment_update(assignment=assignment_a, expected_version=1, title="Second")
    assert Assignment.objects.get(pk=assignment_a.pk).title == "First"


def test_edit_rejects_a_goal_of_another_client(sign_in, therapist_a, client_b, assignment_a):
    foreign = Goal.objects.create(client=client_b, title="Not hers")
    response = sign_in(therapist_a).post(edit(assignment_a), edit_form(assignment_a, goal=foreign.code))
    assert response.status_code == 200
    assignment_a.refresh_from_db()
    assert assignment_a.goal.title == "Sleep better" and assignment_a.version == 1


def test_edit_rejects_due_before_start_and_keeps_the_text(sign_in, therapist_a, assignment_a):
    data = edit_form(assignment_a, due_on=(assignment_a.starts_on - timedelta(days=1)).isoformat(), instructions="Kept")
    response = sign_in(therapist_a).post(edit(assignment_a), data)
    assert response.status_code == 200
    assert "The due date cannot be before the start date." in response.content.decode()
    assert "Kept" in response.content.decode()


# --- Reviewing --------------------------------------------------------------------------------------------


def test_a_review_locks_the_entries(sign_in, therapist_a, assignment_a, entry_a):
    response = sign_in(therapist_a).post(review(assignment_a), {"decision": "keep", "note": "Going well"})
    assert response.status_code == 302
    assert response["Location"] == detail(assignment_a)
    entry_a.refresh_from_db()
    assert entry_a.reviewed_at is not None
    assert not entry_a.is_editable_by_client
    assert entry_a.version == 2
    saved = AssignmentReview.objects.get(assignment=assignment_a)
    assert (saved.decision, saved.note, saved.reviewer) == ("keep", "Going well", therapist_a)
    assignment_a.refresh_from_db()
    assert assignment_a.status == "active"


def test_a_review_leaves_earlier_review_times_alone(sign_in, therapist_a, assignment_a, entry_a):
    browser = sign_in(therapist_a)
    browser.post(review(assignment_a), {"decision": "keep"})
    first = Entry.objects.get(pk=entry_a.pk).reviewed_at
    browser.post(review(assignment_a), {"decision": "keep"})
    assert Entry.objects.get(pk=entry_a.pk).reviewed_at == first


def test_stop_stops_the_assignment(sign_in, therapist_a, assignment_a, entry_a):
    browser = sign_in(therapist_a)
    response = browser.post(review(assignment_a), {"decision": "stop", "note": ""}, follow=True)
    assignment_a.refresh_from_db()
    assert assignment_a.status == "stopped"
    body = response.content.decode()
    assert "the assignment is stopped" in body
    assert "Stop" in body  # listed under past reviews


@pytest.mark.parametrize("decision", ["modify", "step_down"])
def test_modify_and_step_down_continue_on_the_edit_page(sign_in, therapist_a, assignment_a, decision):
    response = sign_in(therapist_a).post(review(assignment_a), {"decision": decision, "note": "Halve it"})
    assert response.status_code == 302
    assert response["Location"] == edit(assignment_a)
    assert AssignmentReview.objects.get(assignment=assignment_a).decision == decision
    assignment_a.refresh_from_db()
    assert assignment_a.status == "active"


def test_past_reviews_are_listed_on_the_assignment(sign_in, therapist_a, assignment_a):
    browser = sign_in(therapist_a)
    browser.post(review(assignment_a), {"decision": "step_down", "note": "Two evenings instead of seven"})
    body = browser.get(detail(assignment_a)).content.decode()
    assert "Step down (make it easier)" in body and "Two evenings instead of seven" in body


def test_a_review_without_a_decision_is_refused(sign_in, therapist_a, assignment_a, entry_a):
    response = sign_in(therapist_a).post(review(assignment_a), {"note": "Typed note"})
    assert response.status_code == 400
    assert "Typed note" in response.content.decode()
    entry_a.refresh_from_db()
    assert entry_a.reviewed_at is None
    assert not AssignmentReview.objects.exists()


def test_reviewing_never_happens_on_get(sign_in, therapist_a, assignment_a, entry_a):
    response = sign_in(therapist_a).get(review(assignment_a) + "?decision=stop")
    assert response.status_code == 405
    entry_a.refresh_from_db()
    assert entry_a.reviewed_at is None
