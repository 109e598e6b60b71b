"""The only door to client-scoped data.

Every client, goal, appointment, assignment and entry a view or the API shows is loaded
through one of these functions. Each one fetches and authorizes in a single query, raises
Http404 for anything the user may not see (never 403: a stranger must not learn that a record
exists), and records the read in the audit trail.
"""

from django.db.models import Prefetch
from django.http import Http404

from audit.models import AuditAction
from audit.record import record
from homework.models import Assignment, Comment, Entry, ExerciseTemplate
from practices.models import Appointment, Client, Goal, Membership


def membership_for(user):
    """The user's membership as a therapist, or None. Cached on the user object per request."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_between_membership"):
        user._between_membership = Membership.objects.select_related("practice").filter(user=user).first()
    return user._between_membership


def client_profile_for(user):
    """The Client row of a signed-in client, or None."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_between_client"):
        user._between_client = Client.objects.active().select_related("user").filter(user=user).first()
    return user._between_client


def _one(queryset, *, user, code, request):
    obj = queryset.filter(code=code).first()
    if obj is None:
        # Foreign and missing look the same to the user (404) but not to the trail (T-LG-2).
        record(
            actor=user,
            action=AuditAction.DENIED,
            object_type=queryset.model.__name__,
            object_code=str(code)[:16],
            request=request,
        )
        raise Http404("Not found")
    return obj


def _fetch(queryset, client_path, role, user, code, request, *, active_only=True):
    """Load one record whose client (reached through `client_path`) has `user` as its `role`
    ("therapist", or "user": the client themself) and is active; audit the read."""
    to_client = f"{client_path}__" if client_path else ""
    scoped = queryset.filter(**{f"{to_client}{role}": user})
    if active_only:
        scoped = scoped.filter(**{f"{to_client}is_active": True})
    obj = _one(scoped, user=user, code=code, request=request)
    client = obj
    for step in filter(None, client_path.split("__")):
        client = getattr(client, step)
    record(actor=user, action=AuditAction.READ, obj=obj, client=client, request=request)
    return obj


# --- Therapist side: only the treating therapist gets through ----------------------------------


def caseload(user):
    return Client.objects.active().filter(therapist=user).select_related("user")


def former_clients(user):
    return Client.objects.filter(therapist=user, is_active=False).select_related("user").order_by("user__name")


def get_client_for_therapist(user, code, *, request=None, include_former=False):
    """include_former: only for the page that can bring a former client back into the caseload."""
    queryset = Client.objects.select_related("user")
    return _fetch(queryset, "", "therapist", user, code, request, active_only=not include_former)


def get_goal_for_therapist(user, code, *, request=None):
    queryset = Goal.objects.select_related("client__user")
    return _fetch(queryset, "client", "therapist", user, code, request)


def get_appointment_for_therapist(user, code, *, request=None):
    queryset = Appointment.objects.select_related("client__user")
    return _fetch(queryset, "client", "therapist", user, code, request)


def get_assignment_for_therapist(user, code, *, request=None):
    queryset = Assignment.objects.select_related("client__user", "template_version__template", "goal")
    return _fetch(queryset, "client", "therapist", user, code, request)


def get_entry_for_therapist(user, code, *, request=None):
    queryset = Entry.objects.select_related("assignment__client__user", "assignment__template_version__template")
    return _fetch(queryset, "assignment__client", "therapist", user, code, request)


def templates_for_therapist(user):
    membership = membership_for(user)
    if membership is None:
        return ExerciseTemplate.objects.none()
    return ExerciseTemplate.objects.available_to(membership.practice)


def get_template_for_therapist(user, code, *, request=None):
    return _one(templates_for_therapist(user).prefetch_related("versions"), user=user, code=code, request=request)


# --- Client side: only the client themself ------------------------------------------------------


def get_assignment_for_client(user, code, *, request=None):
    queryset = Assignment.objects.select_related("client__user", "template_version__template")
    return _fetch(queryset, "client", "user", user, code, request)


def get_entry_for_client(user, code, *, request=None):
    queryset = Entry.objects.select_related(
        "assignment__client__user", "assignment__template_version__template"
    ).prefetch_related(Prefetch("comments", queryset=Comment.objects.select_related("author")))
    return _fetch(queryset, "assignment__client", "user", user, code, request)
