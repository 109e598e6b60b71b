"""Placeholder views: being written."""

from django.http import Http404


def sign_in_link(request, *args, **kwargs):
    raise Http404


def team(request, *args, **kwargs):
    raise Http404

