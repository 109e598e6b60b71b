"""Placeholder until the pages land."""

from django.http import Http404


def brief(request, **kwargs):
    raise Http404


def brief_pdf(request, **kwargs):
    raise Http404


def topic_discussed(request, **kwargs):
    raise Http404
