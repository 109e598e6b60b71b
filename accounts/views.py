from django.contrib import messages
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.invitations import invitation_accept
from accounts.models import SignInLink


@never_cache  # opened before sign-in, so the signed-in pages' no-store does not cover it
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
