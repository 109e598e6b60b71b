"""Lists do a fixed number of queries however many entries and comments there are (T-RL-10)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import audit_lock_queries, make_entry
from homework.models import Comment

# Measured when written, plus one query of headroom. Each count includes what every signed-in
# call pays (session, user, client profile or membership) and the audit row of the read.
#   /me/entries 7: session, user, client, audit, count, page, comments.
#   /assignments/{code}/entries 8: session, user, membership, assignment, audit, count, page, comments.
CEILINGS = {"client": 8, "therapist": 9}


def grow(assignment, total):
    today = assignment.client.today()
    for n in range(assignment.entries.count(), total):
        entry = make_entry(assignment, occurred_on=today - timedelta(days=n), answers={"situation": f"Situation {n}"})
        if n % 2:
            Comment.objects.create(entry=entry, author=assignment.client.user, body=f"Comment {n}")
        if n % 3 == 0:
            Comment.objects.create(entry=entry, author=assignment.client.therapist, body=f"Reply {n}")


def count(http, url):
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("side", ["client", "therapist"])
def test_an_entry_list_does_the_same_queries_for_5_and_50_entries(
    side, api_as, assignment_a, django_assert_max_num_queries
):
    http = api_as("client_a" if side == "client" else "therapist_a")
    url = "/api/v1/me/entries" if side == "client" else f"/api/v1/assignments/{assignment_a.code}/entries"

    grow(assignment_a, 5)
    http.get(url)  # warm-up: one-off lookups (content types) are not the list's cost
    with django_assert_max_num_queries(CEILINGS[side] + audit_lock_queries()):
        small = http.get(url)
    small_count = count(http, url)

    grow(assignment_a, 50)
    with django_assert_max_num_queries(CEILINGS[side] + audit_lock_queries()):
        large = http.get(url)
    large_count = count(http, url)

    assert len(small.json()["items"]) == 5 and len(large.json()["items"]) == 20
    assert large_count == small_count, f"{small_count} queries with 5 entries, {large_count} with 50"


def test_my_assignments_do_the_same_queries_for_one_and_six(api_as, client_a, assignment_a):
    from conftest import make_assignment

    http = api_as("client_a")
    http.get("/api/v1/me/assignments")
    few = count(http, "/api/v1/me/assignments")
    for key in ("journal", "exposure", "phq-9", "gad-7", "reflection"):
        make_assignment(client_a, key=key)
    assert count(http, "/api/v1/me/assignments") == few


def test_a_clients_assignments_do_the_same_queries_for_one_and_six(api_as, client_a, assignment_a):
    from conftest import make_assignment

    http = api_as("therapist_a")
    url = f"/api/v1/clients/{client_a.code}/assignments"
    http.get(url)
    few = count(http, url)
    for key in ("journal", "exposure", "phq-9", "gad-7", "reflection"):
        make_assignment(client_a, key=key)
    assert count(http, url) == few
