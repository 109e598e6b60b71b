"""The therapist's notices: what makes one (homework's events, through notifications.receivers),
the notices page, marking read, and the unread count in the therapist's navigation."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import SENTINEL, make_assignment, make_client, make_entry
from homework import recording
from notifications.models import Message, MessageKind, Notice, NoticeKind

pytestmark = pytest.mark.django_db

NOTICES = reverse("notifications:notices")
RISKY = {f"phq9_{n}": "1" for n in range(1, 10)}  # item 9 above 0: risk
CALM = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "0"}
THOUGHT = {"situation": f"Situation {SENTINEL}", "automatic_thought": "t", "emotion": "sad", "emotion_intensity": 50}


def _record(assignment, **overrides):
    kwargs = dict(
        assignment=assignment,
        client_user=assignment.client.user,
        outcome="done",
        occurred_on=assignment.client.today(),
        answers=THOUGHT,
    )
    kwargs.update(overrides)
    return recording.entry_record(**kwargs)


def _update(entry, **overrides):
    kwargs = dict(
        entry=entry,
        expected_version=entry.version,
        client_user=entry.assignment.client.user,
        outcome="done",
        occurred_on=entry.occurred_on,
        answers=entry.answers,
        wants_to_discuss=entry.wants_to_discuss,
    )
    kwargs.update(overrides)
    return recording.entry_update(**kwargs)


def _unread(**filters):
    return list(Notice.objects.filter(read_at__isnull=True, **filters).values_list("kind", flat=True))


@pytest.fixture
def phq9(client_a):
    return make_assignment(client_a, key="phq-9", frequency="once")


@pytest.fixture
def thought_record(client_a):
    return make_assignment(client_a)


# --- What makes a notice --------------------------------------------------------------------------------


def test_a_risk_answer_makes_a_notice_and_a_content_free_email_at_once(
    phq9, client_a, therapist_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = _record(phq9, answers=RISKY, comment=f"Comment {SENTINEL}")
    assert entry.risk_flag
    notice = Notice.objects.get(kind=NoticeKind.NEEDS_ATTENTION)
    assert (notice.recipient, notice.client, notice.entry) == (therapist_a, client_a, entry)
    # At once: delivered after the commit, not at the next morning's brief.
    (email,) = mail.outbox
    assert email.to == [therapist_a.email]
    assert Message.objects.get(kind=MessageKind.NEEDS_ATTENTION).status == "sent"
    raw = email.message().as_string()  # subject, body and every header
    for secret in (SENTINEL, phq9.title, phq9.template_version.title, "PHQ", client_a.name, client_a.user.email):
        assert secret not in raw, f"the risk email carries {secret!r}"
    assert reverse("notifications:notices") in email.body


def test_a_calm_questionnaire_makes_no_risk_notice_and_no_email(phq9, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _record(phq9, answers=CALM)
    assert not Notice.objects.exists()
    assert not mail.outbox


def test_wanting_to_discuss_makes_a_notice(thought_record, therapist_a):
    entry = _record(thought_record, wants_to_discuss=True)
    assert _unread(recipient=therapist_a, entry=entry) == [NoticeKind.TO_DISCUSS]
    assert not Message.objects.filter(kind=MessageKind.NEEDS_ATTENTION).exists(), "only risk is emailed"


def test_a_clients_comment_makes_a_notice(thought_record, therapist_a):
    entry = _record(thought_record, comment="First note")
    assert _unread(entry=entry) == [NoticeKind.COMMENT]
    Notice.objects.update(read_at=timezone.now())
    recording.comment_add(entry=entry, author=thought_record.client.user, body="Another thought")
    assert _unread(recipient=therapist_a, entry=entry) == [NoticeKind.COMMENT]


def test_the_therapists_own_reply_makes_no_notice(thought_record, therapist_a):
    entry = _record(thought_record)
    recording.comment_add(entry=entry, author=therapist_a, body="Thank you, let us look at it")
    assert not Notice.objects.exists()


def test_editing_twice_makes_one_unread_notice(phq9, thought_record):
    risky = _record(phq9, answers=RISKY)
    _update(risky, answers=RISKY)
    _update(Notice.objects.get().entry, answers=CALM)  # the flag stays raised, no new notice
    assert _unread(kind=NoticeKind.NEEDS_ATTENTION) == [NoticeKind.NEEDS_ATTENTION]

    entry = _record(thought_record)
    entry = _update(entry, wants_to_discuss=True)
    entry = _update(entry, wants_to_discuss=False)
    _update(entry, wants_to_discuss=True)  # raised again while the first notice is unread
    assert _unread(kind=NoticeKind.TO_DISCUSS) == [NoticeKind.TO_DISCUSS]


# --- The page ---------------------------------------------------------------------------------------------


@pytest.fixture
def three_notices(entry_a, client_a, therapist_a):
    """Oldest first: a comment (read), to discuss, risk (newest)."""
    made = []
    for n, kind in enumerate([NoticeKind.COMMENT, NoticeKind.TO_DISCUSS, NoticeKind.NEEDS_ATTENTION]):
        notice = Notice.objects.create(recipient=therapist_a, client=client_a, entry=entry_a, kind=kind)
        Notice.objects.filter(pk=notice.pk).update(created_at=timezone.now() - timedelta(hours=3 - n))
        made.append(notice)
    Notice.objects.filter(pk=made[0].pk).update(read_at=timezone.now())
    return made


def _items(html):
    return re.findall(r"<li>(.*?)</li>", html.split('class="list notices"', 1)[1], re.S)


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def test_the_page_lists_notices_newest_first_unread_marked_each_naming_the_client_and_linking(
    three_notices, entry_a, sign_in
):
    html = sign_in(entry_a.assignment.client.therapist).get(NOTICES).content.decode()
    items = _items(html)
    assert len(items) == 3
    kinds = [_text(item) for item in items]
    assert "Answered a question that signals risk" in kinds[0] and "Risk" in kinds[0]
    assert "Wants to discuss an entry" in kinds[1]
    assert "Commented on an entry" in kinds[2]
    assert ["Unread" in k for k in kinds] == [True, True, False]
    for item in items:
        assert "Dana Client" in item
        assert f'href="{reverse("homework:entry_detail", args=[entry_a.code])}"' in item
    assert SENTINEL not in html, "a notice names the client and links; it quotes nothing"
    assert reverse("notifications:notice_settings") in html


def test_the_page_carries_no_integer_key(three_notices, entry_a, sign_in):
    html = sign_in(entry_a.assignment.client.therapist).get(NOTICES).content.decode()
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    assert {name for name, _ in hidden} == {"csrfmiddlewaretoken", "all", "seen_until", "entry", "kind", "page"}
    # A notice is named by its entry's public code and its kind, nothing else.
    assert {value for name, value in hidden if name == "entry"} == {entry_a.code}
    assert {value for name, value in hidden if name == "kind"} <= set(NoticeKind.values)


def test_the_page_is_paginated(client_a, therapist_a, entry_a, sign_in):
    Notice.objects.bulk_create(
        Notice(recipient=therapist_a, client=client_a, entry=entry_a, kind=NoticeKind.COMMENT) for _ in range(30)
    )
    http = sign_in(therapist_a)
    assert len(_items(http.get(NOTICES).content.decode())) == 25
    second = http.get(NOTICES + "?page=2").content.decode()
    assert len(_items(second)) == 5
    assert "Page 2 of 2" in second


def test_with_no_notices_the_page_says_so(therapist_a, sign_in):
    html = sign_in(therapist_a).get(NOTICES).content.decode()
    assert "No notices yet" in html
    assert "Mark all read" not in html


@pytest.mark.parametrize("who", ["colleague_a", "therapist_b"])
def test_notices_of_another_therapists_client_never_show(who, three_notices, sign_in, request):
    http = sign_in(request.getfixturevalue(who))
    html = http.get(NOTICES).content.decode()
    assert "Dana Client" not in html and "No notices yet" in html
    assert _nav_link(http.get(reverse("homework:client_list")).content.decode()) == "Notices"


def test_a_client_who_moved_to_another_therapist_takes_their_notices_along(
    three_notices, client_a, therapist_a, colleague_a, sign_in
):
    client_a.therapist = colleague_a
    client_a.save(update_fields=["therapist"])
    html = sign_in(therapist_a).get(NOTICES).content.decode()
    assert "Dana Client" not in html
    assert _nav_link(html) == "Notices"
    # Addressed to therapist_a, so the new therapist does not inherit them either.
    assert "Dana Client" not in sign_in(colleague_a).get(NOTICES).content.decode()


def test_a_former_client_leaves_the_notices(three_notices, client_a, therapist_a, sign_in):
    client_a.is_active = False
    client_a.save(update_fields=["is_active"])
    assert "Dana Client" not in sign_in(therapist_a).get(NOTICES).content.decode()


# --- Marking read ----------------------------------------------------------------------------------------


def test_mark_one_read_by_entry_and_kind(three_notices, entry_a, therapist_a, sign_in):
    response = sign_in(therapist_a).post(NOTICES, {"entry": entry_a.code, "kind": NoticeKind.TO_DISCUSS})
    assert response.status_code == 302 and response["Location"] == NOTICES
    assert _unread() == [NoticeKind.NEEDS_ATTENTION]


def test_mark_one_read_returns_to_the_same_page(three_notices, entry_a, therapist_a, sign_in):
    response = sign_in(therapist_a).post(NOTICES, {"entry": entry_a.code, "kind": "to_discuss", "page": "2"})
    assert response["Location"] == NOTICES + "?page=2"


def test_mark_all_read(three_notices, therapist_a, sign_in):
    http = sign_in(therapist_a)
    response = http.post(NOTICES, {"all": "1", "seen_until": timezone.now().isoformat()}, follow=True)
    assert _unread() == []
    assert "All notices are marked read." in response.content.decode()
    assert "Mark all read" not in response.content.decode()


def test_mark_all_read_spares_a_notice_that_arrived_after_the_page_was_shown(three_notices, therapist_a, sign_in):
    shown_at = timezone.now() - timedelta(minutes=30)
    # The risk notice arrives after the page was shown; "to discuss" (two hours old) was on it.
    Notice.objects.filter(kind=NoticeKind.NEEDS_ATTENTION).update(created_at=timezone.now())
    sign_in(therapist_a).post(NOTICES, {"all": "1", "seen_until": shown_at.isoformat()})
    assert _unread() == [NoticeKind.NEEDS_ATTENTION]


@pytest.mark.parametrize("who", ["colleague_a", "therapist_b"])
def test_another_therapist_marks_none_of_as_notices_read(who, three_notices, entry_a, sign_in, request):
    http = sign_in(request.getfixturevalue(who))
    http.post(NOTICES, {"all": "1"})
    http.post(NOTICES, {"entry": entry_a.code, "kind": NoticeKind.TO_DISCUSS})
    assert sorted(_unread()) == sorted([NoticeKind.TO_DISCUSS, NoticeKind.NEEDS_ATTENTION])


@pytest.mark.parametrize(
    "body",
    [{}, {"entry": "nope", "kind": "to_discuss"}, {"kind": "to_discuss"}, {"entry": "x", "kind": "bogus"}],
    ids=["empty", "unknown-entry", "no-entry", "bad-kind"],
)
def test_a_post_that_names_nothing_marks_nothing(body, three_notices, therapist_a, sign_in):
    response = sign_in(therapist_a).post(NOTICES, body)
    assert response.status_code == 302
    assert len(_unread()) == 2


def test_a_client_cannot_reach_the_notices(three_notices, client_a, sign_in):
    http = sign_in(client_a.user)
    assert http.get(NOTICES).status_code == 404
    assert http.post(NOTICES, {"all": "1"}).status_code == 404
    assert len(_unread()) == 2


# --- The count in the navigation ----------------------------------------------------------------------


def _nav_link(html):
    """The notices link in the main navigation, as a screen reader names it."""
    nav = html.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    (link,) = re.findall(rf'<a href="{NOTICES}">(.*?)</a>', nav, re.S)
    return _text(link)


def test_every_therapist_page_counts_unread_notices_in_the_navigation(three_notices, entry_a, therapist_a, sign_in):
    http = sign_in(therapist_a)
    for url in (
        reverse("homework:client_list"),
        reverse("homework:entry_detail", args=[entry_a.code]),
        reverse("homework:template_list"),
        NOTICES,
        reverse("notifications:notice_settings"),
    ):
        assert _nav_link(http.get(url).content.decode()) == "Notices, 2 unread", url
    Notice.objects.update(read_at=timezone.now())
    assert _nav_link(http.get(reverse("homework:client_list")).content.decode()) == "Notices"


def test_the_count_is_only_read_by_pages_that_print_it(three_notices, client_a, sign_in):
    http = sign_in(client_a.user)
    with CaptureQueriesContext(connection) as queries:
        assert http.get(reverse("homework:client_home")).status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "notifications_notice" in q["sql"]]


def test_the_count_leaves_out_clients_no_longer_in_care(three_notices, practice_a, therapist_a, sign_in):
    other = make_client(practice_a, therapist_a, "olga@example.com", "Olga Other")
    entry = make_entry(make_assignment(other))
    Notice.objects.create(recipient=therapist_a, client=other, entry=entry, kind=NoticeKind.COMMENT)
    http = sign_in(therapist_a)
    assert _nav_link(http.get(NOTICES).content.decode()) == "Notices, 3 unread"
    other.is_active = False
    other.save(update_fields=["is_active"])
    assert _nav_link(http.get(NOTICES).content.decode()) == "Notices, 2 unread"
