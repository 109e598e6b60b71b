"""The today page's quick log (client_views.quick_log): "done" and the exercise's few tap
questions from the today card, recorded by the same entry_record as the full form."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from conftest import make_assignment
from homework import recording
from homework.items import REQUIRED
from homework.models import Entry

HOME = reverse("homework:client_home")
# 17:42 in London is 18:42 in Berlin, where client_a lives.
NOW = "2026-03-10 17:42 +0000"


def quick_url(assignment):
    return reverse("homework:quick_log", args=[assignment.code])


def card_body(assignment, **answers):
    """What a today card's quick-log form posts: done, today, and the answers tapped."""
    return {"log-outcome": "done", "log-occurred_on": assignment.client.today().isoformat(), **answers}


@pytest.fixture(autouse=True)
def at_now():
    """Every test here at NOW, the assignments made in it included (they start a week before)."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def browser(sign_in, client_a):
    return sign_in(client_a.user)


@pytest.fixture
def breathing(client_a):
    return make_assignment(client_a, key="skill-practice", title="Slow breathing, 5 minutes")


@pytest.fixture
def urges(client_a):
    return make_assignment(client_a, key="behaviour-to-avoid", title="Urge to check my phone")


def test_the_today_page_offers_a_quick_log_for_skill_practice_and_urges_only(browser, breathing, urges, assignment_a):
    html = browser.get(HOME).content.decode()
    assert f'action="{quick_url(breathing)}"' in html
    assert f'action="{quick_url(urges)}"' in html
    # A thought record needs writing: only the full form.
    assert quick_url(assignment_a) not in html
    assert f'href="{reverse("homework:entry_new", args=[assignment_a.code])}">Log it<' in html
    # Each card's fields have ids of their own, so two cards never repeat one.
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert f'id="quick-{breathing.code}-tension_before_0"' in html


def test_the_breathing_card_asks_minutes_and_the_two_tension_ratings(browser, breathing):
    html = browser.get(HOME).content.decode()
    form = html[html.index(f'action="{quick_url(breathing)}"') :]
    form = form[: form.index("</form>")]
    assert 'name="duration_minutes:pick" value="5"' in form
    assert 'name="tension_before" value="10"' in form and 'name="tension_after" value="0"' in form
    assert 'name="practised_at"' not in form  # the time is when it is saved
    assert 'name="notes"' not in form  # optional questions wait for the full form
    assert "Save as done" in form


def test_a_quick_log_saves_exactly_one_done_entry_with_the_ratings(browser, breathing):
    body = card_body(breathing, tension_before="7", tension_after="3", **{"duration_minutes:pick": "5"})
    response = browser.post(quick_url(breathing), body)
    assert response.status_code == 302
    assert response["Location"] == HOME
    entry = Entry.objects.get()
    assert entry.assignment == breathing
    assert (entry.outcome, entry.occurred_on) == ("done", breathing.client.today())
    assert entry.answers == {"practised_at": "18:42:00", "duration_minutes": 5, "tension_before": 7, "tension_after": 3}
    assert "Saved. Thank you for doing this." in browser.get(HOME).content.decode()


def test_a_quick_log_of_an_urge_takes_the_rating_and_yes_or_no(browser, urges):
    response = browser.post(quick_url(urges), card_body(urges, intensity="8", acted_on_urge="no"))
    assert response.status_code == 302
    assert Entry.objects.get().answers == {"urge_time": "18:42:00", "intensity": 8, "acted_on_urge": False}


def test_a_time_that_was_sent_is_kept(browser, urges):
    browser.post(quick_url(urges), card_body(urges, intensity="2", acted_on_urge="yes", urge_time="07:15"))
    assert Entry.objects.get().answers["urge_time"] == "07:15:00"


def test_a_quick_log_without_a_rating_shows_the_full_form_with_what_was_sent(browser, breathing):
    body = card_body(breathing, tension_before="6", **{"duration_minutes:pick": "10"})
    response = browser.post(quick_url(breathing), body)
    html = response.content.decode()
    assert response.status_code == 400
    assert not Entry.objects.exists()
    assert "<h1>Log a practice <span" in html
    assert "Please check the fields marked below" in html
    assert REQUIRED in html
    # The full form, posting to the full form's own address, with what was tapped still chosen.
    assert f'action="{reverse("homework:entry_new", args=[breathing.code])}"' in html
    assert re.search(r'name="log-outcome" value="done"[^>]*checked', html)
    assert re.search(r'name="tension_before" value="6"[^>]*checked', html)
    assert re.search(r'name="duration_minutes:pick" value="10"[^>]*checked', html)
    # Every part shows without JavaScript; the skip reasons are there too.
    assert 'value="no_time"' in html


def test_a_quick_log_for_a_day_in_the_future_is_refused_with_the_rule(browser, urges):
    tomorrow = (urges.client.today() + timedelta(days=1)).isoformat()
    body = {**card_body(urges, intensity="5", acted_on_urge="no"), "log-occurred_on": tomorrow}
    response = browser.post(quick_url(urges), body)
    html = response.content.decode()
    assert response.status_code == 400
    assert recording.FUTURE_DATE in html
    assert f'value="{tomorrow}"' in html  # the day unfolded, showing what was sent
    assert re.search(r'name="intensity" value="5"[^>]*checked', html)
    assert not Entry.objects.exists()


def test_another_clients_assignment_is_not_found_and_nothing_changes(browser, client_b):
    theirs = make_assignment(client_b, key="behaviour-to-avoid", title="B's urges")
    response = browser.post(quick_url(theirs), card_body(theirs, intensity="5", acted_on_urge="no"))
    assert response.status_code == 404
    assert "B&#x27;s urges" not in response.content.decode()
    assert not Entry.objects.exists()


def test_a_get_is_refused_for_its_method(browser, urges):
    assert browser.get(quick_url(urges)).status_code == 405
    assert not Entry.objects.exists()


def test_a_stopped_assignment_cannot_be_quick_logged(browser, urges):
    urges.status = "stopped"
    urges.save(update_fields=["status"])
    response = browser.post(quick_url(urges), card_body(urges, intensity="5", acted_on_urge="no"))
    assert response.status_code == 409
    assert not Entry.objects.exists()


def test_quick_log_cards_cost_no_query_of_their_own(browser, client_a, breathing):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser.get(HOME)  # warm-up
    with CaptureQueriesContext(connection) as one:
        browser.get(HOME)
    for n in range(3):
        make_assignment(client_a, key="behaviour-to-avoid", title=f"Urge {n}")
        make_assignment(client_a, key="skill-practice", title=f"Breathing {n}")
    with CaptureQueriesContext(connection) as seven:
        html = browser.get(HOME).content.decode()
    assert html.count('class="entry-form quick-log"') == 7
    assert len(seven) == len(one)


def test_a_second_tap_on_save_finds_the_entry_the_first_one_saved(browser, urges):
    html = browser.get(HOME).content.decode()
    key = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', html).group(1)
    body = {**card_body(urges, intensity="4", acted_on_urge="no"), "submission_key": key}
    assert browser.post(quick_url(urges), body)["Location"] == HOME
    again = browser.post(quick_url(urges), body)
    entry = Entry.objects.get()
    assert again.status_code == 302
    assert again["Location"] == reverse("homework:client_entry", args=[entry.code])


def test_each_card_has_a_submission_key_of_its_own(browser, breathing, urges):
    keys = re.findall(r'name="submission_key" value="([0-9a-f-]{36})"', browser.get(HOME).content.decode())
    assert len(keys) == 2 and len(set(keys)) == 2


def test_the_full_form_shown_after_a_refusal_keeps_the_cards_submission_key(browser, urges):
    key = "0b7e7c56-3f0e-4b52-9a43-0d7b1a9c2f11"
    body = {**card_body(urges, acted_on_urge="no"), "submission_key": key}
    html = browser.post(quick_url(urges), body).content.decode()
    assert f'name="submission_key" value="{key}"' in html
