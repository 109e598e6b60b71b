"""The door to the audit trail itself, for the two pages that show it (practices.audit_views):
a client's "who opened your record" and a practice owner's search.

Who may see which rows is decided by the caller, which passes what is theirs (a client's code,
the practice's people and clients); these functions only ever narrow that down. Both read with
the trail's indexes: (client_code, at) and (actor, at).
"""

import dataclasses
from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from audit.models import AUTH_ACTIONS, AuditEvent

PER_PAGE = 50
# What the pages print: no user agent, no request id, no hashes.
SHOWN_FIELDS = (
    "seq", "at", "actor_id", "actor_label", "actor_role", "client_code", "action", "object_type", "object_code",
    "outcome", "ip",
)  # fmt: skip


def access_history_of(client_code, *, limit, exclude_actor_id=None):
    """Others' access to one client's record, newest first, at most `limit` rows: everything
    recorded under the client's code except what the client did themself (`exclude_actor_id`,
    their user) and sign-in events."""
    if not client_code:
        return []
    rows = AuditEvent.objects.filter(client_code=client_code).exclude(action__in=AUTH_ACTIONS)
    if exclude_actor_id is not None:
        rows = rows.exclude(actor_id=exclude_actor_id)
    return list(rows.only(*SHOWN_FIELDS).order_by("-at", "-seq")[:limit])


@dataclasses.dataclass(frozen=True)
class SearchPage:
    rows: list
    number: int
    has_previous: bool
    has_next: bool

    @property
    def has_other_pages(self):
        return self.has_previous or self.has_next


def _day_start(day, tz):
    return timezone.make_aware(datetime.combine(day, time.min), tz)


def search(
    *,
    actor_ids,
    client_codes,
    date_from=None,
    date_to=None,
    actor_id=None,
    client_code=None,
    page=1,
    per_page=PER_PAGE,
    tz=UTC,
):
    """A practice owner's search, newest first, `per_page` rows a page (no count of all rows:
    a page reads per_page + 1 to know whether there is another).

    actor_ids, client_codes: what the practice may see (its people's user ids, its clients' codes);
    a row is in scope if it is about one of its clients, or if one of its people did it and it is
    about no client (their sign-ins). actor_id, client_code: narrow to one person or client (one
    outside the allowed sets finds nothing). date_from, date_to: days, both included, in `tz`.
    """
    actor_ids, client_codes = set(actor_ids), set(client_codes)
    if actor_id is not None and actor_id not in actor_ids:
        return SearchPage([], 1, False, False)
    if client_code is not None and client_code not in client_codes:
        return SearchPage([], 1, False, False)
    rows = AuditEvent.objects.filter(client_code__in=client_codes) | AuditEvent.objects.filter(
        actor_id__in=actor_ids, client_code=""
    )
    if actor_id is not None:
        rows = rows.filter(actor_id=actor_id)
    if client_code is not None:
        rows = rows.filter(client_code=client_code)
    if date_from is not None:
        rows = rows.filter(at__gte=_day_start(date_from, tz))
    if date_to is not None:
        rows = rows.filter(at__lt=_day_start(date_to + timedelta(days=1), tz))
    page = max(1, int(page))
    start = (page - 1) * per_page
    found = list(rows.only(*SHOWN_FIELDS).order_by("-at", "-seq")[start : start + per_page + 1])
    return SearchPage(found[:per_page], page, page > 1, len(found) > per_page)
