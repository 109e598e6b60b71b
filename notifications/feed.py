"""The private calendar feed: the client's planned practices as an iCalendar document, for a
calendar app that polls a secret address (notifications.links.feed_url).

Whoever holds the address sees when the client practises, nothing more: every event says
"Between: practice" and links to the site, which asks to sign in. No title, instructions, goal
or code reaches the document; the UID is a hash. Two queries whatever the number of assignments.
"""

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from icalendar import Calendar, Event

from homework.models import Assignment
from homework.scheduling import planned_occurrences
from notifications.access import reminder_preferences_of
from notifications.links import BadLink, read_feed_token
from practices.models import Client

SUMMARY = "Between: practice"
PAST = timedelta(days=14)
AHEAD = timedelta(days=60)
DURATION = timedelta(minutes=15)


def client_of_feed(token):
    """The client whose current feed address this is; raises BadLink for a changed, revoked or
    never issued one."""
    client_code, nonce = read_feed_token(token)
    client = Client.objects.active().select_related("reminder_preferences").filter(code=client_code).first()
    if client is None:
        raise BadLink
    current = reminder_preferences_of(client).feed_nonce
    if not current or not constant_time_compare(current, nonce):
        raise BadLink
    return client


def _uid(occurrence, host):
    # Stable across requests so calendar apps update events in place, and opaque: the key holds
    # the assignment's code, which a URL would accept.
    return f"{hashlib.sha256(occurrence.key.encode()).hexdigest()[:32]}@{host}"


def calendar_for(client, *, now=None):
    """The iCalendar bytes of the client's planned practices, from 14 days ago to 60 days ahead,
    at their reminder times in their zone with quiet hours applied."""
    now = now or timezone.now()
    tz = client.tz
    today = now.astimezone(tz).date()
    quiet = reminder_preferences_of(client).quiet
    assignments = (
        Assignment.objects.active()
        .filter(client=client, reminders_on=True)
        .exclude(reminder_times=[])
        .only("pk", "code", "frequency", "times_per_week", "weekdays", "starts_on", "due_on", "reminder_times",
              "reminders_on", "status")
        .order_by("pk")
    )  # fmt: skip
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    link = settings.SITE_URL + reverse("homework:client_home")

    calendar = Calendar()
    calendar.add("prodid", "-//Between//Practice calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Between")
    occurrences = [
        occurrence
        for assignment in assignments
        for occurrence in planned_occurrences(assignment, tz, today - PAST, today + AHEAD, quiet=quiet)
    ]
    for occurrence in sorted(occurrences, key=lambda o: (o.at, o.key)):
        event = Event()
        event.add("uid", _uid(occurrence, host))
        event.add("dtstamp", now)
        event.add("dtstart", occurrence.at)
        event.add("duration", DURATION)
        event.add("summary", SUMMARY)
        event.add("description", link)
        event.add("url", link)
        calendar.add_component(event)
    return calendar.to_ical()
