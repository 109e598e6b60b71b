from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import SENTINEL, make_assignment, make_entry
from homework.models import Comment
from practices.models import Appointment, Goal
from practices.tests.helpers import assert_not_found


def url(client):
    return reverse("homework:client_detail", args=[client.code])


def test_it_shows_the_client_with_goals_appointments_homework_and_entries(
    sign_in, therapist_a, client_a, goal_a, appointment_a, entry_a
):
    past = Appointment.objects.create(client=client_a, starts_at=timezone.now() - timedelta(days=8))
    response = sign_in(therapist_a).get(url(client_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Dana Client" in body and "dana@example.com" in body and "Europe/Berlin" in body
    assert "Sleep better" in body and reverse("practices:goal_edit", args=[goal_a.code]) in body
    assert reverse("practices:goal_add", args=[client_a.code]) in body
    assert reverse("practices:appointment_edit", args=[appointment_a.code]) in body
    assert reverse("practices:appointment_edit", args=[past.code]) in body
    assert reverse("practices:appointment_add", args=[client_a.code]) in body
    assert reverse("homework:assignment_detail", args=[entry_a.assignment.code]) in body
    assert reverse("homework:entry_detail", args=[entry_a.code]) in body
    assert "Wants to discuss" in body
    assert "1 comment" in body
    assert "Quite (3/4)" in body and "About right" in body
    assert "Done 1" in body


def test_it_separates_stopped_homework(sign_in, therapist_a, client_a):
    make_assignment(client_a, status="stopped", title="Old breathing")
    body = sign_in(therapist_a).get(url(client_a)).content.decode()
    assert "Stopped" in body and "Old breathing" in body


def test_it_shows_risk_flags_on_entries(sign_in, therapist_a, client_a, assignment_a):
    make_entry(assignment_a, risk_flag=True)
    assert "Risk flag" in sign_in(therapist_a).get(url(client_a)).content.decode()


def test_it_shows_skip_reasons(sign_in, therapist_a, client_a, assignment_a):
    make_entry(assignment_a, outcome="skipped", skip_reason="no_time", helpfulness=None, difficulty="")
    assert "No time" in sign_in(therapist_a).get(url(client_a)).content.decode()


def test_it_records_the_read_in_the_audit_trail(sign_in, therapist_a, client_a):
    from audit.models import AuditEvent

    sign_in(therapist_a).get(url(client_a))
    assert AuditEvent.objects.filter(actor=therapist_a, client_code=client_a.code, action="read").exists()


def test_it_hides_inactive_clients(sign_in, therapist_a, client_a, goal_a):
    client_a.is_active = False
    client_a.save()
    assert_not_found(sign_in(therapist_a).get(url(client_a)))


def _grow(client, assignments, entries_each):
    for a in range(assignments):
        assignment = make_assignment(
            client, title=f"Homework {a}", goal=Goal.objects.create(client=client, title=f"G{a}")
        )
        for day in range(entries_each):
            entry = make_entry(
                assignment, occurred_on=client.today() - timedelta(days=day), wants_to_discuss=day % 2 == 0
            )
            Comment.objects.create(entry=entry, author=client.user, body="thanks")
        Appointment.objects.create(client=client, starts_at=timezone.now() + timedelta(days=a + 1))
        Appointment.objects.create(client=client, starts_at=timezone.now() - timedelta(days=a + 1))


def test_its_query_count_does_not_grow_with_entries(sign_in, therapist_a, client_a, django_assert_max_num_queries):
    browser = sign_in(therapist_a)
    _grow(client_a, assignments=1, entries_each=5)
    with django_assert_max_num_queries(15) as small:
        assert browser.get(url(client_a)).status_code == 200
    _grow(client_a, assignments=4, entries_each=50)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = browser.get(url(client_a))
    assert "Showing the latest 20" in response.content.decode()


# --- Editing the client ------------------------------------------------------------------------


def edit_url(client):
    return reverse("practices:client_edit", args=[client.code])


def test_edit_shows_the_current_details(sign_in, therapist_a, client_a):
    body = sign_in(therapist_a).get(edit_url(client_a)).content.decode()
    assert 'value="Dana Client"' in body
    assert '<option value="Europe/Berlin" selected>' in body


def test_edit_changes_name_and_time_zone(sign_in, therapist_a, client_a):
    response = sign_in(therapist_a).post(
        edit_url(client_a), {"name": "Dana Renamed", "timezone": "Asia/Tokyo", "is_active": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == url(client_a)
    client_a.refresh_from_db()
    client_a.user.refresh_from_db()
    assert client_a.timezone == "Asia/Tokyo" and client_a.user.name == "Dana Renamed" and client_a.is_active


def test_deactivating_hides_the_client_everywhere(sign_in, therapist_a, client_a, goal_a, assignment_a):
    browser = sign_in(therapist_a)
    response = browser.post(edit_url(client_a), {"name": "Dana Client", "timezone": "Europe/Berlin"})
    assert response["Location"] == reverse("homework:client_list")
    client_a.refresh_from_db()
    assert client_a.is_active is False
    assert url(client_a) not in browser.get(reverse("homework:client_list")).content.decode()
    assert browser.get(url(client_a)).status_code == 404
    assert browser.get(reverse("practices:goal_edit", args=[goal_a.code])).status_code == 404
    assert browser.get(reverse("homework:assignment_detail", args=[assignment_a.code])).status_code == 404


def test_edit_keeps_typed_data_on_error(sign_in, therapist_a, client_a):
    response = sign_in(therapist_a).post(
        edit_url(client_a), {"name": "Typed", "timezone": "Nowhere/Land", "is_active": "on"}
    )
    assert response.status_code == 200
    assert 'value="Typed"' in response.content.decode()
    client_a.refresh_from_db()
    assert client_a.timezone == "Europe/Berlin"


def test_the_client_page_is_never_stored_by_caches(sign_in, therapist_a, client_a):
    cache_control = sign_in(therapist_a).get(url(client_a))["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_a_former_client_is_listed_apart_and_can_be_brought_back(sign_in, therapist_a, client_a, assignment_a):
    client_a.is_active = False
    client_a.save()
    browser = sign_in(therapist_a)
    former = browser.get(reverse("homework:client_list") + "?former=1").content.decode()
    assert "Dana Client" in former and SENTINEL not in former
    response = browser.post(edit_url(client_a), {"name": "Dana Client", "timezone": "Europe/Berlin", "is_active": "on"})
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert client_a.is_active
    assert browser.get(url(client_a)).status_code == 200


@pytest.mark.parametrize("who", ["colleague_a", "therapist_b"])
def test_nobody_else_sees_or_brings_back_a_former_client(request, sign_in, client_a, who):
    client_a.is_active = False
    client_a.save()
    browser = sign_in(request.getfixturevalue(who))
    assert "Dana Client" not in browser.get(reverse("homework:client_list") + "?former=1").content.decode()
    assert browser.post(edit_url(client_a), {"name": "X", "timezone": "UTC", "is_active": "on"}).status_code == 404
    client_a.refresh_from_db()
    assert not client_a.is_active
