"""The risk path end to end, through the real pages: a client answers PHQ-9 item 9 above "not at
all", sees the crisis resources on the very next page; the therapist's home lists that client
first, their email says nothing of what was answered; marking the flag seen (with a note) takes
it off the queue and writes an audit row. Then the risk-seen form's own rules."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from conftest import SENTINEL, make_assignment, make_client, make_entry

pytestmark = pytest.mark.django_db

ITEM_9 = "Thoughts that you would be better off dead"
NOTE = "Called her at 16:00; safety plan reviewed together"


def signed_in(user):
    browser = Browser()
    browser.force_login(user, backend="practices.backends.RoleAwareBackend")
    return browser


def phq9_post(assignment, item_9="1"):
    """The PHQ-9 page as the client's browser posts it: items 1-8 "several days", item 9 as given,
    and a first comment carrying SENTINEL (it must never reach an email)."""
    answers = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": item_9, "phq9_difficulty": "somewhat"}
    return {
        **answers,
        "log-outcome": "done",
        "log-occurred_on": assignment.client.today().isoformat(),
        "log-comment": f"Comment {SENTINEL}",
    }


def home_queue(browser):
    """The client names of the home's queue, in order."""
    html = browser.get(reverse("insights:home")).content.decode()
    queue = html.split('id="h-queue"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r"<strong>([^<]+)</strong>", queue)


def test_the_risk_path_from_the_answer_to_marking_it_seen(
    client_a, therapist_a, practice_a, django_capture_on_commit_callbacks
):
    from audit.models import AuditAction, AuditEvent
    from homework.models import Entry

    # Someone else waits longer in the queue for a lesser reason, and sorts first by name.
    other = make_client(practice_a, therapist_a, "aaron@example.com", "Aaron Early")
    waiting = make_entry(make_assignment(other), wants_to_discuss=True)
    Entry.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(days=3))
    phq9 = make_assignment(client_a, key="phq-9", title="PHQ-9 mood questionnaire", frequency="once")
    therapist = signed_in(therapist_a)
    assert home_queue(therapist)[0] == "Aaron Early"

    # --- The client answers item 9 with "several days", through the real page. ---
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(client_a.user).post(
            reverse("homework:entry_new", args=[phq9.code]), phq9_post(phq9), follow=True
        )
    entry = Entry.objects.get(assignment=phq9)
    assert entry.risk_flag and entry.score == 9

    # The very next page is the crisis resources themselves, with the saved message on top.
    assert response.redirect_chain == [(reverse("crisis"), 302)]
    page = response.content.decode()
    for resource in ("Get help now", 'href="tel:112"', 'href="tel:988"', "116 123", "Saved. Thank you"):
        assert resource in page, f"the page after a risk answer lacks {resource!r}"

    # --- The therapist's home lists that client first. ---
    assert home_queue(therapist)[:2] == [client_a.name, "Aaron Early"]

    # --- The email says someone needs attention, and nothing of what was answered. ---
    (email,) = [m for m in mail.outbox if therapist_a.email in m.to]
    raw = email.message().as_string()
    for secret in (SENTINEL, ITEM_9, "PHQ", phq9.title, entry.severity, "score", "Score", client_a.name):
        assert secret not in raw, f"the therapist's email carries {secret!r}"
    assert not re.search(rf"\b{entry.score}\b", email.body), "the email body carries the score"

    # --- The entry page offers the form; marking it seen takes it off the queue. ---
    entry_url = reverse("homework:entry_detail", args=[entry.code])
    seen_url = reverse("homework:risk_seen", args=[entry.code])
    assert f'action="{seen_url}"' in therapist.get(entry_url).content.decode()
    before = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_code=entry.code).count()
    response = therapist.post(seen_url, {"risk_note": NOTE}, follow=True)
    assert response.redirect_chain == [(entry_url, 302)]
    html = response.content.decode()
    assert "Marked as seen by you" in html and NOTE in html
    assert f'action="{seen_url}"' not in html, "the form is gone once the flag is seen"

    entry.refresh_from_db()
    assert (entry.risk_flag, entry.risk_seen_by, entry.risk_note) == (True, therapist_a, NOTE)
    audit = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_code=entry.code)
    assert audit.count() == before + 1
    row = audit.first()
    assert (row.actor, row.client_code, row.object_type) == (therapist_a, client_a.code, "Entry")
    assert client_a.name not in home_queue(therapist)[:1]
    assert home_queue(therapist)[0] == "Aaron Early"


