"""What the other apps' events cause here, written in the same transaction as the change: the
emails (outbox.enqueue), the reminders planned again, the therapist's notices."""

from django.dispatch import receiver

from homework.events import assignment_changed, assignment_created, comment_added, entry_recorded
from notifications import planner
from notifications.models import MessageKind, NoticeKind
from notifications.notices import notice_add
from notifications.outbox import enqueue
from notifications.preferences import replan_client
from practices.events import care_invited, client_added, client_timezone_changed, therapist_invited


@receiver(client_added, dispatch_uid="notifications.client_invitation")
def invite_client(sender, client, **kwargs):
    enqueue(recipient=client.user, kind=MessageKind.CLIENT_INVITATION, key=client.code, context={"client": client.code})


@receiver(care_invited, dispatch_uid="notifications.care_invitation")
def invite_into_care(sender, invitation, **kwargs):
    # The same email for an account new or old; the link needs the invitee signed in.
    enqueue(
        recipient=invitation.user,
        kind=MessageKind.CARE_INVITATION,
        key=invitation.code,
        context={"invitation": invitation.code},
    )


@receiver(therapist_invited, dispatch_uid="notifications.therapist_invitation")
def invite_therapist(sender, membership, **kwargs):
    practice = membership.practice
    enqueue(
        recipient=membership.user,
        kind=MessageKind.THERAPIST_INVITATION,
        key=f"{practice.code}:{membership.user_id}",
        context={"practice": practice.code},
    )


@receiver(assignment_created, dispatch_uid="notifications.new_assignment")
def tell_client_of_assignment(sender, assignment, **kwargs):
    enqueue(
        recipient=assignment.client.user,
        kind=MessageKind.NEW_ASSIGNMENT,
        key=assignment.code,
        context={"assignment": assignment.code},
    )
    planner.replan([assignment.pk])


@receiver(assignment_changed, dispatch_uid="notifications.replan_assignment")
def replan_assignment(sender, assignment, **kwargs):
    planner.replan([assignment.pk])


@receiver(entry_recorded, dispatch_uid="notifications.entry_notices")
def tell_therapist_of_entry(sender, entry, risk_raised, discuss_raised, commented, **kwargs):
    client = entry.assignment.client
    if risk_raised:
        notice_add(client=client, kind=NoticeKind.NEEDS_ATTENTION, entry=entry)
        # At once and by email too, content-free: the email says only that someone needs attention.
        enqueue(
            recipient=client.therapist,
            kind=MessageKind.NEEDS_ATTENTION,
            key=entry.code,
            context={"client": client.code},
        )
    if discuss_raised:
        notice_add(client=client, kind=NoticeKind.TO_DISCUSS, entry=entry)
    if commented:
        notice_add(client=client, kind=NoticeKind.COMMENT, entry=entry)


@receiver(comment_added, dispatch_uid="notifications.comment_notice")
def tell_therapist_of_comment(sender, comment, **kwargs):
    client = comment.entry.assignment.client
    # A private entry's comments are the client's own: nothing for the therapist to hear of.
    if comment.author_id == client.user_id and not comment.entry.is_private:
        notice_add(client=client, kind=NoticeKind.COMMENT, entry=comment.entry)


@receiver(client_timezone_changed, dispatch_uid="notifications.replan_client_zone")
def replan_client_zone(sender, client, **kwargs):
    # Reminders are local wall-clock times: a new zone moves every instant already planned.
    replan_client(client)
