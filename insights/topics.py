"""Topics for the next session: the client's short list, the therapist's tick in session.
The one rulebook for them; pages and the API call these."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.record import record
from insights.models import SessionTopic
from lib.validation import checked_text

TOPIC_MAX = 200
OPEN_TOPICS_MAX = 10
EMPTY_TOPIC = "Write what you would like to talk about."
TOO_MANY_TOPICS = f"You have {OPEN_TOPICS_MAX} topics waiting already; your therapist will go through them with you."
NOT_YOUR_ENTRY = "Choose one of your own entries."
ALREADY_DISCUSSED = "You have already talked about this with your therapist, so it stays in what you discussed."


def topic_add(*, client, author, text, entry=None):
    """A topic the client wants to talk about next time, optionally from one of their entries."""
    if author.pk != client.user_id:
        raise PermissionDenied("Only the client adds topics for their next session.")
    errors = {}
    text = checked_text(errors, "text", text, max_length=TOPIC_MAX, required=True, required_message=EMPTY_TOPIC)
    if entry is not None and entry.assignment.client_id != client.pk:
        errors["entry"] = NOT_YOUR_ENTRY
    if SessionTopic.objects.open().filter(client=client).count() >= OPEN_TOPICS_MAX:
        errors.setdefault("text", TOO_MANY_TOPICS)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        topic = SessionTopic.objects.create(client=client, text=text, entry=entry)
        record(actor=author, action=AuditAction.CREATE, obj=topic, client=client)
    return topic


def topic_mark_discussed(*, topic, therapist):
    """The treating therapist ticks a topic off in session; ticking twice changes nothing."""
    if therapist.pk != topic.client.therapist_id:
        raise PermissionDenied("Only the treating therapist ticks off a topic.")
    with transaction.atomic():
        changed = SessionTopic.objects.filter(pk=topic.pk, discussed_at__isnull=True).update(
            discussed_at=timezone.now(), discussed_by=therapist
        )
        if changed:
            record(actor=therapist, action=AuditAction.UPDATE, obj=topic, client=topic.client)
    topic.refresh_from_db()
    return topic


def topic_remove(*, topic, author):
    """The client takes back a topic before it is discussed (changed their mind, sorted it out);
    once discussed it is part of what the therapist went through, so it stays."""
    if author.pk != topic.client.user_id:
        raise PermissionDenied("Only the client removes their own topics.")
    with transaction.atomic():
        # Conditional, so a tick in session that lands meanwhile wins over the removal.
        deleted, _ = SessionTopic.objects.filter(pk=topic.pk, discussed_at__isnull=True).delete()
        if not deleted:
            raise ValidationError({"topic": ALREADY_DISCUSSED})
        # No "delete" action in the trail yet; a change is the closest. Codes outlive the row.
        record(actor=author, action=AuditAction.UPDATE, obj=topic, client=topic.client)
