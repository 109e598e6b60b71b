"""Drafts of the log form and submission keys (homework/README.md, "Drafts, submission keys and
offline"): kept as the client types, encrypted, only ever the client's own, brought back into the
form, gone once the entry is saved; and a form sent twice saves one entry."""

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import BACKEND, PASSWORD, SENTINEL, make_assignment, make_entry
from homework import drafts, recording
from homework.draft_views import ALREADY_SAVED, SENT_TO_THERAPIST, saved_message
from homework.models import Draft, Entry

TYPED = f"Half a thought {SENTINEL}"


def typed_answers():
    """A complete thought record as the browser posts it."""
    return {
        "situation": "Meeting at work, my manager frowned",
        "automatic_thought": "She thinks I am useless",
        "emotion": "anxious",
        "emotion_intensity": "80",
        "evidence_for": "She frowned",
        "evidence_against": "She praised my report last week",
        "balanced_thought": "She may have been concentrating",
        "emotion_rerated": "40",
    }


def meta(assignment, **overrides):
    data = {
        "log-outcome": "done",
        "log-occurred_on": assignment.client.today().isoformat(),
        "log-helpfulness": "3",
        "log-difficulty": "about_right",
        **{f"log-{key}": value for key, value in overrides.items()},
    }
    return {key: value for key, value in data.items() if value is not None}


def draft_url(assignment):
    return reverse("homework:draft", args=[assignment.code])


def entry_draft_url(entry):
    return reverse("homework:entry_draft", args=[entry.code])


def log_url(assignment):
    return reverse("homework:entry_new", args=[assignment.code])


@pytest.fixture
def http(sign_in, client_a):
    return sign_in(client_a.user)


def _key_on(html):
    return re.search(r'<input type="hidden" name="submission_key" value="([0-9a-f-]{36})">', html).group(1)


# --- Keeping a draft --------------------------------------------------------------------------------------


