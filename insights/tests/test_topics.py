"""The client's topics for the next session: adding them (on the topics page and from an entry),
taking one back while it is open, and the list as the therapist's tick in session changes it.

Who may open the page at all is tests/test_authorization_matrix.py; here, what it does."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import SENTINEL, make_assignment, make_entry
from insights.access import DISCUSSED_SHOWN_FOR, open_topics_of
from insights.client_forms import TopicForm
from insights.models import SessionTopic
from insights.topics import (
    ALREADY_DISCUSSED,
    EMPTY_TOPIC,
    OPEN_TOPICS_MAX,
    TOO_MANY_TOPICS,
    TOPIC_MAX,
    topic_add,
    topic_mark_discussed,
    topic_remove,
)

pytestmark = pytest.mark.django_db

TOPICS = reverse("insights:topics")


def words_of(write, **kwargs):
    """The messages the write function refuses these values with, by field."""
    with pytest.raises(ValidationError) as refused:
        write(**kwargs)
    return refused.value.message_dict


def field_errors(response, field="text"):
    return response.context["form"].errors.get(field, [])


def add(browser, text, **more):
    return browser.post(TOPICS, {"topic-text": text, **more})


# --- Adding ----------------------------------------------------------------------------------------


def test_a_client_adds_a_topic_and_sees_it_waiting(sign_in, client_a):
    browser = sign_in(client_a.user)
    response = add(browser, f"  Sleep and the late shifts {SENTINEL}  ")
    assert response.status_code == 302 and response["Location"] == TOPICS
    (topic,) = SessionTopic.objects.filter(client=client_a)
    assert topic.text == f"Sleep and the late shifts {SENTINEL}" and topic.entry is None and topic.discussed_at is None

    page = browser.get(TOPICS)
    assert page.status_code == 200
    assert f"Sleep and the late shifts {SENTINEL}" in page.content.decode()
    assert "Added to your topics for next time." in page.content.decode()


def test_adding_is_audited(sign_in, client_a):
    from audit.models import AuditEvent

    add(sign_in(client_a.user), "Work")
    topic = SessionTopic.objects.get(client=client_a)
    assert AuditEvent.objects.filter(
        actor=client_a.user, action="create", object_type="SessionTopic", object_code=topic.code
    ).exists()


def test_an_empty_topic_is_refused_with_the_write_functions_words(sign_in, client_a):
    response = add(sign_in(client_a.user), "   ")
    assert response.status_code == 200
    assert field_errors(response) == [EMPTY_TOPIC]
    assert EMPTY_TOPIC in response.content.decode()
    assert not SessionTopic.objects.exists()


def test_a_topic_over_the_limit_is_refused_and_what_was_typed_stays(sign_in, client_a):
    text = "é" * (TOPIC_MAX + 1)
    expected = words_of(topic_add, client=client_a, author=client_a.user, text=text)["text"]
    response = add(sign_in(client_a.user), text)
    assert response.status_code == 200
    assert field_errors(response) == expected
    assert f'value="{text}"' in response.content.decode()
    assert not SessionTopic.objects.exists()


def test_exactly_the_limit_is_fine(sign_in, client_a):
    assert add(sign_in(client_a.user), "x" * TOPIC_MAX).status_code == 302
    assert SessionTopic.objects.get(client=client_a).text == "x" * TOPIC_MAX


def test_the_topic_field_stops_typing_at_the_limit():
    assert TopicForm()["text"].field.widget.attrs["maxlength"] == TOPIC_MAX


def test_too_many_open_topics_are_refused_kindly_and_the_text_stays(sign_in, client_a):
    for n in range(OPEN_TOPICS_MAX):
        topic_add(client=client_a, author=client_a.user, text=f"Topic {n}")
    response = add(sign_in(client_a.user), "One more thing")
    assert response.status_code == 200
    assert field_errors(response) == [TOO_MANY_TOPICS]
    assert 'value="One more thing"' in response.content.decode()
    assert SessionTopic.objects.filter(client=client_a).count() == OPEN_TOPICS_MAX


def test_a_discussed_topic_frees_a_place(sign_in, client_a):
    topics = [topic_add(client=client_a, author=client_a.user, text=f"Topic {n}") for n in range(OPEN_TOPICS_MAX)]
    topic_mark_discussed(topic=topics[0], therapist=client_a.therapist)
    assert add(sign_in(client_a.user), "One more thing").status_code == 302


def test_text_that_cannot_be_stored_is_refused_with_the_write_functions_words(sign_in, client_a):
    # A NUL byte: the form's own check and the write function's say the same (lib.validation).
    text = "Half \x00 a line"
    expected = words_of(topic_add, client=client_a, author=client_a.user, text=text)["text"]
    response = add(sign_in(client_a.user), text)
    assert response.status_code == 200 and field_errors(response) == expected
    assert not SessionTopic.objects.exists()


def test_only_the_client_adds_their_own_topics(client_a, client_b):
    with pytest.raises(PermissionDenied):
        topic_add(client=client_a, author=client_b.user, text="Not mine")
    with pytest.raises(PermissionDenied):
        topic_add(client=client_a, author=client_a.therapist, text="Not the therapist's either")
    assert not SessionTopic.objects.exists()


# --- From an entry ---------------------------------------------------------------------------------------


def test_the_entry_page_offers_the_topic_form_with_the_forms_own_names(sign_in, entry_a):
    page = sign_in(entry_a.assignment.client.user).get(reverse("homework:client_entry", args=[entry_a.code]))
    html = page.content.decode()
    form = TopicForm()
    assert f'action="{TOPICS}"' in html
    assert f'name="{form.add_prefix("text")}"' in html
    assert f'name="{form.add_prefix("entry")}" value="{entry_a.code}"' in html


def test_a_topic_from_an_entry_keeps_the_entry_and_goes_back_to_it(sign_in, client_a, entry_a):
    browser = sign_in(client_a.user)
    response = add(browser, "What I noticed here", **{"topic-entry": entry_a.code})
    assert response.status_code == 302
    assert response["Location"] == reverse("homework:client_entry", args=[entry_a.code])
    topic = SessionTopic.objects.get(client=client_a)
    assert topic.entry == entry_a
    page = browser.get(TOPICS).content.decode()
    assert reverse("homework:client_entry", args=[entry_a.code]) in page  # "from your entry of ..."


def test_another_clients_entry_is_not_found_and_nothing_is_added(sign_in, client_a, client_b, entry_a):
    response = add(sign_in(client_b.user), "Sneaky", **{"topic-entry": entry_a.code})
    assert response.status_code == 404
    assert SENTINEL not in response.content.decode()
    assert not SessionTopic.objects.exists()


def test_a_made_up_entry_code_is_not_found(sign_in, client_a):
    for code in ("zzzzzzzzzzzz", "x" * 300, "' OR 1=1--"):
        assert add(sign_in(client_a.user), "Hello", **{"topic-entry": code}).status_code == 404
    assert not SessionTopic.objects.exists()


def test_a_posted_code_not_shaped_like_one_is_not_found_and_not_recorded_as_typed(sign_in, client_a):
    from audit.models import AuditEvent

    browser = sign_in(client_a.user)
    typed = "my own words"
    assert add(browser, "Hello", **{"topic-entry": typed}).status_code == 404
    assert browser.post(TOPICS, {"remove": typed}).status_code == 404
    assert not AuditEvent.objects.filter(object_code__contains="own").exists()
    assert not SessionTopic.objects.exists()


def test_the_write_function_refuses_another_clients_entry_in_words(client_a, client_b):
    their_entry = make_entry(make_assignment(client_b))
    words = words_of(topic_add, client=client_a, author=client_a.user, text="Hello", entry=their_entry)
    assert words == {"entry": ["Choose one of your own entries."]}


def test_a_refused_topic_from_an_entry_keeps_the_entry_and_the_text(sign_in, client_a, entry_a):
    for n in range(OPEN_TOPICS_MAX):
        topic_add(client=client_a, author=client_a.user, text=f"Topic {n}")
    response = add(sign_in(client_a.user), "About this one", **{"topic-entry": entry_a.code})
    assert response.status_code == 200
    html = response.content.decode()
    assert field_errors(response) == [TOO_MANY_TOPICS]
    assert 'value="About this one"' in html
    assert f'name="topic-entry" value="{entry_a.code}"' in html  # a second try still links the entry
    assert "From your entry of" in html


# --- Removing -------------------------------------------------------------------------------------------


def test_a_client_removes_an_open_topic(sign_in, client_a):
    from audit.models import AuditEvent

    topic = topic_add(client=client_a, author=client_a.user, text=f"Never mind {SENTINEL}")
    keep = topic_add(client=client_a, author=client_a.user, text="Keep this one")
    browser = sign_in(client_a.user)
    response = browser.post(TOPICS, {"remove": topic.code})
    assert response.status_code == 302 and response["Location"] == TOPICS
    assert list(SessionTopic.objects.all()) == [keep]
    assert AuditEvent.objects.filter(
        actor=client_a.user, action="update", object_type="SessionTopic", object_code=topic.code
    ).exists()
    page = browser.get(TOPICS).content.decode()
    assert "Taken off your list." in page and SENTINEL not in page


def test_another_clients_topic_is_not_found_and_stays(sign_in, client_a, client_b):
    theirs = topic_add(client=client_a, author=client_a.user, text=f"Mine {SENTINEL}")
    response = sign_in(client_b.user).post(TOPICS, {"remove": theirs.code})
    assert response.status_code == 404 and SENTINEL not in response.content.decode()
    assert SessionTopic.objects.filter(pk=theirs.pk).exists()


def test_a_discussed_topic_cannot_be_removed(sign_in, client_a):
    topic = topic_add(client=client_a, author=client_a.user, text="Talked about it")
    topic_mark_discussed(topic=topic, therapist=client_a.therapist)
    browser = sign_in(client_a.user)
    response = browser.post(TOPICS, {"remove": topic.code}, follow=True)
    assert response.status_code == 200
    assert ALREADY_DISCUSSED in response.content.decode()
    assert SessionTopic.objects.filter(pk=topic.pk).exists()


def test_the_remove_rule_itself(client_a, client_b):
    topic = topic_add(client=client_a, author=client_a.user, text="Mine")
    with pytest.raises(PermissionDenied):
        topic_remove(topic=topic, author=client_b.user)
    with pytest.raises(PermissionDenied):
        topic_remove(topic=topic, author=client_a.therapist)
    topic_mark_discussed(topic=topic, therapist=client_a.therapist)
    assert words_of(topic_remove, topic=topic, author=client_a.user) == {"topic": [ALREADY_DISCUSSED]}
    assert SessionTopic.objects.filter(pk=topic.pk).exists()


# --- The list as the session changes it ------------------------------------------------------------------


def test_topics_the_therapist_discussed_leave_the_open_list(sign_in, client_a):
    talked = topic_add(client=client_a, author=client_a.user, text="Talked about it")
    waiting = topic_add(client=client_a, author=client_a.user, text="Still waiting")
    topic_mark_discussed(topic=talked, therapist=client_a.therapist)
    assert list(open_topics_of(client_a)) == [waiting]

    response = sign_in(client_a.user).get(TOPICS)
    page = response.context["page"]
    assert page.open == [waiting] and page.discussed == [talked]
    html = response.content.decode()
    assert html.index("Still waiting") < html.index("Talked about recently") < html.index("Talked about it")


def test_topics_discussed_long_ago_are_no_longer_listed(sign_in, client_a):
    old = topic_add(client=client_a, author=client_a.user, text="Long ago")
    topic_mark_discussed(topic=old, therapist=client_a.therapist)
    SessionTopic.objects.filter(pk=old.pk).update(discussed_at=timezone.now() - DISCUSSED_SHOWN_FOR - timedelta(days=1))
    response = sign_in(client_a.user).get(TOPICS)
    assert response.context["page"].discussed == []
    assert "Long ago" not in response.content.decode()


def test_open_topics_are_listed_in_the_order_they_were_raised(client_a):
    first = topic_add(client=client_a, author=client_a.user, text="First")
    second = topic_add(client=client_a, author=client_a.user, text="Second")
    assert list(open_topics_of(client_a)) == [first, second]


def test_no_other_clients_topics_ever_appear(sign_in, client_a, client_b):
    topic_add(client=client_a, author=client_a.user, text=f"A's {SENTINEL}")
    done = topic_add(client=client_a, author=client_a.user, text=f"A's discussed {SENTINEL}")
    topic_mark_discussed(topic=done, therapist=client_a.therapist)
    topic_add(client=client_b, author=client_b.user, text="B's own")
    response = sign_in(client_b.user).get(TOPICS)
    html = response.content.decode()
    assert "B&#x27;s own" in html and SENTINEL not in html
    assert "Dana Client" not in html


def test_an_empty_list_is_welcoming(sign_in, client_a):
    html = sign_in(client_a.user).get(TOPICS).content.decode()
    assert "Nothing waiting yet" in html


def test_every_client_page_links_to_the_topics(sign_in, client_a):
    html = sign_in(client_a.user).get(reverse("homework:client_home")).content.decode()
    assert f'href="{TOPICS}">Something to talk about next time?</a>' in html


def test_the_page_costs_the_same_queries_however_many_topics(sign_in, client_a, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = sign_in(client_a.user)
    topic_add(client=client_a, author=client_a.user, text="One")
    browser.get(TOPICS)
    with CaptureQueriesContext(connection) as few:
        browser.get(TOPICS)
    entry = make_entry(make_assignment(client_a))
    for n in range(OPEN_TOPICS_MAX - 1):
        topic = topic_add(client=client_a, author=client_a.user, text=f"Topic {n}", entry=entry)
        if n % 2:
            topic_mark_discussed(topic=topic, therapist=client_a.therapist)
    with CaptureQueriesContext(connection) as many:
        browser.get(TOPICS)
    assert len(many) <= len(few)
