"""Logging a practice: the one-page form, its rules, and entry_record underneath."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from conftest import make_assignment
from homework import recording
from homework.models import Comment, Entry, SkipReason


def typed_answers(**overrides):
    """A complete, valid thought record as the browser posts it."""
    answers = {
        "situation": "Meeting at work, my manager frowned",
        "automatic_thought": "She thinks I am useless",
        "emotion": "anxious",
        "emotion_intensity": "80",
        "evidence_for": "She frowned",
        "evidence_against": "She praised my report last week\nShe frowns when she reads",
        "balanced_thought": "She may have been concentrating",
        "emotion_rerated": "40",
    }
    answers.update(overrides)
    return answers


def meta(assignment, **overrides):
    data = {
        "log-outcome": "done",
        "log-occurred_on": assignment.client.today().isoformat(),
        "log-helpfulness": "3",
        "log-difficulty": "about_right",
    }
    data.update({f"log-{key}": value for key, value in overrides.items()})
    return {key: value for key, value in data.items() if value is not None}


def log_url(assignment):
    return reverse("homework:entry_new", args=[assignment.code])


@pytest.fixture
def browser(sign_in, client_a):
    return sign_in(client_a.user)


def test_the_log_page_shows_the_exercise_and_every_skip_reason(browser, assignment_a):
    html = browser.get(log_url(assignment_a)).content.decode()
    assert "What was the situation?" in html
    assert 'name="situation"' in html
    for reason in SkipReason:
        assert f'value="{reason.value}"' in html
    assert "Only if you skipped it" in html
    # The exercise fields carry no HTML `required`, or a browser would block "skipped".
    situation = re.search(r'<textarea name="situation"[^>]*>', html).group(0)
    assert "required" not in situation


def test_it_logs_a_done_practice_with_answers_and_ratings(browser, assignment_a):
    response = browser.post(log_url(assignment_a), {**typed_answers(), **meta(assignment_a, wants_to_discuss="on")})
    assert response.status_code == 302
    assert response["Location"] == reverse("homework:client_home")
    entry = Entry.objects.get()
    assert entry.outcome == "done"
    assert entry.answers["situation"] == "Meeting at work, my manager frowned"
    assert entry.answers["emotion_intensity"] == 80
    assert entry.answers["evidence_against"] == ["She praised my report last week", "She frowns when she reads"]
    assert (entry.helpfulness, entry.difficulty, entry.wants_to_discuss) == (3, "about_right", True)
    assert entry.occurred_on == assignment_a.client.today()
    assert "Saved. Thank you for doing this." in browser.get(response["Location"]).content.decode()


def test_it_logs_a_partly_done_practice(browser, assignment_a):
    response = browser.post(log_url(assignment_a), {**typed_answers(), **meta(assignment_a, outcome="partly")})
    assert response.status_code == 302
    assert Entry.objects.get().outcome == "partly"


def test_it_logs_a_skipped_practice_with_only_a_reason(browser, assignment_a):
    data = meta(assignment_a, outcome="skipped", skip_reason="no_time", helpfulness=None, difficulty=None)
    response = browser.post(log_url(assignment_a), data)
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert (entry.outcome, entry.skip_reason, entry.answers, entry.helpfulness) == ("skipped", "no_time", {}, None)


def test_a_skipped_practice_keeps_what_the_client_did_type(browser, assignment_a):
    data = {"situation": "Started, then the phone rang", **meta(assignment_a, outcome="skipped", skip_reason="no_time")}
    assert browser.post(log_url(assignment_a), data).status_code == 302
    assert Entry.objects.get().answers == {"situation": "Started, then the phone rang"}


def test_it_ignores_skip_fields_when_the_practice_was_done(browser, assignment_a):
    data = {**typed_answers(), **meta(assignment_a, skip_reason="forgot", skip_note="stray")}
    assert browser.post(log_url(assignment_a), data).status_code == 302
    entry = Entry.objects.get()
    assert (entry.skip_reason, entry.skip_note) == ("", "")


def test_it_rejects_a_skip_without_a_reason(browser, assignment_a):
    response = browser.post(log_url(assignment_a), meta(assignment_a, outcome="skipped"))
    assert response.status_code == 200
    assert "Choose what got in the way" in response.content.decode()
    assert not Entry.objects.exists()


def test_it_requires_a_few_words_when_the_reason_is_something_else(browser, assignment_a):
    blank = meta(assignment_a, outcome="skipped", skip_reason="other", skip_note="  ")
    response = browser.post(log_url(assignment_a), blank)
    assert "Tell your therapist in a few words" in response.content.decode()
    assert not Entry.objects.exists()
    data = meta(assignment_a, outcome="skipped", skip_reason="other", skip_note="My child was ill")
    assert browser.post(log_url(assignment_a), data).status_code == 302
    assert Entry.objects.get().skip_note == "My child was ill"


def test_it_requires_the_exercise_answers_when_done(browser, assignment_a):
    response = browser.post(log_url(assignment_a), meta(assignment_a))
    assert response.status_code == 200
    assert "This question needs an answer." in response.content.decode()
    assert not Entry.objects.exists()


def test_it_requires_an_outcome(browser, assignment_a):
    response = browser.post(log_url(assignment_a), {**typed_answers(), **meta(assignment_a, outcome=None)})
    assert recording.CHOOSE_OUTCOME in response.content.decode()
    assert not Entry.objects.exists()


def test_invalid_answers_keep_everything_typed_on_the_page(browser, assignment_a):
    data = {
        **typed_answers(emotion_intensity="150", situation="Bus stop & <the> rain"),
        **meta(assignment_a, helpfulness="4", difficulty="hard", comment="Please read this one", wants_to_discuss="on"),
    }
    response = browser.post(log_url(assignment_a), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a whole number between 0 and 100." in html
    assert "Bus stop &amp; &lt;the&gt; rain" in html
    assert "She thinks I am useless" in html
    assert 'value="150"' in html
    assert "She praised my report last week\nShe frowns when she reads" in html
    assert "Please read this one" in html
    assert 'value="4" id="id_log-helpfulness_4" checked' in html
    assert 'value="hard" id="id_log-difficulty_3" checked' in html
    assert 'name="log-wants_to_discuss" id="id_log-wants_to_discuss" checked' in html
    assert not Entry.objects.exists()


def test_invalid_meta_keeps_the_exercise_answers(browser, assignment_a):
    future = (assignment_a.client.today() + timedelta(days=1)).isoformat()
    response = browser.post(log_url(assignment_a), {**typed_answers(), **meta(assignment_a, occurred_on=future)})
    html = response.content.decode()
    assert "This date is in the future." in html
    assert "Meeting at work, my manager frowned" in html
    assert not Entry.objects.exists()


def test_it_rejects_a_date_before_the_assignment_started(browser, assignment_a):
    early = (assignment_a.starts_on - timedelta(days=1)).isoformat()
    response = browser.post(log_url(assignment_a), {**typed_answers(), **meta(assignment_a, occurred_on=early)})
    assert "choose that day or later" in response.content.decode()
    assert not Entry.objects.exists()


def test_it_accepts_a_catch_up_entry_for_an_earlier_day(browser, assignment_a):
    yesterday = assignment_a.client.today() - timedelta(days=1)
    data = {**typed_answers(), **meta(assignment_a, occurred_on=yesterday.isoformat())}
    assert browser.post(log_url(assignment_a), data).status_code == 302
    assert Entry.objects.get().occurred_on == yesterday


@time_machine.travel("2025-03-10 23:30 +0000", tick=False)
def test_the_date_defaults_to_today_in_the_clients_time_zone(sign_in, client_a):
    # 23:30 in London is already 00:30 on the 11th in Berlin, where client_a lives.
    assignment = make_assignment(client_a)
    html = sign_in(client_a.user).get(log_url(assignment)).content.decode()
    assert 'value="2025-03-11"' in html
    assert 'max="2025-03-11"' in html


def test_a_phq9_answer_above_zero_on_item_9_raises_the_risk_flag(browser, client_a):
    assignment = make_assignment(client_a, key="phq-9", title="Mood check")
    answers = {f"phq9_{n}": "1" for n in range(1, 10)}
    response = browser.post(log_url(assignment), {**answers, **meta(assignment)})
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert entry.risk_flag is True
    assert entry.score == 9
    assert entry.severity
    page = browser.get(reverse("homework:client_entry", args=[entry.code])).content.decode()
    assert reverse("crisis") in page


def test_a_phq9_with_item_9_at_zero_raises_no_flag(browser, client_a):
    assignment = make_assignment(client_a, key="phq-9", title="Mood check")
    answers = {f"phq9_{n}": "2" for n in range(1, 9)} | {"phq9_9": "0"}
    assert browser.post(log_url(assignment), {**answers, **meta(assignment)}).status_code == 302
    entry = Entry.objects.get()
    assert (entry.risk_flag, entry.score) == (False, 16)


def test_a_skipped_phq9_still_flags_an_answered_item_9(browser, client_a):
    assignment = make_assignment(client_a, key="phq-9", title="Mood check")
    data = {"phq9_9": "2", **meta(assignment, outcome="skipped", skip_reason="too_uncomfortable")}
    assert browser.post(log_url(assignment), data).status_code == 302
    entry = Entry.objects.get()
    assert (entry.risk_flag, entry.score) == (True, None)


def test_it_saves_the_first_comment_to_the_therapist(browser, client_a, assignment_a):
    data = {**typed_answers(), **meta(assignment_a, comment="  This one was hard  ")}
    assert browser.post(log_url(assignment_a), data).status_code == 302
    comment = Comment.objects.get()
    assert (comment.body, comment.author, comment.entry) == ("This one was hard", client_a.user, Entry.objects.get())


def test_it_refuses_to_log_a_stopped_assignment(browser, assignment_a):
    assignment_a.status = "stopped"
    assignment_a.save(update_fields=["status"])
    assert browser.get(log_url(assignment_a)).status_code == 409
    response = browser.post(log_url(assignment_a), {**typed_answers(), **meta(assignment_a)})
    assert response.status_code == 409
    assert "stopped this exercise" in response.content.decode()
    assert not Entry.objects.exists()


def test_it_refuses_to_log_before_the_assignment_starts(browser, client_a):
    today = client_a.today()
    later = make_assignment(client_a, starts_on=today + timedelta(days=2), due_on=today + timedelta(days=9))
    response = browser.get(log_url(later))
    assert response.status_code == 409
    assert "You can log it from that day" in response.content.decode()


def test_logging_writes_an_audit_event(browser, client_a, assignment_a):
    browser.post(log_url(assignment_a), {**typed_answers(), **meta(assignment_a)})
    entry = Entry.objects.get()
    assert AuditEvent.objects.filter(
        actor=client_a.user, action="create", object_type="Entry", object_code=entry.code, client_code=client_a.code
    ).exists()


# --- entry_record, called directly (the API calls it too) -------------------------------------


def record_kwargs(assignment, **overrides):
    kwargs = dict(
        assignment=assignment,
        client_user=assignment.client.user,
        outcome="done",
        occurred_on=assignment.client.today(),
        answers={"situation": "s", "automatic_thought": "t", "emotion": "sad", "emotion_intensity": 50},
        comment="A note",
    )
    kwargs.update(overrides)
    return kwargs


def test_a_failure_in_the_middle_of_entry_record_leaves_no_entry(assignment_a, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Comment.objects, "create", boom)
    with pytest.raises(RuntimeError):
        recording.entry_record(**record_kwargs(assignment_a))
    assert not Entry.objects.exists()
    assert not AuditEvent.objects.filter(action="create").exists()


def test_entry_record_refuses_someone_elses_assignment(assignment_a, client_b):
    with pytest.raises(PermissionDenied):
        recording.entry_record(**record_kwargs(assignment_a, client_user=client_b.user))
    assert not Entry.objects.exists()


def test_entry_record_checks_the_rules_the_form_checks(assignment_a):
    today = assignment_a.client.today()
    cases = [
        ({"outcome": "skipped"}, "skip_reason"),
        ({"outcome": "skipped", "skip_reason": "other"}, "skip_note"),
        ({"occurred_on": today + timedelta(days=1)}, "occurred_on"),
        ({"occurred_on": assignment_a.starts_on - timedelta(days=1)}, "occurred_on"),
        ({"helpfulness": 5}, "helpfulness"),
        ({"difficulty": "impossible"}, "difficulty"),
        ({"outcome": "finished"}, "outcome"),
    ]
    for overrides, field in cases:
        with pytest.raises(ValidationError) as caught:
            recording.entry_record(**record_kwargs(assignment_a, **overrides))
        assert field in caught.value.message_dict, overrides
    assert not Entry.objects.exists()


def test_entry_record_validates_answers_unless_skipped(assignment_a):
    with pytest.raises(ValidationError) as caught:
        recording.entry_record(**record_kwargs(assignment_a, answers={"situation": "only this"}))
    assert caught.value.message_dict["automatic_thought"] == ["This question needs an answer."]
    entry = recording.entry_record(
        **record_kwargs(assignment_a, outcome="skipped", skip_reason="forgot", answers={"situation": "only this"})
    )
    assert entry.answers == {"situation": "only this"}
