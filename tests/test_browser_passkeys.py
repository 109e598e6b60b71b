"""Passkeys in a real browser (docs/security.md T-AN-3c): Chromium's virtual authenticator (CDP
WebAuthn domain) stands in for a phone's or laptop's. A therapist registers a passkey, signs in
with it alone, removes it, and the removed credential no longer opens the account."""

import re

import pytest
from django.urls import reverse

from conftest import PASSWORD
from tests.conftest import pass_second_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})["authenticatorId"]
    return cdp, authenticator


def sign_in_with_password(page, base, user):
    page.goto(base + reverse("account_login"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
    pass_second_step(page, base, user)


def sign_in_with_passkey(page, base):
    page.goto(base + reverse("account_login"))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in with a passkey").click()


def test_a_passkey_is_registered_used_and_removed(live_server, page, therapist_a):
    from allauth.mfa.models import Authenticator

    base = live_server.url.replace("127.0.0.1", "localhost")  # WebAuthn needs a domain, not an IP
    page.set_default_timeout(15_000)
    cdp, authenticator = add_virtual_authenticator(page)

    sign_in_with_password(page, base, therapist_a)
    page.goto(base + reverse("mfa_add_webauthn"))
    if reverse("account_reauthenticate") in page.url or reverse("mfa_reauthenticate") in page.url:
        page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.get_by_label("Passwordless").check()  # a passkey: it signs in alone
    with page.expect_navigation():
        page.get_by_role("button", name="Add").click()
    assert Authenticator.objects.filter(user=therapist_a, type=Authenticator.Type.WEBAUTHN).count() == 1
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(credentials) == 1, "the browser holds no passkey"

    page.context.clear_cookies()
    sign_in_with_passkey(page, base)
    page.wait_for_url(base + reverse("insights:home"))  # no password, no code: the passkey alone

    key = Authenticator.objects.get(user=therapist_a, type=Authenticator.Type.WEBAUTHN)
    page.goto(base + reverse("mfa_remove_webauthn", args=[key.pk]))
    if "reauthenticate" in page.url:
        page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("remove", re.I)).click()
    assert not Authenticator.objects.filter(user=therapist_a, type=Authenticator.Type.WEBAUTHN).exists()

    # The browser still holds the credential; the server must refuse it now.
    page.context.clear_cookies()
    sign_in_with_passkey(page, base)
    assert reverse("insights:home") not in page.url
    page.goto(base + reverse("homework:client_list"))
    assert reverse("account_login") in page.url, "a removed passkey still signs in"
