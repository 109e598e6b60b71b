"""Placeholder views: being written."""

from django.http import Http404


def client_list(request, *args, **kwargs):
    raise Http404


def client_add(request, *args, **kwargs):
    raise Http404


def client_detail(request, *args, **kwargs):
    raise Http404


def client_edit(request, *args, **kwargs):
    raise Http404


def goal_add(request, *args, **kwargs):
    raise Http404


def goal_edit(request, *args, **kwargs):
    raise Http404


def appointment_add(request, *args, **kwargs):
    raise Http404


def appointment_edit(request, *args, **kwargs):
    raise Http404

