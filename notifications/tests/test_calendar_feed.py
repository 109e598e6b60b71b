"""The private calendar feed: turned on, renewed and off from the settings page; an iCalendar
document with each planned practice at its UTC instant (zone, daylight saving and quiet hours
applied) and nothing clinical; a retired, changed or never issued address is "not found"; two
queries whatever the number of assignments."""

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse
from icalendar import Calendar

from conftest import SENTINEL, make_assignment
from homework.models import AssignmentStatus
from notifications.links import feed_token, new_feed_nonce
from notifications.models import ReminderPreferences
from tests.conftest import LEAK_MARKERS

pytestmark = pytest.mark.django_db

# Wednesday 25 March 2026: Berlin moves to summer time on Sunday the 29th.
NOW = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)
MANAGE = "/my/reminders/calendar/"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def reminded(frozen, client_a):
    """client_a (Europe/Berlin) practising daily from the 20th to the 31st, reminded at 19:00."""
    return make_assignment(client_a, reminder_times=["19:00"], starts_on=date(2026, 3, 20), due_on=date(2026, 3, 31))


@pytest.fixture
def http(sign_in, client_a):
    return sign_in(client_a.user)


@pytest.fixture
def app():
    """A calendar app polling the address: no session, no cookies."""
    return HttpClient()


def feed_path(client):
    nonce = ReminderPreferences.objects.get(client=client).feed_nonce
    assert nonce
    return reverse("notifications:feed", args=[feed_token(client.code, nonce)])


def turned_on(http, client):
    assert http.post(MANAGE, {"action": "on"}).status_code == 302
    return feed_path(client)


def events(response):
    assert response.status_code == 200, response.status_code
    return [c for c in Calendar.from_ical(response.content).walk() if c.name == "VEVENT"]


def starts(response):
    return sorted(event.decoded("dtstart") for event in events(response))


# --- Turning it on, renewing it, turning it off ---------------------------------------------------------


def test_turning_the_feed_on_shows_its_address_and_what_it_reveals(http, client_a, reminded):
    html = http.get(reverse("notifications:settings")).content.decode()
    assert "Turn the calendar on" in html and ".ics" not in html

    response = http.post(MANAGE, {"action": "on"})

    assert response.status_code == 302 and response["Location"].endswith("#calendar")
    html = http.get(reverse("notifications:settings")).content.decode()
    assert f'value="{settings.SITE_URL}{feed_path(client_a)}"' in html
    assert "Anyone with the address sees when you practise, nothing more." in html
    assert "Give it a new address" in html and "Turn the calendar off" in html


def test_the_feed_manager_takes_only_a_post_with_a_known_action(http, client_a):
    assert http.get(MANAGE).status_code == 405
    assert http.post(MANAGE, {"action": "explode"}).status_code == 400
    assert not ReminderPreferences.objects.filter(client=client_a).exclude(feed_nonce="").exists()


def test_turning_the_feed_off_retires_its_address(http, app, client_a, reminded):
    path = turned_on(http, client_a)
    assert app.get(path).status_code == 200
    assert http.post(MANAGE, {"action": "off"}).status_code == 302
    assert app.get(path).status_code == 404
    assert ReminderPreferences.objects.get(client=client_a).feed_nonce == ""


def test_a_new_address_retires_the_old_one(http, app, client_a, reminded):
    old = turned_on(http, client_a)
    assert http.post(MANAGE, {"action": "new"}).status_code == 302
    new = feed_path(client_a)
    assert new != old
    assert app.get(old).status_code == 404
    assert app.get(new).status_code == 200


def test_turning_the_feed_on_is_audited(http, client_a):
    from audit.models import AuditEvent

    http.post(MANAGE, {"action": "on"})
    http.post(MANAGE, {"action": "off"})
    rows = AuditEvent.objects.filter(object_type="ReminderPreferences", client_code=client_a.code, actor=client_a.user)
    assert rows.count() == 2


# --- The document ----------------------------------------------------------------------------------------


def test_each_planned_practice_is_an_event_at_its_utc_instant(http, app, client_a, reminded):
    response = app.get(turned_on(http, client_a))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    found = starts(response)
    # 19:00 in Berlin: 18:00 UTC in winter time (until the 28th), 17:00 UTC in summer time.
    winter = [datetime(2026, 3, day, 18, tzinfo=UTC) for day in range(20, 29)]
    summer = [datetime(2026, 3, day, 17, tzinfo=UTC) for day in range(29, 32)]
    assert found == winter + summer
    assert all(start.tzinfo is not None and start.utcoffset() == timedelta(0) for start in found)
    assert b"DTSTART:20260328T180000Z" in response.content and b"DTSTART:20260329T170000Z" in response.content


