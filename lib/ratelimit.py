"""Rate limits on costly or abusable requests, beyond allauth's own on signing in.

The counting is django-ninja's throttle (the one the API uses), kept in the shared cache so it
holds across worker processes; each scope's rate is settings.RATE_LIMITS[scope], per signed-in
person (per client address when nobody is signed in). A refusal is 429 with Retry-After.
"""

import math
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from ninja.throttling import UserRateThrottle


class ScopedThrottle(UserRateThrottle):
    def __init__(self, scope):
        self.scope = scope
        super().__init__(settings.RATE_LIMITS[scope])

    def allow_request(self, request):
        # The rate is read per request, so a changed setting takes effect without a restart.
        self.rate = settings.RATE_LIMITS[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


def rate_limited(scope, *, methods=("GET", "POST")):
    """Limit a view: only requests with one of `methods` count (a form's GET costs nothing)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods:
                throttle = ScopedThrottle(scope)
                if not throttle.allow_request(request):
                    wait = max(1, math.ceil(throttle.wait() or throttle.duration))
                    response = render(request, "429.html", {"retry_after_minutes": math.ceil(wait / 60)}, status=429)
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
