"""The cast every test module shares.

practice_a: therapist_a (owner) with client_a; colleague_a, a therapist of the same practice
with no clients. practice_b: therapist_b with client_b. Objects of A carry SENTINEL in their
free text so a test can check it never reaches anyone else.
"""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

# Playwright's sync API runs an event loop in the test thread; Django's ORM then refuses to run.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SENTINEL = "SENTINEL-7f3a-do-not-leak"
PASSWORD = "correct horse battery staple"
BACKEND = "practices.backends.RoleAwareBackend"


@pytest.fixture(autouse=True)
def no_private_text_in_logs(caplog):
    """Every test doubles as a log check (docs/security.md T-LG-4): what people wrote, and their
    passwords, never reach a log record, whatever the test did."""
    yield
    leaked = [
        r.getMessage() for r in caplog.get_records("call") if SENTINEL in r.getMessage() or PASSWORD in r.getMessage()
    ]
    assert not leaked, f"private text reached the logs: {leaked[:3]}"


@pytest.fixture(autouse=True)
def huey_immediate():
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = False


def audit_lock_queries():
    """Query ceilings add this: on PostgreSQL appending to the audit chain first takes an advisory
    lock (one more statement per request that audits anything, audit/record.py); SQLite's write
    lock comes with its IMMEDIATE transaction."""
    from django.db import connection

    return 1 if connection.vendor == "postgresql" else 0


def make_user(email, name, password=PASSWORD):
    from allauth.account.models import EmailAddress

    from accounts.models import User

    user = User.objects.create_user(email=email, password=password, name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_therapist(practice, email, name, role="therapist"):
    """Staff reach client data only with a second factor: every therapist here has an
    authenticator app (its secret on `user.totp_secret`, for tests that sign in through the form)."""
    from accounts.second_factor import enrol_totp
    from practices.models import Membership

    user = make_user(email, name)
    Membership.objects.create(practice=practice, user=user, role=role)
    user.totp_secret = enrol_totp(user)
    return user


def make_client(practice, therapist, email, name, tz="Europe/Berlin"):
    from practices.models import Client

    return Client.objects.create(practice=practice, therapist=therapist, user=make_user(email, name), timezone=tz)


def builtin_version(key):
    from homework.builtin.loader import load_builtin_templates
    from homework.models import ExerciseTemplate, TemplateVersion

    versions = TemplateVersion.objects.filter(template__builtin_key=key).order_by("-number")
    if not versions.exists():
        # A transactional test (browser, concurrency) flushed what the data migration loaded.
        load_builtin_templates(ExerciseTemplate, TemplateVersion)
    return versions.first()


def make_assignment(client, *, key="thought-record", **overrides):
    from homework.models import Assignment

    version = builtin_version(key)
    today = client.today()
    fields = dict(
        client=client,
        assigned_by=client.therapist,
        template_version=version,
        title=f"{version.title} {SENTINEL}",
        instructions=f"Instructions {SENTINEL}",
        rationale=f"Rationale {SENTINEL}",
        when_where="Evenings at home",
        barriers="Tired after work",
        if_then_plan="If I am tired, then I do it after dinner",
        frequency="daily",
        starts_on=today - timedelta(days=7),
        due_on=today + timedelta(days=7),
        confidence=7,
    )
    fields.update(overrides)
    return Assignment.objects.create(**fields)


def make_entry(assignment, **overrides):
    from homework.models import Entry

    fields = dict(
        assignment=assignment,
        occurred_on=assignment.client.today(),
        outcome="done",
        answers={},
        helpfulness=3,
        difficulty="about_right",
    )
    fields.update(overrides)
    return Entry.objects.create(**fields)


@pytest.fixture
def practice_a(db):
    from practices.models import Practice

    return Practice.objects.create(name="Practice A")


@pytest.fixture
def practice_b(db):
    from practices.models import Practice

    return Practice.objects.create(name="Practice B")


@pytest.fixture
def therapist_a(practice_a):
    return make_therapist(practice_a, "alice@example.com", "Alice Therapist", role="owner")


@pytest.fixture
def colleague_a(practice_a):
    return make_therapist(practice_a, "carol@example.com", "Carol Colleague")


@pytest.fixture
def therapist_b(practice_b):
    return make_therapist(practice_b, "bob@example.com", "Bob Therapist", role="owner")


@pytest.fixture
def client_a(practice_a, therapist_a):
    return make_client(practice_a, therapist_a, "dana@example.com", "Dana Client")


@pytest.fixture
def client_b(practice_b, therapist_b):
    return make_client(practice_b, therapist_b, "eve@example.com", "Eve Client", tz="America/New_York")


@pytest.fixture
def client_a_user(client_a):
    """client_a's own account, for tests that sign in as them."""
    return client_a.user


@pytest.fixture
def goal_a(client_a):
    from practices.models import Goal

    return Goal.objects.create(client=client_a, title="Sleep better", description=f"Goal {SENTINEL}")


@pytest.fixture
def appointment_a(client_a):
    from practices.models import Appointment

    return Appointment.objects.create(client=client_a, starts_at=timezone.now() + timedelta(days=6))


@pytest.fixture
def assignment_a(client_a, goal_a):
    return make_assignment(client_a, goal=goal_a)


@pytest.fixture
def entry_a(assignment_a):
    from homework.models import Comment

    entry = make_entry(
        assignment_a,
        answers={"situation": f"Situation {SENTINEL}"},
        wants_to_discuss=True,
    )
    Comment.objects.create(entry=entry, author=assignment_a.client.user, body=f"Comment {SENTINEL}")
    return entry


def confirmed_just_now(http, user):
    """Record in the test client's session that `user` typed their password a moment ago, as
    allauth does on its re-authentication page: exports and account changes then go ahead. The
    authorization suites test who may see what; tests/test_sign_in_rules.py tests the prompt."""
    import time

    session = http.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time(), "reauthenticated": True}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


@pytest.fixture
def sign_in(client):
    """Sign a user into Django's test client (named `client` by pytest-django: the browser)."""

    def _sign_in(user):
        client.force_login(user, backend=BACKEND)
        confirmed_just_now(client, user)
        return client

    return _sign_in


# --- Test order -----------------------------------------------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run transactional tests (live_server, browser) after all the others, as pytest-django means to.

    pytest-django sorts them last, but pytest's own grouping by session-scoped parameters (the
    `browser_name` that pytest-playwright parametrizes) runs afterwards and pulls browser tests
    back into the middle. A transactional test empties every table when it ends, the built-in
    exercise library included, and the ordinary tests after it then find no templates. Sorting
    again, last, restores Django's order (the sort is stable, so groups stay as they were).
    """
    from pytest_django.plugin import pytest_collection_modifyitems as django_order

    django_order(items)
