"""The therapist's morning email on days with appointments: planned on their clock, one a day,
moved when they change the time or the zone, and saying nothing about anyone."""

import zoneinfo
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import SENTINEL, make_assignment, make_client
from notifications import tasks
from notifications.models import Message, MessageKind, MessageStatus, TherapistPreferences
from notifications.planner import plan_morning_briefs
from notifications.therapist_settings import CHOOSE_TIME, CHOOSE_TIMEZONE, therapist_preferences_update
from practices.models import Appointment

pytestmark = pytest.mark.django_db

LA = zoneinfo.ZoneInfo("America/Los_Angeles")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
HONOLULU = zoneinfo.ZoneInfo("Pacific/Honolulu")
# 07:00 on Tuesday 4 March in Los Angeles, UTC-8 (US summer time starts on 9 March 2031); the
# planner looks 48 hours ahead, to 07:00 on Thursday there.
NOW = datetime(2031, 3, 4, 15, 0, tzinfo=UTC)
SETTINGS = reverse("notifications:notice_settings")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _briefs(**filters):
    return Message.objects.filter(kind=MessageKind.MORNING_BRIEF, **filters).order_by("due_at")


def _appointment(client, at):
    return Appointment.objects.create(client=client, starts_at=at)


@pytest.fixture
def in_la(therapist_a):
    return TherapistPreferences.objects.create(user=therapist_a, timezone="America/Los_Angeles")


# --- Planning ---------------------------------------------------------------------------------------------


def test_planned_at_half_past_seven_on_the_therapists_clock(in_la, client_a, therapist_a):
    _appointment(client_a, datetime(2031, 3, 5, 10, 0, tzinfo=LA))
    plan_morning_briefs(now=NOW)
    (brief,) = _briefs()
    assert brief.recipient == therapist_a
    assert brief.due_at == brief.next_attempt_at == datetime(2031, 3, 5, 7, 30, tzinfo=LA)
    assert brief.context == {"date": "2031-03-05"}, "codes and dates only: rendered at send time"


def test_without_preferences_it_is_half_past_seven_utc(client_a):
    _appointment(client_a, datetime(2031, 3, 5, 10, 0, tzinfo=UTC))
    plan_morning_briefs(now=NOW)
    assert [b.due_at for b in _briefs()] == [datetime(2031, 3, 5, 7, 30, tzinfo=UTC)]


def test_the_day_is_the_therapists_local_day(in_la, client_a):
    # 05:00 UTC on the 6th is 21:00 on the 5th in Los Angeles: the evening session of the 5th.
    _appointment(client_a, datetime(2031, 3, 6, 5, 0, tzinfo=UTC))
    plan_morning_briefs(now=NOW)
    assert [b.context["date"] for b in _briefs()] == ["2031-03-05"]


def test_one_per_therapist_and_day_however_many_appointments(in_la, practice_a, client_a, therapist_a, therapist_b):
    other = make_client(practice_a, therapist_a, "olga@example.com", "Olga Other")
    _appointment(client_a, datetime(2031, 3, 4, 10, 0, tzinfo=LA))
    _appointment(other, datetime(2031, 3, 4, 13, 0, tzinfo=LA))
    _appointment(client_a, datetime(2031, 3, 4, 21, 0, tzinfo=LA))  # 05:00 UTC on the 5th
    _appointment(other, datetime(2031, 3, 5, 9, 0, tzinfo=LA))  # the next day
    plan_morning_briefs(now=NOW)
    plan_morning_briefs(now=NOW)  # a second planner run (or a second worker) adds nothing
    assert [(b.recipient, b.context["date"], b.due_at) for b in _briefs()] == [
        (therapist_a, "2031-03-04", datetime(2031, 3, 4, 7, 30, tzinfo=LA)),
        (therapist_a, "2031-03-05", datetime(2031, 3, 5, 7, 30, tzinfo=LA)),
    ]


def test_a_morning_already_gone_is_told_at_once(in_la, client_a):
    later = datetime(2031, 3, 5, 9, 0, tzinfo=LA)  # after 07:30, before the 10:00 session
    _appointment(client_a, datetime(2031, 3, 5, 10, 0, tzinfo=LA))
    plan_morning_briefs(now=later)
    assert [b.due_at for b in _briefs()] == [later]


