from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from practices.access import client_profile_for, membership_for


@require_GET
@never_cache  # anonymous monitors and proxies must never see a cached "ok"
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})


@login_required
@require_GET
def home(request):
    """Send each person to their own start page."""
    if membership_for(request.user) is not None:
        return redirect("homework:client_list")
    if client_profile_for(request.user) is not None:
        return redirect("homework:client_home")
    return render(request, "no_access.html", status=403)


@require_GET
def crisis(request):
    return render(request, "crisis.html")
