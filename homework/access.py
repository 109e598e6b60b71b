"""The door to homework's data: exercise templates, assignments and entries.

Every assignment, entry and template a page or the API shows is loaded here, for the treating
therapist or for the client themself. get_* functions fetch and authorize in one query and
answer 404 for anything else (audit.door); list functions return querysets scoped the same way,
each in one fixed order, and record one `list` row per request and list (audit.door). Clients,
goals and appointments come through practices.access.

Private entries: every therapist-side function here returns entries through
EntryQuerySet.withholding_private(), so a private entry reaches the therapist with what the
client wrote or rated blanked in memory (homework/README.md, "Private entries").
"""

from django.db.models import Count, Exists, OuterRef, Prefetch, Subquery
from django.http import Http404
from django.utils import timezone

from audit.door import NOT_FOUND, export_recorded, fetch_one, list_recorded
from audit.models import AuditAction
from audit.record import record
from homework.models import Assignment, Comment, Draft, Entry, ExerciseTemplate
from practices.access import caseload, client_profile_for, membership_for, role_of
from practices.models import Appointment

NEWEST_FIRST = ("-occurred_on", "-created_at", "-pk")
SOONEST_DUE_FIRST = ("due_on", "created_at", "pk")


def _assignment_client(assignment):
    return assignment.client


def _entry_client(entry):
    return entry.assignment.client


# --- Templates: the library of the therapist's practice ---------------------------------------


def templates_for_therapist(user):
    membership = membership_for(user)
    if membership is None:
        return ExerciseTemplate.objects.none()
    return ExerciseTemplate.objects.available_to(membership.practice)


def get_template_for_therapist(user, code, *, request=None):
    queryset = templates_for_therapist(user).prefetch_related("versions")
    return fetch_one(queryset, user=user, code=code, request=request)


# --- Therapist side: only the treating therapist gets through ----------------------------------


def _of_therapist(queryset, user, client_path):
    return queryset.filter(**{f"{client_path}__therapist": user, f"{client_path}__is_active": True})


def get_assignment_for_therapist(user, code, *, request=None):
    queryset = Assignment.objects.select_related("client__user", "template_version__template", "goal")
    scoped = _of_therapist(queryset, user, "client")
    return fetch_one(
        scoped, user=user, code=code, request=request, client_of=_assignment_client, actor_role=role_of(user)
    )


def _thread():
    return Prefetch("comments", queryset=Comment.objects.select_related("author").order_by("created_at", "pk"))


def get_entry_for_therapist(user, code, *, request=None):
    """One entry with its comment thread. A private entry comes with its content and the
    thread's text withheld (Entry.withhold_private): the therapist sees that it exists, when,
    its outcome and any risk flag, never what the client wrote or rated."""
    queryset = (
        Entry.objects.withholding_private()
        .select_related("assignment__client__user", "assignment__template_version__template")
        .prefetch_related(_thread())
    )
    scoped = _of_therapist(queryset, user, "assignment__client")
    return fetch_one(scoped, user=user, code=code, request=request, client_of=_entry_client, actor_role=role_of(user))


def get_entry_for_export(user, code, *, request=None):
    """As get_entry_for_therapist, for a copy that leaves Between (FHIR): recorded as an export.
    A private entry has no copy to give: 404, as for a missing one, and the refusal is recorded."""
    entry = get_entry_for_therapist(user, code, request=request)
    if entry.content_withheld:
        record(
            actor=user, action=AuditAction.DENIED, obj=entry, client=_entry_client(entry), request=request,
            actor_role=role_of(user), detail="private entry",
        )  # fmt: skip
        raise Http404(NOT_FOUND)
    export_recorded(user=user, obj=entry, client=_entry_client(entry), request=request, actor_role=role_of(user))
    return entry


def _check_treats(user, client):
    # A second line behind the get_* functions: the object handed in must be this therapist's.
    if client.therapist_id != user.pk or not client.is_active:
        raise Http404(NOT_FOUND)


def assignments_of_client(user, client, *, request=None):
    """Every assignment (active and stopped) of a client loaded by practices.access, newest first."""
    _check_treats(user, client)
    list_recorded(user=user, name="Assignments", client=client, request=request, actor_role=role_of(user))
    return Assignment.objects.filter(client=client).order_by("-created_at", "-pk")


def entries_of_client(user, client, *, request=None):
    """Every entry of a client loaded by practices.access, newest first; private ones withheld
    as in get_entry_for_therapist."""
    _check_treats(user, client)
    list_recorded(user=user, name="Entries", client=client, request=request, actor_role=role_of(user))
    return Entry.objects.withholding_private().filter(assignment__client=client).order_by(*NEWEST_FIRST)