def test_days_without_appointments_get_no_email(in_la, client_a):
    _appointment(client_a, datetime(2031, 3, 9, 10, 0, tzinfo=LA))  # beyond the 48 hours planned
    plan_morning_briefs(now=NOW)
    assert not _briefs().exists()


# --- Moved when the therapist changes the time or the zone --------------------------------------------------


@pytest.fixture
def planned(in_la, client_a):
    _appointment(client_a, datetime(2031, 3, 4, 10, 0, tzinfo=LA))
    _appointment(client_a, datetime(2031, 3, 5, 10, 0, tzinfo=LA))
    plan_morning_briefs(now=NOW)
    assert [b.due_at for b in _briefs()] == [
        datetime(2031, 3, 4, 7, 30, tzinfo=LA),
        datetime(2031, 3, 5, 7, 30, tzinfo=LA),
    ]
    Message.objects.update(dispatched_at=NOW)  # as if the dispatcher had handed them out already
    return list(_briefs())


def test_a_new_time_moves_the_planned_emails(planned, therapist_a):
    therapist_preferences_update(user=therapist_a, timezone="America/Los_Angeles", morning_brief_at=time(7, 45))
    briefs = list(_briefs())
    assert [b.pk for b in briefs] == [b.pk for b in planned], "moved, not cancelled and made again"
    assert [b.due_at for b in briefs] == [
        datetime(2031, 3, 4, 7, 45, tzinfo=LA),
        datetime(2031, 3, 5, 7, 45, tzinfo=LA),
    ]
    assert [b.next_attempt_at for b in briefs] == [b.due_at for b in briefs]
    assert [b.dispatched_at for b in briefs] == [None, None], "handed to the queue again at the new time"
    assert {b.status for b in briefs} == {MessageStatus.PENDING}


def test_a_new_zone_moves_the_planned_emails(planned, therapist_a):
    therapist_preferences_update(user=therapist_a, timezone="Pacific/Honolulu", morning_brief_at=time(8, 0))
    assert [(b.context["date"], b.due_at) for b in _briefs()] == [
        ("2031-03-04", datetime(2031, 3, 4, 8, 0, tzinfo=HONOLULU)),
        ("2031-03-05", datetime(2031, 3, 5, 8, 0, tzinfo=HONOLULU)),
    ]


def test_a_move_into_the_past_is_sent_at_once(planned, therapist_a):
    # 08:00 on the 4th in Berlin was 07:00 UTC, eight hours ago.
    therapist_preferences_update(user=therapist_a, timezone="Europe/Berlin", morning_brief_at=time(8, 0))
    assert [b.due_at for b in _briefs()] == [NOW, datetime(2031, 3, 5, 8, 0, tzinfo=BERLIN)]


def test_the_planner_keeps_the_moved_email_and_adds_none(planned, therapist_a):
    therapist_preferences_update(user=therapist_a, timezone="America/Los_Angeles", morning_brief_at=time(8, 0))
    plan_morning_briefs(now=NOW)
    assert [b.due_at for b in _briefs()] == [
        datetime(2031, 3, 4, 8, 0, tzinfo=LA),
        datetime(2031, 3, 5, 8, 0, tzinfo=LA),
    ]


def test_sent_emails_and_other_therapists_emails_are_not_moved(planned, therapist_a, therapist_b, client_b):
    Message.objects.filter(pk=planned[0].pk).update(status=MessageStatus.SENT)
    _appointment(client_b, datetime(2031, 3, 5, 10, 0, tzinfo=UTC))
    plan_morning_briefs(now=NOW)
    (of_b,) = _briefs(recipient=therapist_b)
    therapist_preferences_update(user=therapist_a, timezone="Pacific/Honolulu", morning_brief_at=time(9, 0))
    assert _briefs(pk=planned[0].pk).get().due_at == planned[0].due_at
    assert _briefs(recipient=therapist_b).get().due_at == of_b.due_at
    assert _briefs(pk=planned[1].pk).get().due_at == datetime(2031, 3, 5, 9, 0, tzinfo=HONOLULU)


def test_the_settings_page_moves_them_too(planned, therapist_a, sign_in):
    response = sign_in(therapist_a).post(SETTINGS, {"timezone": "Pacific/Honolulu", "morning_brief_at": "07:05"})
    assert response.status_code == 302
    assert [b.due_at for b in _briefs()] == [
        datetime(2031, 3, 4, 7, 5, tzinfo=HONOLULU),
        datetime(2031, 3, 5, 7, 5, tzinfo=HONOLULU),
    ]
    preferences = TherapistPreferences.objects.get(user=therapist_a)
    assert (preferences.timezone, preferences.morning_brief_at) == ("Pacific/Honolulu", time(7, 5))