def test_each_event_says_only_practice_and_links_to_the_site(http, app, client_a, reminded):
    response = app.get(turned_on(http, client_a))
    link = settings.SITE_URL + reverse("homework:client_home")
    host = settings.SITE_URL.split("//")[1].split(":")[0].split("/")[0]
    uids = set()
    for event in events(response):
        assert str(event["summary"]) == "Between: practice"
        assert str(event["description"]) == link
        assert event.decoded("duration") == timedelta(minutes=15)
        assert event.decoded("dtstamp").utcoffset() == timedelta(0)
        uid = str(event["uid"])
        assert uid.endswith(f"@{host}")
        uids.add(uid)
    assert len(uids) == 12, "one stable, distinct UID per occurrence"
    again = {str(e["uid"]) for e in events(app.get(feed_path(client_a)))}
    assert again == uids, "calendar apps update events in place"


def test_the_feed_holds_nothing_clinical_and_no_codes(http, app, client_a, reminded, goal_a):
    reminded.goal = goal_a
    reminded.save()
    body = app.get(turned_on(http, client_a)).content.decode()
    for marker in (*LEAK_MARKERS, SENTINEL, "Thought record", "Evenings at home", goal_a.title):
        assert marker not in body, marker
    assert reminded.code not in body and client_a.code not in body
    key = f"{reminded.code}:2026-03-25T19:00"
    assert hashlib.sha256(key.encode()).hexdigest()[:32] in body, "the UID is the hash of the occurrence"


def test_quiet_hours_move_the_events_as_they_move_the_reminders(http, app, client_a, reminded):
    path = turned_on(http, client_a)
    ReminderPreferences.objects.filter(client=client_a).update(
        quiet_start=datetime(2026, 1, 1, 18, 30).time(), quiet_end=datetime(2026, 1, 1, 19, 30).time()
    )
    found = starts(app.get(path))
    assert found[0] == datetime(2026, 3, 20, 18, 30, tzinfo=UTC), "19:30 in Berlin"
    ReminderPreferences.objects.filter(client=client_a).update(
        quiet_start=datetime(2026, 1, 1, 18).time(), quiet_end=datetime(2026, 1, 1, 7).time()
    )
    assert starts(app.get(path)) == [], "quiet until the next morning: dropped"


def test_only_open_practices_with_reminders_on_are_in_the_feed(http, app, client_a, reminded):
    make_assignment(client_a, status=AssignmentStatus.STOPPED, reminder_times=["08:00"])
    make_assignment(client_a, reminders_on=False, reminder_times=["09:00"])
    make_assignment(client_a, reminder_times=[])
    found = starts(app.get(turned_on(http, client_a)))
    assert {start.hour for start in found} == {17, 18}, "only the 19:00 practice"


def test_the_window_is_two_weeks_back_and_sixty_days_ahead(http, app, client_a):
    with time_machine.travel(NOW, tick=False):
        make_assignment(client_a, reminder_times=["12:00"], starts_on=date(2026, 1, 1), due_on=date(2026, 12, 31))
        found = starts(app.get(turned_on(http, client_a)))
    assert found[0].date() == date(2026, 3, 11) and found[-1].date() == date(2026, 5, 24)
    assert len(found) == 75


# --- Addresses that do not work ----------------------------------------------------------------------------


def _changed(token):
    index = len(token) // 2
    return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]


def test_a_changed_or_never_issued_address_is_not_found(http, app, client_a, client_b, reminded):
    path = turned_on(http, client_a)
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    for bad in (
        _changed(token),
        feed_token(client_a.code, new_feed_nonce()),  # ours, signed, but not the current secret
        feed_token(client_b.code, new_feed_nonce()),  # a client who never turned it on
        feed_token("zzzzzzzzzzzz", new_feed_nonce()),
        "not-a-token",
    ):
        response = app.get(reverse("notifications:feed", args=[bad]))
        assert response.status_code == 404, bad
        assert b"BEGIN:VCALENDAR" not in response.content


def test_a_client_out_of_care_has_no_feed(http, app, client_a, reminded):
    path = turned_on(http, client_a)
    client_a.is_active = False
    client_a.save()
    assert app.get(path).status_code == 404


def test_the_feed_costs_two_queries_however_many_assignments(http, app, client_a, django_assert_num_queries):
    with time_machine.travel(NOW, tick=False):
        make_assignment(client_a, reminder_times=["19:00"])
        path = turned_on(http, client_a)
        with django_assert_num_queries(2):
            few = events(app.get(path))
        for n in range(15):
            make_assignment(client_a, reminder_times=[f"{6 + n % 12:02d}:15", "21:00"], frequency="daily")
        with django_assert_num_queries(2):
            many = events(app.get(path))
    assert len(many) > len(few)
