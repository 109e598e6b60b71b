"""Role gates for views. Anonymous people go to sign-in; signed-in people of the wrong role
get a 404, the same answer as for a record that does not exist, and the refusal is recorded in
the audit trail (a `denied` row of object type "Page" naming the route, never its query)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from audit.models import AuditAction
from audit.record import record
from practices.access import client_profile_for, membership_for, role_of

NOT_FOUND = "Not found"


def route_name(request):
    """The URL's name ("homework:client_list"): what a refusal row says was asked for."""
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match is not None else "")[:80]


def refuse(request):
    """Record that the signed-in user was refused this page for their role, then answer 404."""
    record(
        actor=request.user,
        action=AuditAction.DENIED,
        object_type="Page",
        detail=route_name(request),
        request=request,
        actor_role=role_of(request.user),
    )
    raise Http404(NOT_FOUND)


def therapist_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.membership = membership_for(request.user)
        if request.membership is None:
            refuse(request)
        return view(request, *args, **kwargs)

    return wrapper


def owner_required(view):
    @therapist_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.is_owner:
            refuse(request)
        return view(request, *args, **kwargs)

    return wrapper


def client_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.client = client_profile_for(request.user)
        if request.client is None:
            refuse(request)
        return view(request, *args, **kwargs)

    return wrapper