# --- The rulebook and the page ---------------------------------------------------------------------------


def test_every_problem_is_worded_at_once(therapist_a):
    with pytest.raises(ValidationError) as refused:
        therapist_preferences_update(user=therapist_a, timezone="Mars/Olympus", morning_brief_at=None)
    assert refused.value.message_dict == {"timezone": [CHOOSE_TIMEZONE], "morning_brief_at": [CHOOSE_TIME]}
    assert not TherapistPreferences.objects.exists()


def test_the_page_shows_the_defaults(therapist_a, sign_in):
    html = sign_in(therapist_a).get(SETTINGS).content.decode()
    assert 'value="07:30"' in html
    assert '<option value="UTC" selected>' in html
    assert reverse("notifications:notices") in html


def test_a_refused_form_keeps_what_was_typed(therapist_a, sign_in):
    response = sign_in(therapist_a).post(SETTINGS, {"timezone": "Nowhere/Atlantis", "morning_brief_at": "06:10"})
    html = response.content.decode()
    assert response.status_code == 200
    assert CHOOSE_TIMEZONE in html
    assert 'value="06:10"' in html
    assert not TherapistPreferences.objects.exists()


def test_an_empty_time_is_refused_in_words(therapist_a, sign_in):
    html = sign_in(therapist_a).post(SETTINGS, {"timezone": "Europe/Berlin", "morning_brief_at": ""}).content.decode()
    assert CHOOSE_TIME.replace("'", "&#x27;") in html
    assert '<option value="Europe/Berlin" selected>' in html


def test_a_saved_setting_shows_on_the_page(therapist_a, sign_in):
    http = sign_in(therapist_a)
    assert http.post(SETTINGS, {"timezone": "Asia/Tokyo", "morning_brief_at": "06:30"}).status_code == 302
    html = http.get(SETTINGS).content.decode()
    assert 'value="06:30"' in html and '<option value="Asia/Tokyo" selected>' in html


# --- Content-free -------------------------------------------------------------------------------------------


def test_the_morning_email_says_nothing_about_anyone(in_la, client_a, therapist_a, frozen):
    assignment = make_assignment(client_a)
    _appointment(client_a, datetime(2031, 3, 5, 10, 0, tzinfo=LA))
    plan_morning_briefs(now=NOW)
    (brief,) = _briefs()
    frozen.move_to(brief.due_at)
    assert tasks.deliver_due(now=brief.due_at) == 1
    (email,) = mail.outbox
    assert email.to == [therapist_a.email]
    raw = email.message().as_string()
    for secret in (SENTINEL, assignment.title, client_a.name, client_a.user.email, client_a.code):
        assert secret not in raw, f"the morning email carries {secret!r}"
    assert reverse("homework:client_list") in email.body


def test_a_new_zone_that_moves_the_appointment_to_another_local_day_cancels_the_old_days_email(therapist_a, client_a):
    # 02:00 UTC on Thursday is Wednesday evening in Los Angeles.
    _appointment(client_a, datetime(2031, 3, 6, 2, 0, tzinfo=UTC))
    plan_morning_briefs(now=NOW)
    (thursday,) = _briefs(status=MessageStatus.PENDING)
    assert thursday.context == {"date": "2031-03-06"}
    therapist_preferences_update(user=therapist_a, timezone="America/Los_Angeles", morning_brief_at=time(7, 30))
    plan_morning_briefs(now=NOW)
    (wednesday,) = _briefs(status=MessageStatus.PENDING)
    assert wednesday.context == {"date": "2031-03-05"}
    assert Message.objects.get(pk=thursday.pk).status == MessageStatus.CANCELLED


def test_appointments_of_clients_no_longer_in_care_bring_no_email(client_a):
    _appointment(client_a, datetime(2031, 3, 5, 10, 0, tzinfo=UTC))
    plan_morning_briefs(now=NOW)
    client_a.is_active = False
    client_a.save()
    plan_morning_briefs(now=NOW)
    assert not _briefs(status=MessageStatus.PENDING).exists()
