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
    }[kind]


TO_THERAPIST = {MessageKind.THERAPIST_INVITATION, MessageKind.NEEDS_ATTENTION, MessageKind.MORNING_BRIEF}


@pytest.fixture
def every_email(practice_a, therapist_a, client_a, goal_a, assignment_a, entry_a):
    objs = {"practice": practice_a, "client": client_a, "assignment": assignment_a}
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
        assert (
            "/my/" in email.body or "/welcome/" in email.body or "/clients/" in email.body or "/notices/" in email.body
        )


def test_links_in_emails_carry_codes_and_tokens_only(every_email, client_a):
    _, emails = every_email
    for email in emails:
        for line in email.body.splitlines():
            if "://" in line:
                assert client_a.name.split()[0] not in line.split("://", 1)[1]
                assert "@" not in line, "no email address in a link"
