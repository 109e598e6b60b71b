"""The JSON API under /api/v1/: the NinjaAPI instance, who may call what, and one error format.

Who: the same signed-in people as the pages, through django-ninja's session auth, which also
checks the CSRF token on unsafe methods. Anonymous callers get 401. A signed-in person of the
wrong role gets 404, the answer accounts.decorators gives on the pages, and so does anyone
asking for a record that is not theirs (practices.access): never 403, so nobody learns that a
record exists.

Every error is JSON with a "detail":
  401 {"detail": "Unauthorized"}                     not signed in
  403 {"detail": "CSRF check Failed"}                 an unsafe method without the CSRF token
  404 {"detail": "Not found"}                         missing, foreign, or the wrong role
  409 {"detail": ..., "reason": "stale"|"locked"}    the entry changed meanwhile, or was reviewed
  403 {"detail": ..., "reason": "mfa_required"}      staff who have not set up a second factor
  403 {"detail": ..., "reason": "reauthenticate"}    an export more than 5 minutes after signing in
  422 {"detail": ..., "errors": {field or linkId: [messages]}}   input the rules refuse
  429 {"detail": "Too many requests."} + Retry-After  writes and exports past settings.RATE_LIMITS
"""

from allauth.core.exceptions import ReauthenticationRequired
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import ValidationError as RequestInvalid
from ninja.security import SessionAuth, django_auth

from api import me, therapist
from lib.conflicts import EditConflict
from practices.access import client_profile_for, membership_for
from practices.decorators import refuse

NOT_FOUND = "Not found"


class _RoleSession(SessionAuth):
    """django_auth (session cookie, CSRF on unsafe methods) plus a role gate."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None  # 401
        if not self.admits(request, user):
            refuse(request)  # a "denied" audit row naming the operation, then 404
        return user

    def admits(self, request, user) -> bool:
        raise NotImplementedError


class ClientSession(_RoleSession):
    """A signed-in client (as accounts.decorators.client_required); sets request.client."""

    def admits(self, request, user):
        request.client = client_profile_for(user)
        return request.client is not None


class TherapistSession(_RoleSession):
    """A signed-in therapist of a practice (as therapist_required); sets request.membership."""

    def admits(self, request, user):
        request.membership = membership_for(user)
        return request.membership is not None


api = NinjaAPI(
    title="Between API",
    version="1",
    description="Therapy homework between sessions. Sign in on the web first; the API uses the same session.",
    urls_namespace="api",
    # Each router names its role below; this default also makes the docs page send the CSRF token.
    auth=django_auth,
)
api.add_router("/me", me.router, auth=ClientSession(), tags=["client"])
api.add_router("/", therapist.router, auth=TherapistSession(), tags=["therapist"])


# --- Errors -----------------------------------------------------------------------------------------


def _error(request, status, detail, **extra):
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(Http404)
def not_found(request, exc):
    # Always the same body: Http404's own message could differ between "missing" and "foreign".
    return _error(request, 404, NOT_FOUND)


@api.exception_handler(PermissionDenied)
def not_permitted(request, exc):
    # Raised only by the write functions' second-line ownership checks: answer as for a record
    # that does not exist.
    return _error(request, 404, NOT_FOUND)


@api.exception_handler(DjangoValidationError)
def refused(request, exc):
    """The domain's rules said no (homework.recording, items.AnswersInvalid): 422 with the same
    messages a page would show, by field or by the question's linkId."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    fields = [key for key in errors if key != NON_FIELD_ERRORS]
    detail = errors[NON_FIELD_ERRORS][0] if not fields else "Some of what was sent needs another look."
    return _error(request, 422, detail, errors=errors)


@api.exception_handler(RequestInvalid)
def malformed(request, exc):
    """The request does not fit the operation's schema (types, ranges, unknown fields): the same
    shape as refused(), keyed by field name; the values sent are never echoed back."""
    errors = {}
    for error in exc.errors:
        source, *loc = error["loc"]
        if source == "body" and loc:
            loc = loc[1:]  # the payload parameter's own name says nothing to the caller
        errors.setdefault(".".join(str(part) for part in loc) or source, []).append(error["msg"])
    return _error(request, 422, "The request does not match the schema.", errors=errors)


@api.exception_handler(EditConflict)
def conflict(request, exc):
    return _error(request, 409, exc.message, reason=exc.reason)


REAUTHENTICATE = "Confirm it is you first: enter your password or second step again (on the web), then export."


@api.exception_handler(ReauthenticationRequired)
def reauthenticate_first(request, exc):
    return _error(request, 403, REAUTHENTICATE, reason="reauthenticate")
