"""The whole loop in a real browser (Debian's Chromium through Playwright):

therapist signs in -> invites a client -> the client opens the emailed invitation on a phone-sized
screen, signs in with an emailed code and accepts -> the therapist assigns a thought record -> the
client logs a practice -> the therapist sees it.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from conftest import PASSWORD
from tests.conftest import pass_second_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NEW_CLIENT = {"name": "Gina Newclient", "email": "gina@example.com", "timezone": "Europe/Berlin"}
SITUATION = "Presentation at work, my boss frowned"
THOUGHT = "Everyone thinks I am incompetent"
BALANCED = "One frown is not everyone; two colleagues thanked me"
COMMENT = "This was harder than I thought but I did it"
INSTRUCTIONS = "When your mood drops at work, write the thought down within the hour."


@pytest.fixture
def builtin_templates(transactional_db):
    """transaction=True flushes the tables after each test, taking the rows the data migration
    loaded with them; load them again (the loader is idempotent)."""
    from homework.builtin.loader import load_builtin_templates
    from homework.models import ExerciseTemplate, TemplateVersion

    load_builtin_templates(ExerciseTemplate, TemplateVersion)


@pytest.fixture
def shots(tmp_path):
    """shots(page, name): a screenshot in the test's tmp dir, for looking at after a failure."""

    def _shot(page, name):
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)

    _shot.dir = tmp_path
    return _shot


def assert_no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways at {PHONE['width']} px: {width} px wide"


def newest_in_outbox(email, pattern, what):
    """The first group of `pattern` in the newest email to `email` that has it (locmem outbox,
    shared with the live server's thread)."""
    for message in reversed(mail.outbox):
        if email in message.to:
            match = re.search(pattern, message.body)
            if match:
                return match.group(1)
    raise AssertionError(f"no {what} to {email}; outbox: {[m.to for m in mail.outbox]}")


def invitation_path_for(email):
    return newest_in_outbox(email, r"https?://\S+?(/invitations/[^/\s]+/)", "invitation into care")


