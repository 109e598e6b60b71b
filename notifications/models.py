from django.conf import settings
from django.db import models
from django.db.models import Q


class MessageKind(models.TextChoices):
    CLIENT_INVITATION = "client_invitation", "Invitation for a client"
    THERAPIST_INVITATION = "therapist_invitation", "Invitation for a therapist"
    NEW_ASSIGNMENT = "new_assignment", "New homework"
    REMINDER = "reminder", "Practice reminder"
    NEEDS_ATTENTION = "needs_attention", "A client needs attention"
    MORNING_BRIEF = "morning_brief", "Notes ready before sessions"
    CARE_INVITATION = "care_invitation", "Invitation into a therapist's care"


class Channel(models.TextChoices):
    # A new channel is a new value here and a sender in notifications.email's place: stored rows
    # keep their string, so adding one needs no data migration.
    EMAIL = "email", "Email"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Gave up"
    CANCELLED = "cancelled", "Not needed any more"


class Message(models.Model):
    """The outbox: one row per email we promise to send, written in the same transaction as
    the change that causes it. The idempotency key makes a second promise of the same email
    impossible; the status moves pending -> sending -> sent by conditional updates."""

    idempotency_key = models.CharField(max_length=120, unique=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=40, choices=MessageKind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    # Reminders only: which assignment, and the planned instant (delays are measured from it).
    assignment = models.ForeignKey(
        "homework.Assignment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    # Public codes only (no free text): the email is rendered at send time from current data.
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # Handed to the queue by the sweep (a task is on its way); cleared when it must be handed again.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The claim of one delivery batch: its rows carry the batch's token while it sends them.
    claim = models.CharField(max_length=32, blank=True)
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
            ),
            # Back-off and wording read an assignment's recent reminders.
            models.Index(fields=["assignment", "sent_at"], name="notifications_message_sent"),
        ]

    def __str__(self):
        return f"{self.kind} to user {self.recipient_id} ({self.status})"


def default_channels():
    return [Channel.EMAIL.value]


class ReminderPreferences(models.Model):
    """A client's own rules for reminders: quiet hours, channels, a pause, the calendar feed."""

    client = models.OneToOneField("practices.Client", on_delete=models.CASCADE, related_name="reminder_preferences")
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    # Channel values (Channel); a list, so another channel later is a new value, not a column.
    channels = models.JSONField(default=default_channels)
    # No reminder for a practice planned on or before this local date.
    paused_until = models.DateField(null=True, blank=True)
    # The calendar feed's secret: the signed URL carries it; empty when the feed is off.
    feed_nonce = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Reminder preferences of client {self.client_id}"

    @property
    def quiet(self):
        if self.quiet_start is None or self.quiet_end is None:
            return None
        return (self.quiet_start, self.quiet_end)

    def wants(self, channel):
        return channel in self.channels

    def is_paused_on(self, day):
        return self.paused_until is not None and day <= self.paused_until


class TherapistPreferences(models.Model):
    """When a therapist hears that the day's notes are ready, and in which zone."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    timezone = models.CharField(max_length=64, default="UTC")
    morning_brief_at = models.TimeField(null=True, blank=True)  # None: 07:30
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Notice preferences of user {self.user_id}"


class NoticeKind(models.TextChoices):
    NEEDS_ATTENTION = "needs_attention", "Answered a question that signals risk"
    TO_DISCUSS = "to_discuss", "Wants to discuss an entry"
    COMMENT = "comment", "Commented on an entry"


class Notice(models.Model):
    """An in-app notice for the treating therapist; it names the client and links, nothing more."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    client = models.ForeignKey("practices.Client", on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey("homework.Entry", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notifications_notice_unread",
                condition=Q(read_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.kind} notice for user {self.recipient_id}"


class Heartbeat(models.Model):
    """When a periodic job last finished: /healthz reports a worker that stopped."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
