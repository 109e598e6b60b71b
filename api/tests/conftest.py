"""Helpers for the API tests: one Django test client per role, URLs and JSON bodies."""

import json
from types import SimpleNamespace

import pytest
from django.test import Client

from conftest import BACKEND, SENTINEL, confirmed_just_now, make_assignment, make_entry
from tests.conftest import browser_type_launch_args  # noqa: F401  Debian's Chromium, for test_docs_browser

CLIENT_A_NAME = "Dana Client"
CLIENT_A_EMAIL = "dana@example.com"
LEAK_MARKERS = (SENTINEL, CLIENT_A_NAME, CLIENT_A_EMAIL)


def assert_nothing_of_as(response):
    text = response.content.decode() + "\n".join(f"{k}: {v}" for k, v in response.items())
    leaks = [marker for marker in LEAK_MARKERS if marker in text]
    assert not leaks, f"{response.status_code} response leaks {leaks}"


def thought_record_answers(**overrides):
    """A complete, valid thought record as JSON (numbers as numbers, lists as lists)."""
    answers = {
        "situation": "Meeting at work, my manager frowned",
        "automatic_thought": "She thinks I am useless",
        "emotion": "anxious",
        "emotion_intensity": 80,
        "evidence_for": ["She frowned"],
        "evidence_against": ["She praised my report last week"],
        "balanced_thought": "She may have been concentrating",
        "emotion_rerated": 40,
    }
    answers.update(overrides)
    return answers


def entry_body(client, **overrides):
    body = {
        "outcome": "done",
        "occurred_on": client.today().isoformat(),
        "answers": thought_record_answers(),
        "helpfulness": 3,
        "difficulty": "about_right",
        "wants_to_discuss": False,
    }
    body.update(overrides)
    return body


@pytest.fixture
def world(client_a, assignment_a, entry_a, colleague_a, client_b):
    """A's homework (SENTINEL in every free text) and B's own, so B's lists have rows of their own."""
    from homework.models import Comment

    assignment_b = make_assignment(client_b, title="B's homework", instructions="B's steps", rationale="B's why")
    entry_b = make_entry(assignment_b, answers={"situation": "B's situation"})
    Comment.objects.create(entry=entry_b, author=client_b.user, body="B's comment")
    return SimpleNamespace(
        client=client_a,
        assignment=assignment_a,
        entry=entry_a,
        client_b=client_b,
        assignment_b=assignment_b,
        entry_b=entry_b,
    )


@pytest.fixture
def api_as(request, db):
    """role name -> a test client signed in as that role ("anonymous" stays signed out)."""

    def _as(role, *, enforce_csrf_checks=False):
        http = Client(enforce_csrf_checks=enforce_csrf_checks)
        if role != "anonymous":
            person = request.getfixturevalue(role)
            user = getattr(person, "user", person)
            http.force_login(user, backend=BACKEND)
            confirmed_just_now(http, user)
        return http

    return _as


def send(http, method, url, body=None, **extra):
    """A request with a JSON body, as an API client sends it."""
    if method == "GET":
        return http.get(url, **extra)
    return http.generic(method, url, _json(body), content_type="application/json", **extra)


def _json(body):
    return json.dumps(body if body is not None else {})
