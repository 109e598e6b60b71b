from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
