"""The client's log form and the today page's quick log in a real browser (Debian's Chromium).

- Every built-in exercise's log form, with "Done" chosen, at 360x740 and 1280x800: a full-page
  screenshot each (pytest's tmp dir; the path is printed) and nothing scrolls sideways.
- The breathing exercise ("skill practice") on the narrowest phone: with "Done" chosen the page
  is at most two screens high, and logging it takes at most three taps beyond its two ratings.
- The same log with the keyboard alone (Tab, Space, Enter), and with JavaScript switched off
  (every part shows, and it saves).
- What the outcome shows and hides, that nothing typed is lost, sliders for 0-100 ratings.
- The quick log on the today page saves "done" with the ratings in a few taps.
"""

import re

import pytest
from django.urls import reverse

from conftest import make_assignment
from tests.test_browser_loop import sign_in_through_the_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
TWO_SCREENS = 2 * NARROW["height"]
BUILTIN_KEYS = (
    "journal", "thought-record", "exposure", "skill-practice", "behavioural-experiment", "activity",
    "behaviour-to-avoid", "communication", "reflection", "phq-9", "gad-7",
)  # fmt: skip
BREATHING = "Slow breathing, 5 minutes"


def new_page(browser, viewport, **options):
    phone = viewport["width"] < 768
    context = browser.new_context(viewport=viewport, device_scale_factor=1, is_mobile=phone, has_touch=phone, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.script_errors = problems
    return context, page


def log_url(assignment):
    return reverse("homework:entry_new", args=[assignment.code])


def outcome(page, name):
    return page.get_by_role("group", name=re.compile("How did it go")).get_by_label(name, exact=True)


def group(page, name):
    return page.get_by_role("group", name=re.compile(name))


def document_size(page):
    return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")


class Taps:
    """Counts what the test taps, so the tap bound is what a person would do, not a guess."""

    def __init__(self, touch):
        self.touch = touch
        self.count = 0

    def __call__(self, locator):
        self.count += 1
        if self.touch:
            locator.tap()
        else:
            locator.click()


def newest_entry():
    from homework.models import Entry

    return Entry.objects.order_by("-created_at", "-pk").first()


# --- Every built-in exercise, on a narrow phone and on a desktop -------------------------------------------


@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=["360x740", "1280x800"])
def test_every_builtin_log_form_fits_with_done_chosen(viewport, live_server, browser, client_a, tmp_path):
    assignments = {key: make_assignment(client_a, key=key, title=f"Exercise {key}") for key in BUILTIN_KEYS}
    context, page = new_page(browser, viewport)
    try:
        sign_in_through_the_form(page, live_server.url, client_a.user)
        for key, assignment in assignments.items():
            page.goto(live_server.url + log_url(assignment))
            outcome(page, "Done").check()
            # The exercise's part shows, the skip reasons do not.
            assert page.get_by_role("heading", name="The exercise").is_visible(), key
            assert not page.get_by_role("heading", name="Only if you skipped it").is_visible(), key
            shot = tmp_path / f"{viewport['width']}x{viewport['height']}-{key}.png"
            page.screenshot(path=str(shot), full_page=True)
            width, _ = document_size(page)
            assert width <= viewport["width"], f"{key} scrolls sideways at {viewport['width']} px: {width} px wide"
        assert not page.script_errors, page.script_errors
    finally:
        context.close()
    print(f"\nlog-form screenshots ({viewport['width']}x{viewport['height']}): {tmp_path}")


# --- The breathing exercise: two screens, three taps beyond the ratings -------------------------------------


def test_the_breathing_log_is_two_screens_high_and_three_taps_beyond_its_ratings(live_server, browser, client_a):
    breathing = make_assignment(client_a, key="skill-practice", title=BREATHING)
    context, page = new_page(browser, NARROW)
    taps, ratings = Taps(touch=True), Taps(touch=True)
    try:
        sign_in_through_the_form(page, live_server.url, client_a.user)
        page.goto(live_server.url + log_url(breathing))
        taps(outcome(page, "Done"))
        width, height = document_size(page)
        print(f"\nbreathing log form at 360x740 with Done chosen: {height} px high")
        assert width <= NARROW["width"]
        assert height <= TWO_SCREENS, f"the breathing log is {height} px high, more than two screens"
        # The time is already now and the day today; minutes are one pick.
        assert page.get_by_label("What time did you practise?").input_value() != ""
        taps(group(page, "How many minutes").get_by_label("5 minutes", exact=True))
        ratings(group(page, "were you before").get_by_label("6", exact=True))
        ratings(group(page, "were you afterwards").get_by_label("3", exact=True))
        with page.expect_navigation():
            taps(page.get_by_role("button", name="Save", exact=True))
        page.get_by_role("status").get_by_text("Saved. Thank you for doing this.").wait_for()
        assert not page.script_errors, page.script_errors
    finally:
        context.close()

    assert (taps.count, ratings.count) == (3, 2)
    entry = newest_entry()
    assert entry.outcome == "done"
    assert {key: entry.answers[key] for key in ("duration_minutes", "tension_before", "tension_after")} == {
        "duration_minutes": 5,
        "tension_before": 6,
        "tension_after": 3,
    }
    assert re.fullmatch(r"\d\d:\d\d:00", entry.answers["practised_at"])


