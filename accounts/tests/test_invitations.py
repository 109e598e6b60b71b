import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import SignInLink
from practices.models import Membership

pytestmark = pytest.mark.django_db


def link_path(token):
    return reverse("accounts:sign_in_link", args=[token])


OPEN = reverse("accounts:sign_in_link_open")


def open_and_continue(client, path):
    """What a person does: open the emailed link (it moves on to /welcome/), press the button."""
    opened = client.get(path)
    assert opened.status_code == 302 and opened["Location"] == OPEN, opened
    return client.post(OPEN)


def test_opening_the_link_does_not_use_it_up(client, client_a):
    link, token = SignInLink.issue(client_a.user)
    assert client.get(link_path(token), follow=True).status_code == 200
    assert client.get(link_path(token), follow=True).status_code == 200
    assert "_auth_user_id" not in client.session
    link.refresh_from_db()
    assert link.used_at is None


def test_the_token_is_exchanged_for_the_session_and_leaves_the_url(client, client_a):
    _, token = SignInLink.issue(client_a.user)
    response = client.get(link_path(token))
    assert response.status_code == 302
    assert response["Location"] == OPEN and token not in response["Location"]
    assert token not in str(dict(client.session))  # the session keeps only the hash
    page = client.get(OPEN)
    assert page.status_code == 200
    assert "Continue to Between" in page.content.decode()
    assert token not in page.content.decode()


def test_a_posted_token_url_uses_nothing_up(client, client_a):
    """Only the token-less page's POST signs in; the emailed URL answers GET alone."""
    link, token = SignInLink.issue(client_a.user)
    assert client.post(link_path(token)).status_code == 405
    link.refresh_from_db()
    assert link.used_at is None and "_auth_user_id" not in client.session


def test_pressing_continue_signs_in_once(client, client_a):
    _, token = SignInLink.issue(client_a.user)
    response = open_and_continue(client, link_path(token))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(client_a.user.pk)
    client.logout()
    assert client.get(link_path(token)).status_code == 404
    again = client.post(OPEN)
    assert again.status_code == 404
    assert "_auth_user_id" not in client.session


def test_a_second_press_in_the_same_browser_finds_nothing_left(client, client_a):
    _, token = SignInLink.issue(client_a.user)
    client.get(link_path(token))
    assert client.post(OPEN).status_code == 302
    client.logout()
    assert client.post(OPEN).status_code == 404
    assert "_auth_user_id" not in client.session


def test_the_first_open_leaves_the_link_fifteen_minutes(client, client_a, time_machine):
    link, token = SignInLink.issue(client_a.user)  # valid for 72 hours
    time_machine.move_to(timezone.now(), tick=False)
    client.get(link_path(token))
    link.refresh_from_db()
    assert link.opened_at == timezone.now()
    assert link.expires_at == link.opened_at + timedelta(minutes=15)


def test_a_second_open_does_not_extend_the_link(client, client_a, time_machine):
    link, token = SignInLink.issue(client_a.user)
    time_machine.move_to(timezone.now(), tick=False)
    client.get(link_path(token))
    link.refresh_from_db()
    first_open, expires_at = link.opened_at, link.expires_at
    time_machine.move_to(timezone.now() + timedelta(minutes=10), tick=False)
    assert client.get(link_path(token)).status_code == 302
    link.refresh_from_db()
    assert (link.opened_at, link.expires_at) == (first_open, expires_at)
    time_machine.move_to(timezone.now() + timedelta(minutes=6))
    assert client.post(OPEN).status_code == 404
    assert "_auth_user_id" not in client.session


def test_opening_never_lengthens_a_shorter_link(client, client_a):
    link, token = SignInLink.issue(client_a.user, max_age=60)
    issued_until = link.expires_at
    client.get(link_path(token))
    link.refresh_from_db()
    assert link.opened_at is not None and link.expires_at == issued_until


def test_an_expired_link_is_refused(client, client_a, time_machine):
    _, token = SignInLink.issue(client_a.user, max_age=60)
    time_machine.move_to(timezone.now() + timedelta(seconds=61))
    response = client.get(link_path(token))
    assert response.status_code == 404
    assert "accounts.sign_in_link" not in client.session
    assert client.post(OPEN).status_code == 404
    assert "_auth_user_id" not in client.session


def test_a_link_that_expires_between_opening_and_pressing_is_refused(client, client_a, time_machine):
    _, token = SignInLink.issue(client_a.user, max_age=60)
    client.get(link_path(token))
    time_machine.move_to(timezone.now() + timedelta(seconds=61))
    assert client.post(OPEN).status_code == 404
    assert "_auth_user_id" not in client.session


def test_a_made_up_token_is_refused_and_leaves_nothing_in_the_session(client, db):
    response = client.get(link_path("not-a-real-token"))
    assert response.status_code == 404
    assert "accounts.sign_in_link" not in client.session
    assert not response.cookies.get(settings.SESSION_COOKIE_NAME), "a made-up token started a session"


def test_the_token_less_page_without_an_opened_link_says_it_is_invalid(client, db):
    assert client.get(OPEN).status_code == 404
    assert client.post(OPEN).status_code == 404


def test_only_the_hash_of_the_token_is_stored(client_a):
    link, token = SignInLink.issue(client_a.user)
    assert token not in link.token_hash


def test_create_practice_prints_a_working_owner_link(client, capsys):
    call_command("create_practice", "Riverside", owner_email="Owner@Example.com", owner_name="Olive Owner")
    out = capsys.readouterr().out
    path = re.search(r"https?://[^/]+(/welcome/[^/\s]+/)", out).group(1)
    membership = Membership.objects.get(user__email="owner@example.com")
    assert membership.role == "owner" and membership.practice.name == "Riverside"
    open_and_continue(client, path)
    assert client.session["_auth_user_id"] == str(membership.user.pk)


def test_create_practice_refuses_an_existing_email(therapist_a):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="already has an account"):
        call_command("create_practice", "Again", owner_email=therapist_a.email, owner_name="X")


def test_owner_invites_a_therapist_who_can_sign_in_from_the_email(
    sign_in, therapist_a, django_capture_on_commit_callbacks
):
    web = sign_in(therapist_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(reverse("practices:team"), {"name": "Nia New", "email": "nia@example.com"})
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="nia@example.com")
    assert membership.practice == therapist_a.memberships.get().practice and membership.role == "therapist"
    (message,) = mail.outbox
    assert message.to == ["nia@example.com"]
    path = re.search(r"https?://[^/]+(/welcome/[^/\s]+/)", message.body).group(1)
    web.logout()
    open_and_continue(web, path)
    assert web.session["_auth_user_id"] == str(membership.user.pk)


def test_inviting_an_existing_email_shows_the_error_and_keeps_the_name(sign_in, therapist_a, therapist_b):
    web = sign_in(therapist_a)
    response = web.post(reverse("practices:team"), {"name": "Typed Name", "email": therapist_b.email})
    assert response.status_code == 200
    assert "already has an account" in response.content.decode()
    assert "Typed Name" in response.content.decode()
    assert not Membership.objects.filter(user=therapist_b, practice__name="Practice A").exists()
