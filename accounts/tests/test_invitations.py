import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import SignInLink
from practices.models import Membership

pytestmark = pytest.mark.django_db


def link_path(token):
    return reverse("accounts:sign_in_link", args=[token])


def test_opening_the_link_does_not_use_it_up(client, client_a):
    _, token = SignInLink.issue(client_a.user)
    assert client.get(link_path(token)).status_code == 200
    assert client.get(link_path(token)).status_code == 200
    assert "_auth_user_id" not in client.session


def test_pressing_continue_signs_in_once(client, client_a):
    _, token = SignInLink.issue(client_a.user)
    response = client.post(link_path(token))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(client_a.user.pk)
    client.logout()
    again = client.post(link_path(token))
    assert again.status_code == 404
    assert "_auth_user_id" not in client.session


def test_an_expired_link_is_refused(client, client_a, time_machine):
    _, token = SignInLink.issue(client_a.user, max_age=60)
    time_machine.move_to(timezone.now() + timedelta(seconds=61))
    response = client.post(link_path(token))
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


def test_a_made_up_token_is_refused(client, db):
    assert client.get(link_path("not-a-real-token")).status_code == 404


def test_only_the_hash_of_the_token_is_stored(client_a):
    link, token = SignInLink.issue(client_a.user)
    assert token not in link.token_hash


def test_create_practice_prints_a_working_owner_link(client, capsys):
    call_command("create_practice", "Riverside", owner_email="Owner@Example.com", owner_name="Olive Owner")
    out = capsys.readouterr().out
    path = re.search(r"https?://[^/]+(/welcome/[^/\s]+/)", out).group(1)
    membership = Membership.objects.get(user__email="owner@example.com")
    assert membership.role == "owner" and membership.practice.name == "Riverside"
    client.post(path)
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
    web.post(path)
    assert web.session["_auth_user_id"] == str(membership.user.pk)


def test_inviting_an_existing_email_shows_the_error_and_keeps_the_name(sign_in, therapist_a, therapist_b):
    web = sign_in(therapist_a)
    response = web.post(reverse("practices:team"), {"name": "Typed Name", "email": therapist_b.email})
    assert response.status_code == 200
    assert "already has an account" in response.content.decode()
    assert "Typed Name" in response.content.decode()
    assert not Membership.objects.filter(user=therapist_b, practice__name="Practice A").exists()