def sign_in_through_the_form(page, base, user):
    """allauth's real sign-in form; fails with the reason when the POST is refused."""
    page.goto(base + reverse("account_login"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
    origin = posted.value.request.headers.get("origin")
    assert posted.value.status != 403, (
        f"the sign-in POST was refused (403) with Origin: {origin!r}; see "
        "test_a_form_post_from_the_browser_passes_django_csrf_origin_check"
    )
    page.wait_for_load_state()
    pass_second_step(page, base, user)


def test_a_form_post_from_the_browser_passes_django_csrf_origin_check(live_server, page, therapist_a):
    """Chromium sends `Origin: null` on every form POST of a page whose referrer policy is
    "no-referrer" (Fetch spec, "serializing a request origin"), and Django's CSRF check refuses an
    Origin of "null" with 403. Signing in is the first POST anyone makes."""
    base = live_server.url
    page.set_default_timeout(10_000)
    origins = []
    page.on("request", lambda request: request.method == "POST" and origins.append(request.headers.get("origin")))
    page.goto(base + reverse("account_login"))
    page.get_by_label("Email").fill(therapist_a.email)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
    assert posted.value.status != 403, (
        f"the sign-in POST was refused by CSRF (Origin sent: {origins}); the page's referrer policy "
        "(Referrer-Policy header and <meta name=referrer>) must not be no-referrer, e.g. same-origin"
    )
    page.wait_for_load_state()
    pass_second_step(page, base, therapist_a)
    page.wait_for_url(base + reverse("insights:home"))
    assert origins and origins[0] == base


def test_the_homework_loop_from_assigning_to_reviewing(
    live_server, page, browser, therapist_a, builtin_templates, shots
):
    base = live_server.url
    page.set_default_timeout(10_000)

    # --- The therapist signs in through allauth's real form (desktop viewport). ---
    sign_in_through_the_form(page, base, therapist_a)
    page.wait_for_url(base + reverse("insights:home"))

    # --- Invites a client (they join the caseload once they accept). ---
    page.goto(base + reverse("practices:client_add"))
    page.get_by_label("Name").fill(NEW_CLIENT["name"])
    page.get_by_label("Email").fill(NEW_CLIENT["email"])
    page.get_by_label("Time zone").select_option(NEW_CLIENT["timezone"])
    page.get_by_role("button", name="Add and invite").click()
    page.get_by_role("status").get_by_text(f"Invitation sent to {NEW_CLIENT['name']}").wait_for()
    shots(page, "01-therapist-client-invited")

    # --- The client opens the emailed invitation on a phone, signs in with a code, accepts. ---
    phone_context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(base + invitation_path_for(NEW_CLIENT["email"]))
    phone.get_by_role("link", name="Email me a sign-in code").click()
    phone.get_by_label(re.compile("Email")).fill(NEW_CLIENT["email"])
    with phone.expect_navigation():
        phone.locator("main").get_by_role("button").last.click()
    code = newest_in_outbox(NEW_CLIENT["email"], r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", "sign-in code")
    phone.get_by_label(re.compile("Code")).fill(code)
    with phone.expect_navigation():
        phone.locator("main").get_by_role("button").first.click()
    phone.get_by_role("heading", level=1, name=re.compile("^An invitation from")).wait_for()
    assert_no_horizontal_scroll(phone)
    phone.get_by_role("button", name="Accept", exact=True).click()
    phone.wait_for_url(base + reverse("homework:client_home"))

    # --- The therapist finds them in the client list. ---
    page.goto(base + reverse("homework:client_list"))
    page.get_by_role("link", name=NEW_CLIENT["name"]).first.click()
    page.get_by_role("heading", level=1, name=NEW_CLIENT["name"]).wait_for()
    client_page = page.url
    shots(page, "01-therapist-client-added")

    # --- Assigns a thought record, tailored. ---
    page.get_by_role("link", name="Assign homework").first.click()
    page.get_by_role("link", name="Thought record", exact=True).click()
    page.get_by_role("heading", level=1, name=f"Assign to {NEW_CLIENT['name']}").wait_for()
    page.get_by_label("Instructions, in the client's words").fill(INSTRUCTIONS)
    page.get_by_role("group", name=re.compile("How often")).get_by_label("Every day").check()
    page.get_by_label("When and where").fill("At my desk after lunch")
    page.get_by_label("What might get in the way").fill("Back-to-back meetings")
    page.get_by_label("If-then plan").fill("If I have meetings, then I write it on the train home")
    page.get_by_label("Expected difficulty").select_option("moderate")
    page.get_by_label("Client's confidence they will do it (0–10)").fill("8")
    shots(page, "02-therapist-assign-form")
    page.get_by_role("button", name="Assign").click()
    page.wait_for_url(re.compile(r"/assignments/[^/]+/$"))
    shots(page, "03-therapist-assigned")

    # --- The client, signed in on the phone, opens today's page. ---
    try:
        phone.goto(base + reverse("homework:client_home"))
        assert_no_horizontal_scroll(phone)
        phone.get_by_role("heading", level=1, name=re.compile("^Today")).wait_for()
        assert_no_horizontal_scroll(phone)
        shots(phone, "04-client-home")

        # Crisis resources are one tap away.
        crisis_link = phone.get_by_role("link", name=re.compile("crisis", re.I)).first
        assert crisis_link.get_attribute("href") == reverse("crisis")

        # Opens the assignment and reads it.
        phone.get_by_role("link", name="Thought record", exact=True).first.click()
        phone.get_by_role("heading", level=1, name="Thought record").wait_for()
        assert INSTRUCTIONS in phone.content()
        assert_no_horizontal_scroll(phone)
        shots(phone, "05-client-assignment")

        # Logs a practice.
        phone.get_by_role("link", name="Log a practice").click()
        phone.get_by_role("heading", level=1, name="Log a practice").wait_for()
        phone.get_by_role("group", name=re.compile("How did it go")).get_by_label("Done", exact=True).check()
        phone.get_by_label("What was the situation?").fill(SITUATION)
        phone.get_by_label("What went through your mind?").fill(THOUGHT)
        phone.get_by_label("What emotion did you feel?").fill("anxious")
        phone.get_by_label("How strong was that emotion?").fill("80")
        phone.get_by_label("What supports the thought?").fill("My boss frowned")
        phone.get_by_label("What doesn't fit the thought?").fill("Two colleagues thanked me\nI am asked to speak again")
        phone.get_by_label("A more balanced thought").fill(BALANCED)
        phone.get_by_label("How strong is the emotion now?").fill("40")
        phone.get_by_text("How it was").click()  # optional, so folded away until opened
        phone.get_by_role("group", name=re.compile("How helpful was it")).get_by_label("3 – Quite").check()
        phone.get_by_role("group", name=re.compile("How hard was it")).get_by_label("About right", exact=True).check()
        phone.get_by_label("A note to your therapist (optional)").fill(COMMENT)
        assert_no_horizontal_scroll(phone)
        shots(phone, "06-client-entry-form")
        phone.get_by_role("button", name="Save", exact=True).click()

        # Sees the confirmation.
        phone.wait_for_url(base + reverse("homework:client_home"))
        phone.get_by_role("status").get_by_text("Saved. Thank you for doing this.").wait_for()
        recent = phone.get_by_role("region", name="Recently logged")
        assert recent.get_by_role("link", name="Thought record").count() == 1
        assert_no_horizontal_scroll(phone)
        shots(phone, "07-client-saved")

        # Their history lists it; the entry page shows what they wrote.
        phone.goto(base + reverse("homework:client_history"))
        assert_no_horizontal_scroll(phone)
        phone.get_by_role("link", name=re.compile("Thought record")).first.click()
        phone.get_by_text(SITUATION).wait_for()
        assert COMMENT in phone.content()
        assert_no_horizontal_scroll(phone)
        shots(phone, "08-client-entry")
    finally:
        phone_context.close()

    # --- The therapist sees the entry: answers, ratings and the comment. ---
    page.goto(client_page)
    entries = page.get_by_role("region", name="Latest entries")
    assert "Quite (3/4)" in entries.inner_text()
    entries.get_by_role("link", name=re.compile("Thought record")).first.click()
    page.wait_for_url(re.compile(r"/entries/[^/]+/$"))
    shots(page, "09-therapist-entry")
    body = page.locator("main").inner_text()
    for text in (SITUATION, THOUGHT, BALANCED, "anxious", "Quite (3/4)", "About right", COMMENT):
        assert text in body, f"the therapist's entry page does not show {text!r}"
    assert urlsplit(page.url).path.startswith("/entries/")
