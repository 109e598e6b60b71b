from datetime import UTC, datetime

from django.urls import reverse

from practices.models import Appointment, Goal

# --- Goals --------------------------------------------------------------------------------------


def test_it_adds_a_goal(sign_in, therapist_a, client_a):
    response = sign_in(therapist_a).post(
        reverse("practices:goal_add", args=[client_a.code]),
        {"title": "Speak up at work", "description": "Once a week", "status": "active"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("homework:client_detail", args=[client_a.code])
    goal = Goal.objects.get(client=client_a)
    assert (goal.title, goal.description, goal.status) == ("Speak up at work", "Once a week", "active")


def test_goal_add_shows_a_labelled_form_and_keeps_input_on_error(sign_in, therapist_a, client_a):
    browser = sign_in(therapist_a)
    url = reverse("practices:goal_add", args=[client_a.code])
    assert '<label for="id_title">' in browser.get(url).content.decode()
    response = browser.post(url, {"title": "", "description": "Kept words", "status": "active"})
    assert response.status_code == 200
    assert "Kept words" in response.content.decode()
    assert not Goal.objects.exists()


def test_it_edits_a_goal(sign_in, therapist_a, goal_a):
    browser = sign_in(therapist_a)
    url = reverse("practices:goal_edit", args=[goal_a.code])
    assert 'value="Sleep better"' in browser.get(url).content.decode()
    response = browser.post(url, {"title": "Sleep 7 hours", "description": "", "status": "achieved"}, follow=True)
    assert "Goal saved." in response.content.decode()
    goal_a.refresh_from_db()
    assert (goal_a.title, goal_a.status) == ("Sleep 7 hours", "achieved")


# --- Appointments ---------------------------------------------------------------------------------


def test_it_adds_an_appointment_in_the_clients_time_zone(sign_in, therapist_a, client_a):
    response = sign_in(therapist_a).post(
        reverse("practices:appointment_add", args=[client_a.code]), {"starts_at": "2031-01-15T10:00"}
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(client=client_a)
    assert appointment.starts_at.isoformat() == "2031-01-15T09:00:00+00:00"  # Berlin is UTC+1 in winter


def test_appointment_add_rejects_garbage_and_keeps_it(sign_in, therapist_a, client_a):
    response = sign_in(therapist_a).post(
        reverse("practices:appointment_add", args=[client_a.code]), {"starts_at": "next tuesday"}
    )
    assert response.status_code == 200
    assert 'value="next tuesday"' in response.content.decode()
    assert not Appointment.objects.exists()


def test_it_edits_an_appointment_showing_local_time(sign_in, therapist_a, client_a):
    appointment = Appointment.objects.create(client=client_a, starts_at=datetime(2031, 7, 1, 12, 0, tzinfo=UTC))
    browser = sign_in(therapist_a)
    url = reverse("practices:appointment_edit", args=[appointment.code])
    assert 'value="2031-07-01T14:00"' in browser.get(url).content.decode()  # Berlin summer time
    browser.post(url, {"starts_at": "2031-07-02T08:15"})
    appointment.refresh_from_db()
    assert appointment.starts_at.isoformat() == "2031-07-02T06:15:00+00:00"


def test_it_deletes_an_appointment_by_post(sign_in, therapist_a, client_a, appointment_a):
    browser = sign_in(therapist_a)
    url = reverse("practices:appointment_edit", args=[appointment_a.code])
    response = browser.post(url, {"delete": "1"})
    assert response["Location"] == reverse("homework:client_detail", args=[client_a.code])
    assert not Appointment.objects.filter(pk=appointment_a.pk).exists()
