"""Invitations into care (practices.invitations): "Add a client" answers the same whether the
address is new to Between or already someone's account, and only the invitee, signed in, brings
themselves into the caseload (docs/security.md, "No existence oracle")."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from conftest import SENTINEL, make_client, make_user
from notifications.models import Message, MessageKind, MessageStatus
from practices import invitations
from practices.models import Appointment, CareInvitation, Client, InvitationStatus
from practices.tests.helpers import assert_not_found, assert_redirects_to_sign_in

pytestmark = pytest.mark.django_db

ADD = reverse("practices:client_add")
NEW_EMAIL = "frank@example.com"


def form(email, name="Frank Typed", **overrides):
    return {"name": name, "email": email, "timezone": "Europe/Berlin", "next_appointment": "", **overrides}


def page_of(invitation):
    return reverse("practices:care_invitation", args=[invitation.code])


def invite(therapist, email, *, practice=None, name="Frank Typed", **kwargs):
    practice = practice or therapist.memberships.get().practice
    return invitations.care_invite(
        therapist=therapist, practice=practice, name=name, email=email, timezone="Europe/Berlin", **kwargs
    )


@pytest.fixture
def outsider(db):
    """Someone with an account but in nobody's care and no therapist (e.g. an earlier invitation
    they never accepted): they can accept."""
    return make_user("gina@example.com", "Gina Outsider")


# --- The same answer for a new address and an existing account -------------------------------------------

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _answer(http, email):
    """What the therapist sees of one "Add and invite": the POST's answer and the page it leads to,
    with the address typed replaced. Rolled back afterwards, so every address starts from the same data."""
    with transaction.atomic():
        posted = http.post(ADD, form(email))
        following = http.get(posted["Location"]) if posted.status_code == 302 else None
        transaction.set_rollback(True)
    body = CSRF.sub("CSRF", following.content.decode()).replace(email, "EMAIL") if following else None
    return {
        "status": posted.status_code,
        "location": posted.get("Location"),
        "body": posted.content.decode(),
        "following_status": following.status_code if following else None,
        "following_body": body,
    }


@pytest.mark.parametrize("who", ["client_b", "therapist_b", "outsider"])
def test_an_address_that_has_an_account_answers_exactly_like_a_new_one(who, request, sign_in, therapist_a):
    person = request.getfixturevalue(who)
    existing = getattr(person, "user", person)
    http = sign_in(therapist_a)

    new, old = _answer(http, NEW_EMAIL), _answer(http, existing.email)

    assert new["status"] == old["status"] == 302
    assert new["location"] == old["location"] == ADD
    assert new["body"] == old["body"]
    assert new["following_status"] == old["following_status"] == 200
    assert "Invitation sent to Frank Typed (EMAIL)" in new["following_body"]
    assert "Waiting for an answer" in new["following_body"]
    assert new["following_body"] == old["following_body"], "the page after adding differs"


def test_new_and_existing_invitees_look_the_same_in_the_list_and_neither_is_in_the_caseload(
    sign_in, therapist_a, client_b
):
    http = sign_in(therapist_a)
    http.post(ADD, form(NEW_EMAIL, name="New Person"))
    http.post(ADD, form(client_b.user.email, name="Known Person"))

    add_page = http.get(ADD).content.decode()
    rows = re.findall(r'<li class="row">(.*?)</li>', add_page, re.S)
    typed = {NEW_EMAIL: "E", client_b.user.email: "E", "New": "N", "Known": "N"}
    shapes = set()
    for row in rows:
        for text, blank in typed.items():
            row = row.replace(text, blank)
        shapes.add(row)
    assert len(rows) == 2 and len(shapes) == 1, rows
    client_list = http.get(reverse("homework:client_list")).content.decode()
    assert "New Person" not in client_list and "Known Person" not in client_list
    assert "Eve Client" not in add_page + client_list, "the account's own name stays unknown to A"
    # Both invitations are the same kind of row, each tied to its account and promising one email.
    rows = CareInvitation.objects.order_by("pk")
    assert [r.user.email for r in rows] == [NEW_EMAIL, client_b.user.email]
    assert [Message.objects.filter(recipient=r.user, kind=MessageKind.CARE_INVITATION).count() for r in rows] == [1, 1]
    assert not Client.objects.filter(user__email=NEW_EMAIL).exists()
    assert Client.objects.get(user=client_b.user).practice == client_b.practice


def test_the_invitation_is_audited_the_same_way_for_both(sign_in, therapist_a, client_b):
    http = sign_in(therapist_a)
    http.post(ADD, form(NEW_EMAIL))
    http.post(ADD, form(client_b.user.email))
    rows = AuditEvent.objects.filter(object_type="CareInvitation")
    assert [(r.actor_id, r.action, r.client_code) for r in rows] == [(therapist_a.pk, AuditAction.CREATE, "")] * 2


# --- The email ------------------------------------------------------------------------------------------------


def test_the_invitee_gets_an_email_with_the_link_and_nothing_typed_or_clinical(
    sign_in, therapist_a, client_b, assignment_a, goal_a, django_capture_on_commit_callbacks
):
    http = sign_in(therapist_a)
    with django_capture_on_commit_callbacks(execute=True):
        http.post(ADD, form(client_b.user.email, name=f"Typed {SENTINEL}"))
        http.post(ADD, form(NEW_EMAIL, name="Frank New"))
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {client_b.user.email, NEW_EMAIL}
    for address, email in by_address.items():
        invitation = CareInvitation.objects.get(email=address)
        text = "\n".join([email.subject, email.body, *map(str, email.extra_headers.values())])
        assert "Alice Therapist invites you to do homework with them in Between" in email.body
        assert f"/invitations/{invitation.code}/" in email.body
        assert "/welcome/" not in email.body, "no sign-in token: the page needs the invitee signed in"
        for secret in (SENTINEL, assignment_a.title, goal_a.title, "Practice A"):
            assert secret not in text
    assert "Hello Eve," in by_address[client_b.user.email].body, "an existing account is greeted by its own name"
    shape = {
        re.sub(r"/invitations/[^/]+/", "/invitations/CODE/", m.body.split("\n", 1)[1]) for m in by_address.values()
    }
    assert len(shape) == 1, "the same email for an account new or old"


def test_a_failed_invitation_into_care_is_not_shown_to_the_invitees_own_practice(sign_in, therapist_a, client_b):
    """practice B's owner lists failed emails to B's people; an invitation from A to B's client
    must not appear there (B would learn that A invited their client)."""
    invitation = invite(therapist_a, client_b.user.email)
    Message.objects.filter(kind=MessageKind.CARE_INVITATION).update(status=MessageStatus.FAILED, attempts=8)
    body = sign_in(client_b.therapist).get(reverse("notifications:failed_deliveries")).content.decode()
    assert "Invitation into" not in body and client_b.user.email not in body
    assert invitation.user == client_b.user


# --- Accepting, declining ----------------------------------------------------------------------------------


def test_the_invitee_sees_who_invites_them_and_accepts_into_the_inviting_practice(
    sign_in, therapist_a, practice_a, outsider
):
    invitation = invite(therapist_a, outsider.email, next_appointment=timezone.now() + timedelta(days=3))
    http = sign_in(outsider)
    body = http.get(page_of(invitation)).content.decode()
    assert "Alice Therapist at Practice A invites you" in body
    assert 'name="accept"' in body and 'name="decline"' in body

    response = http.post(page_of(invitation), {"accept": "1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("homework:client_home")
    client = Client.objects.get(user=outsider)
    assert (client.practice, client.therapist, client.timezone, client.is_active) == (
        practice_a,
        therapist_a,
        "Europe/Berlin",
        True,
    )
    assert Appointment.objects.filter(client=client, starts_at=invitation.next_appointment).exists()
    assert CareInvitation.objects.get().status == InvitationStatus.ACCEPTED
    created = AuditEvent.objects.get(object_type="Client", action=AuditAction.CREATE)
    assert (created.object_code, created.client_code, created.actor_id) == (client.code, client.code, outsider.pk)
    assert http.get(reverse("homework:client_home")).status_code == 200

    therapist = sign_in(therapist_a)
    assert "Gina Outsider" in therapist.get(reverse("homework:client_list")).content.decode()
    assert outsider.email not in therapist.get(ADD).content.decode(), "no longer waiting"


def test_a_new_address_signs_in_and_accepts_the_same_way(client, sign_in, therapist_a, practice_a):
    sign_in(therapist_a).post(ADD, form(NEW_EMAIL, name="Frank New"))
    client.logout()
    invitation = CareInvitation.objects.get()
    answer = client.get(page_of(invitation))
    assert_redirects_to_sign_in(answer)
    assert f"next={page_of(invitation)}" in answer["Location"].replace("%2F", "/")

    response = sign_in(invitation.user).post(page_of(invitation), {"accept": "1"})

    assert response.status_code == 302
    assert Client.objects.get(user__email=NEW_EMAIL).practice == practice_a


def test_a_new_address_without_a_password_gets_back_to_the_invitation_by_an_emailed_code(client, therapist_a):
    """The one link in the email, signed out and with no password yet: sign-in page, "email me a
    code", the code, and allauth's `next` brings them back to the invitation."""
    invitation = invite(therapist_a, NEW_EMAIL)
    mail.outbox.clear()
    to_sign_in = client.get(page_of(invitation))["Location"]
    login_page = client.get(to_sign_in).content.decode()
    request_code = re.search(r'href="([^"]*/accounts/login/code/[^"]*)"', login_page).group(1).replace("&amp;", "&")
    assert "next=" in request_code
    confirm = client.post(request_code, {"email": NEW_EMAIL})["Location"]
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", mail.outbox[-1].body).group(1)

    response = client.post(confirm, {"code": code}, follow=True)

    assert response.redirect_chain[-1][0] == page_of(invitation)
    assert "Alice Therapist at Practice A invites you" in response.content.decode()


