"""Therapist pages about who is in whose care: a new client, a client's details, goals,
appointments, and the practice's team; and the invitee's page that answers an invitation.

Every client-scoped object comes through practices.access; every change through
practices.clients or practices.team. The pages that show a client's homework (the client list,
former clients and the client page) live in homework.views. Each page runs a fixed number of queries.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lib.ratelimit import rate_limited
from lib.validation import saved
from practices import clients, invitations
from practices.access import (
    crisis_resources_of,
    get_appointment_for_therapist,
    get_client_for_therapist,
    get_goal_for_therapist,
    team_of,
)
from practices.crisis import crisis_resources_set, resources_of
from practices.decorators import owner_required, therapist_required
from practices.forms import (
    AppointmentForm,
    ClientAddForm,
    ClientEditForm,
    CrisisResourcesForm,
    GoalForm,
    InviteTherapistForm,
)
from practices.team import therapist_invite

GET_POST = ["GET", "POST"]


@therapist_required
@require_http_methods(GET_POST)
@rate_limited("invitation", methods=("POST",))
def client_add(request):
    """Every address gets the same answer, new to Between or not (practices.invitations): an
    invitation, and the person joins the client list once they accept it."""
    practice = request.membership.practice
    if request.method == "POST":
        form = ClientAddForm(request.POST)
        if form.is_valid() and (
            invitation := saved(
                form,
                invitations.care_invite,
                therapist=request.user,
                practice=practice,
                **form.cleaned_data,
            )
        ):
            messages.success(
                request,
                f"Invitation sent to {invitation.name} ({invitation.email}). "
                "They join your client list once they accept it.",
            )
            return redirect("practices:client_add")
    else:
        form = ClientAddForm(initial={"timezone": clients.default_timezone_for(request.user)})
    pending = invitations.pending_invitations_sent_by(request.user, practice)
    return render(request, "practices/client_add.html", {"form": form, "pending": pending})


@login_required
@require_http_methods(GET_POST)
def care_invitation(request, code):
    """The invitee's answer to an invitation: only the invited account sees it (others get 404).
    No role gate: the invitee may be nobody's client yet."""
    invitation = invitations.get_invitation_for_invitee(request.user, code, request=request)
    problem = None
    if request.method == "POST" and ("accept" in request.POST or "decline" in request.POST):
        try:
            if "accept" in request.POST:
                invitations.care_invitation_accept(invitation=invitation, user=request.user)
                messages.success(request, f"Welcome. You are now in the care of {invitation.therapist.name}.")
                return redirect("homework:client_home")
            invitations.care_invitation_decline(invitation=invitation, user=request.user)
            return redirect("practices:care_invitation", code=invitation.code)
        except ValidationError as exc:
            problem = exc.messages[0]
    context = {
        "invitation": invitation,
        "problem": problem or invitations.acceptance_problem(invitation, request.user),
    }
    return render(request, "practices/care_invitation.html", context)


@therapist_required
@require_http_methods(GET_POST)
def client_edit(request, code):
    client = get_client_for_therapist(request.user, code, request=request, include_former=True)
    if request.method == "POST":
        form = ClientEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            clients.client_update(
                actor=request.user,
                client=client,
                name=data["name"],
                timezone=data["timezone"],
                is_active=data["is_active"],
            )
            if not client.is_active:
                messages.success(request, f"{client.name} is no longer in your active caseload.")
                return redirect("homework:client_list")
            messages.success(request, "Client details saved.")
            return redirect("homework:client_detail", code=client.code)
    else:
        form = ClientEditForm(initial={"name": client.name, "timezone": client.timezone, "is_active": client.is_active})
    return render(request, "practices/client_edit.html", {"form": form, "client": client})


@therapist_required
@require_http_methods(GET_POST)
def goal_add(request, code):
    client = get_client_for_therapist(request.user, code, request=request)
    form = GoalForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(form, clients.goal_create, actor=request.user, client=client, **form.cleaned_data)
    ):
        messages.success(request, "Goal added.")
        return redirect("homework:client_detail", code=client.code)
    return render(request, "practices/goal_form.html", {"form": form, "client": client, "goal": None})


@therapist_required
@require_http_methods(GET_POST)
def goal_edit(request, code):
    goal = get_goal_for_therapist(request.user, code, request=request)
    initial = {"title": goal.title, "description": goal.description, "status": goal.status}
    form = GoalForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(form, clients.goal_update, actor=request.user, goal=goal, **form.cleaned_data)
    ):
        messages.success(request, "Goal saved.")
        return redirect("homework:client_detail", code=goal.client.code)
    return render(request, "practices/goal_form.html", {"form": form, "client": goal.client, "goal": goal})


@therapist_required
@require_http_methods(GET_POST)
def appointment_add(request, code):
    client = get_client_for_therapist(request.user, code, request=request)
    form = AppointmentForm(request.POST or None, tz_name=client.timezone)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(
            form,
            clients.appointment_create,
            actor=request.user,
            client=client,
            starts_at=form.cleaned_data["starts_at"],
        )
    ):
        messages.success(request, "Appointment added.")
        return redirect("homework:client_detail", code=client.code)
    return render(request, "practices/appointment_form.html", {"form": form, "client": client, "appointment": None})


@therapist_required
@require_http_methods(GET_POST)
def appointment_edit(request, code):
    appointment = get_appointment_for_therapist(request.user, code, request=request)
    client = appointment.client
    if request.method == "POST" and "delete" in request.POST:
        clients.appointment_delete(actor=request.user, appointment=appointment)
        messages.success(request, "Appointment removed.")
        return redirect("homework:client_detail", code=client.code)
    initial = {"starts_at": clients.aware_to_local(appointment.starts_at, client.timezone)}
    form = AppointmentForm(request.POST or None, initial=initial, tz_name=client.timezone)
    if request.method == "POST" and form.is_valid():
        clients.appointment_update(
            actor=request.user, appointment=appointment, starts_at=form.cleaned_data["starts_at"]
        )
        messages.success(request, "Appointment saved.")
        return redirect("homework:client_detail", code=client.code)
    return render(
        request, "practices/appointment_form.html", {"form": form, "client": client, "appointment": appointment}
    )


@owner_required
@require_http_methods(GET_POST)
@rate_limited("invitation", methods=("POST",))
def team(request):
    practice = request.membership.practice
    form = InviteTherapistForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and saved(form, therapist_invite, practice=practice, **form.cleaned_data)
    ):
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect("practices:team")
    members = team_of(request.membership)
    return render(request, "practices/team.html", {"form": form, "members": members, "practice": practice})


CRISIS_SAVED = "Saved. Your clients see these numbers on the crisis page from now on."


@owner_required
@require_http_methods(GET_POST)
def crisis_settings(request):
    """The practice's crisis resources, set by its owner; until then the international defaults."""
    practice = request.membership.practice
    current = resources_of(crisis_resources_of(request.membership))
    if request.method == "POST":
        form = CrisisResourcesForm(request.POST)
        if form.is_valid() and saved(
            form, crisis_resources_set, practice=practice, actor=request.user, **form.resources_values()
        ):
            messages.success(request, CRISIS_SAVED)
            return redirect("practices:crisis_settings")
    else:
        form = CrisisResourcesForm(initial=CrisisResourcesForm.initial_from(current))
    return render(request, "practices/crisis_settings.html", {"form": form, "practice": practice, "current": current})
