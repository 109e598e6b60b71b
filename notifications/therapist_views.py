"""Placeholder until the pages land."""

from django.http import Http404


def notices(request, **kwargs):
    raise Http404


def notice_settings(request, **kwargs):
    raise Http404
