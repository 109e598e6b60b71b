from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.invitations import invitation_accept
from accounts.models import SignInLink

# What the session keeps of an opened link: the token's SHA-256, as the database does, so a
# dump of the sessions table holds no working link either.
SESSION_KEY = "accounts.sign_in_link"


def _invalid(request):
    request.session.pop(SESSION_KEY, None)
    return render(request, "accounts/sign_in_link_invalid.html", status=404)


@never_cache  # opened before sign-in, so the signed-in pages' no-store does not cover it
@require_GET
def sign_in_link(request, token):
    """The emailed link: exchange the token for the session and move on to a token-less URL.

    The token then stays out of the address bar, the history, the Referer of whatever the page
    links to, and the logs of anything behind us. Opening uses nothing up (mail scanners open
    links); the first open leaves the link 15 minutes to be used (docs/security.md, "Decisions").
    """
    link = SignInLink.find_usable(token)
    if link is None:
        return _invalid(request)
    link.mark_opened()
    request.session[SESSION_KEY] = link.token_hash
    return redirect("accounts:sign_in_link_open")


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_link_open(request):
    """GET shows a button; its POST uses the link up (once) and signs its owner in."""
    token_hash = request.session.get(SESSION_KEY)
    link = SignInLink.find_usable_by_hash(token_hash) if token_hash else None
    if link is None:
        return _invalid(request)
    if request.method == "POST":
        request.session.pop(SESSION_KEY, None)
        response = invitation_accept(request, link)
        if response is None:
            return _invalid(request)
        messages.success(request, "Welcome to Between. You are signed in.")
        return response
    return render(request, "accounts/sign_in_link.html", {"invitee": link.user})
