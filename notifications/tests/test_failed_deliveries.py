"""The practice owner's failed deliveries: whose failures show, what of them, and the retry."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from conftest import SENTINEL
from lib.crypto import encrypt
from notifications.models import Message, MessageKind, MessageStatus
from notifications.retrying import message_retry, read_retry_token, retry_token

pytestmark = pytest.mark.django_db

PAGE = reverse("notifications:failed_deliveries")


def _failed(recipient, *, kind=MessageKind.NEW_ASSIGNMENT, context=None, error="SMTPRecipientsRefused", **fields):
    values = dict(
        idempotency_key=f"{kind}:test-{recipient.pk}-{Message.objects.count()}",
        recipient=recipient,
        kind=kind,
        context=context or {},
        status=MessageStatus.FAILED,
        attempts=8,
        last_error=error,
        next_attempt_at=timezone.now() + timedelta(hours=4),
        dispatched_at=timezone.now() - timedelta(hours=1),
        claimed_at=timezone.now() - timedelta(hours=1),
    )
    values.update(fields)
    return Message.objects.create(**values)


@pytest.fixture
def failures(assignment_a, colleague_a, client_b, therapist_b):
    """Failed emails to A's client and A's colleague, to B's client and B's owner, and one of A's
    that was sent (not a failure)."""
    return {
        "client_a": _failed(assignment_a.client.user, context={"assignment": assignment_a.code}),
        "colleague_a": _failed(colleague_a, kind=MessageKind.MORNING_BRIEF, error="SMTPServerDisconnected"),
        "client_b": _failed(client_b.user, kind=MessageKind.REMINDER),
        "therapist_b": _failed(therapist_b, kind=MessageKind.NEEDS_ATTENTION),
        "sent_a": _failed(assignment_a.client.user, kind=MessageKind.REMINDER, status=MessageStatus.SENT),
    }


def _rows(html):
    if 'class="list deliveries"' not in html:
        return []
    return re.findall(r"<li>(.*?)</li>", html.split('class="list deliveries"', 1)[1], re.S)


def _token(html, email):
    """The retry token of the row addressed to `email`, as the page carries it."""
    for row in _rows(html):
        if email in row:
            return re.search(r'name="message" value="([^"]+)"', row).group(1)
    raise AssertionError(f"no row for {email}")


def _state():
    return sorted(Message.objects.values_list("pk", "status", "attempts", "last_error", "next_attempt_at"))


# --- The list ---------------------------------------------------------------------------------------------


def test_the_owner_sees_the_failures_of_their_practices_people_only(failures, therapist_a, sign_in):
    html = sign_in(therapist_a).get(PAGE).content.decode()
    rows = _rows(html)
    assert len(rows) == 2
    assert any("dana@example.com" in row and "New homework" in row and "SMTPRecipientsRefused" in row for row in rows)
    assert any("carol@example.com" in row and "Notes ready before sessions" in row for row in rows)
    assert "eve@example.com" not in html and "bob@example.com" not in html
    assert ">8<" in rows[0]  # attempts


def test_another_owner_sees_only_theirs(failures, therapist_b, sign_in):
    html = sign_in(therapist_b).get(PAGE).content.decode()
    assert {"eve@example.com", "bob@example.com"} == {
        email for email in ("eve@example.com", "bob@example.com") if email in html
    }
    assert "dana@example.com" not in html and "carol@example.com" not in html
    assert len(_rows(html)) == 2


def test_the_page_shows_neither_body_nor_context(failures, assignment_a, therapist_a, sign_in):
    html = sign_in(therapist_a).get(PAGE).content.decode()
    assert assignment_a.code not in html, "the context (codes of what the email is about) stays on the server"
    assert SENTINEL not in html and assignment_a.title not in html
    assert "Sign in" not in html  # nothing of a rendered email either


def test_the_page_carries_no_integer_key(failures, therapist_a, sign_in):
    html = sign_in(therapist_a).get(PAGE).content.decode()
    tokens = re.findall(r'name="message" value="([^"]+)"', html)
    assert len(tokens) == 2
    for token in tokens:
        assert read_retry_token(token) in (failures["client_a"].pk, failures["colleague_a"].pk)
        assert not token.isdigit()
        with pytest.raises(signing.BadSignature):
            signing.loads(token)


def test_a_therapist_who_is_not_an_owner_gets_404(failures, colleague_a, sign_in):
    http = sign_in(colleague_a)
    before = _state()
    assert http.get(PAGE).status_code == 404
    assert http.post(PAGE, {"message": retry_token(failures["colleague_a"].pk)}).status_code == 404
    assert _state() == before


def test_clients_get_404(failures, client_a, sign_in):
    http = sign_in(client_a.user)
    assert http.get(PAGE).status_code == 404
    assert http.post(PAGE, {"message": retry_token(failures["client_a"].pk)}).status_code == 404


def test_the_team_page_links_to_it_for_the_owner(therapist_a, sign_in):
    assert PAGE in sign_in(therapist_a).get(reverse("practices:team")).content.decode()


def test_with_no_failures_the_page_says_so(therapist_a, sign_in):
    assert "No failed emails" in sign_in(therapist_a).get(PAGE).content.decode()


def test_the_list_is_paginated(client_a, therapist_a, sign_in):
    for _ in range(30):
        _failed(client_a.user)
    http = sign_in(therapist_a)
    assert len(_rows(http.get(PAGE).content.decode())) == 25
    assert len(_rows(http.get(PAGE + "?page=2").content.decode())) == 5


# --- Retry --------------------------------------------------------------------------------------------------


def test_retry_sends_it_once(failures, therapist_a, sign_in, django_capture_on_commit_callbacks):
    http = sign_in(therapist_a)
    token = _token(http.get(PAGE).content.decode(), "dana@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(PAGE, {"message": token})
    assert response.status_code == 302 and response["Location"] == PAGE
    (email,) = mail.outbox
    assert email.to == ["dana@example.com"]
    message = Message.objects.get(pk=failures["client_a"].pk)
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 1, "")
    # The same button again (a second tab, a double click): nothing more is sent.
    with django_capture_on_commit_callbacks(execute=True):
        assert http.post(PAGE, {"message": token}).status_code == 404
    assert len(mail.outbox) == 1
    assert not [row for row in _rows(http.get(PAGE).content.decode()) if "dana@example.com" in row]


def test_retry_puts_the_message_back_as_new(failures, therapist_a):
    before = timezone.now()
    message = message_retry(message=failures["colleague_a"], actor=therapist_a)
    assert message.status == MessageStatus.PENDING
    assert (message.attempts, message.last_error, message.dispatched_at, message.claim) == (0, "", None, "")
    assert before <= message.next_attempt_at <= timezone.now()
    others = Message.objects.exclude(pk=message.pk).values_list("status", flat=True)
    assert sorted(others) == sorted([MessageStatus.FAILED] * 3 + [MessageStatus.SENT])


def test_retry_of_another_practices_message_is_404_and_changes_nothing(failures, therapist_a, therapist_b, sign_in):
    before = _state()
    assert sign_in(therapist_a).post(PAGE, {"message": retry_token(failures["client_b"].pk)}).status_code == 404
    assert sign_in(therapist_b).post(PAGE, {"message": retry_token(failures["client_a"].pk)}).status_code == 404
    assert _state() == before
    assert not mail.outbox
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_type="Message").count() == 2


def test_retry_of_a_message_that_did_not_fail_is_404(failures, therapist_a, sign_in):
    before = _state()
    assert sign_in(therapist_a).post(PAGE, {"message": retry_token(failures["sent_a"].pk)}).status_code == 404
    assert _state() == before


@pytest.mark.parametrize(
    "bent",
    ["changed", "other-purpose", "plain-pk", "django-signed", "no-key-id", "garbage", "huge"],
)
def test_a_tampered_token_is_404_and_changes_nothing(bent, failures, therapist_a, sign_in):
    pk = failures["client_a"].pk
    good = retry_token(pk)
    token = {
        "changed": good[:-6] + ("AAAAAA" if not good.endswith("AAAAAA") else "BBBBBB"),
        "other-purpose": encrypt(str(pk), "between.notifications.other"),
        "plain-pk": str(pk),
        "django-signed": signing.dumps(pk, salt="between.notifications.retry"),
        "no-key-id": good.partition(":")[2],
        "garbage": "k1:%%%not base64%%%",
        "huge": "k1:" + "A" * 5000,
    }[bent]
    before = _state()
    assert sign_in(therapist_a).post(PAGE, {"message": token}).status_code == 404
    assert _state() == before


def test_an_empty_post_is_refused_with_the_list_shown_again(failures, therapist_a, sign_in):
    before = _state()
    response = sign_in(therapist_a).post(PAGE, {})
    assert response.status_code == 400
    assert "Choose an email to retry" in response.content.decode()
    assert len(_rows(response.content.decode())) == 2
    assert _state() == before


def test_message_retry_refuses_someone_who_does_not_own_the_recipients_practice(failures, colleague_a, therapist_b):
    for actor in (colleague_a, therapist_b):
        with pytest.raises(PermissionDenied):
            message_retry(message=failures["client_a"], actor=actor)
    assert Message.objects.get(pk=failures["client_a"].pk).status == MessageStatus.FAILED


def test_message_retry_refuses_a_message_that_is_no_longer_failed(failures, therapist_a):
    with pytest.raises(ValidationError) as refused:
        message_retry(message=failures["sent_a"], actor=therapist_a)
    assert "no longer waiting for a retry" in refused.value.messages[0]
    assert Message.objects.get(pk=failures["sent_a"].pk).status == MessageStatus.SENT
