"""The client's reminder settings page: what it shows, what it saves, what it refuses (in the
write functions' own words, all at once, nothing typed lost), a stale save (409), and how each
choice moves or silences the reminders already planned in the outbox."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEvent
from conftest import SENTINEL, make_assignment
from homework.models import Assignment, AssignmentStatus
from homework.reminding import STALE_REMINDERS, assignment_reminders_set
from notifications import planner
from notifications.models import Message, MessageKind, MessageStatus, ReminderPreferences
from notifications.preferences import reminder_preferences_update
from practices.clients import client_timezone_set, client_update

pytestmark = pytest.mark.django_db

# A Tuesday. Berlin is on CET (UTC+1); New York already on summer time (UTC-4).
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
URL = "/my/reminders/"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def reminded(frozen, client_a):
    """client_a (Europe/Berlin) practising daily, reminded at 19:00."""
    return make_assignment(
        client_a,
        reminder_times=["19:00"],
        starts_on=date(2026, 3, 1),
        due_on=date(2026, 3, 31),
    )


@pytest.fixture
def http(sign_in, client_a):
    return sign_in(client_a.user)


def body(client, *assignments, **overrides):
    """What the page posts when the client changes nothing."""
    from notifications.access import reminder_preferences_of

    preferences = reminder_preferences_of(client)
    data = {
        "quiet_start": f"{preferences.quiet_start:%H:%M}" if preferences.quiet_start else "",
        "quiet_end": f"{preferences.quiet_end:%H:%M}" if preferences.quiet_end else "",
        "channels": list(preferences.channels),
        "paused_until": preferences.paused_until.isoformat() if preferences.paused_until else "",
        "timezone": client.timezone,
    }
    for assignment in assignments:
        prefix = f"a-{assignment.code}"
        data[f"{prefix}-reminder_times"] = ", ".join(assignment.reminder_times) or "none"
        if assignment.reminders_on:
            data[f"{prefix}-reminders_on"] = "on"
        data[f"{prefix}-version"] = str(assignment.version)
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def field(assignment, name):
    return f"a-{assignment.code}-{name}"


def pending():
    rows = Message.objects.filter(kind=MessageKind.REMINDER, status=MessageStatus.PENDING)
    return sorted(rows.values_list("due_at", flat=True))


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


# --- What the page shows -----------------------------------------------------------------------------


def test_the_page_lists_each_open_assignment_with_its_times_and_states_the_rules(http, reminded, client_a):
    stopped = make_assignment(client_a, title="Stopped one", status=AssignmentStatus.STOPPED, reminder_times=["08:00"])
    ended = make_assignment(
        client_a, title="Ended one", starts_on=date(2026, 2, 1), due_on=date(2026, 3, 9), reminder_times=["08:00"]
    )
    html = http.get(URL).content.decode()
    assert reminded.title in html and 'value="19:00"' in html
    assert stopped.title not in html and ended.title not in html, "no reminder can come for those"
    for rule in (
        "by the clock of your time zone",
        "daylight saving",
        "waits until they end",
        "that day's reminder is left out",
        "already logged that day's practice",
        "stopped the exercise",
        "past its last day",
        "paused",
        "After 3 reminders in a row",
        "never name the exercise",
    ):
        assert rule in html, rule
    assert 'value="Europe/Berlin" selected' in html


def test_every_client_page_links_to_the_settings(http, reminded):
    for url in (reverse("homework:client_home"), reverse("homework:client_history"), URL):
        assert f'href="{URL}"' in http.get(url).content.decode(), url


# --- Saving ------------------------------------------------------------------------------------------


def test_saving_stores_times_switch_quiet_hours_channels_pause_and_zone(http, reminded, client_a):
    other = make_assignment(client_a, title="Second practice", reminder_times=["08:00"])
    data = body(
        client_a,
        reminded,
        other,
        quiet_start="22:00",
        quiet_end="08:00",
        channels=[],
        paused_until="2026-03-20",
        timezone="America/New_York",
    )
    data[field(reminded, "reminder_times")] = "7:30 pm, 21:00"
    del data[field(other, "reminders_on")]

    response = http.post(URL, data)

    assert response.status_code == 302 and response["Location"] == URL
    reminded.refresh_from_db()
    other.refresh_from_db()
    client_a.refresh_from_db()
    preferences = ReminderPreferences.objects.get(client=client_a)
    assert reminded.reminder_times == ["19:30", "21:00"] and reminded.reminders_on
    assert other.reminder_times == ["08:00"] and not other.reminders_on, "off keeps the times"
    assert (preferences.quiet_start, preferences.quiet_end) == (time(22), time(8))
    assert preferences.channels == [] and preferences.paused_until == date(2026, 3, 20)
    assert client_a.timezone == "America/New_York"
    assert "Your reminder settings are saved." in http.get(URL).content.decode()
    audited = set(AuditEvent.objects.filter(action="update").values_list("object_type", "object_code"))
    assert {("Client", client_a.code), ("ReminderPreferences", ""), ("Assignment", reminded.code)} <= audited


def test_saving_without_changes_writes_nothing(http, reminded, client_a):
    version = reminded.version
    assert http.post(URL, body(client_a, reminded)).status_code == 302
    reminded.refresh_from_db()
    assert reminded.version == version
    assert not ReminderPreferences.objects.exists()
    assert not AuditEvent.objects.filter(action="update").exists()


# --- Refusals ------------------------------------------------------------------------------------------


def _preferences_write(client, **values):
    arguments = {"quiet_start": None, "quiet_end": None, "channels": ["email"], "paused_until": None, **values}
    return lambda: reminder_preferences_update(client=client, actor=client.user, **arguments)


# name -> (what the page posts, the same input handed to the write function directly)
REFUSALS = {
    "times": (
        lambda c, a: {field(a, "reminder_times"): "around seven"},
        lambda c, a: lambda: assignment_reminders_set(assignment=a, actor=c.user, times="around seven"),
    ),
    "quiet-start-only": (
        lambda c, a: {"quiet_start": "22:00"},
        lambda c, a: _preferences_write(c, quiet_start=time(22)),
    ),
    "quiet-end-only": (
        lambda c, a: {"quiet_end": "08:00"},
        lambda c, a: _preferences_write(c, quiet_end=time(8)),
    ),
    "quiet-same": (
        lambda c, a: {"quiet_start": "22:00", "quiet_end": "22:00"},
        lambda c, a: _preferences_write(c, quiet_start=time(22), quiet_end=time(22)),
    ),
    "channel": (
        lambda c, a: {"channels": ["email", "carrier-pigeon"]},
        lambda c, a: _preferences_write(c, channels=["email", "carrier-pigeon"]),
    ),
    "pause-in-the-past": (
        lambda c, a: {"paused_until": "2026-03-09"},
        lambda c, a: _preferences_write(c, paused_until=date(2026, 3, 9)),
    ),
    "pause-out-of-range": (
        lambda c, a: {"paused_until": "2300-01-01"},
        lambda c, a: _preferences_write(c, paused_until=date(2300, 1, 1)),
    ),
    "timezone": (
        lambda c, a: {"timezone": "Mars/Olympus_Mons"},
        lambda c, a: lambda: client_timezone_set(client=c, actor=c.user, timezone="Mars/Olympus_Mons"),
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_the_page_refuses_in_the_write_functions_own_words(name, http, reminded, client_a):
    posted, direct = REFUSALS[name]
    with pytest.raises(ValidationError) as refused:
        direct(client_a, reminded)()
    response = http.post(URL, body(client_a, reminded, **posted(client_a, reminded)))
    assert response.status_code == 200
    html = response.content.decode()
    for message in refused.value.messages:
        assert escape(message) in html, f"{name}: the page does not say {message!r}"
    assert "nothing you typed was lost" in html


def test_every_refusal_shows_at_once_and_nothing_typed_is_lost_or_saved(http, reminded, client_a):
    data = body(
        client_a, reminded, quiet_start="21:45", paused_until="2026-03-01", timezone="Mars/Olympus_Mons", channels=[]
    )
    data[field(reminded, "reminder_times")] = "around seven, 20:15"
    del data[field(reminded, "reminders_on")]
    version = reminded.version

    html = http.post(URL, data).content.decode()

    assert html.count('class="error"') >= 5, "times, quiet hours, pause and zone each refused, plus the banner"
    assert 'value="around seven, 20:15"' in html
    assert 'value="21:45"' in html and 'value="2026-03-01"' in html
    assert f'id="id_{field(reminded, "reminders_on")}"' in html and "checked" not in _checkbox(html, reminded)
    assert 'name="channels" value="email" id="id_channels_0">' in html, "email stays unticked as typed"
    reminded.refresh_from_db()
    client_a.refresh_from_db()
    assert reminded.version == version and reminded.reminders_on
    assert client_a.timezone == "Europe/Berlin"
    assert not ReminderPreferences.objects.exists()


def _checkbox(html, assignment):
    name = field(assignment, "reminders_on")
    start = html.index(f'name="{name}"')
    return html[html.rindex("<input", 0, start) : html.index(">", start)]


def test_one_refusal_keeps_the_other_valid_changes_unsaved_too(http, reminded, client_a):
    data = body(client_a, reminded, quiet_start="22:00", timezone="Asia/Tokyo")
    data[field(reminded, "reminder_times")] = "06:00"
    assert http.post(URL, data).status_code == 200
    reminded.refresh_from_db()
    client_a.refresh_from_db()
    assert reminded.reminder_times == ["19:00"]
    assert client_a.timezone == "Europe/Berlin"
    assert not AuditEvent.objects.filter(action="update").exists()


# --- A stale save -----------------------------------------------------------------------------------------


def _therapist_changes(assignment, **changes):
    Assignment.objects.filter(pk=assignment.pk).update(version=assignment.version + 1, **changes)


def test_a_save_over_the_therapists_change_answers_409_and_keeps_what_was_typed(http, reminded, client_a):
    data = body(client_a, reminded)  # the page as the client opened it
    data[field(reminded, "reminder_times")] = "06:15"
    _therapist_changes(reminded, reminder_times=["20:00"])

    response = http.post(URL, data)

    assert response.status_code == 409
    html = response.content.decode()
    assert escape(STALE_REMINDERS) in html and 'value="06:15"' in html
    stored = Assignment.objects.get(pk=reminded.pk)
    assert stored.reminder_times == ["20:00"], "the therapist's change stands"
    # The page now carries the current version: a second, deliberate save wins.
    assert f'name="{field(reminded, "version")}" value="{stored.version}"' in html
    data[field(reminded, "version")] = str(stored.version)
    assert http.post(URL, data).status_code == 302
    assert Assignment.objects.get(pk=reminded.pk).reminder_times == ["06:15"]


def test_an_untouched_practice_the_therapist_changed_is_no_conflict(http, reminded, client_a):
    data = body(client_a, reminded, quiet_start="22:00", quiet_end="07:00")
    _therapist_changes(reminded, title="Renamed by the therapist")
    assert http.post(URL, data).status_code == 302
    assert ReminderPreferences.objects.get(client=client_a).quiet == (time(22), time(7))


def test_a_practice_assigned_while_the_page_was_open_keeps_its_reminders(http, reminded, client_a):
    data = body(client_a, reminded, channels=["email"])
    newer = make_assignment(client_a, title="Assigned meanwhile", reminder_times=["09:00"])
    assert http.post(URL, data).status_code == 302
    newer.refresh_from_db()
    assert newer.reminders_on and newer.reminder_times == ["09:00"]


# --- What each choice does to the reminders already planned ----------------------------------------------


def test_a_new_time_zone_moves_the_pending_reminders(http, reminded, client_a):
    planner.plan_reminders()
    before = dict(Message.objects.values_list("pk", "due_at"))
    assert sorted(before.values()) == [at(10, 18), at(11, 18)], "19:00 in Berlin (CET)"

    assert http.post(URL, body(client_a, reminded, timezone="America/New_York")).status_code == 302

    after = dict(Message.objects.filter(status=MessageStatus.PENDING).values_list("pk", "due_at"))
    assert set(after) == set(before), "the same rows, moved"
    assert sorted(after.values()) == [at(10, 23), at(11, 23)], "19:00 in New York (EDT)"


def test_a_zone_the_therapist_sets_moves_them_too(reminded, client_a, therapist_a):
    planner.plan_reminders()
    client_update(actor=therapist_a, client=client_a, name="Dana Client", timezone="Asia/Tokyo", is_active=True)
    # 19:00 in Tokyo (UTC+9) on the 11th is 10:00 UTC; the 10th's has passed, the 12th's is planned.
    assert pending() == [at(11, 10), at(12, 10)]


def test_quiet_hours_move_a_reminder_to_their_end(http, reminded, client_a):
    planner.plan_reminders()
    assert http.post(URL, body(client_a, reminded, quiet_start="18:30", quiet_end="19:45")).status_code == 302
    assert pending() == [at(10, 18, 45), at(11, 18, 45)]


def test_quiet_hours_that_end_the_next_day_drop_the_reminder(http, reminded, client_a):
    planner.plan_reminders()
    assert http.post(URL, body(client_a, reminded, quiet_start="18:00", quiet_end="07:00")).status_code == 302
    assert pending() == []


def test_a_pause_silences_the_reminders_until_that_day(http, reminded, client_a):
    planner.plan_reminders()
    assert http.post(URL, body(client_a, reminded, paused_until="2026-03-10")).status_code == 302
    assert pending() == [at(11, 18)], "the 10th is paused, the 11th is not"


def test_email_off_silences_every_reminder(http, reminded, client_a):
    planner.plan_reminders()
    assert http.post(URL, body(client_a, reminded, channels=[])).status_code == 302
    assert pending() == []
    planner.plan_reminders()
    assert pending() == [], "planning again does not bring them back"


def test_one_practice_switched_off_silences_only_its_own(http, reminded, client_a):
    other = make_assignment(
        client_a, title="Second", reminder_times=["08:00"], starts_on=date(2026, 3, 1), due_on=date(2026, 3, 31)
    )
    planner.plan_reminders()
    data = body(client_a, reminded, other)
    del data[field(reminded, "reminders_on")]
    assert http.post(URL, data).status_code == 302
    assert pending() == [at(11, 7), at(12, 7)], "08:00 in Berlin for the other practice only"


def test_a_refused_save_leaves_the_planned_reminders_alone(http, reminded, client_a):
    planner.plan_reminders()
    data = body(client_a, reminded, timezone="America/New_York", quiet_start="22:00")
    assert http.post(URL, data).status_code == 200
    assert pending() == [at(10, 18), at(11, 18)]


def test_the_page_shows_nothing_clinical_beyond_the_titles(http, reminded):
    html = http.get(URL).content.decode()
    assert SENTINEL in html  # the title: the client's own page names their practices
    assert "Instructions " + SENTINEL not in html and "Rationale " + SENTINEL not in html
    assert "Evenings at home" not in html, "when and where stays on the assignment page"


def test_a_therapist_or_a_stranger_gets_no_settings(sign_in, therapist_a, client):
    assert sign_in(therapist_a).get(URL).status_code == 404
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_write_refuses_quiet_hours_typed_as_text(client_a):
    with pytest.raises(ValidationError) as refused:
        reminder_preferences_update(
            client=client_a, actor=client_a.user, quiet_start="22:00", quiet_end="08:00", channels=[], paused_until=None
        )
    assert set(refused.value.error_dict) == {"quiet_start", "quiet_end"}


def test_the_write_checks_the_pause_against_the_clients_own_today(client_a):
    # 23:30 UTC on the 10th is already the 11th in Berlin: the 10th is in the past there.
    with time_machine.travel(datetime(2026, 3, 10, 23, 30, tzinfo=UTC), tick=False):
        with pytest.raises(ValidationError) as refused:
            reminder_preferences_update(
                client=client_a, actor=client_a.user, quiet_start=None, quiet_end=None, channels=[],
                paused_until=date(2026, 3, 10),
            )  # fmt: skip
        assert "paused_until" in refused.value.error_dict
        reminder_preferences_update(
            client=client_a, actor=client_a.user, quiet_start=None, quiet_end=None, channels=[],
            paused_until=date(2026, 3, 11) + timedelta(days=0),
        )  # fmt: skip