def test_an_appointment_that_has_passed_by_the_acceptance_is_not_booked(sign_in, therapist_a, outsider):
    invitation = invite(therapist_a, outsider.email, next_appointment=timezone.now() + timedelta(hours=1))
    CareInvitation.objects.filter(pk=invitation.pk).update(next_appointment=timezone.now() - timedelta(hours=1))
    sign_in(outsider).post(page_of(invitation), {"accept": "1"})
    assert Client.objects.filter(user=outsider).exists()
    assert not Appointment.objects.exists()


def test_declining_brings_nobody_into_the_caseload(sign_in, therapist_a, outsider):
    invitation = invite(therapist_a, outsider.email)
    http = sign_in(outsider)

    response = http.post(page_of(invitation), {"decline": "1"})

    assert response.status_code == 302 and response["Location"] == page_of(invitation)
    assert not Client.objects.filter(user=outsider).exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED and invitation.answered_at is not None
    body = http.get(page_of(invitation)).content.decode()
    assert invitations.DECLINED.replace("'", "&#x27;") in body
    assert 'name="accept"' not in body
    again = http.post(page_of(invitation), {"accept": "1"})
    assert again.status_code == 200
    assert not Client.objects.filter(user=outsider).exists()
    assert outsider.email not in sign_in(therapist_a).get(ADD).content.decode()


