"""Who may call each operation (SECURITY.md T-AZ-1..3), one row per operation.

For every operation: the entitled role gets the data (A's SENTINEL or name in it); client_b,
colleague_a and therapist_b get 404 and nothing of A's (or, on a list of their own, their own
rows and nothing of A's); anonymous callers get 401; the wrong role gets 404. Nobody but the
owner changes anything. tests/test_authorization_matrix.py runs the same rules over every method.
"""

import dataclasses
from collections.abc import Callable

import pytest

from api.tests.conftest import assert_nothing_of_as, entry_body, send, thought_record_answers
from conftest import SENTINEL

CLIENT_SIDE, THERAPIST_SIDE = "client", "therapist"
OWNER = {CLIENT_SIDE: "client_a", THERAPIST_SIDE: "therapist_a"}
WRONG_ROLE = {CLIENT_SIDE: "therapist_a", THERAPIST_SIDE: "client_a"}


@dataclasses.dataclass(frozen=True)
class Op:
    method: str
    url: Callable  # world -> URL
    side: str
    shows: str = SENTINEL  # what the owner gets back of A's
    status: int = 200
    body: Callable | None = None  # world -> a valid JSON body
    others: frozenset = frozenset()  # roles with a list of their own here (200, nothing of A's)
    own: str | None = None  # what such a role sees of its own


OPS = {
    "list my assignments": Op(
        "GET", lambda w: "/api/v1/me/assignments", CLIENT_SIDE, others=frozenset({"client_b"}), own="B's homework"
    ),
    "read my assignment": Op("GET", lambda w: f"/api/v1/me/assignments/{w.assignment.code}", CLIENT_SIDE),
    "log an entry": Op(
        "POST",
        lambda w: f"/api/v1/me/assignments/{w.assignment.code}/entries",
        CLIENT_SIDE,
        status=201,
        body=lambda w: entry_body(w.client, comment=f"Posted {SENTINEL}"),
    ),
    "list my entries": Op(
        "GET", lambda w: "/api/v1/me/entries", CLIENT_SIDE, others=frozenset({"client_b"}), own="B's situation"
    ),
    "change my entry": Op(
        "PUT",
        lambda w: f"/api/v1/me/entries/{w.entry.code}",
        CLIENT_SIDE,
        body=lambda w: {
            **entry_body(w.client, answers=thought_record_answers(situation=f"Changed {SENTINEL}")),
            "version": w.entry.version,
        },
    ),
    "list my clients": Op(
        "GET",
        lambda w: "/api/v1/clients",
        THERAPIST_SIDE,
        shows="Dana Client",
        others=frozenset({"colleague_a", "therapist_b"}),  # their own caseloads (see below)
    ),
    "list a client's assignments": Op("GET", lambda w: f"/api/v1/clients/{w.client.code}/assignments", THERAPIST_SIDE),
    "list an assignment's entries": Op(
        "GET", lambda w: f"/api/v1/assignments/{w.assignment.code}/entries", THERAPIST_SIDE
    ),
    "export an entry as FHIR": Op("GET", lambda w: f"/api/v1/entries/{w.entry.code}/fhir", THERAPIST_SIDE),
}
NAMES = sorted(OPS)


def state(world):
    from homework.models import Comment, Entry

    entry = Entry.objects.get(pk=world.entry.pk)
    return Entry.objects.count(), Comment.objects.count(), entry.version, entry.answers, entry.updated_at


def call(api_as, world, name, role):
    op = OPS[name]
    body = op.body(world) if op.body else None
    return send(api_as(role), op.method, op.url(world), body)


@pytest.mark.parametrize("name", NAMES)
def test_the_entitled_role_gets_the_data(name, world, api_as):
    op = OPS[name]
    before = state(world)
    response = call(api_as, world, name, OWNER[op.side])
    assert response.status_code == op.status, response.content[:2000]
    assert response["Content-Type"].startswith("application/json")
    assert op.shows in response.content.decode()
    if op.method == "GET":
        assert state(world) == before, "a GET changed data"
    else:
        assert state(world) != before


@pytest.mark.parametrize("role", ["client_b", "colleague_a", "therapist_b"])
@pytest.mark.parametrize("name", NAMES)
def test_everyone_else_gets_404_and_nothing_of_as(name, role, world, api_as):
    op = OPS[name]
    before = state(world)
    response = call(api_as, world, name, role)
    if role in op.others:
        # Their own list: rows of their own (if any), none of A's.
        assert response.status_code == 200
        if op.own:
            assert op.own in response.content.decode()
    else:
        assert response.status_code == 404, f"{role} {op.method} {op.url(world)}: {response.status_code}"
        assert response.json() == {"detail": "Not found"}
    assert_nothing_of_as(response)
    assert state(world) == before, f"{role}'s refused call changed data"


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_callers_get_401_not_a_redirect(name, world, api_as):
    before = state(world)
    response = call(api_as, world, name, "anonymous")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    assert "Location" not in response
    assert_nothing_of_as(response)
    assert state(world) == before


@pytest.mark.parametrize("name", NAMES)
def test_the_wrong_role_gets_404(name, world, api_as):
    """A therapist calling the client's routes, or a client the therapist's: as if nothing were there."""
    op = OPS[name]
    before = state(world)
    response = call(api_as, world, name, WRONG_ROLE[op.side])
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}
    assert state(world) == before


def test_a_client_gets_only_their_own_homework_in_their_lists(world, api_as):
    http = api_as("client_b")
    assignments = http.get("/api/v1/me/assignments").json()
    assert [a["code"] for a in assignments] == [world.assignment_b.code]
    entries = http.get("/api/v1/me/entries").json()
    assert [e["code"] for e in entries["items"]] == [world.entry_b.code]


def test_a_therapist_lists_only_their_own_caseload(world, api_as, therapist_b):
    assert api_as("colleague_a").get("/api/v1/clients").json() == []
    assert [c["code"] for c in api_as("therapist_b").get("/api/v1/clients").json()] == [world.client_b.code]


def test_the_write_functions_second_line_answers_404_too(world, api_as, monkeypatch):
    """If the door ever let a foreign assignment through, entry_record's own check would refuse it;
    the API answers that PermissionDenied with the same 404, not a 403 that confirms the record."""
    from api import me

    monkeypatch.setattr(me, "get_assignment_for_client", lambda user, code, request=None: world.assignment)
    before = state(world)
    response = send(
        api_as("client_b"), "POST", f"/api/v1/me/assignments/{world.assignment.code}/entries", entry_body(world.client)
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}
    assert state(world) == before


def test_reading_an_assignment_is_audited(world, api_as):
    from audit.models import AuditAction, AuditEvent

    api_as("client_a").get(f"/api/v1/me/assignments/{world.assignment.code}")
    api_as("therapist_a").get(f"/api/v1/entries/{world.entry.code}/fhir")
    reads = AuditEvent.objects.filter(action=AuditAction.READ)
    assert reads.filter(actor=world.client.user, object_code=world.assignment.code).exists()
    assert reads.filter(actor=world.client.therapist, object_code=world.entry.code).exists()
