"""The door to practices' data: who is a therapist or a client, caseloads, clients, goals and
appointments.

Every client, goal and appointment a page or the API shows is loaded here (homework.access is
the door to assignments, entries and templates). Each get_* function fetches and authorizes in
one query, answers 404 for anything the user may not see and records the read in the audit
trail (audit.door).
"""

from audit.door import export_recorded, fetch_one, list_recorded
from practices.crisis import resources_of
from practices.models import Appointment, Client, CrisisResources, Goal, Membership


def membership_for(user):
    """The user's membership as a therapist, or None. Cached on the user object per request."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_between_membership"):
        if getattr(user, "is_practice_member", None) is False:  # practices.backends answered already
            user._between_membership = None
        else:
            user._between_membership = Membership.objects.select_related("practice").filter(user=user).first()
    return user._between_membership


def client_profile_for(user):
    """The Client row of a signed-in client who is in care, or None."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_between_client"):
        user._between_client = Client.objects.active().select_related("user").filter(user=user).first()
    return user._between_client


def role_of(user):
    """The user's role for the audit trail: "owner", "therapist", "client" or "" (neither).

    Free when a role gate of this request already looked (the caches above); otherwise one or
    two queries, which only refusals and sign-in events pay."""
    if not user.is_authenticated:
        return "anonymous"
    if getattr(user, "_between_client", None) is not None:
        return "client"
    membership = membership_for(user)
    if membership is not None:
        return "owner" if membership.is_owner else "therapist"
    return "client" if client_profile_for(user) is not None else ""


def _fetch(queryset, client_path, user, code, request, *, active_only=True):
    """One record whose client (reached through `client_path`) is in `user`'s care."""
    to_client = f"{client_path}__" if client_path else ""
    scoped = queryset.filter(**{f"{to_client}therapist": user})
    if active_only:
        scoped = scoped.filter(**{f"{to_client}is_active": True})

    def client_of(obj):
        for step in filter(None, client_path.split("__")):
            obj = getattr(obj, step)
        return obj

    return fetch_one(scoped, user=user, code=code, request=request, client_of=client_of, actor_role=role_of(user))


def caseload(user, *, request=None):
    """The therapist's clients in care (unordered: each list orders for itself). Records one
    "Caseload" list read per request, whichever page or API call asks."""
    list_recorded(user=user, name="Caseload", request=request, actor_role=role_of(user))
    return Client.objects.active().filter(therapist=user).select_related("user")


def former_clients(user, *, request=None):
    list_recorded(user=user, name="FormerClients", request=request, actor_role=role_of(user))
    return Client.objects.filter(therapist=user, is_active=False).select_related("user").order_by("user__name", "pk")


def team_of(membership):
    """Everyone in the membership's practice, by name."""
    return Membership.objects.filter(practice=membership.practice).select_related("user").order_by("user__name", "pk")


def get_client_for_therapist(user, code, *, request=None, include_former=False):
    """include_former: only for the page that can bring a former client back into the caseload."""
    return _fetch(Client.objects.select_related("user"), "", user, code, request, active_only=not include_former)


def get_goal_for_therapist(user, code, *, request=None):
    return _fetch(Goal.objects.select_related("client__user"), "client", user, code, request)


def get_appointment_for_therapist(user, code, *, request=None):
    return _fetch(Appointment.objects.select_related("client__user"), "client", user, code, request)


def get_appointment_for_export(user, code, *, request=None):
    """As get_appointment_for_therapist, for a copy that leaves Between (the brief's PDF): the
    trail records an export besides the read."""
    appointment = get_appointment_for_therapist(user, code, request=request)
    export_recorded(user=user, obj=appointment, client=appointment.client, request=request, actor_role=role_of(user))
    return appointment


def clients_of_practice(user, *, request=None):
    """Every client of the practice `user` owns, in care or not, by name (the audit search's
    choices), recorded as a "PracticeClients" list read. None for anyone but an owner."""
    membership = membership_for(user)
    if membership is None or not membership.is_owner:
        return Client.objects.none()
    list_recorded(user=user, name="PracticeClients", request=request, actor_role="owner")
    return Client.objects.filter(practice=membership.practice).select_related("user").order_by("user__name", "pk")


# --- Crisis resources ---------------------------------------------------------------------------------


def crisis_resources_of(membership):
    """The crisis resources of the membership's practice as set (a CrisisResources row), or None
    while it shows the defaults: for its owner's settings page (owner_required)."""
    return CrisisResources.objects.filter(practice=membership.practice).first()


def crisis_resources_for_visitor(user):
    """What the crisis page shows `user` (practices.crisis.Resources): a client in care sees their
    practice's resources, anyone else (anonymous, therapists, former clients) the defaults."""
    client = client_profile_for(user)
    if client is None:
        return resources_of(None)
    return resources_of(CrisisResources.objects.filter(practice_id=client.practice_id).first())
