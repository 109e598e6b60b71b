"""The rules of a signed-in session that hold for every URL (docs/security.md T-SE-2, T-AN-3).

- A session ends after SESSION_IDLE_STAFF / SESSION_IDLE_CLIENT without a request and
  SESSION_ABSOLUTE after sign-in, whatever the cookie says.
- What a person sent just as their session ended is kept (encrypted, in the new anonymous
  session, bound to who they were) and submitted again once *they* sign in again, so nothing
  typed is lost. Anyone else signing in on that browser never sees it.
- A therapist or owner without a second factor reaches only the pages that enrol one.
"""

import json
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from between.security import TIMED_OUT
from lib import crypto
from practices.backends import has_second_factor, is_staff_member

SIGNED_IN_AT = "between_signed_in_at"
SEEN_AT = "between_seen_at"
ENDED = "between_ended"  # {"user": pk, "at": time}: whose session just ran out
PENDING_POST = "between_pending_post"
PENDING_POST_AAD = "session.pending_post"
# Writing the session on every request costs a database write per page; once a minute is
# precise enough for a 15-minute limit (a session may end up to a minute early, never late).
SEEN_RESOLUTION = 60
# How long a kept submission waits for its author to sign in again.
PENDING_MAX_AGE = 60 * 60

# URLs anyone may post to without a session: their POSTs are never kept for later.
ANONYMOUS_POST_NAMESPACES = {"api", "accounts"}
ANONYMOUS_POST_PREFIXES = ("account_", "mfa_", "usersessions_")
ANONYMOUS_POST_NAMES = {"notifications:pause"}
# Posted by static/js/drafts.js in the background as the client types: never kept, or the next
# sign-in would land on a JSON answer; the page's own Save is what is kept, and the phone keeps
# the draft meanwhile.
BACKGROUND_POST_NAMES = {"homework:draft", "homework:entry_draft"}

# What a staff member without a second factor may open: enrolment, and the way out.
ENROLMENT_URL_NAMES = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_add_webauthn",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_reauthenticate",
    "account_reauthenticate",
    "account_logout",
    "healthz",
    "crisis",
    # Installing Between as an app: public files, nothing of anyone's.
    "favicon",
    "manifest",
    "service_worker",
}
ENROL_FIRST = "Set up two-step sign-in first: it protects your clients' records if your password is ever stolen."


@receiver(user_logged_in, dispatch_uid="between.sign_in.started")
def _session_started(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    ended = request.session.get(ENDED)
    if ended and ended.get("user") != user.pk:
        # Someone else signs in on this browser: what the previous person sent is not theirs.
        request.session.pop(PENDING_POST, None)
    request.session.pop(ENDED, None)


def idle_limit(user):
    return settings.SESSION_IDLE_STAFF if is_staff_member(user) else settings.SESSION_IDLE_CLIENT


def _url_name(request):
    match = request.resolver_match
    if match is None:
        return ""
    return f"{match.namespace}:{match.url_name}" if match.namespace else (match.url_name or "")


def _posts_without_session(request):
    match = request.resolver_match
    name = _url_name(request)
    return (
        match is None
        or match.namespace in ANONYMOUS_POST_NAMESPACES
        or name.startswith(ANONYMOUS_POST_PREFIXES)
        or name in ANONYMOUS_POST_NAMES
        or name in BACKGROUND_POST_NAMES
    )


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._enforce_limits(request)
        return self.get_response(request)

    def _enforce_limits(self, request):
        session, now = request.session, time.time()
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        seen_at = session.setdefault(SEEN_AT, now)
        idle = now - seen_at > idle_limit(request.user)
        if idle or now - signed_in_at > settings.SESSION_ABSOLUTE:
            user = request.user
            setattr(request, TIMED_OUT, True)
            logout(request)  # a new, empty session; the old key is refused from now on
            request.session[ENDED] = {"user": user.pk, "at": now}
            minutes = idle_limit(user) // 60
            messages.info(
                request,
                f"You were signed out after {minutes} minutes without activity. Sign in again to go on."
                if idle
                else "You were signed out: sessions end after 12 hours. Sign in again to go on.",
            )
        elif now - seen_at >= SEEN_RESOLUTION:
            session[SEEN_AT] = now

    def process_view(self, request, view_func, view_args, view_kwargs):
        # process_view runs after CsrfViewMiddleware's: only a POST that passed it is kept.
        if request.method == "POST" and not request.user.is_authenticated:
            return self._keep_for_later(request)
        if request.method == "GET" and request.user.is_authenticated and PENDING_POST in request.session:
            self._send_again(request)
        return None

    def _keep_for_later(self, request):
        ended = request.session.get(ENDED)
        if not ended or time.time() - ended["at"] > PENDING_MAX_AGE or _posts_without_session(request):
            return None
        fields = {key: values for key, values in request.POST.lists() if key != "csrfmiddlewaretoken"}
        request.session[PENDING_POST] = {
            "user": ended["user"],
            "path": request.get_full_path(),
            "at": time.time(),
            "post": crypto.encrypt(json.dumps(fields), PENDING_POST_AAD),
        }
        messages.info(request, "What you sent is kept: sign in again and it is sent for you.")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")

    def _send_again(self, request):
        """The GET that sign-in redirects to becomes the POST the session ran out on."""
        pending = request.session[PENDING_POST]
        if pending["user"] != request.user.pk or time.time() - pending["at"] > PENDING_MAX_AGE:
            del request.session[PENDING_POST]
            return
        if pending["path"] != request.get_full_path():
            return  # kept until its page is opened again, or it expires
        del request.session[PENDING_POST]
        data = QueryDict(mutable=True)
        for key, values in json.loads(crypto.decrypt(pending["post"], PENDING_POST_AAD)).items():
            data.setlist(key, values)
        request.method = request.META["REQUEST_METHOD"] = "POST"
        request.POST = data
        request.between_sent_again = True


class SecondFactorRequiredMiddleware:
    """T-AN-3: 0 URLs reachable by staff before a second factor; enrolment is forced."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "between_sent_again", False) and response.status_code in (301, 302, 303):
            messages.success(request, "Signed in again: what you sent before is saved.")
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not is_staff_member(user) or _url_name(request) in ENROLMENT_URL_NAMES:
            return None
        if has_second_factor(user):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": ENROL_FIRST, "reason": "mfa_required"}, status=403)
        messages.warning(request, ENROL_FIRST)
        return redirect("mfa_index")
