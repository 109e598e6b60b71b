"""Render outbox messages into emails at send time.

No clinical content in any email (docs/security.md T-DP-5): email is not an encrypted channel, so a
message says only that something is waiting, with a link that requires signing in. A reminder
may name the therapist, never the exercise, a goal or a rating.
"""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import SignInLink
from notifications.links import ALL, pause_url
from notifications.models import MessageKind
from notifications.reminders import WORDINGS

SUBJECTS = {
    MessageKind.CLIENT_INVITATION: "You are invited to Between",
    MessageKind.THERAPIST_INVITATION: "You are invited to join your practice on Between",
    MessageKind.NEW_ASSIGNMENT: "You have something new to try",
    MessageKind.REMINDER: "A reminder from Between",
    MessageKind.NEEDS_ATTENTION: "A client of yours needs attention",
    MessageKind.MORNING_BRIEF: "Your notes for today's sessions are ready",
    MessageKind.CARE_INVITATION: "An invitation to do homework in Between",
}
INVITATIONS = (MessageKind.CLIENT_INVITATION, MessageKind.THERAPIST_INVITATION)


def _absolute(path):
    return settings.SITE_URL + path


def message_id(message):
    """Deterministic, so a resend after a crash carries the same Message-ID and can be collapsed."""
    digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{digest}@{domain}>"


def _sign_in_tokens(messages):
    """One sign-in link per message that carries one, issued in a single INSERT. The token exists
    only inside the email; the database keeps its hash."""
    invitations = [m for m in messages if m.kind in INVITATIONS]
    reminders = [m for m in messages if m.kind == MessageKind.REMINDER]
    tokens = {}
    for group, max_age in (
        (invitations, settings.SIGN_IN_LINK_MAX_AGE),
        (reminders, settings.REMINDER_SIGN_IN_MAX_AGE),
    ):
        if group:
            issued = SignInLink.issue_many([m.recipient for m in group], max_age=max_age)
            tokens.update(zip((m.pk for m in group), issued, strict=True))
    return tokens


def _context(message, token, wording, people, settings_link, inviters):
    context = {"recipient": message.recipient, "site_url": settings.SITE_URL}
    if token:
        context["link"] = _absolute(reverse("accounts:sign_in_link", args=[token]))
    if message.kind in INVITATIONS:
        context["code_login"] = _absolute(reverse("account_request_login_code"))
    elif message.kind == MessageKind.NEW_ASSIGNMENT:
        context["link"] = _absolute(reverse("homework:client_assignment", args=[message.context["assignment"]]))
    elif message.kind == MessageKind.REMINDER:
        therapist, client_code = people.get(message.pk, ("", ""))
        context["wording"] = WORDINGS[wording % len(WORDINGS)]
        context["therapist"] = therapist
        context["pause_this"] = pause_url(client_code, message.context["assignment"])
        context["pause_all"] = pause_url(client_code, ALL)
        context["settings_link"] = settings_link
    elif message.kind == MessageKind.NEEDS_ATTENTION:
        context["link"] = _absolute(reverse("notifications:notices"))
    elif message.kind == MessageKind.MORNING_BRIEF:
        context["link"] = _absolute(reverse("homework:client_list"))
    elif message.kind == MessageKind.CARE_INVITATION:
        # No sign-in token: the page needs the invitee signed in, so a forwarded email opens nothing.
        context["link"] = _absolute(reverse("practices:care_invitation", args=[message.context["invitation"]]))
        context["therapist"] = inviters.get(message.pk, "")
    return context


def _reminder_people(messages):
    """message pk -> (therapist's name, client code), in one query for the batch."""
    from homework.models import Assignment

    reminders = [m for m in messages if m.kind == MessageKind.REMINDER]
    if not reminders:
        return {}
    rows = Assignment.objects.filter(pk__in={m.assignment_id for m in reminders}).values_list(
        "pk", "client__therapist__name", "client__code"
    )
    by_assignment = {pk: (name, code) for pk, name, code in rows}
    return {m.pk: by_assignment.get(m.assignment_id, ("", "")) for m in reminders}


def _inviters(messages):
    """message pk -> the inviting therapist's name, in one query for the batch."""
    from practices.models import CareInvitation

    invitations = [m for m in messages if m.kind == MessageKind.CARE_INVITATION]
    if not invitations:
        return {}
    codes = {m.context.get("invitation") for m in invitations}
    names = dict(CareInvitation.objects.filter(code__in=codes).values_list("code", "therapist__name"))
    return {m.pk: names.get(m.context.get("invitation"), "") for m in invitations}


def build_emails(messages, wording=None):
    """The EmailMessages for `messages`, in order; `wording` maps reminder pk -> wording index."""
    wording = wording or {}
    tokens = _sign_in_tokens(messages)
    people = _reminder_people(messages)
    inviters = _inviters(messages)
    settings_link = _absolute(reverse("notifications:settings"))  # the same in every reminder
    emails = []
    for message in messages:
        context = _context(message, tokens.get(message.pk), wording.get(message.pk, 0), people, settings_link, inviters)
        headers = {"Message-ID": message_id(message)}
        if message.kind == MessageKind.REMINDER:
            # RFC 8058: a mail client's one-click "unsubscribe" posts to the pause-all link.
            headers["List-Unsubscribe"] = f"<{context['pause_all']}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        emails.append(
            EmailMessage(
                subject=str(SUBJECTS[message.kind]),
                body=render_to_string(f"notifications/emails/{message.kind}.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[message.recipient.email],
                headers=headers,
            )
        )
    return emails


def build_email(message):
    return build_emails([message])[0]
