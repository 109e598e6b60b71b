"""Placeholder until the pages land."""

from django.http import Http404


def failed_deliveries(request, **kwargs):
    raise Http404
