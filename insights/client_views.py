"""Placeholder until the pages land."""

from django.http import Http404


def topics(request, **kwargs):
    raise Http404


def progress(request, **kwargs):
    raise Http404