# --- The keyboard alone ------------------------------------------------------------------------------------------


def focused(page):
    return page.evaluate(
        """() => { const el = document.activeElement;
                   return {tag: el.tagName.toLowerCase(), name: el.getAttribute('name'), value: el.value,
                           text: (el.innerText || '').trim()}; }"""
    )


def tab_to(page, predicate, what, limit=60):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if predicate(focused(page)):
            return
    raise AssertionError(f"{what} is not reachable with Tab (at {focused(page)})")


def test_the_breathing_log_can_be_done_with_tab_space_and_enter_alone(live_server, browser, client_a):
    breathing = make_assignment(client_a, key="skill-practice", title=BREATHING)
    context, page = new_page(browser, NARROW)
    try:
        sign_in_through_the_form(page, live_server.url, client_a.user)
        page.goto(live_server.url + log_url(breathing))
        page.get_by_role("heading", level=1, name="Log a practice").wait_for()
        # Into each radio group with Tab; Space chooses the radio Tab lands on (the first).
        tab_to(page, lambda f: f["name"] == "log-outcome", "the outcome")
        page.keyboard.press("Space")
        assert outcome(page, "Done").is_checked()
        tab_to(page, lambda f: f["name"] == "duration_minutes:pick", "the minutes")
        page.keyboard.press("Space")
        tab_to(page, lambda f: f["name"] == "tension_before", "the first rating")
        page.keyboard.press("Space")
        tab_to(page, lambda f: f["name"] == "tension_after", "the second rating")
        page.keyboard.press("Space")
        tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Save", "the Save button")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.get_by_role("status").get_by_text("Saved").wait_for()
    finally:
        context.close()

    entry = newest_entry()
    assert entry.outcome == "done"
    assert (entry.answers["duration_minutes"], entry.answers["tension_before"], entry.answers["tension_after"]) == (
        5,
        0,
        0,
    )


# --- Without JavaScript -------------------------------------------------------------------------------------------


