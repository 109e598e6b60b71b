"""Placeholder until the pages land."""

from django.http import Http404


def home(request, **kwargs):
    raise Http404


def assigning_feedback(request, **kwargs):
    raise Http404
