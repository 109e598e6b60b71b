"""A practice owner sends a message we gave up on once more: the one rulebook for a retry, and
the token that names the message on the page.

The page never carries a message's integer key (it would tell how many emails the whole server
has sent): the token is the key sealed with the field-encryption key (lib.crypto, AES-GCM), so it
can be neither read nor forged, and the associated data keeps it from meaning anything elsewhere.
"""

import binascii

from cryptography.exceptions import InvalidTag
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lib.crypto import decrypt, encrypt
from notifications.models import Message, MessageStatus
from notifications.tasks import deliver_message
from practices.models import Client, Membership, Role

RETRY_AAD = "between.notifications.retry"
TOKEN_MAX = 200
NOT_FAILED = "This email is no longer waiting for a retry: someone retried it already, or it was sent."


def retry_token(message_id):
    return encrypt(str(message_id), RETRY_AAD)


def read_retry_token(token):
    """The message id sealed in `token`, or None for anything we did not seal for a retry."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        return None
    try:
        value = decrypt(token, RETRY_AAD)
    # An unknown key id is a changed token here, not a broken configuration.
    except (InvalidTag, ValueError, binascii.Error, ImproperlyConfigured, UnicodeDecodeError):
        return None
    return int(value) if value.isdigit() else None


def _owns_practice_of(actor, recipient_id):
    recipients_practices = Membership.objects.filter(user_id=recipient_id).values("practice")
    clients_practice = Client.objects.filter(user_id=recipient_id).values("practice")
    return (
        Membership.objects.filter(user=actor, role=Role.OWNER)
        .filter(Q(practice__in=recipients_practices) | Q(practice__in=clients_practice))
        .exists()
    )


def message_retry(*, message, actor):
    """Put a failed message back in the outbox as if new (no attempts, due now) and hand it to the
    queue once the change commits. Only an owner of the recipient's practice may."""
    # A second line behind notifications.access.get_failed_message_for_owner.
    if not _owns_practice_of(actor, message.recipient_id):
        raise PermissionDenied("Only an owner of the recipient's practice retries their email.")
    with transaction.atomic():
        # Conditional: two owners pressing Retry at once send it once.
        reset = Message.objects.filter(pk=message.pk, status=MessageStatus.FAILED).update(
            status=MessageStatus.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            dispatched_at=None,
            claim="",
            last_error="",
        )
        if not reset:
            raise ValidationError(NOT_FAILED)
        transaction.on_commit(lambda: deliver_message(message.pk))
    message.refresh_from_db()
    return message
