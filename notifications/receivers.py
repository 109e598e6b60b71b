"""The emails the other apps' events cause, promised in the same transaction (outbox.enqueue)."""

from django.dispatch import receiver

from homework.events import assignment_created
from notifications.models import MessageKind
from notifications.outbox import enqueue
from practices.events import client_added, therapist_invited


@receiver(client_added, dispatch_uid="notifications.client_invitation")
def invite_client(sender, client, **kwargs):
    enqueue(recipient=client.user, kind=MessageKind.CLIENT_INVITATION, key=client.code, context={"client": client.code})


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
