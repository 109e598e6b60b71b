"""Query counts do not grow with the data (docs/security.md T-RL-10).

Each page is measured with a few entries and again after many more were added (across three
assignments, every third with a comment, some with a therapist's reply): the second count must
not exceed the first, and both stay under a fixed ceiling per page. The ceilings are the counts
measured when the pages landed plus a little headroom; raise one only with a reason.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import make_assignment, make_entry

SMALL, LARGE = 5, 200

# Measured when written (the same with SMALL and LARGE), plus one query of headroom. Each count
# includes three queries every signed-in page pays (session, user, membership or client profile)
# and the page's audit rows; a therapist's page also counts their unread notices for the
# navigation (notifications.context_processors).
# The audit rows cost two queries per page however many rows it writes (audit/record.py: the
# chain's last row, then one INSERT of all of them, when the request ends); one before the hash
# chain, so every audited page grew by one, and the client list by two (its caseload is a list
# read now, recorded since the chain came; it recorded nothing before).
#   client_home 9, client_history 7, client_assignment 8, client_detail 13, client_list 8,
#   assignment_detail 13; entry pages: entry_detail 8, client_entry 7; notices 7,
#   failed_deliveries 7 (no audit rows).
CEILINGS = {
    "homework:client_home": 10,
    "homework:client_history": 8,
    "homework:client_assignment": 9,
    "homework:client_detail": 14,
    "homework:client_list": 9,
    "homework:assignment_detail": 14,  # 13 since the client's own rating shows beside the review
    "homework:entry_detail": 9,
    "homework:client_entry": 8,
    "notifications:notices": 8,
    "notifications:failed_deliveries": 8,
    # Reminder settings: 7 (the client's preferences and their open assignments, the audit rows).
    "notifications:settings": 8,
    # The client's progress: 8 (the whole history in three queries, insights.history; the weeks,
    # runs and chart are computed from it in Python).
    "insights:progress": 9,
    # The pre-session brief: 16 (the appointment through the door and its audit rows, the history in
    # three queries, the previous appointment, reviews, self-ratings, topics, two for comments
    # awaiting a reply; insights.brief).
    "insights:brief": 17,
    # The log form: 7 (the assignment through the door and its audit rows, and the client's draft
    # of it, homework.drafts: one query, whether there is one or not); its edit 8 (the entry with
    # its comments, and the draft of the edit).
    "homework:entry_new": 8,
    "homework:entry_edit": 9,
}

PAGES = {
    # name: (who, URL builder)
    "homework:client_home": ("client", lambda w: reverse("homework:client_home")),
    "homework:client_history": ("client", lambda w: reverse("homework:client_history")),
    "homework:client_assignment": (
        "client",
        lambda w: reverse("homework:client_assignment", args=[w.assignments[0].code]),
    ),
    "homework:client_detail": ("therapist", lambda w: reverse("homework:client_detail", args=[w.client.code])),
    "homework:client_list": ("therapist", lambda w: reverse("homework:client_list")),
    "homework:assignment_detail": (
        "therapist",
        lambda w: reverse("homework:assignment_detail", args=[w.assignments[0].code]),
    ),
    "notifications:settings": ("client", lambda w: reverse("notifications:settings")),
    "insights:progress": ("client", lambda w: reverse("insights:progress")),
    "homework:entry_new": ("client", lambda w: reverse("homework:entry_new", args=[w.assignments[0].code])),
    "insights:brief": ("therapist", lambda w: reverse("insights:brief", args=[w.client.appointments.first().code])),
}


class World:
    """client_a with three assignments (two kinds of exercise) and a growing number of entries."""

    def __init__(self, client_a, goal_a, appointment_a):
        from homework.models import Comment

        self.Comment = Comment
        self.client = client_a
        self.therapist = client_a.therapist
        start = client_a.today() - timedelta(days=LARGE)
        self.assignments = [
            make_assignment(client_a, goal=goal_a, starts_on=start),
            make_assignment(client_a, key="journal", starts_on=start),
            make_assignment(client_a, starts_on=start, frequency="times_per_week", times_per_week=3),
        ]
        self.count = 0

    def grow_to(self, total):
        while self.count < total:
            n = self.count
            assignment = self.assignments[n % len(self.assignments)]
            entry = make_entry(
                assignment,
                occurred_on=self.client.today() - timedelta(days=n // len(self.assignments)),
                answers={"situation": f"Situation {n}", "automatic_thought": f"Thought {n}"},
                helpfulness=n % 5,
                wants_to_discuss=n % 7 == 0,
            )
            if n % 3 == 0:
                self.Comment.objects.create(entry=entry, author=self.client.user, body=f"Comment {n}")
            if n % 6 == 0:
                self.Comment.objects.create(entry=entry, author=self.therapist, body=f"Reply {n}")
            self.count += 1


@pytest.fixture
def world(client_a, goal_a, appointment_a, client_b):
    from conftest import make_client

    # A few more clients in the caseload, so the client list has rows to annotate.
    for i in range(3):
        other = make_client(client_a.practice, client_a.therapist, f"other{i}@example.com", f"Other Client {i}")
        make_entry(make_assignment(other))
    return World(client_a, goal_a, appointment_a)


def _count(http, url):
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return len(queries), [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_query_count_does_not_grow_with_entries(name, world, sign_in, django_assert_max_num_queries):
    who, url_of = PAGES[name]
    http = sign_in(world.client.user if who == "client" else world.therapist)
    url = url_of(world)

    world.grow_to(SMALL)
    http.get(url)  # warm-up: one-off caches (content types, templates) are not the page's cost
    small, small_sql = _count(http, url)

    world.grow_to(LARGE)
    with django_assert_max_num_queries(CEILINGS[name]):
        response = http.get(url)
    assert response.status_code == 200
    large, large_sql = _count(http, url)

    print(f"\n{name}: {small} queries with {SMALL} entries, {large} with {LARGE}")
    assert large <= small, (
        f"{name}: {small} queries with {SMALL} entries but {large} with {LARGE}; the extra ones:\n"
        + "\n".join(sql for sql in large_sql if sql not in small_sql)[:4000]
    )
    assert small <= CEILINGS[name]


@pytest.mark.parametrize("extra_clients", [0, 20])
def test_client_list_query_count_does_not_grow_with_clients(extra_clients, world, sign_in):
    from conftest import make_client

    world.grow_to(SMALL)
    http = sign_in(world.therapist)
    url = reverse("homework:client_list")
    http.get(url)
    before, _ = _count(http, url)
    for i in range(extra_clients):
        other = make_client(world.client.practice, world.therapist, f"more{i}@example.com", f"More Client {i}")
        make_entry(make_assignment(other))
    after, _ = _count(http, url)
    assert after <= before <= CEILINGS["homework:client_list"]


ENTRY_PAGES = {
    "homework:entry_detail": "therapist",
    "homework:client_entry": "client",
    "homework:entry_edit": "client",
}


@pytest.mark.parametrize("name", sorted(ENTRY_PAGES))
def test_entry_pages_query_count_does_not_grow_with_comments(name, world, sign_in, django_assert_max_num_queries):
    world.grow_to(1)
    entry = world.assignments[0].entries.first()
    who = ENTRY_PAGES[name]
    http = sign_in(world.client.user if who == "client" else world.therapist)
    url = reverse(name, args=[entry.code])
    http.get(url)
    small, small_sql = _count(http, url)
    for n in range(40):
        author = world.client.user if n % 2 else world.therapist
        world.Comment.objects.create(entry=entry, author=author, body=f"Comment {n}")
    with django_assert_max_num_queries(CEILINGS[name]):
        http.get(url)
    large, large_sql = _count(http, url)
    print(f"\n{name}: {small} queries with 1-2 comments, {large} with 40 more")
    assert large <= small, "\n".join(sql for sql in large_sql if sql not in small_sql)[:4000]


# --- Notices and failed deliveries: constant however many rows ---------------------------------------------


def _grow_notices(world, total):
    """`total` notices for the therapist, half of them read, spread over the caseload's entries,
    and as many failed emails to the practice's clients."""
    from django.utils import timezone

    from notifications.models import Message, MessageKind, MessageStatus, Notice, NoticeKind

    entries = list(world.assignments[0].entries.all()[:3]) or [make_entry(world.assignments[0])]
    have = Notice.objects.filter(recipient=world.therapist).count()
    kinds = list(NoticeKind)
    Notice.objects.bulk_create(
        Notice(
            recipient=world.therapist, client=world.client, entry=entries[n % len(entries)], kind=kinds[n % 3],
            read_at=timezone.now() if n % 2 else None,
        )
        for n in range(have, total)
    )  # fmt: skip
    Message.objects.bulk_create(
        Message(
            idempotency_key=f"test-failed:{n}", recipient=world.client.user, kind=MessageKind.REMINDER,
            status=MessageStatus.FAILED, attempts=8, last_error="SMTPServerDisconnected",
            next_attempt_at=timezone.now(), claimed_at=timezone.now(),
        )
        for n in range(have, total)
    )  # fmt: skip


