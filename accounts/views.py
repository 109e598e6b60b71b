from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.decorators import owner_required
from accounts.forms import InviteTherapistForm
from accounts.invitations import invitation_accept, therapist_invite
from accounts.models import SignInLink
from practices.models import Membership


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_link(request, token):
    """GET only shows a button: mail scanners that pre-open links must not use them up."""
    link = SignInLink.find_usable(token)
    if link is None:
        return render(request, "accounts/sign_in_link_invalid.html", status=404)
    if request.method == "POST":
        response = invitation_accept(request, link)
        if response is None:
            return render(request, "accounts/sign_in_link_invalid.html", status=404)
        messages.success(request, "Welcome to Between. You are signed in.")
        return response
    return render(request, "accounts/sign_in_link.html", {"invitee": link.user})


@owner_required
@require_http_methods(["GET", "POST"])
def team(request):
    practice = request.membership.practice
    form = InviteTherapistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            therapist_invite(practice=practice, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)  # a {"email": ...} error lands next to that field
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("accounts:team")
    members = Membership.objects.filter(practice=practice).select_related("user").order_by("user__name")
    return render(request, "accounts/team.html", {"form": form, "members": members, "practice": practice})