def test_without_javascript_every_part_shows_and_the_log_saves(live_server, browser, client_a):
    breathing = make_assignment(client_a, key="skill-practice", title=BREATHING)
    context, page = new_page(browser, NARROW, java_script_enabled=False)
    try:
        sign_in_through_the_form(page, live_server.url, client_a.user)
        page.goto(live_server.url + log_url(breathing))
        # Before anything is chosen and after "Done": the skip reasons, the exercise and the
        # minutes box for "Other" all show (the server ignores what does not apply).
        for _ in range(2):
            assert group(page, "what got in the way").get_by_label("No time").is_visible()
            assert page.get_by_label("Anything you want to add about why").is_visible()
            assert page.get_by_text("Fill this in if you did it").is_visible()
            assert page.get_by_label("Other: how many minutes?").is_visible()
            assert group(page, "were you before").get_by_label("4", exact=True).is_visible()
            outcome(page, "Done").check()
        group(page, "How many minutes").get_by_label("10 minutes", exact=True).check()
        group(page, "were you before").get_by_label("4", exact=True).check()
        group(page, "were you afterwards").get_by_label("2", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_role("status").get_by_text("Saved. Thank you for doing this.").wait_for()
    finally:
        context.close()

    entry = newest_entry()
    assert (entry.outcome, entry.answers["duration_minutes"], entry.answers["tension_after"]) == ("done", 10, 2)


def test_without_javascript_a_typed_number_of_minutes_is_kept(live_server, browser, client_a):
    breathing = make_assignment(client_a, key="skill-practice", title=BREATHING)
    context, page = new_page(browser, NARROW, java_script_enabled=False)
    try:
        sign_in_through_the_form(page, live_server.url, client_a.user)
        page.goto(live_server.url + log_url(breathing))
        outcome(page, "Partly done").check()
        page.get_by_label("Other: how many minutes?").fill("7")
        group(page, "were you before").get_by_label("5", exact=True).check()
        group(page, "were you afterwards").get_by_label("5", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_role("status").get_by_text("Saved").wait_for()
    finally:
        context.close()
    assert (newest_entry().outcome, newest_entry().answers["duration_minutes"]) == ("partly", 7)


# --- What the outcome shows, and nothing lost ------------------------------------------------------------------------


def test_the_outcome_shows_only_what_it_needs_and_nothing_typed_is_lost(live_server, browser, client_a):
    breathing = make_assignment(client_a, key="skill-practice", title=BREATHING)
    context, page = new_page(browser, NARROW)
    skip_heading = {"name": "Only if you skipped it"}
    try:
        sign_in_through_the_form(page, live_server.url, client_a.user)
        page.goto(live_server.url + log_url(breathing))
        # Nothing chosen yet: neither the exercise nor the skip reasons.
        assert not page.get_by_role("heading", name="The exercise").is_visible()
        assert not page.get_by_role("heading", **skip_heading).is_visible()
        assert not page.get_by_text("Fill this in if you did it").is_visible()

        outcome(page, "Done").check()
        page.get_by_label("Anything that helped or got in the way?").fill("Counting to four helped")
        group(page, "were you before").get_by_label("7", exact=True).check()
        # The minutes box shows for "Other" only.
        other_box = page.get_by_label("Other: how many minutes?")
        assert not other_box.is_visible()
        group(page, "How many minutes").get_by_label("Other", exact=True).check()
        other_box.fill("12")
        # A rating given before switching to "skipped" is not sent with it.
        page.get_by_text("How it was").click()
        group(page, "How helpful was it").get_by_label("3 – Quite").check()

        outcome(page, "Skipped").check()
        assert page.get_by_role("heading", **skip_heading).is_visible()
        assert not page.get_by_role("heading", name="The exercise").is_visible()
        assert not group(page, "How helpful was it").is_visible()

        outcome(page, "Done").check()
        assert page.get_by_label("Anything that helped or got in the way?").input_value() == "Counting to four helped"
        assert group(page, "were you before").get_by_label("7", exact=True).is_checked()
        assert other_box.input_value() == "12" and other_box.is_visible()
        assert group(page, "How helpful was it").get_by_label("3 – Quite").is_checked()

        outcome(page, "Skipped").check()
        group(page, "what got in the way").get_by_label("No time").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_role("status").get_by_text("Saved").wait_for()
        assert not page.script_errors, page.script_errors
    finally:
        context.close()

    entry = newest_entry()
    assert (entry.outcome, entry.skip_reason, entry.helpfulness) == ("skipped", "no_time", None)
    # What was typed in the exercise is kept, as the server keeps it for a skipped practice.
    assert entry.answers["notes"] == "Counting to four helped"


def test_a_form_sent_back_with_errors_shows_what_the_sent_outcome_needs(live_server, browser, client_a):
    breathing = make_assignment(client_a, key="skill-practice", title=BREATHING)
    context, page = new_page(browser, NARROW)
    try:
        sign_in_through_the_form(page, live_server.url, client_a.user)
        page.goto(live_server.url + log_url(breathing))
        outcome(page, "Skipped").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_text("Choose what got in the way").wait_for()
        assert outcome(page, "Skipped").is_checked()
        assert page.get_by_role("heading", name="Only if you skipped it").is_visible()
        assert not page.get_by_role("heading", name="The exercise").is_visible()

        outcome(page, "Done").check()
        group(page, "were you before").get_by_label("2", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_text("Please check the fields marked below").wait_for()
        assert outcome(page, "Done").is_checked()
        assert page.get_by_role("heading", name="The exercise").is_visible()
        assert group(page, "were you before").get_by_label("2", exact=True).is_checked()
        assert not page.get_by_role("heading", name="Only if you skipped it").is_visible()
    finally:
        context.close()


def test_a_0_to_100_rating_is_a_slider_and_an_untouched_one_sends_nothing(live_server, browser, client_a):
    record = make_assignment(client_a, key="thought-record", title="Thought record")
    context, page = new_page(browser, NARROW)
    try:
        sign_in_through_the_form(page, live_server.url, client_a.user)
        page.goto(live_server.url + log_url(record))
        outcome(page, "Done").check()
        strength = page.get_by_label("How strong was that emotion?")
        assert strength.get_attribute("type") == "range"
        assert page.locator("output[for=id_emotion_intensity]").inner_text().startswith("Not set")
        strength.fill("80")
        assert page.locator("output[for=id_emotion_intensity]").inner_text() == "80"
        page.get_by_label("What was the situation?").fill("Meeting")
        page.get_by_label("What went through your mind?").fill("They think I am slow")
        page.get_by_label("What emotion did you feel?").fill("anxious")
        width, _ = document_size(page)
        assert width <= NARROW["width"]
        with page.expect_navigation():
            page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_role("status").get_by_text("Saved").wait_for()
    finally:
        context.close()

    answers = newest_entry().answers
    assert answers["emotion_intensity"] == 80
    assert "emotion_rerated" not in answers  # its slider was never moved: no answer, not 50


# --- The quick log on the today page ---------------------------------------------------------------------------------


def test_the_quick_log_on_the_today_page_saves_done_with_the_ratings(live_server, browser, client_a):
    urges = make_assignment(client_a, key="behaviour-to-avoid", title="Urge to check my phone")
    breathing = make_assignment(client_a, key="skill-practice", title=BREATHING)
    context, page = new_page(browser, NARROW)
    try:
        sign_in_through_the_form(page, live_server.url, client_a.user)
        page.goto(live_server.url + reverse("homework:client_home"))
        width, _ = document_size(page)
        assert width <= NARROW["width"]

        # An urge: its rating, yes or no, save: three taps.
        taps = Taps(touch=True)
        card = page.locator("li.today-item", has_text="Urge to check my phone")
        taps(card.get_by_role("group", name=re.compile("How strong was the urge")).get_by_label("7", exact=True))
        taps(card.get_by_role("group", name=re.compile("Did you act on the urge")).get_by_label("No", exact=True))
        with page.expect_navigation():
            taps(card.get_by_role("button", name=re.compile("^Save as done")))
        page.get_by_role("status").get_by_text("Saved. Thank you for doing this.").wait_for()
        assert taps.count == 3

        # The breathing practice: its two ratings and the minutes (a required answer), save.
        taps, ratings = Taps(touch=True), Taps(touch=True)
        card = page.locator("li.today-item", has_text=BREATHING)
        taps(card.get_by_role("group", name=re.compile("How many minutes")).get_by_label("10 minutes", exact=True))
        ratings(card.get_by_role("group", name=re.compile("were you before")).get_by_label("6", exact=True))
        ratings(card.get_by_role("group", name=re.compile("were you afterwards")).get_by_label("2", exact=True))
        with page.expect_navigation():
            taps(card.get_by_role("button", name=re.compile("^Save as done")))
        page.get_by_role("status").get_by_text("Saved").wait_for()
        assert (taps.count, ratings.count) == (2, 2)
        assert not page.script_errors, page.script_errors
    finally:
        context.close()

    from homework.models import Entry

    urge = Entry.objects.get(assignment=urges)
    assert (urge.outcome, urge.answers["intensity"], urge.answers["acted_on_urge"]) == ("done", 7, False)
    practice = Entry.objects.get(assignment=breathing)
    assert (practice.answers["duration_minutes"], practice.answers["tension_before"]) == (10, 6)
    assert practice.answers["tension_after"] == 2


def test_a_refused_quick_log_opens_the_full_form_with_what_was_tapped(live_server, browser, client_a):
    make_assignment(client_a, key="skill-practice", title=BREATHING)
    context, page = new_page(browser, NARROW)
    try:
        sign_in_through_the_form(page, live_server.url, client_a.user)
        page.goto(live_server.url + reverse("homework:client_home"))
        card = page.locator("li.today-item", has_text=BREATHING)
        card.get_by_role("group", name=re.compile("were you before")).get_by_label("6", exact=True).check()
        with page.expect_navigation():
            card.get_by_role("button", name=re.compile("^Save as done")).click()
        page.get_by_role("heading", level=1, name="Log a practice").wait_for()
        page.get_by_text("Please check the fields marked below").wait_for()
        assert outcome(page, "Done").is_checked()
        assert group(page, "were you before").get_by_label("6", exact=True).is_checked()
        # Finishing it there saves it through the full form.
        group(page, "How many minutes").get_by_label("15 minutes", exact=True).check()
        group(page, "were you afterwards").get_by_label("4", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_role("status").get_by_text("Saved").wait_for()
    finally:
        context.close()
    assert newest_entry().answers["duration_minutes"] == 15
