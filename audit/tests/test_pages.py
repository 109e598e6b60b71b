"""The trail's two pages (docs/security.md T-LG-7, T-LG-8), list reads once per request, and the
role gates' refusals (T-LG-2)."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.access import access_history_of, search
from audit.models import AuditAction, AuditEvent
from audit.record import append, record
from conftest import BACKEND, SENTINEL, make_client

pytestmark = pytest.mark.django_db

HISTORY = reverse("practices:access_history")
SEARCH = reverse("practices:audit_search")


def _page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- The client's access history ---------------------------------------------------------------------------


def test_the_client_sees_their_therapist_open_an_entry(sign_in, therapist_a, client_a, entry_a):
    sign_in(therapist_a).get(reverse("homework:entry_detail", args=[entry_a.code]))
    (read,) = AuditEvent.objects.filter(actor=therapist_a, action="read", object_type="Entry")
    mine = Client()
    mine.force_login(client_a.user, backend=BACKEND)
    mine.get(reverse("homework:client_entry", args=[entry_a.code]))  # their own read: not listed
    html = _page(mine.get(HISTORY))
    assert "Alice Therapist" in html and "Your therapist" in html and "viewed an entry" in html
    local = timezone.localtime(read.at, zoneinfo.ZoneInfo("Europe/Berlin"))
    assert f"{local:%a} {local.day} {local:%b %Y, %H:%M}" in html, "the time is not in the client's zone"
    assert "Dana Client" not in html.split("</nav>", 1)[1]
    assert "alice@example.com" not in html and SENTINEL not in html


def test_the_history_leaves_out_the_clients_own_actions_and_sign_ins(therapist_a, client_a, entry_a):
    record(actor=client_a.user, action=AuditAction.READ, obj=entry_a, client=client_a, actor_role="client")
    record(actor=therapist_a, action=AuditAction.UPDATE, obj=entry_a.assignment, client=client_a)
    record(actor=therapist_a, action=AuditAction.SIGN_IN, object_type="User")
    rows = access_history_of(client_a.code, limit=10, exclude_actor_id=client_a.user.pk)
    assert [(r.actor_id, r.action, r.object_type) for r in rows] == [(therapist_a.pk, "update", "Assignment")]


def test_another_clients_history_is_not_theirs(sign_in, therapist_a, client_a, client_b, entry_a):
    sign_in(therapist_a).get(reverse("homework:entry_detail", args=[entry_a.code]))
    html = _page(sign_in(client_b.user).get(HISTORY))
    assert "Alice Therapist" not in html and "Nobody else has opened your record yet." in html


def test_a_practice_owner_who_is_not_the_therapist_is_named_so(practice_a, therapist_a, client_a, entry_a):
    from conftest import make_therapist
    from practices.models import Client as CareClient

    other = make_therapist(practice_a, "olga@example.com", "Olga Therapist")
    CareClient.objects.filter(pk=client_a.pk).update(therapist=other)
    record(actor=therapist_a, action=AuditAction.READ, obj=entry_a, client=client_a, actor_role="owner")
    http = Client()
    http.force_login(client_a.user, backend=BACKEND)
    html = _page(http.get(HISTORY))
    assert "Alice Therapist" in html and "Practice owner" in html and "Your therapist" not in html


def test_the_client_navigation_links_to_it(sign_in, client_a):
    html = _page(sign_in(client_a.user).get(reverse("homework:client_home")))
    assert f'href="{HISTORY}">Who opened my record</a>' in html


# --- The owner's search --------------------------------------------------------------------------------------


@pytest.fixture
def practice_rows(practice_a, therapist_a, colleague_a, client_a, entry_a, therapist_b, client_b):
    """Rows of practice A (two clients, a colleague's sign-in) and of practice B."""
    frank = make_client(practice_a, therapist_a, "frank@example.com", "Frank Client")
    record(actor=therapist_a, action=AuditAction.READ, obj=entry_a, client=client_a, actor_role="owner")
    record(actor=therapist_a, action=AuditAction.READ, obj=frank, client=frank, actor_role="owner")
    record(actor=colleague_a, action=AuditAction.SIGN_IN, object_type="User", actor_role="therapist")
    record(actor=therapist_b, action=AuditAction.READ, obj=client_b, client=client_b, actor_role="owner")
    return frank


def _rows(html):
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return body.count("<tr>")


def test_the_owner_sees_the_practices_rows_only(sign_in, therapist_a, client_a, client_b, practice_rows):
    html = _page(sign_in(therapist_a).get(SEARCH))
    assert client_a.code in html and practice_rows.code in html and "Carol Colleague" in html
    assert client_b.code not in html and "Bob Therapist" not in html
    assert "dana@example.com" not in html and "frank@example.com" not in html, "a client's email on the page"
    assert "Time (UTC)" in html


def test_the_search_filters_by_person(sign_in, therapist_a, colleague_a, practice_rows):
    html = _page(sign_in(therapist_a).get(SEARCH, {"person": colleague_a.pk}))
    assert _rows(html) == 1 and "Carol Colleague" in html and "Signed in" in html


def test_the_search_filters_by_client(sign_in, therapist_a, client_a, practice_rows):
    html = _page(sign_in(therapist_a).get(SEARCH, {"client": client_a.code}))
    table = html.split("<tbody>", 1)[1]
    assert _rows(html) == 1 and client_a.code in table and practice_rows.code not in table


def test_the_search_filters_by_date(sign_in, therapist_a, client_a, entry_a, practice_rows):
    append(
        [
            AuditEvent(
                at=datetime(2030, 3, 4, 23, 30, tzinfo=UTC),
                actor=therapist_a,
                actor_role="owner",
                client_code=client_a.code,
                action="update",
                object_type="Entry",
                object_code="march4entry",
            )
        ]
    )
    http = sign_in(therapist_a)
    html = _page(http.get(SEARCH, {"date_from": "2030-03-04", "date_to": "2030-03-04"}))
    assert _rows(html) == 1 and "march4entry" in html
    assert _rows(_page(http.get(SEARCH, {"date_from": "2030-03-05"}))) == 0
    today = timezone.now().date().isoformat()
    assert "march4entry" not in _page(http.get(SEARCH, {"date_from": today, "date_to": today}))
    refused = _page(http.get(SEARCH, {"date_from": "2030-03-05", "date_to": "2030-03-04"}))
    assert "Choose a day on or after the first day." in refused


def test_another_practices_owner_searches_only_their_own(sign_in, therapist_b, client_a, client_b, practice_rows):
    html = _page(sign_in(therapist_b).get(SEARCH))
    assert client_b.code in html and client_a.code not in html and "Carol Colleague" not in html
    # A person or client of practice A typed into the URL finds nothing.
    assert _rows(_page(sign_in(therapist_b).get(SEARCH, {"client": client_a.code}))) == 0


def test_search_outside_the_allowed_sets_finds_nothing(therapist_a, client_a, practice_rows):
    page = search(actor_ids=[therapist_a.pk], client_codes=[client_a.code], actor_id=therapist_a.pk + 999)
    assert page.rows == []
    page = search(actor_ids=[therapist_a.pk], client_codes=[client_a.code], client_code="zzzzzzzzzzzz")
    assert page.rows == []


def test_search_pages_by_50(therapist_a, client_a):
    append(
        [
            AuditEvent(
                at=timezone.now() - timedelta(minutes=n),
                actor=therapist_a,
                client_code=client_a.code,
                action="read",
                object_type="Entry",
            )
            for n in range(120)
        ]
    )
    first = search(actor_ids=[therapist_a.pk], client_codes=[client_a.code])
    third = search(actor_ids=[therapist_a.pk], client_codes=[client_a.code], page=3)
    assert (len(first.rows), first.has_next, first.has_previous) == (50, True, False)
    assert (len(third.rows), third.has_next, third.has_previous) == (20, False, True)
    assert first.rows[0].at > first.rows[-1].at > third.rows[0].at
    assert search(actor_ids=[therapist_a.pk], client_codes=[client_a.code], date_to=date(2000, 1, 1)).rows == []


def test_the_search_itself_is_recorded(sign_in, therapist_a):
    sign_in(therapist_a).get(SEARCH)
    assert AuditEvent.objects.filter(actor=therapist_a, action="list", object_type="AuditSearch").count() == 1


def test_a_colleague_who_is_no_owner_gets_404_and_a_denied_row(sign_in, colleague_a):
    assert sign_in(colleague_a).get(SEARCH).status_code == 404
    (row,) = AuditEvent.objects.filter(action="denied")
    assert (row.actor_id, row.actor_role, row.object_type, row.detail) == (
        colleague_a.pk,
        "therapist",
        "Page",
        "practices:audit_search",
    )


# --- Lists once per request, refusals by the role gates ---------------------------------------------------


def test_the_client_list_writes_exactly_one_list_row_per_request(sign_in, therapist_a, client_a):
    http = sign_in(therapist_a)
    for _ in range(2):
        http.get(reverse("homework:client_list"))
    rows = AuditEvent.objects.filter(action="list", actor=therapist_a)
    assert list(rows.values_list("object_type", "client_code", "actor_role")) == [("Caseload", "", "owner")] * 2
    assert len(set(rows.values_list("request_id", flat=True))) == 2


def test_a_clients_page_records_the_lists_it_shows_once_each(sign_in, therapist_a, client_a, entry_a):
    sign_in(therapist_a).get(reverse("homework:client_detail", args=[client_a.code]))
    rows = AuditEvent.objects.filter(actor=therapist_a).exclude(action="sign_in")
    assert sorted(rows.values_list("action", "object_type", "client_code")) == [
        ("list", "Assignments", client_a.code),
        ("list", "Entries", client_a.code),
        ("read", "Client", client_a.code),
    ]
    assert len(set(rows.values_list("request_id", flat=True))) == 1


def test_former_clients_are_a_list_read(sign_in, therapist_a):
    sign_in(therapist_a).get(reverse("homework:client_list"), {"former": "1"})
    assert AuditEvent.objects.filter(action="list", object_type="FormerClients", actor=therapist_a).count() == 1


def _signed_in(user):
    http = Client()
    http.force_login(user, backend=BACKEND)
    return http


def test_the_apis_lists_are_recorded_once_per_call(therapist_a, client_a, assignment_a):
    therapist = _signed_in(therapist_a)
    therapist.get(reverse("api:clients"))
    therapist.get(reverse("api:assignment_entries", args=[assignment_a.code]))
    client = _signed_in(client_a.user)
    client.get(reverse("api:my_entries"))
    client.get(reverse("api:my_assignments"))
    lists = sorted(AuditEvent.objects.filter(action="list").values_list("object_type", "object_code", "actor_role"))
    assert lists == [
        ("Assignments", "", "client"),
        ("Caseload", "", "owner"),
        ("Entries", "", "client"),
        ("Entries", assignment_a.code, "owner"),
    ]


def test_a_client_on_a_therapist_page_writes_one_denied_row(sign_in, client_a):
    assert sign_in(client_a.user).get(reverse("homework:client_list")).status_code == 404
    (row,) = AuditEvent.objects.filter(action="denied")
    assert (row.actor_id, row.actor_role, row.object_type, row.object_code, row.detail, row.outcome) == (
        client_a.user.pk,
        "client",
        "Page",
        "",
        "homework:client_list",
        "denied",
    )
    assert row.ip == "127.0.0.1" and len(row.request_id) == 32


def test_a_therapist_on_a_client_page_writes_one_denied_row(sign_in, therapist_a):
    assert sign_in(therapist_a).get(reverse("homework:client_home"), {"q": "secret"}).status_code == 404
    (row,) = AuditEvent.objects.filter(action="denied")
    assert (row.actor_role, row.detail) == ("owner", "homework:client_home")  # the route, never the query


def test_the_apis_role_gate_writes_a_denied_row(client_a):
    response = _signed_in(client_a.user).get(reverse("api:clients"))
    assert response.status_code == 404
    (row,) = AuditEvent.objects.filter(action="denied")
    assert (row.actor_role, row.object_type, row.detail) == ("client", "Page", "api:clients")
