"""The one way to write the audit trail; called by the doors (reads, lists, refusals), the write
functions (changes), and audit.auth_events (signing in and credentials).

Every row gets the request's client IP, user agent and request id from audit.context (or from the
request passed, outside the middleware), a snapshot of who the actor was (name and email, role)
and its place in the hash chain (audit.chain), appended under a lock so two requests never chain
off the same row.

Reads, lists and refusals of a request are kept until the request ends and then appended in one
transaction (flush_pending, called by audit.context.AuditContextMiddleware before the response
leaves): one lock and two queries per page however many rows it records, and a read stays
recorded even if a write of the same request is rolled back. Changes are appended at once, in
the caller's transaction, so a rolled-back change leaves no row. Outside a request every row is
appended at once.
"""

from django.db import connections, router, transaction
from django.utils import timezone

from audit import chain, context
from audit.models import AuditAction, AuditEvent, Outcome

# Any fixed 64-bit number, the same in every process: the lock serialising appends on PostgreSQL.
ADVISORY_LOCK_KEY = 0x61756469745F7631  # "audit_v1"
LABEL_MAX = 300
EMAIL_MAX = 254

# Kept until the request ends: nothing to roll back with a change.
DEFERRED_ACTIONS = frozenset({AuditAction.READ, AuditAction.LIST, AuditAction.DENIED, AuditAction.EXPORT})
FAILED_ACTIONS = frozenset({AuditAction.SIGN_IN_FAILED, AuditAction.LOCKED_OUT, AuditAction.MFA_FAILED})

_role_lookup = None


def register_role_lookup(lookup):
    """`lookup(user) -> "owner" | "therapist" | "client" | ""`, from an app above this one
    (practices registers practices.access.role_of). Used for sign-in events, where no door ran."""
    global _role_lookup
    _role_lookup = lookup


def label_of(user):
    """ "Alice Owner <alice@example.com>": who the actor was when the row was written."""
    return f"{getattr(user, 'name', '')} <{user.email}>".strip()[:LABEL_MAX]


def normalised_email(value):
    return str(value or "").strip().lower()[:EMAIL_MAX]


def cached_role(user):
    """The role from what the doors cached on the user object this request (practices.access
    membership_for / client_profile_for), without a query; "" when neither ran."""
    membership = getattr(user, "_between_membership", None)
    if membership is not None:
        return "owner" if getattr(membership, "is_owner", False) else "therapist"
    if getattr(user, "_between_client", None) is not None:
        return "client"
    return ""


def _role(user, actor_role, look_up):
    if not getattr(user, "is_authenticated", False):
        return "anonymous"
    if actor_role is not None:
        return actor_role
    found = cached_role(user)
    if not found and look_up and _role_lookup is not None:
        found = _role_lookup(user) or ""
    return found


def record(
    *,
    actor,
    action,
    obj=None,
    client=None,
    request=None,
    object_type="",
    object_code="",
    actor_role=None,
    actor_label=None,
    outcome=None,
    detail="",
    look_up_role=False,
):
    """Store who did what to which record. Pass the object, or its type and code when there is
    no object (a refused lookup, a list, a sign-in).

    actor_role: "owner", "therapist" or "client" when the caller knows it; otherwise it comes from
    the doors' per-request cache on the user (look_up_role=True: from practices when not cached).
    actor_label: for anonymous events, what identifies the attempt (the email typed).
    """
    signed_in = getattr(actor, "is_authenticated", False)
    ctx = context.current()
    if ctx is None and request is not None:
        ctx = context.context_of(request)
    if outcome is None:
        outcome = Outcome.OK
        if action == AuditAction.DENIED:
            outcome = Outcome.DENIED
        elif action in FAILED_ACTIONS:
            outcome = Outcome.FAILED
    event = AuditEvent(
        at=timezone.now(),
        actor=actor if signed_in else None,
        actor_label=(label_of(actor) if signed_in else normalised_email(actor_label))[:LABEL_MAX],
        actor_role=_role(actor, actor_role, look_up_role),
        client_code=client.code if client is not None else "",
        action=action,
        object_type=(type(obj).__name__ if obj is not None else object_type)[:40],
        object_code=str(getattr(obj, "code", "") if obj is not None else object_code)[:16],
        detail=str(detail or "")[:80],
        outcome=outcome,
        ip=AuditEvent._meta.get_field("ip").get_prep_value(ctx.ip) if ctx is not None and ctx.ip else None,
        user_agent=ctx.user_agent if ctx is not None else "",
        request_id=ctx.request_id if ctx is not None else "",
    )
    waiting = context.pending()
    if waiting is not None and action in DEFERRED_ACTIONS:
        waiting.append(event)
    else:
        append([event])
    return event


def flush_pending():
    """Append the rows the current request kept back (audit.context's middleware calls this)."""
    waiting = context.pending()
    if waiting:
        events = list(waiting)
        waiting.clear()
        append(events)


def append(events):
    """Chain `events` onto the trail, in order, in one transaction.

    The last row is read and the new ones inserted while holding the trail's lock: on PostgreSQL
    a transaction-level advisory lock; SQLite's IMMEDIATE transactions (between.settings) take
    the database's write lock when they begin. Inside the caller's transaction (a write
    function's) the lock is held until that one commits."""
    alias = router.db_for_write(AuditEvent)
    connection = connections[alias]
    with transaction.atomic(using=alias, savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        last = AuditEvent.objects.using(alias).order_by("-seq").values_list("seq", "row_hash").first()
        seq, prev = last or (0, chain.GENESIS)
        for event in events:
            seq += 1
            event.seq, event.prev_hash = seq, prev
            event.row_hash = prev = chain.row_hash(chain.values_of(event))
        AuditEvent.objects.using(alias).bulk_create(events)


__all__ = ["record", "AuditAction"]