def entries_of_assignment(user, assignment, *, request=None):
    """An assignment's entries (from get_assignment_for_therapist), newest first, with their
    comment threads; private ones withheld as in get_entry_for_therapist."""
    _check_treats(user, assignment.client)
    list_recorded(
        user=user,
        name="Entries",
        client=assignment.client,
        object_code=assignment.code,
        request=request,
        actor_role=role_of(user),
    )
    return assignment.entries.withholding_private().prefetch_related(_thread()).order_by(*NEWEST_FIRST)


def caseload_summary(user, *, request=None):
    """The therapist's clients in care, each annotated in the same query with what the client
    list shows: next appointment, open assignments, latest practice, unreviewed risk or wish
    to talk.

    Subqueries rather than joins, so counts do not multiply and the list stays one query
    however many clients, assignments or entries there are.
    """
    now = timezone.now()
    entries = Entry.objects.filter(assignment__client=OuterRef("pk"))
    unreviewed = entries.unreviewed()
    active_assignments = (
        Assignment.objects.active()
        .filter(client=OuterRef("pk"))
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        caseload(user, request=request)
        .annotate(
            next_appointment=Subquery(
                Appointment.objects.filter(client=OuterRef("pk"), starts_at__gte=now)
                .order_by("starts_at")
                .values("starts_at")[:1]
            ),
            active_assignments=Subquery(active_assignments),
            latest_entry_on=Subquery(entries.order_by("-occurred_on").values("occurred_on")[:1]),
            has_risk=Exists(unreviewed.flagged_for_risk()),
            wants_to_discuss=Exists(unreviewed.to_discuss()),
        )
        .order_by("user__name", "pk")
    )


# --- Client side: only the client themself -----------------------------------------------------


def _own_client(user):
    client = client_profile_for(user)
    if client is None:
        raise Http404(NOT_FOUND)
    return client


def get_assignment_for_client(user, code, *, request=None):
    queryset = Assignment.objects.select_related("client__user", "template_version__template", "goal")
    scoped = queryset.filter(client__user=user, client__is_active=True)
    return fetch_one(scoped, user=user, code=code, request=request, client_of=_assignment_client, actor_role="client")


def get_entry_for_client(user, code, *, request=None):
    queryset = Entry.objects.select_related(
        "assignment__client__user", "assignment__template_version__template"
    ).prefetch_related(
        Prefetch("comments", queryset=Comment.objects.select_related("author").order_by("created_at", "pk"))
    )
    scoped = queryset.filter(assignment__client__user=user, assignment__client__is_active=True)
    return fetch_one(scoped, user=user, code=code, request=request, client_of=_entry_client, actor_role="client")


def own_open_assignments(user, *, request=None):
    """The client's active assignments, soonest due first."""
    client = _own_client(user)
    list_recorded(user=user, name="Assignments", client=client, request=request, actor_role="client")
    return Assignment.objects.active().filter(client=client).order_by(*SOONEST_DUE_FIRST)


def own_entries(user, *, request=None):
    """Everything the client logged, newest first."""
    client = _own_client(user)
    list_recorded(user=user, name="Entries", client=client, request=request, actor_role="client")
    return Entry.objects.filter(assignment__client=client).order_by(*NEWEST_FIRST)


# --- Client side: drafts of the log form, and what a form render already sent -----------------


def _own_scope(queryset, user, client_path):
    return queryset.filter(**{f"{client_path}__user": user, f"{client_path}__is_active": True})


def assignment_for_draft(user, code, *, request=None):
    """The client's own assignment, to keep a draft of a new entry. Authorized exactly as
    get_assignment_for_client (404 otherwise, the refusal recorded), but no read is recorded:
    the answer shows nothing of the assignment, and a read per pause in typing would bury the
    trail."""
    queryset = _own_scope(Assignment.objects.select_related("client", "template_version"), user, "client")
    return fetch_one(queryset, user=user, code=code, request=request, actor_role="client")


def entry_for_draft(user, code, *, request=None):
    """The client's own entry, to keep a draft of an edit; as assignment_for_draft."""
    queryset = Entry.objects.select_related("assignment__client", "assignment__template_version")
    queryset = _own_scope(queryset, user, "assignment__client")
    return fetch_one(queryset, user=user, code=code, request=request, actor_role="client")


def own_draft(user, assignment, entry=None):
    """The client's draft of a new entry of `assignment` (or of an edit of `entry`), or None.
    `assignment` and `entry` come from the doors above; the draft is the client's own typing,
    read back into their own form, so it adds no audit row of its own (one query)."""
    scoped = _own_scope(Draft.objects.all(), user, "client")
    return scoped.filter(assignment=assignment, entry=entry).first()


def own_submitted_entry(user, assignment, submission_key):
    """The entry a form render (its `submission_key`) already saved for `assignment`, or None."""
    if not submission_key:
        return None
    scoped = _own_scope(Entry.objects.all(), user, "assignment__client")
    return scoped.filter(assignment=assignment, submission_key=submission_key).only("code", "risk_flag").first()
