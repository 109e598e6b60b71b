"""Response headers that hold for every page, in one place (CSP itself is django-csp's), and the
request id every log line and the error page carry (docs/security.md T-HD-1, T-SE-3, T-LG-4)."""

from uuid import uuid4

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.utils.cache import patch_cache_control

from lib.request_id import reset_request_id, set_request_id

# No page of ours uses a device, sensor or ad-tracking API, so none may, nor may anything embedded.
# Passkeys (WebAuthn) stay allowed for our own origin: the browser refuses them otherwise.
PERMISSIONS_POLICY = ", ".join(
    (
        "camera=()",
        "microphone=()",
        "geolocation=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "bluetooth=()",
        "hid=()",
        "magnetometer=()",
        "gyroscope=()",
        "accelerometer=()",
        "midi=()",
        "display-capture=()",
        "screen-wake-lock=()",
        "xr-spatial-tracking=()",
        "browsing-topics=()",
        "interest-cohort=()",
        "publickey-credentials-create=(self)",
        "publickey-credentials-get=(self)",
    )
)
# After sign-out the browser drops what it kept of the signed-in pages (cache, local storage),
# so the back button and a shared computer show nothing (T-SE-3). The session cookie itself is
# deleted by the sign-out response.
CLEAR_SITE_DATA = '"cache", "storage"'
# A session that ran out (between/sign_in.py) clears the cache, so the back button shows nothing,
# but keeps storage: what the person was typing must survive until they sign in again.
CLEAR_SITE_DATA_TIMED_OUT = '"cache"'
TIMED_OUT = "between_session_timed_out"
_SIGNED_OUT = "_between_signed_out"


class RequestIdMiddleware:
    """First in MIDDLEWARE: a fresh id per request in lib.request_id (log lines, the 500 page,
    the audit trail) and in the X-Request-ID response header. An id sent by the client is not
    trusted: it would let anyone write into our logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = uuid4().hex
        request.request_id = request_id
        token = set_request_id(request_id)
        try:
            # Exceptions become the 500 response inside this call, so their log line and the
            # error page still see the id.
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


@receiver(user_logged_out, dispatch_uid="between.security.signed_out")
def _mark_signed_out(sender, request, **kwargs):
    if request is not None:
        setattr(request, _SIGNED_OUT, True)


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; Clear-Site-Data on the response that signs out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if getattr(request, _SIGNED_OUT, False):
            response["Clear-Site-Data"] = (
                CLEAR_SITE_DATA_TIMED_OUT if getattr(request, TIMED_OUT, False) else CLEAR_SITE_DATA
            )
        return response


class PrivatePagesMiddleware:
    """Pages shown to a signed-in person never enter a shared or browser cache, so the back
    button after sign-out and a shared computer's history show no clinical content."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        return response
