"""Therapist pages about clients: caseload, client profile, goals and appointments.

Every client-scoped object comes through practices.access; every change through
practices.clients. Each page runs a fixed number of queries whatever the data size.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.utils import timezone

from accounts.decorators import therapist_required
from homework.models import Assignment, AssignmentStatus, Entry
from insights.adherence import adherence_from_counts, logged_outcomes
from practices import clients
from practices.access import (
    former_clients,
    get_appointment_for_therapist,
    get_client_for_therapist,
    get_goal_for_therapist,
)
from practices.forms import AppointmentForm, ClientAddForm, ClientEditForm, GoalForm

CLIENTS_PER_PAGE = 50
RECENT_ENTRIES = 20
PAST_APPOINTMENTS = 5


@never_cache
@therapist_required
def client_list(request):
    if request.GET.get("former"):
        former = Paginator(former_clients(request.user), CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
        return render(request, "practices/former_clients.html", {"page": former})
    page = Paginator(clients.caseload_summary(request.user), CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "practices/client_list.html", {"page": page})


@never_cache
@therapist_required
def client_add(request):
    if request.method == "POST":
        form = ClientAddForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                client = clients.client_create(
                    therapist=request.user,
                    practice=request.membership.practice,
                    name=data["name"],
                    email=data["email"],
                    timezone=data["timezone"],
                    next_appointment=data["next_appointment"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"{client.name} was added; an invitation email is on its way.")
                return redirect("practices:client_detail", code=client.code)
    else:
        form = ClientAddForm(initial={"timezone": clients.default_timezone_for(request.user)})
    return render(request, "practices/client_add.html", {"form": form})


def _client_detail_context(client):
    """Everything the client page shows, in a fixed number of queries (no per-row queries)."""
    now = timezone.now()
    today = client.today()
    appointments = client.appointments.all()
    assignments = list(
        Assignment.objects.filter(client=client)
        .select_related("goal", "template_version__template")
        .defer("instructions", "rationale", "when_where", "barriers", "if_then_plan")
    )
    logged = logged_outcomes(assignments, today)
    for assignment in assignments:
        assignment.adherence = adherence_from_counts(assignment, logged[assignment.pk], today)
    recent = list(
        Entry.objects.filter(assignment__client=client)
        .select_related("assignment")
        .defer("answers", "skip_note", "assignment__instructions", "assignment__rationale",
               "assignment__when_where", "assignment__barriers", "assignment__if_then_plan")
        .annotate(comment_count=Count("comments"))
        .order_by("-occurred_on", "-created_at")[:RECENT_ENTRIES]
    )
    return {
        "client": client,
        "goals": list(client.goals.all()),
        "upcoming": list(appointments.filter(starts_at__gte=now).order_by("starts_at")),
        "past": list(appointments.filter(starts_at__lt=now).order_by("-starts_at")[:PAST_APPOINTMENTS]),
        "active_assignments": [a for a in assignments if a.status == AssignmentStatus.ACTIVE],
        "stopped_assignments": [a for a in assignments if a.status != AssignmentStatus.ACTIVE],
        "recent_entries": recent,
        "recent_limit": RECENT_ENTRIES,
    }


@never_cache
@therapist_required
def client_detail(request, code):
    client = get_client_for_therapist(request.user, code, request=request)
    return render(request, "practices/client_detail.html", _client_detail_context(client))


@never_cache
@therapist_required
def client_edit(request, code):
    client = get_client_for_therapist(request.user, code, request=request, include_former=True)
    if request.method == "POST":
        form = ClientEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            clients.client_update(
                actor=request.user, client=client, name=data["name"], timezone=data["timezone"], is_active=data["is_active"]
            )
            if not client.is_active:
                messages.success(request, f"{client.name} is no longer in your active caseload.")
                return redirect("practices:client_list")
            messages.success(request, "Client details saved.")
            return redirect("practices:client_detail", code=client.code)
    else:
        form = ClientEditForm(initial={"name": client.name, "timezone": client.timezone, "is_active": client.is_active})
    return render(request, "practices/client_edit.html", {"form": form, "client": client})


@never_cache
@therapist_required
def goal_add(request, code):
    client = get_client_for_therapist(request.user, code, request=request)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        clients.goal_create(actor=request.user, client=client, **form.cleaned_data)
        messages.success(request, "Goal added.")
        return redirect("practices:client_detail", code=client.code)
    return render(request, "practices/goal_form.html", {"form": form, "client": client, "goal": None})


@never_cache
@therapist_required
def goal_edit(request, code):
    goal = get_goal_for_therapist(request.user, code, request=request)
    initial = {"title": goal.title, "description": goal.description, "status": goal.status}
    form = GoalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        clients.goal_update(actor=request.user, goal=goal, **form.cleaned_data)
        messages.success(request, "Goal saved.")
        return redirect("practices:client_detail", code=goal.client.code)
    return render(request, "practices/goal_form.html", {"form": form, "client": goal.client, "goal": goal})


@never_cache
@therapist_required
def appointment_add(request, code):
    client = get_client_for_therapist(request.user, code, request=request)
    form = AppointmentForm(request.POST or None, tz_name=client.timezone)
    if request.method == "POST" and form.is_valid():
        clients.appointment_create(actor=request.user, client=client, starts_at=form.cleaned_data["starts_at"])
        messages.success(request, "Appointment added.")
        return redirect("practices:client_detail", code=client.code)
    return render(request, "practices/appointment_form.html", {"form": form, "client": client, "appointment": None})


@never_cache
@therapist_required
def appointment_edit(request, code):
    appointment = get_appointment_for_therapist(request.user, code, request=request)
    client = appointment.client
    if request.method == "POST" and "delete" in request.POST:
        clients.appointment_delete(actor=request.user, appointment=appointment)
        messages.success(request, "Appointment removed.")
        return redirect("practices:client_detail", code=client.code)
    initial = {"starts_at": clients.aware_to_local(appointment.starts_at, client.timezone)}
    form = AppointmentForm(request.POST or None, initial=initial, tz_name=client.timezone)
    if request.method == "POST" and form.is_valid():
        clients.appointment_update(actor=request.user, appointment=appointment, starts_at=form.cleaned_data["starts_at"])
        messages.success(request, "Appointment saved.")
        return redirect("practices:client_detail", code=client.code)
    return render(
        request, "practices/appointment_form.html", {"form": form, "client": client, "appointment": appointment}
    )
