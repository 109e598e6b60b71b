"""Therapist pages: the exercise library, assigning, an assignment's page with its review, and
one entry with its comment thread.

Client-scoped objects come only through practices.access; changes only through
homework.assigning. Every page runs a fixed number of queries whatever the data size.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.decorators import therapist_required
from homework import assigning
from homework.forms import AssignmentEditForm, AssignmentForm, ReplyForm, ReviewForm
from homework.items import answer_rows, answers_form_class
from homework.recording import comment_add
from homework.models import Assignment, Comment, ExerciseKind, Frequency, ReviewDecision, TemplateVersion
from insights.adherence import adherence_from_counts, logged_outcomes
from practices.access import (
    get_assignment_for_therapist,
    get_client_for_therapist,
    get_entry_for_therapist,
    get_template_for_therapist,
    templates_for_therapist,
)
from practices.clients import next_appointment_date

ENTRIES_PER_PAGE = 20
STALE_MESSAGE = "Someone changed this assignment meanwhile; your text is still below."


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


@never_cache
@therapist_required
def template_list(request):
    return render(request, "homework/therapist/template_list.html", {"groups": _library(request.user)})


@never_cache
@therapist_required
def template_detail(request, code):
    template = get_template_for_therapist(request.user, code)
    version = _latest_version(template)
    preview = None
    if version is not None:
        preview = answers_form_class(version.items)(auto_id="preview_%s")
        for field in preview.fields.values():
            field.disabled = True
    return render(
        request, "homework/therapist/template_detail.html", {"template": template, "version": version, "preview": preview}
    )


# --- Assigning ----------------------------------------------------------------------------------------


@never_cache
@therapist_required
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


@never_cache
@therapist_required
def assign(request, client_code, template_code):
    client = get_client_for_therapist(request.user, client_code, request=request)
    template = get_template_for_therapist(request.user, template_code)
    version = _latest_version(template)
    if version is None:
        raise Http404("This template has no version yet.")
    if request.method == "POST":
        form = AssignmentForm(request.POST, client=client)
        if form.is_valid():
            try:
                assignment = assigning.assignment_create(
                    therapist=request.user, client=client, version=version, **form.assignment_fields()
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"“{assignment.title}” assigned to {client.name}; they get an email now.")
                return redirect("homework:assignment_detail", code=assignment.code)
    else:
        form = AssignmentForm(client=client, initial=_assign_initial(client, version))
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
    comments = Comment.objects.select_related("author").order_by("created_at")
    entries = assignment.entries.order_by("-occurred_on", "-created_at").prefetch_related(
        Prefetch("comments", queryset=comments)
    )
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
        "review_form": review_form or ReviewForm(),
    }


@never_cache
@therapist_required
def assignment_detail(request, code):
    assignment = get_assignment_for_therapist(request.user, code, request=request)
    return render(request, "homework/therapist/assignment_detail.html", _assignment_context(request, assignment))


@never_cache
@therapist_required
def assignment_edit(request, code):
    assignment = get_assignment_for_therapist(request.user, code, request=request)
    client = assignment.client
    status = 200
    if request.method == "POST":
        form = AssignmentEditForm(request.POST, client=client)
        if form.is_valid():
            try:
                assigning.assignment_update(
                    assignment=assignment,
                    expected_version=form.cleaned_data["version"],
                    actor=request.user,
                    **form.assignment_fields(),
                )
            except assigning.StaleEdit:
                # Keep every word typed; the next save (deliberately) applies to the newer version.
                data = request.POST.copy()
                data["version"] = str(Assignment.objects.values_list("version", flat=True).get(pk=assignment.pk))
                form = AssignmentEditForm(data, client=client)
                form.is_valid()
                form.add_error(None, STALE_MESSAGE)
                status = 409
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Assignment saved.")
                return redirect("homework:assignment_detail", code=assignment.code)
    else:
        initial = {name: getattr(assignment, name) for name in assigning.TAILORED_FIELDS}
        initial["goal"] = assignment.goal.code if assignment.goal else None
        initial["version"] = assignment.version
        form = AssignmentEditForm(client=client, initial=initial)
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


@never_cache
@therapist_required
def assignment_review(request, code):
    # Authorize before answering 405, so a stranger gets the same 404 as for a missing record.
    assignment = get_assignment_for_therapist(request.user, code, request=request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ReviewForm(request.POST)
    if not form.is_valid():
        context = _assignment_context(request, assignment, review_form=form)
        return render(request, "homework/therapist/assignment_detail.html", context, status=400)
    review = assigning.assignment_review(
        assignment=assignment, reviewer=request.user, decision=form.cleaned_data["decision"], note=form.cleaned_data["note"]
    )
    messages.success(request, REVIEW_MESSAGES[review.decision])
    if review.decision in (ReviewDecision.MODIFY, ReviewDecision.STEP_DOWN):
        return redirect("homework:assignment_edit", code=assignment.code)
    return redirect("homework:assignment_detail", code=assignment.code)


# --- One entry ------------------------------------------------------------------------------------------


@never_cache
@therapist_required
def entry_detail(request, code):
    entry = get_entry_for_therapist(request.user, code, request=request)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            comment_add(entry=entry, author=request.user, body=form.cleaned_data["body"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Reply sent.")
            return redirect("homework:entry_detail", code=entry.code)
    context = {
        "entry": entry,
        "assignment": entry.assignment,
        "client": entry.assignment.client,
        "rows": answer_rows(entry.assignment.template_version.items, entry.answers),
        "comments": list(entry.comments.select_related("author")),
        "form": form,
    }
    return render(request, "homework/therapist/entry_detail.html", context)
