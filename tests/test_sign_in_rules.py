"""Sign-in rules that hold across every page (between/sign_in.py; docs/security.md T-AN-3,
T-SE-2, T-SE-6, T-SE-7): the second factor staff must have, session limits, re-authentication,
and what was being sent when a session ran out."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import SignInLink
from accounts.second_factor import current_totp_code
from conftest import PASSWORD, SENTINEL
from insights.models import SessionTopic
from practices.team import therapist_invite
from tests.test_authorization_matrix import ALLAUTH, API, MATRIX, PUBLIC

pytestmark = pytest.mark.django_db

# Pages a staff member without a second factor may still open (between/sign_in.py).
ENROLMENT = {"mfa_index", "mfa_activate_totp", "mfa_add_webauthn", "mfa_reauthenticate", "account_reauthenticate"}


def signed_in(user):
    http = Client()
    http.force_login(user, backend="practices.backends.RoleAwareBackend")
    return http


# --- A second factor before any client data ----------------------------------------------------------


def test_a_therapist_without_a_second_factor_reaches_only_the_enrolment_pages(objs):
    Authenticator.objects.filter(user=objs.therapist).delete()
    http = signed_in(objs.therapist)
    reached = []
    for key, entry in {**MATRIX, **ALLAUTH, **PUBLIC}.items():
        if key == "account_logout":
            continue  # a POST would end the session the rest of the loop needs
        url = entry.url(objs)
        for method in ("get", "post"):
            response = getattr(http, method)(url)
            body = response.content.decode(errors="replace")
            assert SENTINEL not in body, f"{method.upper()} {key} showed client data before a second factor"
            if response.status_code == 200 and key not in PUBLIC:
                reached.append(key)
    for key, route in API.items():
        response = http.generic(route.method, route.url(objs), "{}", content_type="application/json")
        assert response.status_code == 403 and SENTINEL not in response.content.decode(), key
    assert set(reached) <= ENROLMENT, f"reached before enrolling: {sorted(set(reached) - ENROLMENT)}"
    assert "mfa_index" in reached  # the control: the enrolment page itself answers


def test_any_page_sends_a_therapist_without_a_second_factor_to_enrol(objs):
    Authenticator.objects.filter(user=objs.therapist).delete()
    response = signed_in(objs.therapist).get(reverse("homework:client_list"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_an_invited_therapist_enrols_from_the_welcome_link_and_then_opens_their_clients(practice_a):
    membership = therapist_invite(practice=practice_a, name="Nina New", email="nina@example.com")
    _, token = SignInLink.issue(membership.user)
    http = Client()
    page = http.get(reverse("accounts:sign_in_link", args=[token]), follow=True)
    http.post(page.redirect_chain[-1][0] if page.redirect_chain else reverse("accounts:sign_in_link", args=[token]))
    assert http.get(reverse("homework:client_list"))["Location"] == reverse("mfa_index")
    form = http.get(reverse("mfa_activate_totp"), follow=True)
    assert form.status_code == 200 and 'name="code"' in form.content.decode(), "TOTP set-up refused"
    secret = http.session["mfa.totp.secret"]
    done = http.post(reverse("mfa_activate_totp"), {"code": current_totp_code(secret)})
    assert done.status_code == 302
    assert http.get(reverse("homework:client_list")).status_code == 200


def test_clients_need_no_second_factor(client_a):
    assert signed_in(client_a.user).get(reverse("homework:client_home")).status_code == 200


# --- Idle and absolute limits ---------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "fine", "ended"), [("therapist", 14, 16), ("client", 29, 31)])
def test_a_session_ends_after_the_idle_limit_of_the_role(who, fine, ended, therapist_a, client_a, time_machine):
    user, page = (
        (therapist_a, "homework:client_list") if who == "therapist" else (client_a.user, "homework:client_home")
    )
    time_machine.move_to(timezone.now(), tick=False)
    http = signed_in(user)
    assert http.get(reverse(page)).status_code == 200
    time_machine.shift(timedelta(minutes=fine))
    assert http.get(reverse(page)).status_code == 200, "signed out before the idle limit"
    old_cookie = http.cookies["sessionid"].value
    time_machine.shift(timedelta(minutes=ended))
    response = http.get(reverse(page))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    # The cache goes (the back button shows nothing); the browser's storage stays for what was typed.
    assert response["Clear-Site-Data"] == '"cache"'
    replay = Client()
    replay.cookies["sessionid"] = old_cookie
    time_machine.shift(timedelta(seconds=1))
    assert replay.get(reverse(page)).status_code == 302, "the ended session's cookie still works"


def test_a_busy_session_still_ends_twelve_hours_after_sign_in(client_a, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    http = signed_in(client_a.user)
    for _ in range(12 * 6 - 1):  # a request every 10 minutes for 11 h 50 min
        time_machine.shift(timedelta(minutes=10))
        assert http.get(reverse("homework:client_home")).status_code == 200
    time_machine.shift(timedelta(minutes=11))
    assert http.get(reverse("homework:client_home")).status_code == 302


# --- What was being sent when the session ran out -------------------------------------------------------


def kept_topics():
    # The text is encrypted at rest, so it is compared once read, not in the query.
    return [(t.client_id, t.text) for t in SessionTopic.objects.all() if "Kept through" in t.text]


def _post_after_timeout(client_a, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    http = signed_in(client_a.user)
    http.get(reverse("insights:topics"))
    time_machine.shift(timedelta(minutes=31))
    response = http.post(reverse("insights:topics"), {"topic-text": f"Kept through sign-in {SENTINEL}"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]
    assert kept_topics() == []
    return http, response["Location"]


def test_what_a_client_sent_as_the_session_ended_is_saved_once_they_sign_in_again(client_a, time_machine):
    http, login_url = _post_after_timeout(client_a, time_machine)
    signed_in_again = http.post(login_url, {"login": client_a.user.email, "password": PASSWORD})
    assert signed_in_again["Location"] == reverse("insights:topics")
    sent_again = http.get(signed_in_again["Location"])
    assert sent_again.status_code == 302, "the kept submission was not sent"
    assert kept_topics() == [(client_a.pk, f"Kept through sign-in {SENTINEL}")]
    http.get(reverse("insights:topics"))  # opening the page again sends nothing twice
    assert len(kept_topics()) == 1


def test_someone_else_signing_in_on_that_browser_never_gets_it(client_a, client_b, time_machine):
    http, login_url = _post_after_timeout(client_a, time_machine)
    page = http.post(login_url, {"login": client_b.user.email, "password": PASSWORD}, follow=True)
    assert SENTINEL not in page.content.decode()
    assert kept_topics() == []


def test_what_is_kept_in_the_session_is_encrypted(client_a, time_machine):
    from django.contrib.sessions.models import Session

    _post_after_timeout(client_a, time_machine)
    assert all("Kept through" not in str(s.get_decoded()) for s in Session.objects.all())


# --- Re-authentication and email addresses --------------------------------------------------------------


def test_a_stale_session_cannot_add_an_email_address_without_the_password(client_a):
    http = signed_in(client_a.user)  # no fresh authentication in this session
    response = http.post(reverse("account_email"), {"action_add": "", "email": "attacker@example.net"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="attacker@example.net").exists()
    http.post(reverse("account_reauthenticate"), {"password": "a guess at the password"})
    http.post(reverse("account_email"), {"action_add": "", "email": "attacker@example.net"})
    assert not EmailAddress.objects.filter(email="attacker@example.net").exists()


def test_staff_with_a_second_factor_cannot_add_an_address_at_all(therapist_a):
    # allauth's own rule for accounts with MFA: the address is the way back in, so it stays.
    http = signed_in(therapist_a)
    http.post(reverse("account_email"), {"action_add": "", "email": "attacker@example.net"})
    assert not EmailAddress.objects.filter(email="attacker@example.net").exists()


def test_a_new_email_address_replaces_the_old_one_only_once_verified(client_a):
    http = signed_in(client_a.user)
    http.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    http.post(reverse("account_email"), {"action_add": "", "email": "new-dana@example.net"})
    new = EmailAddress.objects.get(email="new-dana@example.net")
    assert not new.verified
    http.post(reverse("account_email"), {"action_primary": "", "email": "new-dana@example.net"})
    client_a.user.refresh_from_db()
    assert client_a.user.email != "new-dana@example.net", "an unverified address became the account's"
    (message,) = [m for m in mail.outbox if "new-dana@example.net" in m.to]
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body).group(1)
    http.post(confirm)
    client_a.user.refresh_from_db()
    assert client_a.user.email == "new-dana@example.net"


def test_the_brief_pdf_asks_for_the_password_first(therapist_a, appointment_a):
    http = signed_in(therapist_a)
    url = reverse("insights:brief_pdf", args=[appointment_a.code])
    response = http.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    http.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert http.get(url)["Content-Type"] == "application/pdf"


# --- Sessions a person can see and end ------------------------------------------------------------------


def test_a_person_ends_their_other_sessions(client_a):
    phone = Client()
    phone.post(reverse("account_login"), {"login": client_a.user.email, "password": PASSWORD})
    laptop = Client()
    laptop.post(reverse("account_login"), {"login": client_a.user.email, "password": PASSWORD})
    page = laptop.get(reverse("usersessions_list")).content.decode()
    assert page.count("Another browser") == 1 and page.count("This browser") == 1
    assert "Sign out the other browsers" in page
    laptop.post(reverse("usersessions_list"))  # allauth's form: "sign out other sessions"
    assert phone.get(reverse("homework:client_home")).status_code == 302
    assert laptop.get(reverse("homework:client_home")).status_code == 200


# --- Second factors and passwords, across processes and resets -------------------------------------------


def _database_url():
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_totp_code_used_in_one_process_is_refused_in_another(therapist_a):
    """T-AN-3b: allauth remembers used codes in Django's cache; ours is the database cache, shared
    by every worker process, so a code cannot be replayed through a second worker."""
    import os
    import subprocess
    import sys

    from allauth.mfa.totp.internal.auth import TOTP

    totp = Authenticator.objects.get(user=therapist_a, type=Authenticator.Type.TOTP)
    code = current_totp_code(therapist_a.totp_secret)
    assert TOTP(totp).validate_code(code)
    check = (
        "import django; django.setup()\n"
        "from allauth.mfa.models import Authenticator\n"
        "from allauth.mfa.totp.internal.auth import TOTP\n"
        f"print(TOTP(Authenticator.objects.get(pk={totp.pk})).validate_code({code!r}))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "between.settings", "DEBUG": "1", "DATABASE_URL": _database_url()}
    other = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=120)
    assert other.returncode == 0, other.stderr[-2000:]
    assert other.stdout.strip().splitlines()[-1] == "False", "the other process accepted a used code"


def test_a_password_reset_does_not_skip_the_second_factor(client, therapist_a):
    """T-AN-4: after a reset, signing in with the new password still asks for the second step."""
    client.post(reverse("account_reset_password"), {"email": therapist_a.email})
    (message,) = mail.outbox
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body).group(1)
    form = client.get(path, follow=True)
    new_password = "a brand new long passphrase"
    client.post(form.redirect_chain[-1][0], {"password1": new_password, "password2": new_password})
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("account_login"), {"login": therapist_a.email, "password": new_password})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_the_session_key_changes_at_sign_in(client, client_a):
    """T-SE-1: a key planted before sign-in (session fixation) is useless afterwards."""
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("account_login"), {"login": client_a.user.email, "password": PASSWORD})
    assert client.session.session_key != before


def test_a_deactivated_account_is_signed_out_at_its_next_request(client_a):
    """T-SE-4."""
    http = signed_in(client_a.user)
    assert http.get(reverse("homework:client_home")).status_code == 200
    type(client_a.user).objects.filter(pk=client_a.user.pk).update(is_active=False)
    assert http.get(reverse("homework:client_home")).status_code == 302


def test_changing_the_password_ends_the_other_sessions(client_a):
    """T-SE-5: the session where it was changed stays signed in, every other one ends."""
    phone = Client()
    phone.post(reverse("account_login"), {"login": client_a.user.email, "password": PASSWORD})
    laptop = Client()
    laptop.post(reverse("account_login"), {"login": client_a.user.email, "password": PASSWORD})
    new_password = "another long passphrase"
    laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )
    client_a.user.refresh_from_db()
    assert client_a.user.check_password(new_password)
    assert laptop.get(reverse("homework:client_home")).status_code == 200
    assert phone.get(reverse("homework:client_home")).status_code == 302


def test_guessing_blocks_the_account_for_a_while_then_releases_it(client, client_a, time_machine):
    """T-AN-1: after 5 wrong passwords even the right one is refused, with the same generic
    message; within 15 minutes (allauth's 5 minutes here) the block lifts by itself."""
    time_machine.move_to(timezone.now(), tick=False)
    for _ in range(5):
        client.post(reverse("account_login"), {"login": client_a.user.email, "password": "a wrong guess!"})
    blocked = client.post(reverse("account_login"), {"login": client_a.user.email, "password": PASSWORD})
    assert blocked.status_code == 200 and "_auth_user_id" not in client.session
    time_machine.shift(timedelta(minutes=6))
    released = client.post(reverse("account_login"), {"login": client_a.user.email, "password": PASSWORD})
    assert released.status_code == 302 and client.session["_auth_user_id"] == str(client_a.user.pk)
