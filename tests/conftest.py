"""Fixtures shared by the cross-cutting suites in tests/ (authorization matrix, query counts,
browser loop, headers). The cast itself lives in the root conftest.py."""

import re
from types import SimpleNamespace

import pytest

from conftest import SENTINEL, builtin_version, make_assignment, make_entry

# Strings that must never reach anyone but therapist_a and client_a: A's free text, and who
# client_a is (a name or an address is already a disclosure of who is in therapy).
CLIENT_A_NAME = "Dana Client"
CLIENT_A_EMAIL = "dana@example.com"
LEAK_MARKERS = (SENTINEL, CLIENT_A_NAME, CLIENT_A_EMAIL)

ROLES = ("anonymous", "client_a", "client_b", "therapist_a", "colleague_a", "therapist_b")


# --- Playwright: Debian's Chromium (docs/stack.md traps 3, 4, 8) ------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


def pass_second_step(page, base, user):
    """After the password, staff are asked for their second factor: a recovery code here, since
    each works once however quickly the tests sign the same person in again (a TOTP code would
    be refused as replayed within its 30 seconds). Clients are not asked."""
    from django.urls import reverse

    from accounts.second_factor import unused_recovery_code

    if reverse("mfa_authenticate") not in page.url:
        return
    page.get_by_label("Code").fill(unused_recovery_code(user))
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
    assert reverse("mfa_authenticate") not in page.url, f"the second step refused {user.email}"


# --- Practice A's world, with SENTINEL in every free-text field ---------------------------------------


@pytest.fixture
def template_a(practice_a, therapist_a):
    """A practice-own exercise template of practice A (shared with colleague_a, not with B)."""
    from homework.models import ExerciseTemplate, TemplateVersion

    base = builtin_version("thought-record")
    template = ExerciseTemplate.objects.create(kind=base.template.kind, practice=practice_a)
    TemplateVersion.objects.create(
        template=template,
        number=1,
        title=f"Practice A exercise {SENTINEL}",
        summary=f"Summary {SENTINEL}",
        rationale=f"Template rationale {SENTINEL}",
        instructions=f"Template instructions {SENTINEL}",
        items=base.items,
        scoring=base.scoring,
    )
    return template


@pytest.fixture
def world_b(client_b):
    """B's own homework, so B's pages render real rows (none of it may show up on A's pages)."""
    from homework.models import Comment
    from insights.models import SessionTopic

    assignment = make_assignment(
        client_b, title="B's homework", instructions="B's instructions", rationale="B's rationale"
    )
    entry = make_entry(assignment, answers={"situation": "B's situation"})
    Comment.objects.create(entry=entry, author=client_b.user, body="B's comment")
    SessionTopic.objects.create(client=client_b, entry=entry, text="B's topic")
    return SimpleNamespace(client=client_b, assignment=assignment, entry=entry)


@pytest.fixture
def notices_a(therapist_a, client_a, entry_a):
    """For therapist_a: an unread notice of entry_a, and an email to client_a we gave up on (the
    notices page and the owner's failed deliveries then show A's rows)."""
    from django.utils import timezone

    from notifications.models import Message, MessageKind, MessageStatus, Notice, NoticeKind

    notice = Notice.objects.create(recipient=therapist_a, client=client_a, entry=entry_a, kind=NoticeKind.TO_DISCUSS)
    failed = Message.objects.create(
        idempotency_key=f"{MessageKind.NEW_ASSIGNMENT}:failed-{entry_a.code}",
        recipient=client_a.user,
        kind=MessageKind.NEW_ASSIGNMENT,
        context={"assignment": entry_a.assignment.code},
        status=MessageStatus.FAILED,
        attempts=8,
        last_error="SMTPRecipientsRefused",
        next_attempt_at=timezone.now(),
        claimed_at=timezone.now(),
    )
    return SimpleNamespace(notice=notice, failed_message=failed)


@pytest.fixture
def topic_a(client_a, entry_a):
    """client_a's open topic for the next session, added from entry_a."""
    from insights.models import SessionTopic

    return SessionTopic.objects.create(client=client_a, entry=entry_a, text=f"Topic {SENTINEL}")


@pytest.fixture
def care_invitation_a(practice_a, therapist_a, client_b):
    """therapist_a's open invitation into A's care, sent to client_b's address (who is in B's care,
    so their page shows why they cannot accept, and a Decline button). Its owner is its invitee."""
    from datetime import timedelta

    from django.utils import timezone

    from practices.models import CareInvitation

    return CareInvitation.objects.create(
        practice=practice_a,
        therapist=therapist_a,
        user=client_b.user,
        email=client_b.user.email,
        name="Eve Typed",
        timezone="America/New_York",
        expires_at=timezone.now() + timedelta(days=14),
    )


