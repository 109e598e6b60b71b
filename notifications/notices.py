"""In-app notices for the treating therapist: their one rulebook (written by the receivers of
homework's events, read and marked read on the notices page)."""

from django.utils import timezone

from notifications.models import Notice


def notice_add(*, client, kind, entry=None):
    """One unread notice per entry and kind: a client who edits a flagged entry twice is one notice."""
    notice, _ = Notice.objects.get_or_create(
        recipient_id=client.therapist_id, client=client, entry=entry, kind=kind, read_at__isnull=True
    )
    return notice


def notices_mark_read(*, recipient, notice_ids=None):
    """Mark the recipient's notices read (all of them, or the given ones); others' are untouched."""
    unread = Notice.objects.filter(recipient=recipient, read_at__isnull=True)
    if notice_ids is not None:
        unread = unread.filter(pk__in=notice_ids)
    return unread.update(read_at=timezone.now())
