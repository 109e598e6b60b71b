"""Rate limits beyond sign-in (docs/security.md T-AN-2): past settings.RATE_LIMITS a request
answers 429 with Retry-After and changes nothing; below it, everything works."""

import json

import pytest
from django.urls import reverse

from conftest import PASSWORD
from homework.models import Entry
from practices.models import CareInvitation
from tests.test_authorization_matrix import _api_entry_body

pytestmark = pytest.mark.django_db

TIGHT = {"api_write": "3/m", "export": "2/h", "invitation": "2/h"}


@pytest.fixture(autouse=True)
def tight_limits(settings):
    settings.RATE_LIMITS = TIGHT


def assert_refused(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_api_writes_past_the_limit_answer_429_and_create_nothing(objs, sign_in):
    http = sign_in(objs.client.user)
    url = reverse("api:my_entry_create", args=[objs.assignment.code])
    body = json.dumps(_api_entry_body(objs))
    for _ in range(3):
        assert http.post(url, body, content_type="application/json").status_code == 201
    before = Entry.objects.count()
    refused = http.post(url, body, content_type="application/json")
    assert_refused(refused)
    assert refused.json() == {"detail": "Too many requests."}
    assert Entry.objects.count() == before


def test_the_limit_is_per_person(objs, client_b, sign_in, world_b):
    url = reverse("api:my_entry_create", args=[objs.assignment.code])
    http = sign_in(objs.client.user)
    for _ in range(3):
        http.post(url, json.dumps(_api_entry_body(objs)), content_type="application/json")
    other = sign_in(client_b.user)
    url_b = reverse("api:my_entry_create", args=[world_b.assignment.code])
    body_b = {**_api_entry_body(objs), "occurred_on": world_b.client.today().isoformat()}
    assert other.post(url_b, json.dumps(body_b), content_type="application/json").status_code == 201


def test_exports_past_the_limit_answer_429(objs, sign_in):
    http = sign_in(objs.therapist)
    http.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    url = reverse("insights:brief_pdf", args=[objs.appointment.code])
    for _ in range(2):
        assert http.get(url)["Content-Type"] == "application/pdf"
    assert_refused(http.get(url))


def test_invitations_past_the_limit_answer_429_and_invite_nobody(objs, sign_in):
    http = sign_in(objs.therapist)
    url = reverse("practices:client_add")
    for n in range(2):
        body = {"name": f"New Person {n}", "email": f"new{n}@example.com", "timezone": "Europe/Berlin"}
        assert http.post(url, body).status_code == 302
    assert http.get(url).status_code == 200, "opening the form counts against the limit"
    refused = http.post(url, {"name": "One Too Many", "email": "toomany@example.com", "timezone": "Europe/Berlin"})
    assert_refused(refused)
    assert "Try again in" in refused.content.decode()
    assert not CareInvitation.objects.filter(email="toomany@example.com").exists()
    assert CareInvitation.objects.filter(email="new1@example.com").exists()  # the control
