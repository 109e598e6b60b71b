from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from lib.request_id import current_request_id
from notifications.health import worker_health
from practices.access import client_profile_for, crisis_resources_for_visitor, membership_for


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
    """Public: a client in care sees their practice's crisis resources, anyone else the
    international defaults (practices.crisis)."""
    return render(request, "crisis.html", {"resources": crisis_resources_for_visitor(request.user)})


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


# --- Installing Between on a phone: manifest, icons, service worker (homework/README.md) ---------
# Public and the same for everyone: none of them holds anything of anyone's.

THEME_COLOUR = "#1d5f8a"  # --accent in static/css/between.css
BACKGROUND_COLOUR = "#fbfaf7"  # --bg


def _static_bytes(path):
    """A file of static/ as it is in the source tree (the finders know STATICFILES_DIRS)."""
    found = finders.find(path)
    if not found:
        raise Http404("Not found")
    with open(found, "rb") as file:
        return file.read()


@require_GET
@cache_control(public=True, max_age=60 * 60 * 24)
def favicon(request):
    """/favicon.ico, which browsers ask for on their own whatever the page links to."""
    return HttpResponse(_static_bytes("icons/favicon.ico"), content_type="image/x-icon")


@require_GET
@cache_control(public=True, max_age=60 * 60)
def manifest(request):
    """The web app manifest: Between added to a home screen opens the today page, full screen."""
    icon = "icons/icon-{}.png"
    body = {
        "name": "Between",
        "short_name": "Between",
        "description": "Your therapy homework, between sessions.",
        "start_url": reverse("homework:client_home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(icon.format(192)), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static(icon.format(512)), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": static(icon.format("maskable-512")),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(body, content_type="application/manifest+json")


@require_GET
@never_cache  # a new worker must reach browsers at once
def service_worker(request):
    """static/js/sw.js served from the root, so its scope can be the whole site. The CSP stays the
    same as every page's: it governs the worker too (connect-src 'self')."""
    response = HttpResponse(_static_bytes("js/sw.js"), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
