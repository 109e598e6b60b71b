import pytest
from django.urls import reverse

from audit.models import AuditEvent
from conftest import SENTINEL

pytestmark = pytest.mark.django_db


def test_a_therapist_reading_an_entry_leaves_a_trace(sign_in, therapist_a, entry_a):
    sign_in(therapist_a).get(reverse("homework:entry_detail", args=[entry_a.code]))
    event = AuditEvent.objects.get(object_type="Entry", object_code=entry_a.code)
    assert event.actor == therapist_a
    assert event.action == "read"
    assert event.client_code == entry_a.assignment.client.code
    assert event.at is not None and event.at.utcoffset().total_seconds() == 0


def test_a_refused_reader_is_recorded_as_denied_not_as_a_read(sign_in, therapist_b, entry_a):
    response = sign_in(therapist_b).get(reverse("homework:entry_detail", args=[entry_a.code]))
    assert response.status_code == 404
    (event,) = AuditEvent.objects.filter(actor=therapist_b, object_code=entry_a.code)
    assert (event.action, event.object_type) == ("denied", "Entry")


def test_the_trail_holds_no_text_anyone_wrote(sign_in, therapist_a, client_a, entry_a):
    sign_in(therapist_a).get(reverse("homework:entry_detail", args=[entry_a.code]))
    sign_in(client_a.user).get(reverse("homework:client_entry", args=[entry_a.code]))
    rows = list(AuditEvent.objects.values())
    assert rows
    assert all(SENTINEL not in str(value) for row in rows for value in row.values())


def test_events_cannot_be_changed_or_deleted(sign_in, therapist_a, entry_a):
    sign_in(therapist_a).get(reverse("homework:entry_detail", args=[entry_a.code]))
    event = AuditEvent.objects.first()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(action="update")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk, action="read").exists()


def test_every_row_names_actor_role_action_object_and_an_aware_utc_time(sign_in, therapist_a, client_a, entry_a):
    """T-LG-3 over the rows a mix of pages writes: reads, lists, a write of each side, refusals."""
    http = sign_in(therapist_a)
    http.get(reverse("homework:client_list"))
    http.get(reverse("homework:client_detail", args=[client_a.code]))
    http.post(reverse("homework:entry_detail", args=[entry_a.code]), {"body": "A reply"})
    http.get(reverse("homework:client_home"))  # refused: not a client
    http.get(reverse("homework:entry_detail", args=["zzzzzzzzzzzz"]))  # refused: no such entry
    mine = sign_in(client_a.user)
    mine.get(reverse("homework:client_home"))
    mine.get(reverse("homework:client_history"))
    mine.post(reverse("homework:client_entry", args=[entry_a.code]), {"body": "A comment"})
    mine.get(reverse("homework:client_list"))  # refused: not a therapist
    rows = list(AuditEvent.objects.all())
    assert {row.action for row in rows} >= {"sign_in", "read", "list", "create", "denied"}
    for row in rows:
        where = f"{row.action} {row.object_type} {row.detail}"
        assert row.actor_id is not None and row.actor_label, where
        assert row.actor_role in {"owner", "client"}, where
        assert row.action and row.object_type and row.outcome, where
        assert row.at.tzinfo is not None and row.at.utcoffset().total_seconds() == 0, where
        if row.action != "sign_in":  # force_login signs in outside any request
            assert row.ip == "127.0.0.1" and len(row.request_id) == 32, where


def test_an_export_is_its_own_row_once_per_request(therapist_a, client_a, entry_a):
    from audit.door import export_recorded

    class Request:  # outside the middleware: dedupes on the request object
        META = {"REMOTE_ADDR": "127.0.0.1"}

    request = Request()
    for _ in range(2):
        export_recorded(user=therapist_a, obj=entry_a, client=client_a, request=request, actor_role="owner")
    (row,) = AuditEvent.objects.filter(action="export")
    assert (row.object_type, row.object_code, row.client_code, row.ip) == (
        "Entry",
        entry_a.code,
        client_a.code,
        "127.0.0.1",
    )
