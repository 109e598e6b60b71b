"""The client pages beyond who may open them (that is tests/test_authorization_matrix.py): a client
who is no longer active loses them, and reading one is audited."""

from django.urls import reverse

# (url name, what its code comes from); None for pages without a code.
PAGES = [
    ("homework:client_home", None),
    ("homework:client_history", None),
    ("homework:client_assignment", "assignment"),
    ("homework:entry_new", "assignment"),
    ("homework:client_entry", "entry"),
    ("homework:entry_edit", "entry"),
]


def url_for(name, source, entry):
    if source == "assignment":
        return reverse(name, args=[entry.assignment.code])
    if source == "entry":
        return reverse(name, args=[entry.code])
    return reverse(name)


def test_an_inactive_client_loses_access_to_their_pages(sign_in, client_a, entry_a):
    browser = sign_in(client_a.user)
    for name, source in PAGES:  # the control: each page opens while the client is active
        assert browser.get(url_for(name, source, entry_a)).status_code == 200, name
    client_a.is_active = False
    client_a.save(update_fields=["is_active"])
    for name, source in PAGES:
        assert browser.get(url_for(name, source, entry_a)).status_code == 404, name


def test_reading_an_entry_is_audited(sign_in, client_a, entry_a):
    from audit.models import AuditEvent

    sign_in(client_a.user).get(reverse("homework:client_entry", args=[entry_a.code]))
    assert AuditEvent.objects.filter(
        actor=client_a.user, action="read", object_type="Entry", object_code=entry_a.code, client_code=client_a.code
    ).exists()
