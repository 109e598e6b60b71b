"""The full log form on a phone (client_forms.for_the_phone): tap scales, quick picks for minutes,
a slider hint for 0-100, times at now and dates at today. Parsing stays homework.items'."""

import re

import pytest
import time_machine
from django.urls import reverse

from conftest import make_assignment
from homework.client_forms import DurationPicks, for_the_phone
from homework.items import answers_form_class
from homework.models import Entry

ITEMS = [
    {"linkId": "tension", "text": "How tense?", "type": "integer", "minValue": 0, "maxValue": 10,
     "helpText": "0 is fully relaxed, 10 the most tense you can imagine.", "required": True},
    {"linkId": "level", "text": "Level", "type": "integer", "minValue": 1, "maxValue": 5},
    {"linkId": "suds", "text": "How anxious?", "type": "integer", "minValue": 0, "maxValue": 100},
    {"linkId": "duration_minutes", "text": "How long?", "type": "integer", "minValue": 0, "maxValue": 1440},
    {"linkId": "count", "text": "How many times?", "type": "integer", "minValue": 0, "maxValue": 1000},
    {"linkId": "at", "text": "When?", "type": "time"},
    {"linkId": "day", "text": "Which day?", "type": "date"},
    {"linkId": "ok", "text": "Did it help?", "type": "boolean"},
]  # fmt: skip


def phone_form(data=None, client=None):
    return for_the_phone(answers_form_class(ITEMS)(data=data), client=client)


def test_a_0_to_10_rating_is_a_row_of_eleven_radios_with_its_ends_named():
    html = str(phone_form()["tension"])
    assert re.findall(r'name="tension" value="(\d+)"', html) == [str(n) for n in range(11)]
    assert 'class="scale"' in html
    # The ends carry the definition's words for a screen reader; the numbers are what shows.
    assert '0<span class="sr-only"> – fully relaxed</span>' in html
    assert '10<span class="sr-only"> – the most tense you can imagine</span>' in html


def test_a_small_scale_without_words_for_its_ends_shows_just_numbers():
    html = str(phone_form()["level"])
    assert re.findall(r'name="level" value="(\d+)"', html) == ["1", "2", "3", "4", "5"]
    assert "sr-only" not in html


def test_a_0_to_100_rating_is_a_number_box_that_the_script_makes_a_slider():
    html = str(phone_form()["suds"])
    assert 'type="number"' in html and "data-slider" in html
    assert 'min="0"' in html and 'max="100"' in html


def test_a_wide_number_stays_a_plain_number_box():
    html = str(phone_form()["count"])
    assert 'type="number"' in html and "data-slider" not in html


def test_minutes_offer_quick_picks_and_other():
    html = str(phone_form()["duration_minutes"])
    picks = re.findall(r'name="duration_minutes:pick" value="(\w+)"', html)
    assert picks == ["5", "10", "15", "20", "30", "other"]
    assert re.search(r'<input type="number" name="duration_minutes"[^>]*max="1440"', html)
    assert '<label for="id_duration_minutes_minutes">' in html


@pytest.mark.parametrize(
    "sent, minutes",
    [
        ({"duration_minutes:pick": "10"}, 10),
        ({"duration_minutes:pick": "other", "duration_minutes": "12"}, 12),
        ({"duration_minutes": "25"}, 25),  # typed without choosing "Other" (no JavaScript)
        ({"duration_minutes:pick": "15", "duration_minutes": "12"}, 15),  # a pick wins over a stale box
        ({}, None),
    ],
)
def test_minutes_parse_from_the_pick_or_the_box(sent, minutes):
    form = phone_form(data={"tension": "4", **sent})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["duration_minutes"] == minutes


def test_minutes_refused_keep_what_was_typed():
    form = phone_form(data={"tension": "4", "duration_minutes:pick": "other", "duration_minutes": "2000"})
    assert not form.is_valid()
    assert list(form.errors) == ["duration_minutes"]
    html = str(form["duration_minutes"])
    assert 'value="2000"' in html
    assert re.search(r'value="other"[^>]*checked', html)


def test_minutes_sent_back_check_their_pick_or_other():
    assert re.search(r'value="20"[^>]*checked', DurationPicks(low=0, high=60).render("m", 20))
    other = DurationPicks(low=0, high=60).render("m", 7)
    assert re.search(r'value="other"[^>]*checked', other) and 'value="7"' in other


@time_machine.travel("2026-03-10 17:42 +0000", tick=False)
def test_a_new_entry_starts_at_the_clients_now_and_today(client_a):
    form = phone_form(client=client_a)
    assert 'value="18:42"' in str(form["at"])  # Berlin
    assert 'value="2026-03-10"' in str(form["day"])


@pytest.fixture
def browser(sign_in, client_a):
    return sign_in(client_a.user)


@time_machine.travel("2026-03-10 17:42 +0000", tick=False)
def test_the_breathing_log_page_has_scales_picks_and_the_time_set(browser, client_a):
    breathing = make_assignment(client_a, key="skill-practice")
    html = browser.get(reverse("homework:entry_new", args=[breathing.code])).content.decode()
    assert re.search(r'<input type="time" name="practised_at" value="18:42"', html)
    assert 'name="duration_minutes:pick" value="5"' in html
    assert len(re.findall(r'name="tension_before" value="\d+"', html)) == 11
    # The parts the outcome decides are marked for the script, and all present without it.
    assert 'data-show-for="skipped"' in html and 'data-show-for="done partly"' in html
    assert 'value="no_time"' in html
    assert "js/log-form.js" in html
    # The day is folded away as today.
    assert '<details class="day">' in html and "Change the day" in html


def test_an_edit_keeps_the_entrys_own_time_and_minutes(browser, client_a):
    breathing = make_assignment(client_a, key="skill-practice")
    answers = {"practised_at": "07:05:00", "duration_minutes": 12, "tension_before": 6, "tension_after": 2}
    entry = Entry.objects.create(assignment=breathing, occurred_on=client_a.today(), outcome="done", answers=answers)
    html = browser.get(reverse("homework:entry_edit", args=[entry.code])).content.decode()
    assert 'value="07:05"' in html
    assert re.search(r'value="other"[^>]*checked', html) and 'value="12"' in html
    assert re.search(r'name="tension_before" value="6"[^>]*checked', html)


def test_a_full_form_post_with_a_pick_saves_the_minutes(browser, client_a):
    breathing = make_assignment(client_a, key="skill-practice")
    body = {
        "log-outcome": "done",
        "log-occurred_on": client_a.today().isoformat(),
        "practised_at": "08:30",
        "duration_minutes:pick": "20",
        "tension_before": "5",
        "tension_after": "2",
    }
    assert browser.post(reverse("homework:entry_new", args=[breathing.code]), body).status_code == 302
    assert Entry.objects.get().answers["duration_minutes"] == 20