def test_a_calm_answer_goes_home_as_before(client_a):
    phq9 = make_assignment(client_a, key="phq-9", frequency="once")
    response = signed_in(client_a.user).post(reverse("homework:entry_new", args=[phq9.code]), phq9_post(phq9, "0"))
    assert response["Location"] == reverse("homework:client_home")


def test_an_edit_that_raises_the_flag_shows_the_crisis_resources_too(client_a):
    from homework.models import Entry

    phq9 = make_assignment(client_a, key="phq-9", frequency="once")
    client = signed_in(client_a.user)
    client.post(reverse("homework:entry_new", args=[phq9.code]), phq9_post(phq9, "0"))
    entry = Entry.objects.get(assignment=phq9)
    data = {**phq9_post(phq9, "2"), "log-version": str(entry.version)}
    del data["log-comment"]
    response = client.post(reverse("homework:entry_edit", args=[entry.code]), data)
    assert response["Location"] == reverse("crisis")
    # Already flagged: a second edit goes back to the entry, as any edit does.
    entry.refresh_from_db()
    data["log-version"] = str(entry.version)
    response = client.post(reverse("homework:entry_edit", args=[entry.code]), data)
    assert response["Location"] == reverse("homework:client_entry", args=[entry.code])


# --- The risk-seen form ------------------------------------------------------------------------------------


@pytest.fixture
def risky(assignment_a):
    return make_entry(assignment_a, risk_flag=True)


def test_only_the_treating_therapist_may_mark_it(risky, colleague_a, therapist_b, client_a):
    from homework.models import Entry

    url = reverse("homework:risk_seen", args=[risky.code])
    for user in (colleague_a, therapist_b, client_a.user):
        assert signed_in(user).post(url, {"risk_note": "x"}).status_code == 404
    assert Entry.objects.get(pk=risky.pk).risk_seen_at is None


def test_a_get_is_refused_for_its_method(risky, therapist_a):
    assert signed_in(therapist_a).get(reverse("homework:risk_seen", args=[risky.code])).status_code == 405


def test_a_refused_note_is_shown_back_as_typed(risky, therapist_a):
    long_note = "Called. " + "x" * 2100
    response = signed_in(therapist_a).post(reverse("homework:risk_seen", args=[risky.code]), {"risk_note": long_note})
    assert response.status_code == 400
    html = response.content.decode()
    assert long_note in html and "Please check the fields marked below" in html
    risky.refresh_from_db()
    assert risky.risk_seen_at is None


def test_marking_twice_keeps_the_first_and_says_so(risky, therapist_a):
    from audit.models import AuditAction, AuditEvent

    browser = signed_in(therapist_a)
    url = reverse("homework:risk_seen", args=[risky.code])
    browser.post(url, {"risk_note": "First"})
    response = browser.post(url, {"risk_note": "Second"}, follow=True)
    assert "already marked as seen" in response.content.decode()
    risky.refresh_from_db()
    assert risky.risk_note == "First"
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_code=risky.code).count() == 1


def test_an_entry_without_a_flag_has_no_form(assignment_a, therapist_a):
    entry = make_entry(assignment_a)
    html = signed_in(therapist_a).get(reverse("homework:entry_detail", args=[entry.code])).content.decode()
    assert reverse("homework:risk_seen", args=[entry.code]) not in html