@pytest.mark.parametrize("who", ["anonymous", "client_a", "therapist_a", "colleague_a", "therapist_b", "other"])
def test_only_the_invitee_may_open_or_answer_the_invitation(who, request, client, sign_in, therapist_a, outsider):
    invitation = invite(therapist_a, outsider.email)
    if who == "anonymous":
        http = client
    elif who == "other":
        http = sign_in(make_user("harry@example.com", "Harry Other"))
    else:
        person = request.getfixturevalue(who)
        http = sign_in(getattr(person, "user", person))
    for answer in (http.get(page_of(invitation)), http.post(page_of(invitation), {"accept": "1"})):
        if who == "anonymous":
            assert_redirects_to_sign_in(answer)
        else:
            assert_not_found(answer)
            assert "Alice Therapist at" not in answer.content.decode()
    if who != "anonymous":
        assert_not_found(http.post(page_of(invitation), {"decline": "1"}))
    assert CareInvitation.objects.get().status == InvitationStatus.PENDING
    assert not Client.objects.filter(user=outsider).exists()


def test_the_write_functions_refuse_anyone_but_the_invitee(therapist_a, outsider, client_a):
    from django.core.exceptions import PermissionDenied

    invitation = invite(therapist_a, outsider.email)
    with pytest.raises(PermissionDenied):
        invitations.care_invitation_accept(invitation=invitation, user=client_a.user)
    with pytest.raises(PermissionDenied):
        invitations.care_invitation_decline(invitation=invitation, user=therapist_a)
    assert CareInvitation.objects.get().status == InvitationStatus.PENDING


def test_an_expired_invitation_cannot_be_accepted(sign_in, therapist_a, outsider):
    invitation = invite(therapist_a, outsider.email)
    CareInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    http = sign_in(outsider)
    body = http.get(page_of(invitation)).content.decode()
    assert "This invitation has expired. Ask Alice Therapist to send you a new one." in body
    assert 'name="accept"' not in body

    response = http.post(page_of(invitation), {"accept": "1"})

    assert response.status_code == 200
    assert "has expired" in response.content.decode()
    assert not Client.objects.filter(user=outsider).exists()
    assert outsider.email not in sign_in(therapist_a).get(ADD).content.decode(), "no longer listed as waiting"


