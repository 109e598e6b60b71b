"""The pause links in a reminder email: GET only asks (mail scanners open links), POST pauses one
practice or every reminder, a mail client's RFC 8058 one-click POST works without a CSRF token,
and a changed or expired link is refused with a page that says so. No page names the client."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from conftest import SENTINEL, make_assignment
from notifications import planner, tasks
from notifications.links import ALL, pause_token
from notifications.models import Message, MessageKind, MessageStatus, ReminderPreferences
from tests.conftest import LEAK_MARKERS

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def now():
    return timezone.now().replace(second=0, microsecond=0)


@pytest.fixture
def reminded(client_a, now):
    """Two practices of client_a, each reminding in three hours; their reminders planned."""
    when = (now + timedelta(hours=3)).astimezone(client_a.tz)
    times = [f"{when:%H:%M}"]
    first = make_assignment(client_a, reminder_times=times)
    second = make_assignment(client_a, title="Second practice", reminder_times=times)
    planner.plan_reminders(now=now)
    return first, second


def url_for(client, assignment_code=ALL):
    return reverse("notifications:pause", args=[pause_token(client.code, assignment_code)])


def pending(assignment):
    return Message.objects.filter(assignment=assignment, kind=MessageKind.REMINDER, status=MessageStatus.PENDING)


def state(*assignments):
    """What a pause changes: the switches, the channels, the planned rows."""
    switches = [(a.code, a.reminders_on, a.reminder_times) for a in type(assignments[0]).objects.order_by("pk")]
    channels = list(ReminderPreferences.objects.values_list("client_id", "channels"))
    rows = sorted(Message.objects.values_list("pk", "status", "due_at"))
    return switches, channels, rows


def assert_shows_nothing_of_the_client(response):
    html = response.content.decode()
    leaks = [marker for marker in LEAK_MARKERS if marker in html]
    assert not leaks, f"the page shows {leaks}"


# --- GET asks, POST acts -----------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["one", "all"])
def test_opening_the_link_only_asks_and_changes_nothing(scope, client, client_a, reminded):
    first, _ = reminded
    before = state(first)
    response = client.get(url_for(client_a, first.code if scope == "one" else ALL))
    assert response.status_code == 200
    button = "Pause reminders for this practice" if scope == "one" else "Pause all reminders"
    assert re.search(rf"<button[^>]*>{button}</button>", response.content.decode())
    assert state(first) == before, "a mail scanner opening the link paused something"
    assert_shows_nothing_of_the_client(response)
    assert "no-cache" in response["Cache-Control"]


def test_the_button_pauses_that_practice_only_and_keeps_its_times(client, client_a, reminded):
    first, second = reminded
    assert pending(first).exists() and pending(second).exists()

    response = client.post(url_for(client_a, first.code))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Reminders for this practice are paused" in html
    assert f'href="{reverse("notifications:settings")}"' in html
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.reminders_on and first.reminder_times, "off, with its times kept"
    assert second.reminders_on
    assert not pending(first).exists(), "its planned reminders are cancelled"
    assert pending(second).exists()
    assert_shows_nothing_of_the_client(response)


def test_the_button_pauses_every_reminder(client, client_a, reminded):
    first, second = reminded
    response = client.post(url_for(client_a))
    assert response.status_code == 200
    assert "All reminders are paused" in response.content.decode()
    assert ReminderPreferences.objects.get(client=client_a).channels == []
    assert not pending(first).exists() and not pending(second).exists()
    first.refresh_from_db()
    assert first.reminders_on, "each practice keeps its own switch for when email is back on"
    assert_shows_nothing_of_the_client(response)


def test_pausing_twice_is_harmless(client, client_a, reminded):
    first, _ = reminded
    client.post(url_for(client_a, first.code))
    first.refresh_from_db()
    version = first.version
    assert client.post(url_for(client_a, first.code)).status_code == 200
    first.refresh_from_db()
    assert first.version == version


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_a_mail_clients_one_click_post_pauses_without_a_csrf_token(content_type, client_a, reminded):
    first, second = reminded
    strict = HttpClient(enforce_csrf_checks=True)
    if content_type.startswith("multipart"):
        response = strict.post(url_for(client_a), {"List-Unsubscribe": "One-Click"})
    else:
        response = strict.post(url_for(client_a), ONE_CLICK, content_type=content_type)
    assert response.status_code == 200
    assert ReminderPreferences.objects.get(client=client_a).channels == []
    assert not pending(first).exists() and not pending(second).exists()


def test_the_links_in_a_sent_reminder_pause(client, client_a, reminded, now):
    first, _ = reminded
    due = pending(first).order_by("due_at").first()
    tasks.deliver_due(now=due.due_at)
    email = next(m for m in mail.outbox if m.to == [client_a.user.email])
    links = re.findall(r"https?://\S+/reminders/pause/\S+/", email.body)
    assert len(links) == 2, email.body
    one_click = email.extra_headers["List-Unsubscribe"].strip("<>")
    assert one_click == links[1], "the header is the pause-all link"

    path = re.sub(r"^https?://[^/]+", "", links[0])
    assert client.post(path).status_code == 200
    first.refresh_from_db()
    assert not first.reminders_on


# --- Links that do not work ---------------------------------------------------------------------------


def _changed(token, position):
    index = {"first": 0, "middle": len(token) // 2, "last": len(token) - 1}[position]
    swap = "A" if token[index] != "A" else "B"
    return token[:index] + swap + token[index + 1 :]


@pytest.mark.parametrize("position", ["first", "middle", "last"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_changed_link_is_refused_and_changes_nothing(position, method, client, client_a, reminded):
    first, _ = reminded
    token = _changed(pause_token(client_a.code, first.code), position)
    before = state(first)
    url = reverse("notifications:pause", args=[token])
    response = client.get(url) if method == "GET" else client.post(url, ONE_CLICK, content_type="text/plain")
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert state(first) == before
    assert_shows_nothing_of_the_client(response)


def test_a_link_naming_another_clients_practice_does_nothing(client, client_a, client_b, reminded):
    first, _ = reminded
    theirs = make_assignment(client_b, title="B's homework", reminder_times=["08:00"])
    before = state(first)
    response = client.post(url_for(client_a, theirs.code))
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    assert state(first) == before
    theirs.refresh_from_db()
    assert theirs.reminders_on


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_expired_link_says_so_and_offers_the_settings(method, client, client_a, reminded):
    first, _ = reminded
    url = url_for(client_a, first.code)
    before = state(first)
    later = timezone.now() + timedelta(seconds=settings.PAUSE_LINK_MAX_AGE + 60)
    with time_machine.travel(later, tick=False):
        response = client.get(url) if method == "GET" else client.post(url)
    assert response.status_code == 410
    html = response.content.decode()
    assert "This link has expired" in html
    assert f'href="{reverse("notifications:settings")}"' in html and "Sign in" in html
    assert state(first) == before
    assert_shows_nothing_of_the_client(response)


def test_a_link_just_inside_its_age_still_works(client, client_a, reminded):
    first, _ = reminded
    url = url_for(client_a, first.code)
    later = timezone.now() + timedelta(seconds=settings.PAUSE_LINK_MAX_AGE - 60)
    with time_machine.travel(later, tick=False):
        assert client.post(url).status_code == 200
    first.refresh_from_db()
    assert not first.reminders_on


def test_pause_pages_carry_no_clinical_text(client, client_a, reminded):
    first, _ = reminded
    for response in (
        client.get(url_for(client_a, first.code)),
        client.post(url_for(client_a, first.code)),
        client.get(url_for(client_a)),
        client.get(reverse("notifications:pause", args=["not-a-token"])),
    ):
        assert SENTINEL not in response.content.decode()
        assert_shows_nothing_of_the_client(response)
