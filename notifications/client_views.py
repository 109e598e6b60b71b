"""Placeholder until the pages land."""

from django.http import Http404


def settings_page(request, **kwargs):
    raise Http404


def feed_manage(request, **kwargs):
    raise Http404


def pause(request, **kwargs):
    raise Http404


def feed(request, **kwargs):
    raise Http404
