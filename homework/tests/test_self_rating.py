"""The client's own rating of an assignment on its page: how much of it they did and how well it
went (0-3 each), asked before the next session, with the write function's words on refusal.

Who may post at all is tests/test_authorization_matrix.py; here, what the form does."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import SENTINEL, make_assignment
from homework.client_views import SELF_RATING_DAYS
from homework.models import AssignmentStatus, SelfRating
from homework.recording import self_rating_record

pytestmark = pytest.mark.django_db

QUESTION = "Before your next session"


def rate_url(assignment):
    return reverse("homework:self_rating", args=[assignment.code])


def page_url(assignment):
    return reverse("homework:client_assignment", args=[assignment.code])


def words_of(assignment, **values):
    """What self_rating_record says to these values, by field."""
    with pytest.raises(ValidationError) as refused:
        self_rating_record(assignment=assignment, client_user=assignment.client.user, **values)
    return refused.value.message_dict


def checked(html, name):
    """The value of the checked radio button named `name`, or None."""
    found = re.search(rf'<input type="radio" name="{name}" value="(\d+)"[^>]*\bchecked\b', html)
    return found and found.group(1)


# --- Saving -----------------------------------------------------------------------------------------------


def test_a_rating_is_saved_and_shown_with_its_date(sign_in, assignment_a):
    browser = sign_in(assignment_a.client.user)
    response = browser.post(rate_url(assignment_a), {"quantity": "2", "quality": "3"})
    assert response.status_code == 302 and response["Location"] == page_url(assignment_a)
    (rating,) = SelfRating.objects.filter(assignment=assignment_a)
    assert (rating.quantity, rating.quality) == (2, 3)

    html = browser.get(page_url(assignment_a)).content.decode()
    today = assignment_a.client.today()
    assert "Thank you. Your therapist will see how it went from your side." in html
    assert f"Your last rating, on {today:%A}, {today.day} {today:%B}" in html
    assert "<dd>Most of it</dd>" in html and "<dd>Very well</dd>" in html
    assert checked(html, "quantity") is None, "rating again starts from a fresh form"


def test_rating_again_adds_a_rating_and_the_latest_is_shown(sign_in, assignment_a):
    browser = sign_in(assignment_a.client.user)
    browser.post(rate_url(assignment_a), {"quantity": "0", "quality": "0"})
    browser.post(rate_url(assignment_a), {"quantity": "3", "quality": "2"})
    assert SelfRating.objects.filter(assignment=assignment_a).count() == 2
    html = browser.get(page_url(assignment_a)).content.decode()
    assert "<dd>All of it</dd>" in html and "<dd>Well</dd>" in html
    assert "None of it" not in html.split("Your last rating")[1].split("</dl>")[0]


def test_a_rating_is_audited(sign_in, assignment_a):
    from audit.models import AuditEvent

    sign_in(assignment_a.client.user).post(rate_url(assignment_a), {"quantity": "1", "quality": "1"})
    rating = SelfRating.objects.get(assignment=assignment_a)
    assert AuditEvent.objects.filter(
        actor=assignment_a.client.user, action="create", object_type="SelfRating", object_code=rating.code
    ).exists()


def test_the_page_asks_with_radio_buttons_for_every_choice(sign_in, assignment_a):
    html = sign_in(assignment_a.client.user).get(page_url(assignment_a)).content.decode()
    assert QUESTION in html
    assert "How much of it did you do?" in html and "How well did it go?" in html
    for value in range(4):
        assert f'name="quantity" value="{value}"' in html and f'name="quality" value="{value}"' in html
    assert f'action="{rate_url(assignment_a)}#self-rating"' in html


# --- Refused ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent",
    [
        {"quantity": "4", "quality": "2"},
        {"quantity": "2", "quality": "-1"},
        {"quantity": "99999999999999999999", "quality": "1"},
        {"quantity": "lots", "quality": "1"},
        {"quantity": "2"},
        {"quality": "1"},
        {},
    ],
    ids=["above-3", "below-0", "huge", "not-a-number", "no-quality", "no-quantity", "nothing"],
)
def test_refused_values_get_the_write_functions_words(sent, sign_in, assignment_a):
    parsed = {}
    for name in ("quantity", "quality"):
        value = sent.get(name)
        parsed[name] = int(value) if value is not None and value.lstrip("-").isdigit() else value
    expected = words_of(assignment_a, **parsed)

    response = sign_in(assignment_a.client.user).post(rate_url(assignment_a), sent)
    assert response.status_code == 400
    form = response.context["rating_form"]
    assert {name: list(errors) for name, errors in form.errors.items()} == expected
    html = response.content.decode()
    for messages in expected.values():
        for message in messages:
            assert message in html
    assert not SelfRating.objects.exists()


def test_a_refusal_keeps_what_was_chosen(sign_in, assignment_a):
    response = sign_in(assignment_a.client.user).post(rate_url(assignment_a), {"quantity": "2"})
    assert response.status_code == 400
    html = response.content.decode()
    assert checked(html, "quantity") == "2"
    assert "Please check the fields marked below" in html
    assert SENTINEL in html  # the rest of the assignment page is there too


def test_another_clients_assignment_is_not_found(sign_in, assignment_a, client_b):
    browser = sign_in(client_b.user)
    for method in (browser.post, browser.get):
        response = method(rate_url(assignment_a), {"quantity": "2", "quality": "2"})
        assert response.status_code == 404
        assert SENTINEL not in response.content.decode()
    assert not SelfRating.objects.exists()


def test_a_get_is_refused_for_its_method(sign_in, assignment_a):
    response = sign_in(assignment_a.client.user).get(rate_url(assignment_a))
    assert response.status_code == 405 and response["Allow"] == "POST"


# --- When it is asked ------------------------------------------------------------------------------------


def _page(sign_in, assignment):
    return sign_in(assignment.client.user).get(page_url(assignment)).content.decode()


def test_asked_while_it_runs(sign_in, client_a):
    assert QUESTION in _page(sign_in, make_assignment(client_a))


def test_asked_for_two_weeks_after_the_due_date(sign_in, client_a):
    today = client_a.today()
    recent = make_assignment(
        client_a, starts_on=today - timedelta(days=30), due_on=today - timedelta(days=SELF_RATING_DAYS)
    )
    old = make_assignment(
        client_a, starts_on=today - timedelta(days=40), due_on=today - timedelta(days=SELF_RATING_DAYS + 1)
    )
    assert QUESTION in _page(sign_in, recent)
    assert QUESTION not in _page(sign_in, old)


def test_not_asked_before_it_starts(sign_in, client_a):
    today = client_a.today()
    later = make_assignment(client_a, starts_on=today + timedelta(days=2), due_on=today + timedelta(days=9))
    assert QUESTION not in _page(sign_in, later)


def test_a_stopped_assignment_is_asked_about_for_two_weeks_after_it_stopped(sign_in, client_a):
    from homework.models import Assignment

    stopped = make_assignment(client_a, status=AssignmentStatus.STOPPED)
    assert QUESTION in _page(sign_in, stopped)
    Assignment.objects.filter(pk=stopped.pk).update(updated_at=timezone.now() - timedelta(days=SELF_RATING_DAYS + 1))
    assert QUESTION not in _page(sign_in, stopped)
