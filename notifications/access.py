"""The door for reads of notifications' data: preferences with their defaults, notices, failures."""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F, Q
from django.http import Http404

from audit.door import NOT_FOUND
from audit.models import AuditAction
from audit.record import record
from notifications.models import (
    Message,
    MessageKind,
    MessageStatus,
    Notice,
    ReminderPreferences,
    TherapistPreferences,
)
from practices.access import membership_for
from practices.models import Client, Membership

MORNING_BRIEF_DEFAULT = "07:30"


def reminder_preferences_of(client):
    """The client's preferences, or the defaults (unsaved) when they never changed any. Reads the
    cache of select_related("reminder_preferences") when the caller loaded it."""
    try:
        return client.reminder_preferences
    except ObjectDoesNotExist:
        return ReminderPreferences(client=client)


def therapist_preferences_of(user):
    found = TherapistPreferences.objects.filter(user=user).first()
    return found or TherapistPreferences(user=user)


# --- The therapist's notices ----------------------------------------------------------------------


def notices_of(user):
    """The therapist's own notices, newest first, of clients still in their care: a client who
    moved to another therapist or was set inactive takes their notices out of sight (the entry
    behind them would answer 404 anyway). Only what the notices page prints is loaded."""
    return (
        Notice.objects.filter(recipient=user, client__therapist=user, client__is_active=True)
        .select_related("client__user", "entry")
        .only("pk", "kind", "created_at", "read_at", "client__code", "client__user__name", "entry__code",
              "entry__occurred_on")
        .order_by("-created_at", "-pk")
    )  # fmt: skip


def unread_notice_count(user):
    return notices_of(user).filter(read_at__isnull=True).count()


def unread_notice_ids(user, *, entry_code=None, kind=None, created_before=None):
    """Ids of the user's unread notices in sight: of one entry and kind, or all of them shown
    before `created_before` (so "mark all read" never swallows one that arrived meanwhile)."""
    unread = notices_of(user).filter(read_at__isnull=True)
    if entry_code is not None:
        unread = unread.filter(entry__code=entry_code, kind=kind)
    if created_before is not None:
        unread = unread.filter(created_at__lte=created_before)
    return list(unread.values_list("pk", flat=True))


# --- Deliveries that failed, for the practice owner -----------------------------------------------


def _people_of(practice):
    # Subqueries, not joins: a therapist with memberships elsewhere must not repeat a row.
    return Q(recipient__in=Membership.objects.filter(practice=practice).values("user")) | Q(
        recipient__in=Client.objects.filter(practice=practice).values("user")
    )


def failed_messages_of(user):
    """Messages we gave up on whose recipient is in the practice `user` owns (a therapist of it
    or a client of it), the latest failure first. Never the context: only what the page lists."""
    membership = membership_for(user)
    if membership is None or not membership.is_owner:
        return Message.objects.none()
    return (
        Message.objects.filter(_people_of(membership.practice), status=MessageStatus.FAILED)
        # An invitation into care goes to someone who may be another practice's client or
        # therapist: their practice must not learn of it (docs/security.md, "No existence oracle").
        .exclude(kind=MessageKind.CARE_INVITATION)
        .select_related("recipient")
        .only("pk", "kind", "attempts", "last_error", "claimed_at", "created_at", "recipient__email")
        .order_by(F("claimed_at").desc(nulls_last=True), "-pk")
    )


def get_failed_message_for_owner(user, message_id, *, request=None):
    """One failed message of the owner's practice, or 404 (and a "denied" row), whether the id
    is foreign, missing, no longer failed or could not be read at all (None)."""
    found = None
    if message_id is not None:
        found = failed_messages_of(user).filter(pk=message_id).first()
    if found is None:
        record(actor=user, action=AuditAction.DENIED, object_type="Message", request=request)
        raise Http404(NOT_FOUND)
    return found
