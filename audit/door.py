"""The shared fetch-authorize-audit step behind every app's door (practices.access,
homework.access). Doors decide who may see what; this module makes each of them load, refuse
and record the same way.

A refused lookup answers 404, exactly as a missing record does, so nobody learns that a record
exists; the trail still records it as denied. A read is recorded once per request and object,
however many door functions a page calls for it.
"""

from django.http import Http404

from audit.models import AuditAction
from audit.record import record

NOT_FOUND = "Not found"


def fetch_one(queryset, *, user, code, request=None, client_of=None):
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
        )
        raise Http404(NOT_FOUND)
    if client_of is not None:
        read_recorded(user=user, obj=obj, client=client_of(obj), request=request)
    return obj


def read_recorded(*, user, obj, client, request=None):
    """Record that `user` read `obj` (a record, or the client for a list of their data)."""
    key = (type(obj).__name__, obj.pk)
    seen = getattr(request, "_audited_reads", set())
    if key in seen:
        return
    record(actor=user, action=AuditAction.READ, obj=obj, client=client, request=request)
    if request is not None:
        request._audited_reads = seen | {key}
