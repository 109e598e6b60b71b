"""Placeholder views: being written."""

from django.http import Http404


def client_home(request, *args, **kwargs):
    raise Http404


def client_assignment(request, *args, **kwargs):
    raise Http404


def entry_new(request, *args, **kwargs):
    raise Http404


def client_history(request, *args, **kwargs):
    raise Http404


def client_entry(request, *args, **kwargs):
    raise Http404


def entry_edit(request, *args, **kwargs):
    raise Http404