@pytest.mark.parametrize("name", ["notifications:notices", "notifications:failed_deliveries"])
def test_notification_pages_query_count_does_not_grow_with_rows(name, world, sign_in, django_assert_max_num_queries):
    world.grow_to(SMALL)
    http = sign_in(world.therapist)  # therapist_a, the practice's owner
    url = reverse(name)
    _grow_notices(world, SMALL)
    http.get(url)
    small, small_sql = _count(http, url)
    _grow_notices(world, LARGE)
    with django_assert_max_num_queries(CEILINGS[name]):
        http.get(url)
    large, large_sql = _count(http, url)
    print(f"\n{name}: {small} queries with {SMALL} rows, {large} with {LARGE}")
    assert large <= small, "\n".join(sql for sql in large_sql if sql not in small_sql)[:4000]
    assert small <= CEILINGS[name]


@pytest.mark.parametrize("extra_assignments", [0, 25])
def test_reminder_settings_query_count_does_not_grow_with_assignments(extra_assignments, world, sign_in):
    """One form per open assignment, all from one query (and the writes' audit needs no more)."""
    world.grow_to(SMALL)
    http = sign_in(world.client.user)
    url = reverse("notifications:settings")
    http.get(url)
    before, _ = _count(http, url)
    for n in range(extra_assignments):
        make_assignment(world.client, reminder_times=[f"{7 + n % 12:02d}:30"], reminders_on=n % 2 == 0)
    after, after_sql = _count(http, url)
    assert after <= before <= CEILINGS["notifications:settings"], "\n".join(after_sql)[:4000]


