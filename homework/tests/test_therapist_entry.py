from django.urls import reverse

from conftest import SENTINEL, make_entry
from homework.models import Comment


def url(entry):
    return reverse("homework:entry_detail", args=[entry.code])


def test_it_shows_the_entry_answers_ratings_and_thread(sign_in, therapist_a, entry_a):
    response = sign_in(therapist_a).get(url(entry_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Situation {SENTINEL}" in body
    assert f"Comment {SENTINEL}" in body
    assert "Quite (3/4)" in body and "About right" in body
    assert "Yes, in session" in body
    assert "Possible risk" not in body
    assert '<label for="id_body">' in body


def test_it_warns_visibly_about_a_risk_flag(sign_in, therapist_a, assignment_a):
    entry = make_entry(assignment_a, risk_flag=True, score=14, severity="Moderate")
    body = sign_in(therapist_a).get(url(entry)).content.decode()
    assert 'class="risk-warning" role="alert"' in body
    assert "Possible risk" in body  # what the unflagged entry's page must not say
    assert "14 (Moderate)" in body


def test_it_shows_skip_reason_and_note(sign_in, therapist_a, assignment_a):
    entry = make_entry(
        assignment_a, outcome="skipped", skip_reason="unclear", skip_note="Where exactly?", helpfulness=None
    )
    body = sign_in(therapist_a).get(url(entry)).content.decode()
    assert "I did not know when, where or how" in body and "Where exactly?" in body


def test_a_reply_creates_a_comment_visible_on_the_page(sign_in, therapist_a, entry_a):
    browser = sign_in(therapist_a)
    response = browser.post(url(entry_a), {"body": "Let us look at this on Tuesday"})
    assert response.status_code == 302
    assert response["Location"] == url(entry_a)
    comment = Comment.objects.get(entry=entry_a, author=therapist_a)
    assert comment.body == "Let us look at this on Tuesday"
    body = browser.get(url(entry_a)).content.decode()
    assert "Let us look at this on Tuesday" in body and "Reply sent." in body
    assert body.index(f"Comment {SENTINEL}") < body.index("Let us look at this on Tuesday")


def test_an_empty_reply_is_refused_on_the_page(sign_in, therapist_a, entry_a):
    response = sign_in(therapist_a).post(url(entry_a), {"body": "   "})
    assert response.status_code == 200
    assert "Write something first." in response.content.decode()
    assert Comment.objects.filter(entry=entry_a).count() == 1
