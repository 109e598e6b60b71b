"""The shared fetch-authorize-audit step behind every app's door (practices.access,
homework.access). Doors decide who may see what; this module makes each of them load, refuse
and record the same way.

A refused lookup answers 404, exactly as a missing record does, so nobody learns that a record
exists; the trail still records it as denied. A read is recorded once per request and object,
and a list once per request and list, however many door functions a page calls for it: the
request's bookkeeping lives in audit.context, so a door that gets no request dedupes too.
"""

from django.http import Http404

from audit import context
from audit.models import AuditAction
from audit.record import record

NOT_FOUND = "Not found"


def fetch_one(queryset, *, user, code, request=None, client_of=None, actor_role=None):
    """The one row of `queryset` (already scoped to what `user` may see) with this code.

    `client_of(obj)` names the client whose data it is, for the trail; without it the record
    is not client data (an exercise template) and only a refusal is recorded.
    """
    obj = queryset.filter(code=code).first()
    if obj is None:
        record(
            actor=user,
            action=AuditAction.DENIED,
            object_type=queryset.model.__name__,
            object_code=str(code)[:16],
            request=request,
            actor_role=actor_role,
        )
        raise Http404(NOT_FOUND)
    if client_of is not None:
        read_recorded(user=user, obj=obj, client=client_of(obj), request=request, actor_role=actor_role)
    return obj


def _first_time(key, request):
    """True the first time this request records `key` (every time outside a request)."""
    seen = context.seen()
    if seen is None:
        if request is None:
            return True
        seen = request.__dict__.setdefault("_audited_reads", set())
    if key in seen:
        return False
    seen.add(key)
    return True


def read_recorded(*, user, obj, client, request=None, actor_role=None):
    """Record that `user` read `obj` (a record, or the client for a page about them)."""
    if _first_time(("read", type(obj).__name__, obj.pk), request):
        record(actor=user, action=AuditAction.READ, obj=obj, client=client, request=request, actor_role=actor_role)


def list_recorded(*, user, name, client=None, object_code="", request=None, actor_role=None):
    """Record that `user` read the list `name` ("Caseload", "Entries"...): of one client's data
    when `client` is given (and of one record's, e.g. an assignment's entries, with its code)."""
    key = ("list", name, client.pk if client is not None else None, object_code)
    if _first_time(key, request):
        record(
            actor=user,
            action=AuditAction.LIST,
            object_type=name,
            object_code=object_code,
            client=client,
            request=request,
            actor_role=actor_role,
        )


def export_recorded(*, user, obj, client, request=None, actor_role=None):
    """Record that `user` took a copy of `obj` away (a PDF, a FHIR document): an `export` row,
    besides the `read` the door that loaded it recorded."""
    if _first_time(("export", type(obj).__name__, obj.pk), request):
        record(actor=user, action=AuditAction.EXPORT, obj=obj, client=client, request=request, actor_role=actor_role)
