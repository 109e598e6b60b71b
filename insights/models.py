from django.conf import settings
from django.db import models

from lib.fields import EncryptedTextField, PublicCodeField


class SessionTopicQuerySet(models.QuerySet):
    def open(self):
        return self.filter(discussed_at__isnull=True)


class SessionTopic(models.Model):
    """Something short the client wants to talk about next time; it opens the brief (after risk),
    and the therapist ticks it off in session."""

    code = PublicCodeField()
    client = models.ForeignKey("practices.Client", on_delete=models.CASCADE, related_name="session_topics")
    text = EncryptedTextField()
    # The entry it came from, when the client added it there.
    entry = models.ForeignKey("homework.Entry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    discussed_at = models.DateTimeField(null=True, blank=True)
    discussed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = SessionTopicQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["client", "discussed_at"], name="insights_topic_open")]

    def __str__(self):
        return f"Session topic {self.code}"
