"""The review loop in a real browser (Debian's Chromium through Playwright):

the therapist signs in and lands on their home -> follows today's appointment to its brief ->
records a review with how much and how well the homework was done -> the client opens their
progress page on a phone-sized screen, which does not scroll sideways.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_assignment, make_entry
from tests.test_browser_loop import PHONE, assert_no_horizontal_scroll, sign_in_through_the_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Agreed to keep the evening slot; evidence against is the hard part."


@pytest.fixture
def shots(tmp_path):
    """shots(page, name): a full-page screenshot in the test's tmp dir, for looking at after a failure."""

    def _shot(page, name):
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)

    return _shot


@pytest.fixture
def a_week_of_homework(transactional_db, client_a):
    """client_a's thought record with a week of entries (one skipped, one they want to discuss),
    and an appointment today. The builtin library comes back with make_assignment (a transactional
    test flushed it)."""
    from practices.models import Appointment

    today = client_a.today()
    assignment = make_assignment(client_a, title="Catch the thought", starts_on=today - timedelta(days=7))
    for days_ago in range(7, 0, -1):
        make_entry(assignment, occurred_on=today - timedelta(days=days_ago), wants_to_discuss=days_ago == 2)
    make_entry(assignment, occurred_on=today, outcome="skipped", skip_reason="no_time", helpfulness=None)
    # Now: an appointment that is today in the client's zone whatever the time of day.
    appointment = Appointment.objects.create(client=client_a, starts_at=timezone.now())
    return assignment, appointment


def test_from_the_home_through_the_brief_to_a_review_and_the_clients_progress(
    live_server, page, browser, therapist_a, client_a, a_week_of_homework, shots
):
    from homework.models import AssignmentReview

    assignment, appointment = a_week_of_homework
    base = live_server.url
    page.set_default_timeout(10_000)

    # --- The therapist signs in and lands on the home, with today's appointment. ---
    sign_in_through_the_form(page, base, therapist_a)
    page.wait_for_url(base + reverse("insights:home"))
    today = page.get_by_role("region", name="Appointments today")
    assert client_a.name in today.inner_text()
    shots(page, "01-therapist-home")

    # --- Follows it to the brief. ---
    today.get_by_role("link", name=re.compile(f"^Open the brief for {client_a.name}")).click()
    brief_url = base + reverse("insights:brief", args=[appointment.code])
    page.wait_for_url(brief_url)
    page.get_by_role("heading", level=1, name=re.compile(f"brief: {client_a.name}", re.I)).wait_for()
    shots(page, "02-therapist-brief")

    # --- Records the review in session: keep, most of it, done well, a note. ---
    card = page.get_by_role("article", name=assignment.title)
    card.get_by_text("Review in session").click()  # the form stays folded until the session gets to it
    form = card.locator("form")
    form.get_by_role("radio", name="Keep as it is").check()
    form.get_by_label("How much of it was done").select_option(label="2 · Most of it")
    form.get_by_label("How well it was done").select_option(label="2 · Well")
    form.get_by_label("Note (optional)").fill(NOTE)
    with page.expect_navigation():
        form.get_by_role("button", name=re.compile("^Save review")).click()
    # Back on the brief (the review form asks for it), with the confirmation.
    assert page.url.split("#")[0] == brief_url
    page.get_by_role("status").get_by_text("Review saved").wait_for()
    shots(page, "03-therapist-reviewed")
    review = AssignmentReview.objects.get(assignment=assignment)
    assert (review.decision, review.quantity, review.quality, review.note) == ("keep", 2, 2, NOTE)
    assert review.reviewer == therapist_a

    # --- The client sees their progress on a phone, without sideways scrolling. ---
    phone_context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    try:
        phone = phone_context.new_page()
        phone.set_default_timeout(10_000)
        sign_in_through_the_form(phone, base, client_a.user)
        phone.wait_for_url(base + reverse("homework:client_home"))
        phone.goto(base + reverse("insights:progress"))
        phone.get_by_role("heading", level=1, name="My progress").wait_for()
        for summary in phone.locator("main details summary").all():
            summary.click()  # the tables behind the charts open too: they must fit as well
        assert_no_horizontal_scroll(phone)
        shots(phone, "04-client-progress")
    finally:
        phone_context.close()
