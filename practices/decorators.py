"""Role gates for views. Anonymous people go to sign-in; signed-in people of the wrong role
get a 404, the same answer as for a record that does not exist."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from practices.access import client_profile_for, membership_for


def therapist_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.membership = membership_for(request.user)
        if request.membership is None:
            raise Http404("Not found")
        return view(request, *args, **kwargs)

    return wrapper


def owner_required(view):
    @therapist_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.membership.is_owner:
            raise Http404("Not found")
        return view(request, *args, **kwargs)

    return wrapper


def client_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.client = client_profile_for(request.user)
        if request.client is None:
            raise Http404("Not found")
        return view(request, *args, **kwargs)

    return wrapper
