from django.conf import settings
from django.db import models
from django.db.models import Q


class MessageKind(models.TextChoices):
    CLIENT_INVITATION = "client_invitation", "Invitation for a client"
    THERAPIST_INVITATION = "therapist_invitation", "Invitation for a therapist"
    NEW_ASSIGNMENT = "new_assignment", "New homework"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Gave up"


class Message(models.Model):
    """The outbox: one row per email we promise to send, written in the same transaction as
    the change that causes it. The idempotency key makes a second promise of the same email
    impossible; the status moves pending -> sending -> sent by conditional updates."""

    idempotency_key = models.CharField(max_length=120, unique=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=40, choices=MessageKind.choices)
    # Public codes only (no free text): the email is rendered at send time from current data.
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # The delivery sweep reads only unsent rows, so keep the index to those.
            models.Index(
                fields=["next_attempt_at"],
                name="notifications_message_due",
                condition=Q(status__in=["pending", "sending"]),
            )
        ]

    def __str__(self):
        return f"{self.kind} to user {self.recipient_id} ({self.status})"
