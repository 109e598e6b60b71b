import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from homework.models import Assignment, Entry
from practices.models import Client, Practice

pytestmark = pytest.mark.django_db


def seed(capsys):
    call_command("seed_demo")
    return dict(re.findall(r"(\S+@example\.org)\s+(\S+)", capsys.readouterr().out))


def test_the_demo_has_a_therapist_with_clients_and_weeks_of_entries(capsys):
    sign_ins = seed(capsys)
    assert Client.objects.filter(therapist__email="maya@example.org").count() >= 3
    assert Entry.objects.filter(assignment__client__user__email="jordan@example.org").count() >= 20
    assert {"maya@example.org", "jordan@example.org"} <= set(sign_ins)


def test_seeding_twice_adds_nothing_and_prints_passwords_that_work(capsys, client):
    seed(capsys)
    counts = (Practice.objects.count(), Client.objects.count(), Assignment.objects.count(), Entry.objects.count())
    sign_ins = seed(capsys)
    assert counts == (
        Practice.objects.count(),
        Client.objects.count(),
        Assignment.objects.count(),
        Entry.objects.count(),
    )
    response = client.post(
        reverse("account_login"), {"login": "jordan@example.org", "password": sign_ins["jordan@example.org"]}
    )
    assert response.status_code == 302 and response["Location"] == "/"
