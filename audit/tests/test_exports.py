"""A copy that leaves Between (the brief's PDF, an entry as FHIR) is an `export` row of its own,
besides the read (docs/security.md T-LG-2: every clinical read, write and export)."""

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def exports():
    return list(AuditEvent.objects.filter(action=AuditAction.EXPORT).values_list("object_type", "client_code"))


def test_the_brief_pdf_is_recorded_as_an_export(sign_in, therapist_a, appointment_a):
    http = sign_in(therapist_a)
    assert exports() == []
    response = http.get(reverse("insights:brief_pdf", args=[appointment_a.code]))
    assert response["Content-Type"] == "application/pdf"
    assert exports() == [("Appointment", appointment_a.client.code)]


def test_the_brief_page_itself_is_no_export(sign_in, therapist_a, appointment_a):
    sign_in(therapist_a).get(reverse("insights:brief", args=[appointment_a.code]))
    assert exports() == []


def test_an_entry_as_fhir_is_recorded_as_an_export(sign_in, therapist_a, entry_a):
    response = sign_in(therapist_a).get(reverse("api:entry_fhir", args=[entry_a.code]))
    assert response.status_code == 200
    assert exports() == [("Entry", entry_a.assignment.client.code)]
