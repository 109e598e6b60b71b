"""Render an outbox message into an email at send time.

No clinical content in any email (docs/security.md T-DP-5): email is not an encrypted channel, so a
message says only that something is waiting, with a link that requires signing in.
"""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import SignInLink
from notifications.models import MessageKind

SUBJECTS = {
    MessageKind.CLIENT_INVITATION: "You are invited to Between",
    MessageKind.THERAPIST_INVITATION: "You are invited to join your practice on Between",
    MessageKind.NEW_ASSIGNMENT: "You have something new to try",
}


def _absolute(path):
    return settings.SITE_URL + path


def _context(message):
    context = {"recipient": message.recipient, "site_url": settings.SITE_URL}
    if message.kind in (MessageKind.CLIENT_INVITATION, MessageKind.THERAPIST_INVITATION):
        # The token exists only inside this email; the database keeps its hash.
        _, token = SignInLink.issue(message.recipient)
        context["link"] = _absolute(reverse("accounts:sign_in_link", args=[token]))
        context["code_login"] = _absolute(reverse("account_request_login_code"))
    elif message.kind == MessageKind.NEW_ASSIGNMENT:
        context["link"] = _absolute(reverse("homework:client_assignment", args=[message.context["assignment"]]))
    return context


def message_id(message):
    """Deterministic, so a resend after a crash carries the same Message-ID and can be collapsed."""
    digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{digest}@{domain}>"


def build_email(message):
    body = render_to_string(f"notifications/emails/{message.kind}.txt", _context(message))
    return EmailMessage(
        subject=str(SUBJECTS[message.kind]),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient.email],
        headers={"Message-ID": message_id(message)},
    )