@pytest.fixture
def objs(
    practice_a, therapist_a, client_a, goal_a, appointment_a, assignment_a, entry_a, template_a,
    colleague_a, world_b, notices_a, topic_a, care_invitation_a,
):  # fmt: skip
    """Everything of A's that a URL can point at, by name (the matrix's URL builders read it).

    The whole cast exists whenever it is used: colleague_a, and B's practice with B's own homework."""
    builtin = builtin_version("thought-record").template
    # entry_a carries a risk flag not yet marked seen, so the risk-seen form has something to mark
    # and the therapist's home lists it first in its queue.
    type(entry_a).objects.filter(pk=entry_a.pk).update(risk_flag=True)
    entry_a.risk_flag = True
    return SimpleNamespace(
        practice=practice_a,
        therapist=therapist_a,
        client=client_a,
        goal=goal_a,
        appointment=appointment_a,
        assignment=assignment_a,
        entry=entry_a,
        comment=entry_a.comments.first(),
        template=template_a,
        builtin_template=builtin,
        notice=notices_a.notice,
        failed_message=notices_a.failed_message,
        topic=topic_a,
        care_invitation=care_invitation_a,
    )


@pytest.fixture
def role_user(request):
    """role name -> the User it signs in as (None for anonymous)."""

    def _user(role):
        if role == "anonymous":
            return None
        person = request.getfixturevalue(role)
        return getattr(person, "user", person)  # client_a is a practices.Client; its user signs in

    return _user


@pytest.fixture
def as_role(client, role_user, sign_in):
    """The Django test client signed in as `role` (or left anonymous)."""

    def _as(role):
        user = role_user(role)
        if user is not None:
            sign_in(user)
        return client

    return _as


def snapshot(objs=None):
    """Everything a forbidden request must leave exactly as it found it."""
    from accounts.models import SignInLink, User
    from homework.models import (
        Assignment,
        AssignmentReview,
        Comment,
        Draft,
        Entry,
        ExerciseTemplate,
        SelfRating,
        TemplateVersion,
    )
    from insights.models import SessionTopic
    from notifications.models import Message, Notice, TherapistPreferences
    from practices.models import Appointment, CareInvitation, Client, Goal, Membership

    counts = {
        model.__name__: model.objects.count()
        for model in (
            Entry,
            Comment,
            Assignment,
            AssignmentReview,
            Goal,
            Appointment,
            Client,
            User,
            Membership,
            Message,
            Notice,
            SignInLink,
            ExerciseTemplate,
            TemplateVersion,
            SelfRating,
            SessionTopic,
            CareInvitation,
            Draft,
        )
    }
    state = {
        "counts": counts,
        # Read or not, retried or not: a refused POST must not mark A's notices or resend A's email.
        "notices": sorted(Notice.objects.values_list("pk", "read_at")),
        "messages": sorted(Message.objects.values_list("pk", "status", "attempts")),
        # Ticked off in session or not: only the treating therapist may tick a topic.
        "topics": sorted(SessionTopic.objects.values_list("pk", "discussed_at", "discussed_by")),
        # Answered or not: only the invitee may accept or decline an invitation.
        "care_invitations": sorted(CareInvitation.objects.values_list("pk", "status", "answered_at")),
        # Kept or not, overwritten or not: only the client keeps drafts of their own log forms.
        "drafts": sorted(Draft.objects.values_list("pk", "updated_at")),
        "therapist_preferences": sorted(
            TherapistPreferences.objects.values_list("user_id", "timezone", "morning_brief_at")
        ),
    }
    if objs is not None:
        a = Assignment.objects.get(pk=objs.assignment.pk)
        e = Entry.objects.get(pk=objs.entry.pk)
        g = Goal.objects.get(pk=objs.goal.pk)
        p = Appointment.objects.get(pk=objs.appointment.pk)
        c = Client.objects.select_related("user").get(pk=objs.client.pk)
        state.update(
            assignment=(a.status, a.version, a.updated_at, a.title, a.instructions, a.due_on, a.confidence),
            entry=(e.outcome, e.version, e.updated_at, e.answers, e.reviewed_at, e.helpfulness, e.risk_seen_at),
            goal=(g.status, g.title, g.description, g.updated_at),
            appointment=(p.starts_at,),
            client=(c.is_active, c.timezone, c.therapist_id, c.user.name, c.user.email, c.user.is_active),
            comments=sorted(Comment.objects.filter(entry=e).values_list("pk", "body")),
        )
    return state
