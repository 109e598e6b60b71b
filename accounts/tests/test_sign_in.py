import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.second_factor import current_totp_code
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_client_signs_in_with_email_and_password_and_lands_on_today(client, client_a):
    response = client.post(reverse("account_login"), {"login": client_a.user.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("homework:client_home")


def test_a_therapist_passes_the_second_step_and_lands_on_their_home(client, therapist_a):
    response = client.post(reverse("account_login"), {"login": therapist_a.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session, "the password alone signed a therapist in"
    code = current_totp_code(therapist_a.totp_secret)
    response = client.post(reverse("mfa_authenticate"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("insights:home")


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, client_a):
    response = client.post(reverse("account_login"), {"login": client_a.user.email, "password": "wrong password!"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "not correct" in response.content.decode()


def test_a_client_signs_in_with_an_emailed_code(client, client_a):
    client.post(reverse("account_request_login_code"), {"email": client_a.user.email})
    (message,) = mail.outbox
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", message.body).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code}, follow=True)
    assert client.session["_auth_user_id"] == str(client_a.user.pk)
    assert response.redirect_chain[-1][0] == reverse("homework:client_home")


def test_a_password_reset_link_works_once(client, client_a):
    client.post(reverse("account_reset_password"), {"email": client_a.user.email})
    (message,) = mail.outbox
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body).group(1)
    form_page = client.get(path, follow=True)
    assert "password1" in form_page.content.decode(), "the link's first use shows no new-password form"
    new_password = "a much longer new passphrase"
    client.post(form_page.redirect_chain[-1][0], {"password1": new_password, "password2": new_password})
    client_a.user.refresh_from_db()
    assert client_a.user.check_password(new_password)
    again = client.get(path, follow=True)
    assert "password1" not in again.content.decode()


def test_signing_up_is_closed(client, db):
    response = client.post(
        reverse("account_signup"), {"email": "stranger@example.com", "password1": "a long enough password"}
    )
    from accounts.models import User

    assert not User.objects.filter(email="stranger@example.com").exists()
    assert response.status_code == 200
    # Refused because sign-up is closed, not because the form was filled in wrongly.
    assert "Sign Up Closed" in response.content.decode()


def test_signing_out_ends_the_session(sign_in, client_a):
    web = sign_in(client_a.user)
    assert web.get(reverse("homework:client_home")).status_code == 200
    web.post(reverse("account_logout"))
    response = web.get(reverse("homework:client_home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_signing_out_clears_the_browsers_copy_and_refuses_the_old_cookie(sign_in, client_a):
    """T-SE-3: the sign-out response tells the browser to drop its cache and storage, and the
    session cookie it had (kept by a copy of the browser profile, say) no longer works."""
    web = sign_in(client_a.user)
    assert web.get(reverse("homework:client_home")).status_code == 200
    old_cookie = web.cookies[settings.SESSION_COOKIE_NAME].value
    response = web.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert web.get(reverse("homework:client_home")).status_code == 302
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    response = replay.get(reverse("homework:client_home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_only_the_sign_out_response_clears_site_data(sign_in, client_a):
    web = sign_in(client_a.user)
    assert "Clear-Site-Data" not in web.get(reverse("homework:client_home"))
    assert "Clear-Site-Data" not in web.get(reverse("account_logout"))  # the "Sign out?" question
    assert "Clear-Site-Data" not in Client().get(reverse("account_login"))


def test_a_password_reset_link_moves_its_key_out_of_the_url(client, client_a):
    """allauth exchanges the emailed key for the session, as our sign-in links do: the form lives
    at a key-less "set-password" URL."""
    client.post(reverse("account_reset_password"), {"email": client_a.user.email})
    (message,) = mail.outbox
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body).group(1)
    key = path.rstrip("/").rsplit("/", 1)[1].split("-", 1)[1]
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].endswith("-set-password/") and key not in response["Location"]
    page = client.get(response["Location"])
    assert "password1" in page.content.decode() and key not in page.content.decode()


def test_a_password_reset_link_expires_after_an_hour(client, client_a, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    client.post(reverse("account_reset_password"), {"email": client_a.user.email})
    (message,) = mail.outbox
    path = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body).group(1)
    # The control: in time, the link shows the new-password form (in another browser, so this
    # one keeps no trace of the key in its session).
    assert "password1" in Client().get(path, follow=True).content.decode()
    time_machine.move_to(timezone.now() + timedelta(minutes=61))
    page = client.get(path, follow=True)
    assert "password1" not in page.content.decode()


def test_an_invited_client_sets_a_password_and_signs_in_with_it_later(client, sign_in, client_a):
    client_a.user.set_unusable_password()
    client_a.user.save()
    web = sign_in(client_a.user)
    page = web.get(reverse("account_change_password"), follow=True)
    set_url = page.redirect_chain[-1][0]
    new_password = "my own long passphrase"
    web.post(set_url, {"password1": new_password, "password2": new_password})
    web.logout()
    response = web.post(reverse("account_login"), {"login": client_a.user.email, "password": new_password})
    assert response.status_code == 302
    assert web.session["_auth_user_id"] == str(client_a.user.pk)


def test_the_sign_in_code_email_is_ours_not_the_librarys(client, client_a):
    client.post(reverse("account_request_login_code"), {"email": client_a.user.email})
    (message,) = mail.outbox
    assert message.subject == "Between: Your sign-in code"
    assert "Here is your sign-in code" in message.body
    assert "Hello from" not in message.body and "127.0.0.1" not in message.body
    assert re.search(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b", message.body)
