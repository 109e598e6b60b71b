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
