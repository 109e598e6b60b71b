"""Promise an email inside the caller's transaction; deliver it after commit.

enqueue() must run in the same transaction as the change that causes the email, so the
promise and the change commit or roll back together (docs/security.md, "Decisions").
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Message


def enqueue(*, recipient, kind, key, context=None):
    """Write one outbox row, due now; a second call with the same key returns the first row unchanged."""
    idempotency_key = f"{kind}:{key}"
    try:
        with transaction.atomic():
            message = Message.objects.create(
                idempotency_key=idempotency_key,
                recipient=recipient,
                kind=kind,
                context=context or {},
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return Message.objects.get(idempotency_key=idempotency_key)

    from notifications.tasks import deliver_message

    transaction.on_commit(lambda: deliver_message(message.pk))
    return message
