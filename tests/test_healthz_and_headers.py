"""/healthz, the security headers of every kind of page, and the crisis link on every page."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from tests.test_authorization_matrix import MATRIX


@pytest.fixture
def swept():
    """The background worker's dispatcher finished a sweep just now (notifications.tasks.dispatch)."""
    from notifications import tasks

    tasks.beat(tasks.DISPATCH)


def test_healthz_answers_ok_after_a_database_round_trip(client, db, swept, django_assert_num_queries):
    from notifications.models import Heartbeat

    with django_assert_num_queries(1):  # the heartbeat's read is the round trip
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    at = Heartbeat.objects.get(name="dispatch").at
    assert response.json() == {"status": "ok", "last_sweep": at.isoformat(timespec="seconds").replace("+00:00", "Z")}


def test_healthz_is_ok_up_to_five_minutes_after_the_last_sweep(client, db, swept):
    with time_machine.travel(timezone.now() + timedelta(minutes=4, seconds=59), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_says_degraded_when_the_worker_stopped_sweeping(client, db):
    from notifications import tasks

    swept_at = datetime(2031, 3, 4, 9, 15, 30, tzinfo=UTC)
    tasks.beat(tasks.DISPATCH, swept_at)
    with time_machine.travel(swept_at + timedelta(minutes=5, seconds=1), tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200, "the web side still serves: a monitor reads the status"
    assert response.json() == {
        "status": "degraded",
        "reason": "the background worker has not swept the outbox since 2031-03-04T09:15:30Z",
    }


def test_healthz_says_degraded_when_the_worker_never_swept(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "reason": "the background worker has never swept the outbox"}


def test_healthz_reads_only_the_dispatchers_heartbeat(client, db):
    from notifications import tasks

    tasks.beat(tasks.PLAN)  # the planner ran, the dispatcher never did
    assert client.get("/healthz").json()["status"] == "degraded"


def test_healthz_is_not_cached(client, db):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_healthz_refuses_writes(client, db, method):
    response = getattr(client, method)("/healthz")
    assert response.status_code == 405


def test_healthz_needs_no_sign_in_and_sets_no_session(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies


# --- Headers ------------------------------------------------------------------------------------------------


def _csp(response):
    """The policy as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    policy = {}
    for part in header.split(";"):
        tokens = part.split()
        if tokens:
            policy[tokens[0].lower()] = tokens[1:]
    return policy


# Sources a same-origin app needs; anything else (a host, a scheme, "*") is a third party.
FIRST_PARTY_SOURCES = {"'self'", "'none'"}


@pytest.fixture
def pages(objs):
    """(name, role, url) of one page per kind: a client page, a therapist page, sign-in, crisis."""
    return {
        "client home": ("client_a", reverse("homework:client_home")),
        "client assignment": ("client_a", reverse("homework:client_assignment", args=[objs.assignment.code])),
        "therapist client page": ("therapist_a", reverse("homework:client_detail", args=[objs.client.code])),
        "sign-in page": ("anonymous", reverse("account_login")),
        "crisis page": ("anonymous", reverse("crisis")),
        "not found": ("client_a", "/no-such-page/"),
    }


PAGE_NAMES = ["client home", "client assignment", "therapist client page", "sign-in page", "crisis page", "not found"]


@pytest.fixture
def fetch(pages, as_role):
    def _fetch(name):
        role, url = pages[name]
        response = as_role(role).get(url)
        if name != "not found":
            assert response.status_code == 200, f"{name} {url}: {response.status_code}"
        return response

    return _fetch


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_pages_carry_a_strict_content_security_policy(name, fetch):
    policy = _csp(fetch(name))
    assert policy.get("default-src") == ["'none'"]
    assert policy.get("frame-ancestors") == ["'none'"]
    assert policy.get("object-src") == ["'none'"]
    assert policy.get("base-uri") == ["'none'"]
    for directive, sources in policy.items():
        for source in sources:
            if directive == "img-src" and source == "data:":
                continue  # inline images (icons); cannot load anything from elsewhere
            assert source in FIRST_PARTY_SOURCES, f"{directive} allows {source}: a third-party or unsafe source"


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_pages_carry_the_security_headers(name, fetch):
    response = fetch(name)
    assert response["X-Frame-Options"] == "DENY"
    # URLs carry record codes, never to another site. "no-referrer" would do that too, but makes
    # Chromium send `Origin: null` on same-origin form POSTs, which Django's CSRF check refuses
    # (see test_browser_loop); "same-origin" keeps the Origin and sends nothing cross-origin.
    assert response["Referrer-Policy"] in ("no-referrer", "same-origin")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _permissions(response) == PERMISSIONS
    assert len(response["X-Request-ID"]) == 32


# Every powerful feature off, for us and anything embedded; passkeys (WebAuthn) on for our origin.
DENIED_FEATURES = (
    "camera",
    "microphone",
    "geolocation",
    "payment",
    "usb",
    "serial",
    "bluetooth",
    "hid",
    "magnetometer",
    "gyroscope",
    "accelerometer",
    "midi",
    "display-capture",
    "screen-wake-lock",
    "xr-spatial-tracking",
    "browsing-topics",
    "interest-cohort",
)
PERMISSIONS = {
    **{feature: "()" for feature in DENIED_FEATURES},
    "publickey-credentials-create": "(self)",
    "publickey-credentials-get": "(self)",
}


def _permissions(response):
    """The Permissions-Policy as {feature: allowlist}."""
    header = response.get("Permissions-Policy")
    assert header, "no Permissions-Policy header"
    pairs = [part.strip().split("=", 1) for part in header.split(",")]
    policy = dict(pairs)
    assert len(policy) == len(pairs), f"a feature is named twice: {header}"
    return policy


def test_the_permissions_policy_is_sent_on_answers_that_are_not_pages(client, db):
    """Redirects, 404s, JSON and static files carry it too (T-HD-1)."""
    responses = {
        "healthz": client.get("/healthz"),
        "redirect to sign in": client.get(reverse("homework:client_home")),
        "not found": client.get("/no-such-page/"),
        "API schema": client.get("/api/v1/openapi.json"),
        "static file": client.get("/static/css/between.css"),
    }
    for name, response in responses.items():
        assert _permissions(response) == PERMISSIONS, name


@pytest.mark.parametrize("name", ["client home", "client assignment", "therapist client page"])
def test_pages_with_clinical_data_are_never_stored(name, fetch):
    """ASVS 14.3.2 / ZAP 10015; T-SE-3: after sign-out the back button must not show clinical content."""
    cache_control = fetch(name).get("Cache-Control", "")
    assert "no-store" in cache_control, f"{name} may be stored by a browser or proxy: Cache-Control={cache_control!r}"


def _assert_cookie_flags(morsel):
    assert morsel["httponly"], f"{morsel.key} readable by scripts"
    assert morsel["samesite"].lower() in ("lax", "strict"), f"{morsel.key} sent on cross-site requests"
    # Served over https (SITE_URL), the cookie must never travel over plain http.
    assert bool(morsel["secure"]) == settings.SITE_URL.startswith("https://"), (
        f"{morsel.key}: secure={morsel['secure']!r}"
    )


def test_the_session_cookie_set_at_sign_in_is_http_only_and_same_site(client, client_a):
    """Signing in through the real form is what sets the session cookie; read the flags off that one."""
    response = client.post(reverse("account_login"), {"login": client_a.user.email, "password": PASSWORD})
    assert response.status_code == 302, "the sign-in failed, so no session cookie was set"
    morsel = response.cookies.get(settings.SESSION_COOKIE_NAME)
    assert morsel is not None and morsel.value, f"signing in set no {settings.SESSION_COOKIE_NAME} cookie"
    _assert_cookie_flags(morsel)


def test_the_csrf_cookie_set_by_the_sign_in_form_is_http_only_and_same_site(client, db):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    morsel = response.cookies.get(settings.CSRF_COOKIE_NAME)
    assert morsel is not None and morsel.value, f"the sign-in form set no {settings.CSRF_COOKIE_NAME} cookie"
    _assert_cookie_flags(morsel)


# --- Crisis resources: public, and one tap away on every client page ---------------------------------------------


def test_the_crisis_page_is_public(client, db):
    response = client.get(reverse("crisis"))
    assert response.status_code == 200
    assert b'href="tel:' in response.content


CLIENT_PAGES = sorted(key for key, route in MATRIX.items() if "client_a" in route.owners and route.get == 200)


@pytest.mark.parametrize("key", CLIENT_PAGES)
def test_every_client_page_links_to_the_crisis_page(key, objs, as_role):
    response = as_role("client_a").get(MATRIX[key].url(objs))
    assert response.status_code == 200
    assert f'href="{reverse("crisis")}"'.encode() in response.content


def test_the_client_pages_list_is_not_empty():
    assert len(CLIENT_PAGES) >= 5


# --- Every page that shows A's data, whoever's side it is on -------------------------------------------------

OWNER_PAGES = [
    pytest.param(key, sorted(route.owners)[0], id=key)
    for key, route in sorted(MATRIX.items())
    if route.owners and route.get == 200
]


@pytest.mark.parametrize("key,role", OWNER_PAGES)
def test_every_page_with_client_data_is_never_stored_and_carries_the_headers(key, role, objs, as_role):
    response = as_role(role).get(MATRIX[key].url(objs))
    assert response.status_code == 200
    assert "no-store" in response.get("Cache-Control", ""), f"{key}: Cache-Control={response.get('Cache-Control')!r}"
    assert _csp(response).get("default-src") == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _permissions(response) == PERMISSIONS
