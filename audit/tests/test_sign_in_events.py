"""Signing in and the account's credentials leave rows (docs/security.md T-LG-1): real flows
through Django's test client, each row checked field by field."""

import re
from datetime import UTC

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (pytest) AuditTest/1.0"
WRONG = "this is not the password"


@pytest.fixture
def browser(db):
    from django.core.cache import cache

    cache.clear()  # allauth's rate limits live in the cache
    return Client(HTTP_USER_AGENT=BROWSER)


def _only(action):
    rows = list(AuditEvent.objects.filter(action=action))
    assert len(rows) == 1, f"{action}: {len(rows)} rows"
    return rows[0]


def assert_complete(row, *, label, role, outcome="ok", actor=None):
    assert row.actor_id == (actor.pk if actor is not None else None)
    assert row.actor_label == label
    assert row.actor_role == role
    assert row.outcome == outcome
    assert row.ip == "127.0.0.1"
    assert row.user_agent == BROWSER
    assert re.fullmatch(r"[0-9a-f]{32}", row.request_id), row.request_id
    assert row.at.utcoffset().total_seconds() == 0 and row.at.tzinfo is not None
    assert row.at.astimezone(UTC) == row.at
    assert (row.object_type, row.object_code, row.client_code) == ("User", "", "")
    assert row.seq and len(row.row_hash) == 64 and len(row.prev_hash) == 64


def _sign_in(browser, email, password=PASSWORD):
    return browser.post(reverse("account_login"), {"login": email, "password": password})


def test_a_password_sign_in(browser, client_a):
    response = _sign_in(browser, client_a.user.email)
    assert response.status_code == 302
    assert_complete(
        _only(AuditAction.SIGN_IN), label="Dana Client <dana@example.com>", role="client", actor=client_a.user
    )


def test_a_wrong_password_records_the_address_typed_and_never_a_password(browser, client_a):
    response = _sign_in(browser, "  Dana@Example.COM ", WRONG)
    assert response.status_code == 200
    row = _only(AuditAction.SIGN_IN_FAILED)
    assert_complete(row, label="dana@example.com", role="anonymous", outcome="failed")
    values = [str(value) for row in AuditEvent.objects.values() for value in row.values()]
    assert not any(WRONG in value or PASSWORD in value for value in values)


def test_the_sixth_wrong_password_in_a_row_is_a_lockout(browser, client_a):
    for _ in range(6):
        _sign_in(browser, client_a.user.email, WRONG)
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).count() == 5
    row = _only(AuditAction.LOCKED_OUT)
    assert_complete(row, label="dana@example.com", role="anonymous", outcome="failed")
    # Locked out even with the right password now: refused before any password is checked.
    _sign_in(browser, client_a.user.email)
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT).count() == 2
    assert not AuditEvent.objects.filter(action=AuditAction.SIGN_IN).exists()


def test_signing_out(browser, client_a):
    _sign_in(browser, client_a.user.email)
    response = browser.post(reverse("account_logout"))
    assert response.status_code == 302
    assert_complete(
        _only(AuditAction.SIGN_OUT), label="Dana Client <dana@example.com>", role="client", actor=client_a.user
    )


def test_changing_the_password(browser, client_a):
    _sign_in(browser, client_a.user.email)
    new = "an even longer passphrase for Dana"
    response = browser.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_complete(
        _only(AuditAction.PASSWORD_CHANGED),
        label="Dana Client <dana@example.com>",
        role="client",
        actor=client_a.user,
    )


def test_adding_an_email_address(browser, client_a):
    _sign_in(browser, client_a.user.email)
    response = browser.post(reverse("account_email"), {"email": "dana.new@example.com", "action_add": ""})
    assert response["Location"].startswith(reverse("account_reauthenticate"))  # T-SE-6: the password again
    browser.post(response["Location"], {"password": PASSWORD}, follow=True)
    row = _only(AuditAction.EMAIL_CHANGED)
    assert_complete(row, label="Dana Client <dana@example.com>", role="client", actor=client_a.user)
    assert row.detail == "added"
    assert "dana.new@example.com" not in str(list(AuditEvent.objects.values()))


def test_a_password_reset(browser, client_a):
    from django.core import mail

    browser.post(reverse("account_reset_password"), {"email": client_a.user.email})
    (message,) = mail.outbox
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body).group(1)
    form_page = browser.get(path, follow=True)
    new = "a much longer new passphrase"
    browser.post(form_page.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert_complete(
        _only(AuditAction.PASSWORD_RESET), label="Dana Client <dana@example.com>", role="client", actor=client_a.user
    )


def test_a_wrong_second_factor_code(browser, therapist_a):
    _sign_in(browser, therapist_a.email)
    response = browser.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    row = _only(AuditAction.MFA_FAILED)
    assert_complete(row, label="Alice Therapist <alice@example.com>", role="owner", outcome="failed", actor=therapist_a)
    assert not AuditEvent.objects.filter(action=AuditAction.SIGN_IN).exists(), "the password alone signed in"


def test_a_therapists_sign_in_through_both_steps_is_recorded_with_their_role(browser, therapist_a):
    from accounts.second_factor import current_totp_code

    _sign_in(browser, therapist_a.email)
    browser.post(reverse("mfa_authenticate"), {"code": current_totp_code(therapist_a.totp_secret)})
    assert_complete(
        _only(AuditAction.SIGN_IN), label="Alice Therapist <alice@example.com>", role="owner", actor=therapist_a
    )


@pytest.mark.parametrize(
    "signal_name,action,detail",
    [
        ("authenticator_added", AuditAction.MFA_ADDED, "totp"),
        ("authenticator_removed", AuditAction.MFA_REMOVED, "totp"),
        ("authenticator_reset", AuditAction.MFA_ADDED, "reset recovery_codes"),
    ],
)
def test_second_factor_changes(signal_name, action, detail, therapist_a):
    """allauth sends these from its MFA pages (enrolling is a browser flow with a QR code); the
    receivers are what is ours, called as allauth calls them."""
    from allauth.mfa import signals
    from allauth.mfa.models import Authenticator
    from django.test import RequestFactory

    kind = "recovery_codes" if signal_name == "authenticator_reset" else "totp"
    authenticator = Authenticator.objects.get(user=therapist_a, type=kind)
    request = RequestFactory().post("/", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="127.0.0.1")
    request.user = therapist_a
    getattr(signals, signal_name).send(
        sender=Authenticator, request=request, user=therapist_a, authenticator=authenticator
    )
    row = _only(action)
    assert (row.actor_id, row.actor_role, row.detail, row.ip, row.user_agent) == (
        therapist_a.pk,
        "owner",
        detail,
        "127.0.0.1",
        BROWSER,
    )


# --- Behind proxies -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "trusted,forwarded,expected",
    [
        (0, "203.0.113.9, 10.0.0.1", "127.0.0.1"),  # no proxy trusted: the header is ignored
        (1, "203.0.113.9, 10.0.0.1", "10.0.0.1"),  # the address our proxy saw
        (2, "203.0.113.9, 10.0.0.1", "203.0.113.9"),  # the address our outer proxy saw
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # what the client put in front is ignored
    ],
)
def test_the_row_holds_the_client_behind_the_trusted_proxies(browser, client_a, settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = trusted
    browser.post(
        reverse("account_login"),
        {"login": client_a.user.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    assert _only(AuditAction.SIGN_IN).ip == expected
