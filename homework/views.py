"""Therapist pages: the client list and a client's page, the exercise library, assigning, an
assignment's page with its review, and one entry with its comment thread.

Client-scoped objects come only through the doors (practices.access, homework.access); changes
only through the write functions (homework.assigning, homework.recording). Every page runs a
fixed number of queries whatever the data size.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from homework import assigning
from homework.access import (
    assignments_of_client,
    caseload_summary,
    entries_of_assignment,
    entries_of_client,
    get_assignment_for_therapist,
    get_entry_for_therapist,
    get_template_for_therapist,
    templates_for_therapist,
)
from homework.adherence import adherence_from_counts, logged_outcomes
from homework.forms import AssignmentEditForm, AssignmentForm, ReplyForm, ReviewForm, RiskSeenForm
from homework.items import answer_rows, answers_form_class
from homework.models import Assignment, ExerciseKind, Frequency, ReviewDecision, TemplateVersion
from homework.recording import RISK_ALREADY_SEEN, comment_add, risk_mark_seen
from lib.conflicts import EditConflict
from lib.redirects import local_path
from lib.validation import add_errors, saved
from practices.access import former_clients, get_client_for_therapist
from practices.clients import next_appointment_date
from practices.decorators import therapist_required

CLIENTS_PER_PAGE = 50
RECENT_ENTRIES = 20
PAST_APPOINTMENTS = 5
ENTRIES_PER_PAGE = 20
GET_POST = ["GET", "POST"]


# --- Caseload ---------------------------------------------------------------------------------------


@therapist_required
@require_GET
def client_list(request):
    if request.GET.get("former"):
        former = Paginator(former_clients(request.user), CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
        return render(request, "homework/therapist/former_clients.html", {"page": former})
    page = Paginator(caseload_summary(request.user), CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "homework/therapist/client_list.html", {"page": page})


def _client_detail_context(request, client):
    """Everything the client page shows, in a fixed number of queries (no per-row queries)."""
    now = timezone.now()
    today = client.today()
    appointments = client.appointments.all()
    assignments = list(
        assignments_of_client(request.user, client, request=request)
        .select_related("goal", "template_version__template")
        .defer("instructions", "rationale", "when_where", "barriers", "if_then_plan")
    )
    logged = logged_outcomes(assignments, today)
    for assignment in assignments:
        assignment.adherence = adherence_from_counts(assignment, logged[assignment.pk], today)
    recent = list(
        entries_of_client(request.user, client, request=request)
        .select_related("assignment")
        .defer("answers", "skip_note", "assignment__instructions", "assignment__rationale",
               "assignment__when_where", "assignment__barriers", "assignment__if_then_plan")
        .annotate(comment_count=Count("comments"))[:RECENT_ENTRIES]
    )  # fmt: skip
    return {
        "client": client,
        "goals": list(client.goals.all()),
        "upcoming": list(appointments.filter(starts_at__gte=now).order_by("starts_at")),
        "past": list(appointments.filter(starts_at__lt=now).order_by("-starts_at")[:PAST_APPOINTMENTS]),
        "active_assignments": [a for a in assignments if a.is_active],
        "stopped_assignments": [a for a in assignments if not a.is_active],
        "recent_entries": recent,
        "recent_limit": RECENT_ENTRIES,
    }


@therapist_required
@require_GET
def client_detail(request, code):
    client = get_client_for_therapist(request.user, code, request=request)
    return render(request, "homework/therapist/client_detail.html", _client_detail_context(request, client))


# --- Library ----------------------------------------------------------------------------------------


def _library(user):
    """Templates available to the therapist, each with its latest version, grouped by kind.

    Two queries: the templates and all their versions (without the form definitions).
    """
    versions = TemplateVersion.objects.defer("items", "scoring", "rationale", "instructions").order_by("-number")
    templates = templates_for_therapist(user).prefetch_related(Prefetch("versions", queryset=versions))
    by_kind = {kind: [] for kind in ExerciseKind.values}
    for template in templates:
        latest = next(iter(template.versions.all()), None)
        if latest is not None:
            by_kind[template.kind].append((template, latest))
    groups = []
    for kind in ExerciseKind:
        rows = sorted(by_kind[kind.value], key=lambda row: (row[0].practice_id is None, row[1].title.lower()))
        if rows:
            groups.append({"kind": kind, "label": kind.label, "rows": rows})
    return groups


def _latest_version(template):
    # get_template_for_therapist prefetched the versions; pick in Python, no extra query.
    return max(template.versions.all(), key=lambda version: version.number, default=None)


@therapist_required
@require_GET
def template_list(request):
    return render(request, "homework/therapist/template_list.html", {"groups": _library(request.user)})


@therapist_required
@require_GET
def template_detail(request, code):
    template = get_template_for_therapist(request.user, code, request=request)
    version = _latest_version(template)
    preview = None
    if version is not None:
        preview = answers_form_class(version.items)(auto_id="preview_%s")
        for field in preview.fields.values():
            field.disabled = True
    return render(
        request,
        "homework/therapist/template_detail.html",
        {"template": template, "version": version, "preview": preview},
    )


# --- Assigning ----------------------------------------------------------------------------------------


@therapist_required
@require_GET
def assign_choose(request, client_code):
    client = get_client_for_therapist(request.user, client_code, request=request)
    return render(
        request, "homework/therapist/assign_choose.html", {"client": client, "groups": _library(request.user)}
    )


def _assign_initial(client, version):
    today = client.today()
    due_on = next_appointment_date(client)
    if due_on is None or due_on < today:
        due_on = today + timedelta(days=7)
    return {
        "title": version.title,
        "instructions": version.instructions,
        "rationale": version.rationale,
        "frequency": Frequency.ONCE if version.template.kind == ExerciseKind.QUESTIONNAIRE else Frequency.DAILY,
        "starts_on": today,
        "due_on": due_on,
    }


@therapist_required
@require_http_methods(GET_POST)
def assign(request, client_code, template_code):
    client = get_client_for_therapist(request.user, client_code, request=request)
    template = get_template_for_therapist(request.user, template_code, request=request)
    version = _latest_version(template)
    if version is None:
        raise Http404("This template has no version yet.")
    if request.method == "POST":
        form = AssignmentForm(request.POST, client=client, kind=template.kind)
        if form.is_valid() and (
            assignment := saved(
                form,
                assigning.assignment_create,
                therapist=request.user,
                client=client,
                version=version,
                **form.assignment_fields(),
            )
        ):
            messages.success(request, f"“{assignment.title}” assigned to {client.name}; they get an email now.")
            return redirect("homework:assignment_detail", code=assignment.code)
    else:
        form = AssignmentForm(client=client, kind=template.kind, initial=_assign_initial(client, version))
    return render(
        request,
        "homework/therapist/assign.html",
        {"client": client, "template": template, "version": version, "form": form},
    )


# --- One assignment ---------------------------------------------------------------------------------


def _assignment_context(request, assignment, review_form=None):
    """The assignment page in a fixed number of queries: adherence from counts, one page of
    full entries with their comments, and the past reviews."""
    today = assignment.client.today()
    stats = adherence_from_counts(assignment, logged_outcomes([assignment], today)[assignment.pk], today)
    entries = entries_of_assignment(request.user, assignment, request=request)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    items = assignment.template_version.items
    for entry in page:
        entry.rows = answer_rows(items, entry.answers)
    return {
        "assignment": assignment,
        "client": assignment.client,
        "adherence": stats,
        "page": page,
        "reviews": list(assignment.reviews.select_related("reviewer")),
        # The client's own view of how much and how well, beside the therapist's latest review.
        "self_rating": assignment.self_ratings.first(),
        "review_form": review_form or ReviewForm(),
    }


@therapist_required
@require_GET
def assignment_detail(request, code):
    assignment = get_assignment_for_therapist(request.user, code, request=request)
    return render(request, "homework/therapist/assignment_detail.html", _assignment_context(request, assignment))


@therapist_required
@require_http_methods(GET_POST)
def assignment_edit(request, code):
    assignment = get_assignment_for_therapist(request.user, code, request=request)
    client = assignment.client
    status = 200
    if request.method == "POST":
        form = AssignmentEditForm(request.POST, client=client, kind=assignment.kind)
        if form.is_valid():
            try:
                assigning.assignment_update(
                    assignment=assignment,
                    expected_version=form.cleaned_data["version"],
                    actor=request.user,
                    **form.assignment_fields(),
                )
            except EditConflict as exc:
                # Keep every word typed; the next save (deliberately) applies to the newer version.
                data = request.POST.copy()
                data["version"] = str(Assignment.objects.values_list("version", flat=True).get(pk=assignment.pk))
                form = AssignmentEditForm(data, client=client, kind=assignment.kind)
                form.is_valid()
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                add_errors(exc, form)
            else:
                messages.success(request, "Assignment saved.")
                return redirect("homework:assignment_detail", code=assignment.code)
    else:
        initial = {name: getattr(assignment, name) for name in assigning.TAILORED_FIELDS}
        initial["goal"] = assignment.goal.code if assignment.goal else None
        initial["reminder_times"] = ", ".join(assignment.reminder_times) or "none"
        initial["version"] = assignment.version
        form = AssignmentEditForm(client=client, kind=assignment.kind, initial=initial)
    return render(
        request,
        "homework/therapist/assignment_edit.html",
        {"assignment": assignment, "client": client, "form": form, "stale": status == 409},
        status=status,
    )


REVIEW_MESSAGES = {
    ReviewDecision.KEEP: "Review saved; the assignment continues as it is.",
    ReviewDecision.MODIFY: "Review saved. Now change what you agreed.",
    ReviewDecision.STEP_DOWN: "Review saved. Make it easier below: fewer times, a smaller step, a shorter time.",
    ReviewDecision.STOP: "Review saved; the assignment is stopped.",
}
REVIEW_MESSAGES_ON_BRIEF = {
    ReviewDecision.MODIFY: "Review saved. Change the assignment from its Edit link when you are ready.",
    ReviewDecision.STEP_DOWN: "Review saved. Make it easier from its Edit link when you are ready.",
}


@therapist_required
@require_http_methods(GET_POST)
def assignment_review(request, code):
    # Authorize before answering 405 to a GET, so a stranger gets the same 404 as for a
    # missing record.
    assignment = get_assignment_for_therapist(request.user, code, request=request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ReviewForm(request.POST)
    # The pre-session brief sends its review forms here and wants the therapist back on it; only
    # a path on this site is followed, never another host (lib.redirects).
    back = local_path(request, request.POST.get("next"))
    review = form.is_valid() and saved(
        form, assigning.assignment_review, assignment=assignment, reviewer=request.user, **form.cleaned_data
    )
    if not review:
        context = _assignment_context(request, assignment, review_form=form)
        context["review_next"] = back  # a second try still returns to the brief
        return render(request, "homework/therapist/assignment_detail.html", context, status=400)
    if back:
        # In session, the brief stays open; the change itself can wait for its Edit link.
        messages.success(request, REVIEW_MESSAGES_ON_BRIEF.get(review.decision, REVIEW_MESSAGES[review.decision]))
        return redirect(back)
    messages.success(request, REVIEW_MESSAGES[review.decision])
    if review.decision in (ReviewDecision.MODIFY, ReviewDecision.STEP_DOWN):
        return redirect("homework:assignment_edit", code=assignment.code)
    return redirect("homework:assignment_detail", code=assignment.code)


# --- One entry ------------------------------------------------------------------------------------------


@therapist_required
@require_http_methods(GET_POST)
def entry_detail(request, code):
    entry = get_entry_for_therapist(request.user, code, request=request)
    form = ReplyForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(form, comment_add, entry=entry, author=request.user, **form.cleaned_data)
    ):
        messages.success(request, "Reply sent.")
        return redirect("homework:entry_detail", code=entry.code)
    return render(request, "homework/therapist/entry_detail.html", _entry_context(entry, form=form))


def _entry_context(entry, *, form=None, risk_form=None):
    return {
        "entry": entry,
        "assignment": entry.assignment,
        "client": entry.assignment.client,
        "rows": answer_rows(entry.assignment.template_version.items, entry.answers),
        # Prefetched by the door, with the text withheld on a private entry.
        "comments": list(entry.comments.all()),
        "form": ReplyForm() if form is None else form,
        # Shown while the risk flag is unseen; afterwards the page says who saw it, when.
        "risk_form": RiskSeenForm() if risk_form is None else risk_form,
    }


RISK_SEEN = "Marked as seen; it has left the queue on your home page. The flag stays on the entry."


@therapist_required
@require_http_methods(GET_POST)
def risk_seen(request, code):
    """The treating therapist marks an entry's risk flag as seen, with an optional note."""
    # Authorize before answering 405 to a GET, so a stranger gets the same 404 as for a
    # missing record.
    entry = get_entry_for_therapist(request.user, code, request=request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RiskSeenForm(request.POST)
    if form.is_valid() and saved(
        form, risk_mark_seen, entry=entry, therapist=request.user, note=form.cleaned_data["risk_note"]
    ):
        messages.success(request, RISK_SEEN)
        return redirect("homework:entry_detail", code=entry.code)
    entry.refresh_from_db(fields=["risk_seen_at", "risk_seen_by", "risk_note"])
    if entry.risk_seen_at is not None:
        # Seen meanwhile (a second tab, a double click): the first mark stands, and the page says
        # who made it, when, with their note.
        messages.info(request, RISK_ALREADY_SEEN)
        return redirect("homework:entry_detail", code=entry.code)
    context = _entry_context(entry, risk_form=form)
    return render(request, "homework/therapist/entry_detail.html", context, status=400)
