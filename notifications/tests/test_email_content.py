"""Every email we can send, rendered from a world whose clinical fields all hold SENTINEL: no
sentinel, exercise title, goal or rating in the subject, the body or any header (docs/security.md
T-DP-5). Complete by construction: a new kind of message without a case here fails."""

import pytest

from conftest import SENTINEL
from notifications.email import build_emails
from notifications.models import Message, MessageKind

pytestmark = pytest.mark.django_db


def _context(kind, objs):
    return {
        MessageKind.CLIENT_INVITATION: {"client": objs["client"].code},
        MessageKind.THERAPIST_INVITATION: {"practice": objs["practice"].code},
        MessageKind.NEW_ASSIGNMENT: {"assignment": objs["assignment"].code},
        MessageKind.REMINDER: {
            "assignment": objs["assignment"].code,
            "date": objs["assignment"].starts_on.isoformat(),
            "time": "19:00",
        },
        MessageKind.NEEDS_ATTENTION: {"client": objs["client"].code},
        MessageKind.MORNING_BRIEF: {"date": objs["assignment"].starts_on.isoformat()},
        MessageKind.CARE_INVITATION: {"invitation": objs["invitation"].code},
    }[kind]


TO_THERAPIST = {MessageKind.THERAPIST_INVITATION, MessageKind.NEEDS_ATTENTION, MessageKind.MORNING_BRIEF}


@pytest.fixture
def invitation_a(practice_a, therapist_a, client_a):
    """An invitation into therapist_a's care whose typed name carries the sentinel (what a
    therapist types stays off the email too)."""
    from datetime import timedelta

    from practices.models import CareInvitation

    return CareInvitation.objects.create(
        practice=practice_a,
        therapist=therapist_a,
        user=client_a.user,
        email=client_a.user.email,
        name=f"Typed {SENTINEL}",
        timezone="Europe/Berlin",
        expires_at=client_a.created_at + timedelta(days=14),
    )


@pytest.fixture
def every_email(practice_a, therapist_a, client_a, goal_a, assignment_a, entry_a, invitation_a):
    objs = {"practice": practice_a, "client": client_a, "assignment": assignment_a, "invitation": invitation_a}
    messages = [
        Message.objects.create(
            idempotency_key=f"{kind}:test",
            recipient=therapist_a if kind in TO_THERAPIST else client_a.user,
            kind=kind,
            assignment=assignment_a if kind == MessageKind.REMINDER else None,
            context=_context(kind, objs),
            next_attempt_at=assignment_a.created_at,
        )
        for kind in MessageKind.values
    ]
    return messages, build_emails(messages)


def test_no_email_carries_clinical_text_in_subject_body_or_headers(every_email, assignment_a, goal_a, entry_a):
    messages, emails = every_email
    assert {m.kind for m in messages} == set(MessageKind.values)
    clinical = [SENTINEL, assignment_a.title, goal_a.title, assignment_a.template_version.title]
    for message, email in zip(messages, emails, strict=True):
        rendered = "\n".join([email.subject, email.body, *map(str, email.extra_headers.values())])
        assert rendered.strip(), message.kind
        for text in clinical:
            assert text not in rendered, f"{message.kind} email shows {text!r}"
        assert any(path in email.body for path in ("/my/", "/welcome/", "/clients/", "/notices/", "/invitations/"))


def test_links_in_emails_carry_codes_and_tokens_only(every_email, client_a):
    _, emails = every_email
    for email in emails:
        for line in email.body.splitlines():
            if "://" in line:
                assert client_a.name.split()[0] not in line.split("://", 1)[1]
                assert "@" not in line, "no email address in a link"


def test_an_invitation_into_care_names_the_therapist_and_links_to_its_page(every_email, invitation_a, therapist_a):
    messages, emails = every_email
    email = next(e for m, e in zip(messages, emails, strict=True) if m.kind == MessageKind.CARE_INVITATION)
    assert f"{therapist_a.name} invites you to do homework with them in Between" in email.body
    assert f"/invitations/{invitation_a.code}/" in email.body
    assert "/welcome/" not in email.body, "no sign-in token: the page needs the invitee signed in"
    assert "Practice A" not in email.body + email.subject, "invitation emails name no practice"
