from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lib.request_id import current_request_id
from notifications.health import worker_health
from practices.access import client_profile_for, membership_for


@require_GET
@never_cache  # anonymous monitors and proxies must never see a cached "ok"
def healthz(request):
    # Reading the worker's heartbeat is the database round trip: one query, as before. A database
    # that does not answer raises, and the 500 is the alarm.
    return JsonResponse(worker_health())


@login_required
@require_GET
def home(request):
    """Send each person to their own start page."""
    if membership_for(request.user) is not None:
        # The therapist's home (insights): the day's appointments and who needs attention first;
        # the client list is one click away in the navigation.
        return redirect("insights:home")
    if client_profile_for(request.user) is not None:
        return redirect("homework:client_home")
    return render(request, "no_access.html", status=403)


@require_GET
def crisis(request):
    return render(request, "crisis.html")


def server_error(request):
    """handler500 (docs/security.md T-IN-7): a fixed page with the request id to quote, nothing else.

    Rendered without the request, so no context processor runs: they read the database and the
    session, which may be what just failed. If even the template fails, a line of plain text.
    """
    request_id = current_request_id() or "unknown"
    try:
        return HttpResponseServerError(loader.render_to_string("500.html", {"request_id": request_id}))
    except Exception:  # the page of last resort must not raise
        return HttpResponseServerError(
            f"Something went wrong on our side. Reference: {request_id}\n", content_type="text/plain; charset=utf-8"
        )
