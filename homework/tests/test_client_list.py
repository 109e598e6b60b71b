from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from conftest import audit_lock_queries, make_assignment, make_client, make_entry
from practices.models import Appointment

URL = reverse("homework:client_list")


def test_it_lists_own_clients_with_next_appointment_and_counts(
    sign_in, therapist_a, client_a, appointment_a, assignment_a
):
    make_entry(assignment_a, occurred_on=client_a.today() - timedelta(days=2))
    response = sign_in(therapist_a).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Dana Client" in body
    assert reverse("homework:client_detail", args=[client_a.code]) in body
    assert "1 active assignment" in body
    assert (client_a.today() - timedelta(days=2)).strftime("%-d %b %Y") in body
    local = appointment_a.starts_at.astimezone(client_a.tz)
    assert local.strftime("%H:%M") in body


def test_it_marks_clients_with_unreviewed_flagged_entries(sign_in, therapist_a, client_a, assignment_a):
    make_entry(assignment_a, wants_to_discuss=True)
    make_entry(assignment_a, occurred_on=client_a.today() - timedelta(days=1), risk_flag=True)
    body = sign_in(therapist_a).get(URL).content.decode()
    assert "Wants to discuss" in body
    assert "Risk flag" in body


def test_it_drops_the_marker_once_entries_are_reviewed(sign_in, therapist_a, client_a, assignment_a):
    make_entry(assignment_a, wants_to_discuss=True, risk_flag=True, reviewed_at=timezone.now())
    body = sign_in(therapist_a).get(URL).content.decode()
    assert "Dana Client" in body
    assert "Wants to discuss" not in body
    assert "Risk flag" not in body


def test_it_hides_inactive_clients(sign_in, therapist_a, client_a):
    client_a.is_active = False
    client_a.save()
    body = sign_in(therapist_a).get(URL).content.decode()
    assert "Dana Client" not in body


def _grow_caseload(practice, therapist, clients, entries_per_client):
    for i in range(clients):
        c = make_client(practice, therapist, f"c{i}-{entries_per_client}@example.com", f"Client {i}")
        Appointment.objects.create(client=c, starts_at=timezone.now() + timedelta(days=i + 1))
        assignment = make_assignment(c)
        for day in range(entries_per_client):
            make_entry(assignment, occurred_on=c.today() - timedelta(days=day), wants_to_discuss=day == 0)


def test_its_query_count_does_not_grow_with_clients_or_entries(
    sign_in, practice_a, therapist_a, django_assert_max_num_queries
):
    browser = sign_in(therapist_a)
    _grow_caseload(practice_a, therapist_a, clients=1, entries_per_client=5)
    with django_assert_max_num_queries(8 + audit_lock_queries()) as small:
        assert browser.get(URL).status_code == 200
    _grow_caseload(practice_a, therapist_a, clients=10, entries_per_client=50)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = browser.get(URL)
    assert response.content.decode().count("Wants to discuss") == 11
