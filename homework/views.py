"""Placeholder views: being written."""

from django.http import Http404


def template_list(request, *args, **kwargs):
    raise Http404


def template_detail(request, *args, **kwargs):
    raise Http404


def assign_choose(request, *args, **kwargs):
    raise Http404


def assign(request, *args, **kwargs):
    raise Http404


def assignment_detail(request, *args, **kwargs):
    raise Http404


def assignment_edit(request, *args, **kwargs):
    raise Http404


def assignment_review(request, *args, **kwargs):
    raise Http404


def entry_detail(request, *args, **kwargs):
    raise Http404

