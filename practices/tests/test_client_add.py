from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from notifications.models import Message, MessageKind
from practices.models import Appointment, CareInvitation, Client
from practices.tests.helpers import assert_not_found, assert_redirects_to_sign_in

URL = reverse("practices:client_add")


def form(**overrides):
    data = {"name": "Frank New", "email": "Frank@Example.com", "timezone": "Europe/Berlin", "next_appointment": ""}
    data.update(overrides)
    return data


def test_it_shows_the_form_with_a_time_zone_choice(sign_in, therapist_a):
    response = sign_in(therapist_a).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="email"' in body
    assert '<option value="Europe/Berlin"' in body
    assert '<label for="id_name">' in body


def test_it_defaults_the_time_zone_to_the_newest_clients(sign_in, therapist_a, client_a):
    body = sign_in(therapist_a).get(URL).content.decode()
    assert '<option value="Europe/Berlin" selected>' in body


def test_it_creates_the_account_and_an_invitation_but_no_client_yet(sign_in, therapist_a, practice_a):
    """A new address gets its account now (so it can sign in) and joins the caseload only once it
    accepts, exactly like an address that already has an account (test_care_invitations.py)."""
    response = sign_in(therapist_a).post(URL, form())
    assert response.status_code == 302
    assert response["Location"] == URL
    user = User.objects.get(email="frank@example.com")
    assert user.name == "Frank New"
    assert not user.has_usable_password()
    assert EmailAddress.objects.filter(user=user, email="frank@example.com").exists()
    assert not Client.objects.filter(user=user).exists()
    invitation = CareInvitation.objects.get()
    assert (invitation.therapist, invitation.practice, invitation.user) == (therapist_a, practice_a, user)
    assert (invitation.email, invitation.name, invitation.timezone) == (
        "frank@example.com",
        "Frank New",
        "Europe/Berlin",
    )
    assert invitation.next_appointment is None
    message = Message.objects.get(recipient=user)
    assert message.kind == MessageKind.CARE_INVITATION
    assert message.context == {"invitation": invitation.code}


def test_it_keeps_the_next_appointment_in_the_clients_time_zone_for_the_acceptance(sign_in, therapist_a):
    sign_in(therapist_a).post(URL, form(timezone="America/New_York", next_appointment="2031-07-01T09:30"))
    assert CareInvitation.objects.get().next_appointment.isoformat() == "2031-07-01T13:30:00+00:00"
    assert not Appointment.objects.exists()


def test_it_confirms_with_a_message_and_lists_the_invitation_as_waiting(sign_in, therapist_a):
    response = sign_in(therapist_a).post(URL, form(), follow=True)
    body = response.content.decode()
    assert "Invitation sent to Frank New (frank@example.com)" in body
    assert "Waiting for an answer" in body
    assert "invited on" in body


def test_it_refuses_an_address_already_in_the_practice_and_keeps_what_was_typed(sign_in, therapist_a, client_a):
    response = sign_in(therapist_a).post(URL, form(name="Typed Name", email="DANA@example.com"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "already in your practice&#x27;s list" in body
    assert 'value="Typed Name"' in body
    assert User.objects.filter(email__iexact="dana@example.com").count() == 1
    assert Client.objects.count() == 1
    assert not CareInvitation.objects.exists()
    assert not Message.objects.exists()


def test_it_rejects_a_time_that_the_clocks_skip(sign_in, therapist_a):
    response = sign_in(therapist_a).post(URL, form(next_appointment="2031-03-30T02:30"))
    assert response.status_code == 200
    assert "does not exist in Europe/Berlin" in response.content.decode()
    assert not User.objects.filter(email="frank@example.com").exists()


def test_it_rejects_an_unknown_time_zone(sign_in, therapist_a):
    response = sign_in(therapist_a).post(URL, form(timezone="Mars/Olympus"))
    assert response.status_code == 200
    assert not Client.objects.exists()
    assert not CareInvitation.objects.exists()
    assert not User.objects.filter(email="frank@example.com").exists()


def test_a_failed_invitation_leaves_nothing_behind(sign_in, therapist_a, monkeypatch):
    import notifications.receivers

    def broken(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(notifications.receivers, "enqueue", broken)
    browser = sign_in(therapist_a)
    browser.raise_request_exception = False
    response = browser.post(URL, form(next_appointment="2031-07-01T09:30"))
    assert response.status_code == 500
    assert not User.objects.filter(email="frank@example.com").exists()
    assert not CareInvitation.objects.exists()
    assert not Appointment.objects.exists()


def test_it_is_not_for_clients(sign_in, client_a):
    assert_not_found(sign_in(client_a.user).post(URL, form()))
    assert not User.objects.filter(email="frank@example.com").exists()
    assert not CareInvitation.objects.exists()


def test_it_sends_anonymous_people_to_sign_in(client, db):
    assert_redirects_to_sign_in(client.get(URL))
    assert_redirects_to_sign_in(client.post(URL, form()))
