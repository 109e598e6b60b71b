"""Changing an entry before the therapist reviews it, and the comment thread."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import make_assignment, make_entry
from homework import recording
from homework.models import Comment, Entry
from lib.conflicts import LOCKED, STALE, EditConflict

FULL_ANSWERS = {
    "situation": "Queue at the bakery",
    "automatic_thought": "Everyone is staring at me",
    "emotion": "embarrassed",
    "emotion_intensity": 70,
}


@pytest.fixture
def entry(assignment_a):
    return make_entry(assignment_a, answers=dict(FULL_ANSWERS), helpfulness=2, difficulty="hard")


@pytest.fixture
def browser(sign_in, client_a):
    return sign_in(client_a.user)


def edit_url(entry):
    return reverse("homework:entry_edit", args=[entry.code])


def edit_data(entry, **answers):
    data = {key: str(value) for key, value in FULL_ANSWERS.items()}
    data.update(answers)
    data.update(
        {
            "log-outcome": "done",
            "log-occurred_on": entry.occurred_on.isoformat(),
            "log-helpfulness": "4",
            "log-difficulty": "about_right",
            "log-version": str(entry.version),
        }
    )
    return data


def test_the_edit_form_is_prefilled_with_what_was_saved(browser, entry):
    response = browser.get(edit_url(entry))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Queue at the bakery" in html
    assert 'name="emotion_intensity" value="70"' in html
    assert 'value="2" id="id_log-helpfulness_2" checked' in html
    assert 'value="hard" id="id_log-difficulty_3" checked' in html
    assert f'<input type="hidden" name="log-version" value="{entry.version}"' in html


def test_it_saves_an_edit_before_review_and_moves_the_version_on(browser, client_a, entry):
    response = browser.post(edit_url(entry), edit_data(entry, situation="Queue at the post office"))
    assert response.status_code == 302
    assert response["Location"] == reverse("homework:client_entry", args=[entry.code])
    entry.refresh_from_db()
    assert entry.answers["situation"] == "Queue at the post office"
    assert (entry.helpfulness, entry.difficulty, entry.version) == (4, "about_right", 2)
    page = browser.get(response["Location"]).content.decode()
    assert "Saved. Thank you for doing this." in page
    assert "Queue at the post office" in page


def test_an_edit_can_turn_a_practice_into_a_skip(browser, entry):
    data = {
        "log-outcome": "skipped",
        "log-skip_reason": "too_hard",
        "log-occurred_on": entry.occurred_on.isoformat(),
        "log-version": "1",
    }
    assert browser.post(edit_url(entry), data).status_code == 302
    entry.refresh_from_db()
    assert (entry.outcome, entry.skip_reason, entry.score) == ("skipped", "too_hard", None)


def test_invalid_edits_keep_what_was_typed(browser, entry):
    response = browser.post(edit_url(entry), edit_data(entry, situation="New words here", emotion_intensity="-3"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "New words here" in html and 'value="-3"' in html
    entry.refresh_from_db()
    assert (entry.answers["situation"], entry.version) == ("Queue at the bakery", 1)


def test_it_refuses_to_edit_once_reviewed(browser, entry):
    Entry.objects.filter(pk=entry.pk).update(reviewed_at=timezone.now())
    response = browser.get(edit_url(entry))
    assert response.status_code == 409
    assert "already reviewed" in response.content.decode()
    response = browser.post(edit_url(entry), edit_data(entry, situation="Sneaky change"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "already reviewed" in html
    assert "Sneaky change" in html  # shown back so it can be copied into a comment
    assert "Save changes" not in html
    entry.refresh_from_db()
    assert entry.answers["situation"] == "Queue at the bakery"


def test_the_edit_link_shows_only_while_not_reviewed(browser, entry):
    page = reverse("homework:client_entry", args=[entry.code])
    assert edit_url(entry) in browser.get(page).content.decode()
    Entry.objects.filter(pk=entry.pk).update(reviewed_at=timezone.now())
    assert edit_url(entry) not in browser.get(page).content.decode()


def test_a_stale_version_gives_409_and_keeps_the_text(browser, entry):
    form_data = edit_data(entry, situation="Typed in the first tab")
    # Meanwhile, another tab saved a change.
    Entry.objects.filter(pk=entry.pk).update(version=2, helpfulness=0)
    response = browser.post(edit_url(entry), form_data)
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed somewhere else" in html
    assert "Typed in the first tab" in html
    assert '<input type="hidden" name="log-version" value="2"' in html
    entry.refresh_from_db()
    assert (entry.answers["situation"], entry.helpfulness, entry.version) == ("Queue at the bakery", 0, 2)
    # Saving again from that page is a deliberate overwrite, and goes through.
    assert browser.post(edit_url(entry), {**form_data, "log-version": "2"}).status_code == 302
    entry.refresh_from_db()
    assert (entry.answers["situation"], entry.version) == ("Typed in the first tab", 3)


def test_entry_update_refuses_a_stale_version_and_a_reviewed_entry(entry, client_a):
    kwargs = dict(
        entry=entry, client_user=client_a.user, outcome="done", occurred_on=entry.occurred_on, answers=FULL_ANSWERS
    )
    recording.entry_update(expected_version=1, **kwargs)
    with pytest.raises(EditConflict) as stale:
        recording.entry_update(expected_version=1, **kwargs)
    assert stale.value.reason == STALE
    Entry.objects.filter(pk=entry.pk).update(reviewed_at=timezone.now())
    with pytest.raises(EditConflict) as locked:
        recording.entry_update(expected_version=2, **kwargs)
    assert locked.value.reason == LOCKED
    assert Entry.objects.get(pk=entry.pk).version == 2


def test_entry_update_refuses_another_client(entry, client_b):
    with pytest.raises(PermissionDenied):
        recording.entry_update(
            entry=entry,
            expected_version=1,
            client_user=client_b.user,
            outcome="done",
            occurred_on=entry.occurred_on,
            answers=FULL_ANSWERS,
        )


def test_a_raised_risk_flag_survives_an_edit(browser, client_a):
    assignment = make_assignment(client_a, key="phq-9", title="Mood check")
    risky = {f"phq9_{n}": "1" for n in range(1, 10)}
    entry = recording.entry_record(
        assignment=assignment,
        client_user=client_a.user,
        outcome="done",
        occurred_on=client_a.today(),
        answers=risky,
    )
    assert entry.risk_flag
    data = {**risky, "phq9_9": "0", "log-outcome": "done", "log-occurred_on": entry.occurred_on.isoformat()}
    data["log-version"] = "1"
    assert browser.post(edit_url(entry), data).status_code == 302
    entry.refresh_from_db()
    assert (entry.risk_flag, entry.score, entry.answers["phq9_9"]) == (True, 8, "0")


# --- Comments ----------------------------------------------------------------------------------


def test_comments_posted_appear_in_the_thread_with_author_names(browser, entry, therapist_a):
    page = reverse("homework:client_entry", args=[entry.code])
    response = browser.post(page, {"body": "It got easier the second time"})
    assert response.status_code == 302
    assert response["Location"] == page
    recording.comment_add(entry=entry, author=therapist_a, body="Well noticed, let's talk about it")
    html = browser.get(page).content.decode()
    assert "It got easier the second time" in html
    assert "Well noticed, let&#x27;s talk about it" in html
    assert therapist_a.name in html
    assert [c.body for c in Comment.objects.filter(entry=entry)] == [
        "It got easier the second time",
        "Well noticed, let's talk about it",
    ]


def test_an_empty_comment_is_refused(browser, entry):
    response = browser.post(reverse("homework:client_entry", args=[entry.code]), {"body": "   "})
    assert response.status_code == 200
    assert "Write something first." in response.content.decode()
    assert not Comment.objects.exists()


def test_a_client_can_still_comment_after_review(browser, entry):
    Entry.objects.filter(pk=entry.pk).update(reviewed_at=timezone.now())
    response = browser.post(reverse("homework:client_entry", args=[entry.code]), {"body": "One more thought"})
    assert response.status_code == 302
    assert Comment.objects.get().body == "One more thought"


def test_comment_add_accepts_only_the_client_and_their_therapist(entry, colleague_a, therapist_b):
    for outsider in (colleague_a, therapist_b):
        with pytest.raises(PermissionDenied):
            recording.comment_add(entry=entry, author=outsider, body="hello")
    with pytest.raises(ValidationError):
        recording.comment_add(entry=entry, author=entry.assignment.client.user, body=" ")
    assert not Comment.objects.exists()