def test_a_draft_is_kept_and_answers_when(http, client_a, assignment_a):
    response = http.post(draft_url(assignment_a), {"situation": TYPED, "log-outcome": "done"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    saved_at = response.json()["saved_at"]
    draft = Draft.objects.get()
    assert (draft.client, draft.assignment, draft.entry) == (client_a, assignment_a, None)
    assert draft.data == {"situation": [TYPED], "log-outcome": ["done"]}
    assert saved_at == draft.updated_at.isoformat()
    assert "no-store" in response["Cache-Control"]


def test_a_newer_draft_replaces_the_last_one(http, assignment_a):
    http.post(draft_url(assignment_a), {"situation": "First words"})
    http.post(draft_url(assignment_a), {"situation": "First words and more"})
    assert [d.data["situation"] for d in Draft.objects.all()] == [["First words and more"]]


def test_a_draft_can_be_sent_as_json(http, assignment_a):
    body = {"fields": {"situation": TYPED, "evidence_for": ["One", "Two"]}}
    response = http.post(draft_url(assignment_a), json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    assert Draft.objects.get().data == {"situation": [TYPED], "evidence_for": ["One", "Two"]}


def test_a_draft_keeps_the_forms_fields_only(http, assignment_a):
    http.post(draft_url(assignment_a), {"situation": TYPED, "client": "2", "is_staff": "1", "submission_key": "x"})
    assert Draft.objects.get().data == {"situation": [TYPED]}


def test_a_get_is_refused(http, assignment_a):
    assert http.get(draft_url(assignment_a)).status_code == 405


def test_the_json_endpoint_needs_the_csrf_token(client_a, assignment_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_a.user, backend=BACKEND)
    refused = browser.post(draft_url(assignment_a), {"situation": TYPED})
    assert refused.status_code == 403
    page = browser.get(log_url(assignment_a)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert browser.post(draft_url(assignment_a), {"situation": TYPED, "csrfmiddlewaretoken": token}).status_code == 200
    body = json.dumps({"fields": {"situation": TYPED}})
    sent = browser.post(draft_url(assignment_a), body, content_type="application/json", headers={"X-CSRFToken": token})
    assert sent.status_code == 200
    assert "csrfmiddlewaretoken" not in Draft.objects.get().data


def test_a_draft_over_64_kb_is_refused_with_a_clear_message(http, assignment_a):
    response = http.post(draft_url(assignment_a), {"situation": "x" * (drafts.DRAFT_MAX_BYTES + 1)})
    assert response.status_code == 422
    assert response.json() == {"detail": drafts.DRAFT_TOO_LARGE, "errors": {"draft": [drafts.DRAFT_TOO_LARGE]}}
    assert "64 KB" in drafts.DRAFT_TOO_LARGE
    assert not Draft.objects.exists()
    assert http.post(draft_url(assignment_a), {"situation": "x" * 60_000}).status_code == 200


def test_text_that_cannot_be_stored_is_refused(http, assignment_a):
    response = http.post(draft_url(assignment_a), {"situation": "a\x00b"})
    assert response.status_code == 422
    assert not Draft.objects.exists()


def test_a_malformed_json_body_is_refused(http, assignment_a):
    for body in ("not json", "[1, 2]", '{"fields": [1]}', '{"fields": {"situation": [1]}}'):
        response = http.post(draft_url(assignment_a), body, content_type="application/json")
        assert response.status_code == 422, body
        assert response.json()["errors"] == {"draft": [drafts.NOT_FORM_FIELDS]}
    assert not Draft.objects.exists()


def test_no_draft_for_a_stopped_exercise(http, assignment_a):
    type(assignment_a).objects.filter(pk=assignment_a.pk).update(status="stopped")
    assert http.post(draft_url(assignment_a), {"situation": TYPED}).status_code == 422
    assert not Draft.objects.exists()


def test_drafts_are_encrypted_at_rest(http, assignment_a):
    http.post(draft_url(assignment_a), {"situation": TYPED})
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM homework_draft")
        (raw,) = cursor.fetchone()
    assert SENTINEL not in raw and "Half a thought" not in raw
    assert re.fullmatch(r"k\d+:[A-Za-z0-9_=-]+", raw), raw[:40]


def test_saving_a_draft_records_no_read_and_no_change(http, assignment_a):
    from audit.models import AuditEvent

    before = AuditEvent.objects.count()
    for n in range(3):
        http.post(draft_url(assignment_a), {"situation": f"{TYPED} {n}"})
    assert AuditEvent.objects.count() == before


# --- Only the client's own -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["client_b", "therapist_a", "colleague_a"])
def test_no_one_else_reads_or_writes_a_clients_draft(who, request, sign_in, client_a, assignment_a, entry_a):
    Draft.objects.create(client=client_a, assignment=assignment_a, data={"situation": [TYPED]})
    Draft.objects.create(client=client_a, assignment=assignment_a, entry=entry_a, data={"situation": [TYPED]})
    before = sorted(Draft.objects.values_list("pk", "updated_at"))
    person = request.getfixturevalue(who)
    other = sign_in(getattr(person, "user", person))
    for url in (draft_url(assignment_a), entry_draft_url(entry_a)):
        for response in (other.get(url), other.post(url, {"situation": "Overwritten"})):
            assert response.status_code == 404
            assert SENTINEL not in response.content.decode()
    assert sorted(Draft.objects.values_list("pk", "updated_at")) == before
    # Nor does another client's own log form show A's draft: they cannot open A's form at all.
    assert other.get(log_url(assignment_a)).status_code == 404


def test_a_client_draft_of_their_own_never_shows_on_anothers_form(sign_in, client_a, client_b, assignment_a):
    theirs = make_assignment(client_b, title="B's homework")
    Draft.objects.create(client=client_a, assignment=assignment_a, data={"situation": [TYPED]})
    page = sign_in(client_b.user).get(log_url(theirs)).content.decode()
    assert "Half a thought" not in page


def test_anonymous_draft_posts_go_to_sign_in(client, assignment_a):
    response = client.post(draft_url(assignment_a), {"situation": TYPED})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not Draft.objects.exists()


def test_a_draft_posted_as_the_session_ran_out_is_not_kept_for_after_sign_in(client_a, assignment_a, time_machine):
    """The page's Save is what between/sign_in.py keeps; a background draft must not take its
    place (nor send the person to a JSON answer after signing in)."""
    from between.sign_in import PENDING_POST

    time_machine.move_to(timezone.now(), tick=False)
    browser = Client()
    browser.force_login(client_a.user, backend=BACKEND)
    browser.get(log_url(assignment_a))
    time_machine.shift(timedelta(minutes=31))
    response = browser.post(draft_url(assignment_a), {"situation": TYPED})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert response["Clear-Site-Data"] == '"cache"', "the phone's storage (its kept drafts) must stay"
    assert PENDING_POST not in browser.session
    assert not Draft.objects.exists()


# --- Back in the form -------------------------------------------------------------------------------------


def test_the_log_form_comes_back_filled_from_the_draft(http, assignment_a):
    http.post(draft_url(assignment_a), {"situation": TYPED, "log-outcome": "partly", "log-wants_to_discuss": "on"})
    html = http.get(log_url(assignment_a)).content.decode()
    assert re.search(r'<textarea name="situation"[^>]*>\s*' + re.escape(TYPED) + r"</textarea>", html)
    assert re.search(r'<input type="radio" name="log-outcome" value="partly"[^>]*checked', html)
    assert re.search(r'<input type="checkbox" name="log-wants_to_discuss"[^>]*checked', html)
    draft = Draft.objects.get()
    assert f'data-draft-saved-at="{draft.updated_at.isoformat()}"' in html


def test_the_log_form_carries_what_drafts_js_needs(http, assignment_a):
    html = http.get(log_url(assignment_a)).content.decode()
    assert f'data-draft-url="{draft_url(assignment_a)}"' in html
    assert 'data-draft-saved-at=""' in html
    assert "data-draft-posted" not in html
    uuid.UUID(_key_on(html))
    assert re.search(r'<p class="help draft-status" data-draft-status aria-live="polite"></p>', html)
    assert _key_on(http.get(log_url(assignment_a)).content.decode()) != _key_on(html), "one key per render"


def test_a_form_shown_again_with_errors_keeps_its_key(http, assignment_a):
    key = str(uuid.uuid4())
    response = http.post(
        log_url(assignment_a), {**typed_answers(), **meta(assignment_a, outcome=""), "submission_key": key}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert _key_on(html) == key
    assert "data-draft-posted" in html


def test_the_draft_is_gone_once_the_entry_is_saved(http, assignment_a):
    http.post(draft_url(assignment_a), {"situation": TYPED})
    key = str(uuid.uuid4())
    response = http.post(log_url(assignment_a), {**typed_answers(), **meta(assignment_a), "submission_key": key})
    assert response.status_code == 302
    assert not Draft.objects.exists()
    assert Entry.objects.get().submission_key == uuid.UUID(key)
    html = http.get(log_url(assignment_a)).content.decode()
    assert "Half a thought" not in html


def test_a_late_draft_of_a_form_already_sent_is_not_kept(http, assignment_a):
    key = str(uuid.uuid4())
    http.post(log_url(assignment_a), {**typed_answers(), **meta(assignment_a), "submission_key": key})
    response = http.post(draft_url(assignment_a), {"situation": TYPED, "submission_key": key})
    assert response.status_code == 200
    assert response.json() == {"saved_at": None, "sent": True}
    assert not Draft.objects.exists()


def test_saving_says_the_entry_went_to_the_therapist(http, assignment_a):
    response = http.post(log_url(assignment_a), {**typed_answers(), **meta(assignment_a)})
    page = http.get(response["Location"]).content.decode()
    assert "Saved. Thank you for doing this. Sent to your therapist." in page


def test_a_private_entry_is_not_said_to_be_sent():
    class Kept:
        is_private = True

    class Shared:
        is_private = False

    assert saved_message(Kept(), "Saved.") == "Saved."
    assert saved_message(Shared(), "Saved.") == f"Saved. {SENT_TO_THERAPIST}"


# --- Drafts of an edit ------------------------------------------------------------------------------------


def test_an_edit_has_its_own_draft_restored_and_cleared_on_save(http, client_a, assignment_a):
    entry = make_entry(assignment_a, answers={"situation": "As logged"})
    url = entry_draft_url(entry)
    assert http.post(url, {"situation": TYPED, "log-version": str(entry.version)}).status_code == 200
    assert Draft.objects.get().entry == entry
    assert TYPED not in http.get(log_url(assignment_a)).content.decode(), "a new entry's form has no draft"
    edit = reverse("homework:entry_edit", args=[entry.code])
    assert TYPED in http.get(edit).content.decode()
    body = {**typed_answers(), **meta(assignment_a), "log-version": str(entry.version)}
    assert http.post(edit, body).status_code == 302
    assert not Draft.objects.exists()


def test_an_edit_draft_overtaken_by_a_save_is_refused_and_not_shown(http, client_a, assignment_a):
    entry = make_entry(assignment_a, answers={"situation": "As logged"})
    Draft.objects.create(
        client=client_a, assignment=assignment_a, entry=entry, data={"situation": [TYPED], "log-version": ["1"]}
    )
    Entry.objects.filter(pk=entry.pk).update(version=2)
    assert TYPED not in http.get(reverse("homework:entry_edit", args=[entry.code])).content.decode()
    response = http.post(entry_draft_url(entry), {"situation": "More", "log-version": "1"})
    assert response.status_code == 409
    assert response.json() == {"detail": drafts.DRAFT_STALE, "reason": "stale"}


def test_no_draft_of_a_reviewed_entry(http, assignment_a):
    entry = make_entry(assignment_a, reviewed_at=timezone.now())
    response = http.post(entry_draft_url(entry), {"situation": TYPED, "log-version": "1"})
    assert response.status_code == 409
    assert response.json()["reason"] == "locked"
    assert not Draft.objects.exists()


# --- The same form sent twice ------------------------------------------------------------------------------


def test_the_same_submission_key_twice_saves_one_entry(http, assignment_a):
    body = {**typed_answers(), **meta(assignment_a), "submission_key": str(uuid.uuid4())}
    first = http.post(log_url(assignment_a), body)
    assert first.status_code == 302 and first["Location"] == reverse("homework:client_home")
    entry = Entry.objects.get()
    second = http.post(log_url(assignment_a), body)
    assert second.status_code == 302
    assert second["Location"] == reverse("homework:client_entry", args=[entry.code])
    assert ALREADY_SAVED in http.get(second["Location"]).content.decode()
    assert Entry.objects.count() == 1


def test_a_repeat_still_finds_its_entry_after_the_exercise_stopped(http, assignment_a):
    body = {**typed_answers(), **meta(assignment_a), "submission_key": str(uuid.uuid4())}
    http.post(log_url(assignment_a), body)
    type(assignment_a).objects.filter(pk=assignment_a.pk).update(status="stopped")
    again = http.post(log_url(assignment_a), body)
    assert again["Location"] == reverse("homework:client_entry", args=[Entry.objects.get().code])


def test_different_keys_are_different_practices(http, assignment_a):
    for _ in range(2):
        body = {**typed_answers(), **meta(assignment_a), "submission_key": str(uuid.uuid4())}
        assert http.post(log_url(assignment_a), body).status_code == 302
    assert Entry.objects.count() == 2


def test_a_missing_or_odd_key_still_logs(http, assignment_a):
    for key in (None, "not-a-uuid"):
        body = {**typed_answers(), **meta(assignment_a)}
        if key:
            body["submission_key"] = key
        assert http.post(log_url(assignment_a), body).status_code == 302
    assert Entry.objects.count() == 2
    assert list(Entry.objects.values_list("submission_key", flat=True)) == [None, None]


def test_entry_record_returns_the_entry_a_key_already_saved(assignment_a):
    key = uuid.uuid4()
    values = dict(
        assignment=assignment_a,
        client_user=assignment_a.client.user,
        outcome="skipped",
        skip_reason="other",
        skip_note="Once",
        occurred_on=assignment_a.client.today(),
        answers={},
        submission_key=key,
    )
    first = recording.entry_record(**values)
    second = recording.entry_record(**{**values, "skip_note": "Twice"})
    assert first.pk == second.pk
    assert Entry.objects.count() == 1
    assert Entry.objects.get().skip_note == "Once"


def test_a_key_used_for_another_exercise_is_refused(assignment_a, client_a):
    other = make_assignment(client_a, title="Another")
    key = uuid.uuid4()
    common = dict(
        client_user=client_a.user,
        outcome="skipped",
        skip_reason="no_time",
        occurred_on=client_a.today(),
        answers={},
        submission_key=key,
    )
    recording.entry_record(assignment=assignment_a, **common)
    with pytest.raises(ValidationError, match="already sent for another exercise"):
        recording.entry_record(assignment=other, **common)
    assert Entry.objects.count() == 1


def test_the_form_sent_as_the_session_ran_out_is_saved_once(client_a, assignment_a, time_machine):
    """between/sign_in.py keeps it and sends it again after signing in; the phone may send it again
    too (drafts.js, once back online): the key makes that second one find the first."""
    time_machine.move_to(timezone.now(), tick=False)
    browser = Client()
    browser.force_login(client_a.user, backend=BACKEND)
    browser.get(log_url(assignment_a))
    time_machine.shift(timedelta(minutes=31))
    body = {**typed_answers(), **meta(assignment_a), "submission_key": str(uuid.uuid4())}
    kept = browser.post(log_url(assignment_a), body)
    assert kept["Location"].startswith(reverse("account_login"))
    signed_in = browser.post(kept["Location"], {"login": client_a.user.email, "password": PASSWORD})
    assert browser.get(signed_in["Location"]).status_code == 302
    assert Entry.objects.count() == 1
    again = browser.post(log_url(assignment_a), body)
    assert again["Location"] == reverse("homework:client_entry", args=[Entry.objects.get().code])
    assert Entry.objects.count() == 1


def test_a_repeat_of_a_risky_entry_shows_the_crisis_resources_again(http, assignment_a):
    Entry.objects.create(
        assignment=assignment_a, occurred_on=assignment_a.client.today(), outcome="done", risk_flag=True,
        submission_key=(key := uuid.uuid4()),
    )  # fmt: skip
    again = http.post(log_url(assignment_a), {**typed_answers(), **meta(assignment_a), "submission_key": str(key)})
    assert again["Location"] == reverse("crisis")
    assert Entry.objects.count() == 1
