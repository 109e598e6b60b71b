"""Response headers that hold for every page, in one place (CSP itself is django-csp's)."""

from django.utils.cache import patch_cache_control


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