def test_after_expiry_the_same_address_can_be_invited_again(therapist_a, outsider):
    first = invite(therapist_a, outsider.email)
    CareInvitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    second = invite(therapist_a, outsider.email)
    first.refresh_from_db()
    assert first.status == InvitationStatus.EXPIRED
    assert second.is_open


# --- Someone who cannot come into care with this account ------------------------------------------------------


def test_someone_already_in_care_elsewhere_is_told_so_and_nothing_moves(sign_in, therapist_a, client_b):
    invitation = invite(therapist_a, client_b.user.email)
    http = sign_in(client_b.user)
    body = http.get(page_of(invitation)).content.decode()
    assert "You are already in care with Practice B in Between" in body
    assert 'name="accept"' not in body and 'name="decline"' in body

    response = http.post(page_of(invitation), {"accept": "1"})

    assert response.status_code == 200
    assert "You are already in care with Practice B" in response.content.decode()
    client_b.refresh_from_db()
    assert client_b.practice.name == "Practice B" and client_b.therapist.name == "Bob Therapist"
    assert Client.objects.filter(user=client_b.user).count() == 1
    assert CareInvitation.objects.get().status == InvitationStatus.PENDING
    assert not AuditEvent.objects.filter(object_type="Client", action=AuditAction.CREATE).exists()


def test_a_former_client_of_another_practice_cannot_bring_that_record_along(sign_in, therapist_a, client_b):
    Client.objects.filter(pk=client_b.pk).update(is_active=False)
    invitation = invite(therapist_a, client_b.user.email)
    response = sign_in(client_b.user).post(page_of(invitation), {"accept": "1"})
    assert "Your earlier care with Practice B is kept in Between" in response.content.decode()
    client_b.refresh_from_db()
    assert (client_b.practice.name, client_b.is_active) == ("Practice B", False)


def test_a_therapist_cannot_become_a_client_with_the_same_account(sign_in, therapist_a, therapist_b):
    invitation = invite(therapist_a, therapist_b.email)
    response = sign_in(therapist_b).post(page_of(invitation), {"accept": "1"})
    assert response.status_code == 200
    assert "You use this account as a therapist in Between" in response.content.decode()
    assert not Client.objects.filter(user=therapist_b).exists()


def test_once_in_care_another_practices_invitation_can_no_longer_be_accepted(
    sign_in, therapist_a, therapist_b, outsider
):
    first, second = invite(therapist_a, outsider.email), invite(therapist_b, outsider.email)
    http = sign_in(outsider)
    http.post(page_of(first), {"accept": "1"})
    response = http.post(page_of(second), {"accept": "1"})
    assert "You are already in care with Practice A in Between" in response.content.decode()
    assert Client.objects.get(user=outsider).practice.name == "Practice A"


def test_an_invitation_from_a_therapist_who_left_the_practice_is_closed(sign_in, therapist_a, colleague_a, outsider):
    invitation = invite(colleague_a, outsider.email)
    colleague_a.memberships.all().delete()
    response = sign_in(outsider).post(page_of(invitation), {"accept": "1"})
    assert invitations.NOT_OPEN in response.content.decode()
    assert not Client.objects.filter(user=outsider).exists()


# --- The same address twice ---------------------------------------------------------------------------------


def test_the_practice_is_told_when_the_address_is_already_in_its_own_list(sign_in, therapist_a, colleague_a, client_a):
    http = sign_in(colleague_a)
    for address, message in (
        (client_a.user.email, "already in your practice&#x27;s list"),  # a client of a colleague
        (therapist_a.email, "already in your practice&#x27;s list"),  # a therapist of the practice
    ):
        response = http.post(ADD, form(address.upper()))
        assert response.status_code == 200
        assert message in response.content.decode()
    http.post(ADD, form(NEW_EMAIL))
    response = sign_in(therapist_a).post(ADD, form(NEW_EMAIL))  # invited by a colleague already
    assert "already invited this address" in response.content.decode()
    assert CareInvitation.objects.count() == 1


def test_another_practices_list_changes_nothing_in_the_answer(sign_in, therapist_a, therapist_b):
    """B's invitation to an address (or B's client) is none of A's business: A gets the usual answer."""
    sign_in(therapist_b).post(ADD, form(NEW_EMAIL))
    make_client(therapist_b.memberships.get().practice, therapist_b, "ivy@example.com", "Ivy B")
    http = sign_in(therapist_a)
    for address in (NEW_EMAIL, "ivy@example.com"):
        response = http.post(ADD, form(address))
        assert response.status_code == 302 and urlsplit(response["Location"]).path == ADD
    assert CareInvitation.objects.filter(therapist=therapist_a).count() == 2
