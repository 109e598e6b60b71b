"""Who may open the client pages: the client themself, nobody else (STYLE.md example 2)."""

import pytest
from django.urls import reverse

from conftest import SENTINEL
from homework.models import Comment, Entry

# (url name, what its code comes from); None for pages without a code.
PAGES = [
    ("homework:client_home", None),
    ("homework:client_history", None),
    ("homework:client_assignment", "assignment"),
    ("homework:entry_new", "assignment"),
    ("homework:client_entry", "entry"),
    ("homework:entry_edit", "entry"),
]
OBJECT_PAGES = [page for page in PAGES if page[1]]
LIST_PAGES = [page for page in PAGES if not page[1]]
THERAPISTS = ["therapist_a", "colleague_a", "therapist_b"]


def url_for(name, source, entry):
    if source == "assignment":
        return reverse(name, args=[entry.assignment.code])
    if source == "entry":
        return reverse(name, args=[entry.code])
    return reverse(name)


@pytest.mark.parametrize("name,source", PAGES)
def test_the_client_sees_their_own_page(sign_in, client_a, entry_a, name, source):
    response = sign_in(client_a.user).get(url_for(name, source, entry_a))
    assert response.status_code == 200
    assert SENTINEL in response.content.decode()  # the assignment title carries it


@pytest.mark.parametrize("name,source", OBJECT_PAGES)
@pytest.mark.parametrize("outsider", ["client_b", *THERAPISTS])
def test_it_hides_the_clients_objects_from_everyone_else(request, sign_in, entry_a, name, source, outsider):
    user = request.getfixturevalue(outsider)
    user = getattr(user, "user", user)  # a practices.Client or a User
    response = sign_in(user).get(url_for(name, source, entry_a))
    assert response.status_code == 404
    assert SENTINEL not in response.content.decode()


@pytest.mark.parametrize("name,source", LIST_PAGES)
def test_another_client_sees_only_their_own_lists(sign_in, entry_a, client_b, name, source):
    response = sign_in(client_b.user).get(reverse(name))
    assert response.status_code == 200
    assert SENTINEL not in response.content.decode()


@pytest.mark.parametrize("name,source", LIST_PAGES)
@pytest.mark.parametrize("therapist", THERAPISTS)
def test_therapists_use_their_own_pages_not_the_client_ones(request, sign_in, entry_a, name, source, therapist):
    response = sign_in(request.getfixturevalue(therapist)).get(reverse(name))
    assert response.status_code == 404
    assert SENTINEL not in response.content.decode()


@pytest.mark.parametrize("name,source", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, entry_a, name, source):
    response = client.get(url_for(name, source, entry_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("outsider", ["client_b", *THERAPISTS])
def test_nobody_else_can_log_comment_or_edit_for_the_client(request, sign_in, entry_a, outsider):
    user = request.getfixturevalue(outsider)
    browser = sign_in(getattr(user, "user", user))
    version = entry_a.version
    posted = {
        "log-outcome": "skipped",
        "log-skip_reason": "forgot",
        "log-occurred_on": entry_a.occurred_on.isoformat(),
        "log-version": str(version),
        "body": "not mine",
    }
    for name, source in [
        ("homework:entry_new", "assignment"),
        ("homework:client_entry", "entry"),
        ("homework:entry_edit", "entry"),
    ]:
        response = browser.post(url_for(name, source, entry_a), posted)
        assert response.status_code == 404
        assert SENTINEL not in response.content.decode()
    assert Entry.objects.count() == 1
    assert Comment.objects.count() == 1
    entry_a.refresh_from_db()
    assert (entry_a.version, entry_a.outcome) == (version, "done")


@pytest.mark.parametrize("name,source", PAGES)
def test_opening_a_page_changes_nothing(sign_in, client_a, entry_a, name, source):
    browser = sign_in(client_a.user)
    before = (Entry.objects.count(), Comment.objects.count(), Entry.objects.get().version)
    browser.get(url_for(name, source, entry_a))
    assert (Entry.objects.count(), Comment.objects.count(), Entry.objects.get().version) == before


def test_an_inactive_client_loses_access_to_their_pages(sign_in, client_a, entry_a):
    browser = sign_in(client_a.user)
    client_a.is_active = False
    client_a.save(update_fields=["is_active"])
    for name, source in PAGES:
        assert browser.get(url_for(name, source, entry_a)).status_code == 404


def test_reading_an_entry_is_audited(sign_in, client_a, entry_a):
    from audit.models import AuditEvent

    sign_in(client_a.user).get(reverse("homework:client_entry", args=[entry_a.code]))
    assert AuditEvent.objects.filter(
        actor=client_a.user, action="read", object_type="Entry", object_code=entry_a.code, client_code=client_a.code
    ).exists()
