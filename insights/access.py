"""The door to insights' data: the client's topics for next time and their own history.

Built like homework.access over audit.door: get_* fetches by public code from a queryset already
scoped to what the user may see and answers 404 for anything else, a foreign record exactly as a
missing one; list functions take a client loaded through a door and return it in one fixed
order. The therapist's side (the brief) reads a client that practices.access loaded.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.http import Http404
from django.utils import timezone

from audit.door import NOT_FOUND, fetch_one, read_recorded
from insights.history import load_history
from insights.models import SessionTopic
from practices.access import client_profile_for

# How long a discussed topic stays on the client's page: long enough to see it was heard, short
# enough that the page stays about what is next. Bounded in number too, so the page stays short.
DISCUSSED_SHOWN_FOR = timedelta(days=30)
DISCUSSED_SHOWN_MAX = 10
# A topic with the day and title of the entry it came from; the entry's answers and notes (free
# text, encrypted) stay unread.
TOPIC_FIELDS = (
    "code", "client", "text", "entry", "created_at", "discussed_at", "discussed_by",
    "entry__code", "entry__occurred_on", "entry__assignment", "entry__assignment__title",
)  # fmt: skip


@dataclass(frozen=True)
class TopicsPage:
    open: list  # not discussed yet, in the order they were raised
    discussed: list  # discussed in the last DISCUSSED_SHOWN_FOR, newest first


def _topic_client(topic):
    return topic.client


def _check_own(user, client):
    # A second line behind client_required: the client handed in must be the user's own.
    if client.user_id != user.pk or not client.is_active:
        raise Http404(NOT_FOUND)


def open_topics_of(client):
    """The client's topics not discussed yet, oldest first (the order they were raised), with the
    entry each came from. The caller has loaded `client` through a door."""
    return (
        SessionTopic.objects.open()
        .filter(client=client)
        .select_related("entry__assignment")
        .only(*TOPIC_FIELDS)
        .order_by("created_at", "pk")
    )


def topics_page_of(client, *, user, request=None):
    """What the client's topics page lists: the open ones and those discussed recently, in two
    queries however many there have been."""
    _check_own(user, client)
    read_recorded(user=user, obj=client, client=client, request=request)
    since = timezone.now() - DISCUSSED_SHOWN_FOR
    discussed = (
        SessionTopic.objects.filter(client=client, discussed_at__gte=since)
        .select_related("entry__assignment")
        .only(*TOPIC_FIELDS)
        .order_by("-discussed_at", "-pk")[:DISCUSSED_SHOWN_MAX]
    )
    return TopicsPage(open=list(open_topics_of(client)), discussed=list(discussed))


def get_topic_for_client(user, code, *, request=None):
    """One of the signed-in client's own topics; anyone else's is "not found"."""
    queryset = SessionTopic.objects.select_related("client__user")
    scoped = queryset.filter(client__user=user, client__is_active=True)
    return fetch_one(scoped, user=user, code=code, request=request, client_of=_topic_client)


def own_history(user, *, request=None):
    """The signed-in client's whole homework history (insights.history), in a fixed number of
    queries, with one read of the client recorded."""
    client = client_profile_for(user)
    if client is None:
        raise Http404(NOT_FOUND)
    read_recorded(user=user, obj=client, client=client, request=request)
    return load_history(client, own=True)


def get_topic_for_therapist(user, code, *, request=None):
    """A topic of a client in `user`'s care (the treating therapist only: a colleague or the
    practice's owner gets "not found", as for a missing one)."""
    queryset = SessionTopic.objects.select_related("client__user")
    scoped = queryset.filter(client__therapist=user, client__is_active=True)
    return fetch_one(scoped, user=user, code=code, request=request, client_of=_topic_client)