def test_progress_costs_the_same_with_5_and_200_entries(world, sign_in):
    """The progress page reads the whole history (weeks, runs, the chart): exactly as many
    queries however long it is."""
    http = sign_in(world.client.user)
    url = reverse("insights:progress")
    world.grow_to(SMALL)
    http.get(url)
    small, _ = _count(http, url)
    world.grow_to(LARGE)
    large, large_sql = _count(http, url)
    assert large == small <= CEILINGS["insights:progress"], "\n".join(large_sql)[:4000]


# --- The therapist's home and the feedback on their assigning: 10 entries or 2,000 -----------------------

# Measured when written (the same with 10 and 2,000 entries), plus one query of headroom; they
# include the four queries every therapist page pays (session, user, membership, notice count).
#   insights:home 11 (the annotated caseload, appointments, active assignments, practice per day,
#   scores and ratings per day, and the caseload's "list" audit row: 2), insights:assigning_feedback
#   5 (one query of assignments).
HOME_CEILINGS = {"insights:home": 12, "insights:assigning_feedback": 6}


def _grow_home(world, total):
    """Entries up to `total` across the caseload's homework, built in bulk, with everything the home
    counts: unseen and seen risk flags, entries to discuss, comments with and without a reply,
    questionnaire scores; and an appointment and a review for the feedback's "reviewed" share."""
    from django.utils import timezone

    from homework.models import AssignmentReview, Entry
    from practices.models import Appointment

    if not hasattr(world, "phq9"):
        start = world.client.today() - timedelta(days=LARGE)
        world.phq9 = make_assignment(world.client, key="phq-9", frequency="weekdays", weekdays=[0], starts_on=start)
        world.assignments.append(world.phq9)
    have = Entry.objects.filter(assignment__in=world.assignments).count()
    today = world.client.today()
    batch = []
    for n in range(have, total):
        assignment = world.assignments[n % len(world.assignments)]
        entry = Entry(
            assignment=assignment, occurred_on=today - timedelta(days=(n // len(world.assignments)) % LARGE),
            outcome=("done", "partly", "skipped")[n % 3], skip_reason="no_time" if n % 3 == 2 else "",
            helpfulness=n % 5, wants_to_discuss=n % 7 == 0, risk_flag=n % 50 == 0,
            risk_seen_at=timezone.now() if n % 100 == 0 else None,
            score=n % 27 if assignment is world.phq9 else None,
        )  # fmt: skip
        batch.append(entry)
    entries = Entry.objects.bulk_create(batch)
    world.Comment.objects.bulk_create(
        world.Comment(entry=entry, author=world.client.user if n % 2 else world.therapist, body=f"Comment {n}")
        for n, entry in enumerate(entries)
        if n % 3 == 0
    )
    appointment = Appointment.objects.create(client=world.client, starts_at=timezone.now() - timedelta(days=total % 9))
    AssignmentReview.objects.create(assignment=world.assignments[0], reviewer=world.therapist, decision="keep")
    return appointment


@pytest.mark.parametrize("name", sorted(HOME_CEILINGS))
def test_the_home_and_the_feedback_cost_the_same_with_10_and_2000_entries(
    name, world, sign_in, django_assert_max_num_queries
):
    from django.utils import timezone

    from practices.models import Appointment

    # Today's and this week's appointments for every client of the caseload.
    for client in world.client.therapist.caseload.all():
        Appointment.objects.create(client=client, starts_at=timezone.now() + timedelta(hours=1))
        Appointment.objects.create(client=client, starts_at=timezone.now() + timedelta(days=3))
    http = sign_in(world.therapist)
    url = reverse(name)
    _grow_home(world, 10)
    http.get(url)  # warm-up: one-off caches are not the page's cost
    small, small_sql = _count(http, url)
    _grow_home(world, 2000)
    with django_assert_max_num_queries(HOME_CEILINGS[name]):
        response = http.get(url)
    assert response.status_code == 200
    large, large_sql = _count(http, url)
    print(f"\n{name}: {small} queries with 10 entries, {large} with 2000")
    assert large == small <= HOME_CEILINGS[name], "\n".join(sql for sql in large_sql if sql not in small_sql)[:4000]
