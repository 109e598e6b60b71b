"""T-LG-4: no password, code, key, token or sign-in link reaches a log record, at any level.

Each flow that mails a credential runs through Django's test client with every logger at DEBUG;
whatever the emails carried (each link whole, its path, its last part, each code) is then looked
for in every record: its message, its arguments and the JSON line lib.logging makes of it.
Records that failed requests produce (a used link's 404, a POST to the emailed URL) are part of it.
"""

import logging
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from accounts.models import SignInLink
from conftest import PASSWORD
from lib.logging import JsonFormatter

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s<>\"']+")
CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")
NEW_PASSWORD = "a brand new long passphrase"


@pytest.fixture
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    return caplog


# Links in emails that carry no credential: the site, its sign-in pages, the key-less reset form.
PUBLIC_PATHS = re.compile(r"^/?$|^/accounts/login/|-set-password/$")


def secrets_in(messages):
    """Every credential link of the emails (whole, as a path, its final part, a reset key without
    its user part) and every sign-in code (with and without its dash)."""
    found = set()
    for message in messages:
        bodies = [message.body, *(content for content, _ in getattr(message, "alternatives", []))]
        for body in bodies:
            for url in LINK.findall(body):
                path = urlsplit(url).path
                if PUBLIC_PATHS.search(path):
                    continue
                last = path.rstrip("/").rsplit("/", 1)[-1]
                found |= {url, path, last}
                if "/password/reset/key/" in path:
                    found.add(last.split("-", 1)[1])  # the key without the user's base-36 id
            for code in CODE.findall(body):
                found |= {code, code.replace("-", "")}
    return found


def leaks(records, secrets):
    """(secret, where) for each secret found in a record."""
    formatter = JsonFormatter()
    found = []
    for record in records:
        texts = {
            "message": record.getMessage(),
            "msg": str(record.msg),
            "args": " ".join(map(repr, record.args if isinstance(record.args, tuple) else [record.args or ""])),
            "formatted": formatter.format(record),
        }
        for where, text in texts.items():
            found += [(secret, f"{record.name} {where}: {text[:200]}") for secret in secrets if secret in text]
    return found


def sign_in_with_a_password(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    client.logout()
    return {PASSWORD}


def reset_the_password(client, user):
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": user.email})
    (message,) = mail.outbox
    secrets = secrets_in([message])
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body).group(1)
    form = client.get(path)
    assert form.status_code == 302
    done = client.post(form["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(path, follow=True).status_code == 200  # used: "bad token" page
    client.logout()
    return secrets | {NEW_PASSWORD}


def sign_in_with_an_emailed_code(client, user):
    mail.outbox.clear()
    client.post(reverse("account_request_login_code"), {"email": user.email})
    (message,) = mail.outbox
    secrets = secrets_in([message])
    assert any(CODE.fullmatch(s) for s in secrets), "no code found in the email"
    code = CODE.search(message.body).group(1)
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert client.session["_auth_user_id"] == str(user.pk)
    client.logout()
    return secrets


def sign_in_with_a_link(client, user):
    _, token = SignInLink.issue(user)
    path = reverse("accounts:sign_in_link", args=[token])
    url = settings.SITE_URL + path
    assert client.post(path).status_code == 405  # the emailed URL answers GET only
    assert client.get(path).status_code == 302
    assert client.post(reverse("accounts:sign_in_link_open")).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    client.logout()
    assert client.get(path).status_code == 404  # used up: Django logs "Not Found: <path>"
    return {token, path, url}


def invite_a_therapist(client, sign_in, owner, django_capture_on_commit_callbacks):
    sign_in(owner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(reverse("practices:team"), {"name": "Nia New", "email": "nia@example.com"})
    assert invited.status_code == 302 and invited["Location"] == reverse("practices:team"), invited.get("Location")
    (message,) = mail.outbox
    client.logout()
    secrets = secrets_in([message])
    path = re.search(r"https?://[^/\s]+(/welcome/[^/\s]+/)", message.body).group(1)
    assert client.get(path).status_code == 302
    assert client.post(reverse("accounts:sign_in_link_open")).status_code == 302
    client.logout()
    return secrets


def test_no_credential_of_any_sign_in_flow_reaches_a_log(
    client, sign_in, client_a, therapist_a, everything_logged, django_capture_on_commit_callbacks
):
    secrets = set()
    secrets |= sign_in_with_a_password(client, client_a.user)
    secrets |= reset_the_password(client, client_a.user)
    secrets |= sign_in_with_an_emailed_code(client, client_a.user)
    secrets |= sign_in_with_a_link(client, client_a.user)
    secrets |= invite_a_therapist(client, sign_in, therapist_a, django_capture_on_commit_callbacks)
    assert len(secrets) >= 12, secrets
    records = everything_logged.records
    assert any(r.name == "django.request" for r in records), "the failed requests logged nothing: nothing was tested"
    found = leaks(records, secrets)
    assert not found, "credentials reached the logs:\n" + "\n".join(where for _, where in found[:5])


def test_the_check_catches_a_view_that_logs_the_link(client, client_a, everything_logged, monkeypatch):
    """The control: a lookup that logs its token (as a careless debug line would) is caught."""
    find_usable = SignInLink.find_usable.__func__

    def find_usable_and_log(cls, token):
        logging.getLogger("accounts.views").debug("Looking up sign-in link %s", token)
        return find_usable(cls, token)

    monkeypatch.setattr(SignInLink, "find_usable", classmethod(find_usable_and_log))
    secrets = sign_in_with_a_link(client, client_a.user)
    assert leaks(everything_logged.records, secrets)
    everything_logged.clear()


def test_the_check_catches_a_logged_request_path_without_the_redaction(client, client_a, everything_logged):
    """The control for Django's own "Not Found: <path>" line: without the redacting filter on
    django.request, the used link's 404 puts the token in the log."""
    request_logger = logging.getLogger("django.request")
    saved = list(request_logger.filters)
    for f in saved:
        request_logger.removeFilter(f)
    try:
        secrets = sign_in_with_a_link(client, client_a.user)
    finally:
        for f in saved:
            request_logger.addFilter(f)
    assert leaks(everything_logged.records, secrets)
    everything_logged.clear()
