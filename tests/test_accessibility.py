"""Accessibility in a real browser (every page works with a keyboard alone and passes axe).

1. axe-core (bundled by axe-playwright-python) finds no WCAG 2.0/2.1 A or AA violation, and no
   best-practice one, on the main pages: anonymous, client (phone viewport) and therapist
   (desktop viewport), forms both empty and showing errors. One test id per page.
2. The client's log-entry form works with a keyboard alone: the first Tab reaches "Skip to
   content", which moves focus to <main>; the outcome radios, the skip reasons and the save
   button are reachable with Tab and the arrow keys; Enter or Space on the button submits.
3. A field's help and errors are tied to it with ids that never repeat (includes/field.html).

Axe is injected with page.evaluate (the DevTools protocol), which the page's strict CSP does not
apply to, so the contexts keep the real CSP (no bypass_csp): what axe sees is what users get.
"""

import dataclasses
import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from conftest import PASSWORD, builtin_version, make_assignment, make_entry
from tests.conftest import pass_second_step


def in_the_browser(test):
    """The marks of a live-server test (the rendering test at the end needs neither a browser nor
    the database, so the marks are not module-wide)."""
    return pytest.mark.browser(pytest.mark.django_db(transaction=True)(test))


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}


# --- The world the pages show ---------------------------------------------------------------------------


@pytest.fixture
def world(client_a, therapist_a, colleague_a, appointment_a, assignment_a, entry_a):
    """What the pages show, every kind of row and tag included: client_a's thought record with an
    entry (the client's comment and the therapist's reply), a partly done and a skipped one; a
    PHQ-9 whose answers raised a risk flag; a fresh single-use sign-in link. The built-in library
    is loaded again (a transactional test flushed it)."""
    from django.core.cache import cache

    from accounts.models import SignInLink
    from homework.models import Comment

    # allauth counts sign-ins per address in the cache (30 a minute), which the flush after a
    # transactional test leaves alone; every screen signs in through the form, faster than that.
    cache.clear()
    Comment.objects.create(entry=entry_a, author=therapist_a, body="Thank you, let us look at it on Tuesday.")
    make_entry(assignment_a, outcome="partly", helpfulness=1, difficulty="hard")
    make_entry(assignment_a, outcome="skipped", skip_reason="no_time", helpfulness=None, difficulty="")
    phq9 = make_assignment(client_a, key="phq-9", title="PHQ-9 mood questionnaire", frequency="once")
    answers = {f"phq9_{n}": "2" for n in range(1, 9)} | {"phq9_9": "1", "phq9_difficulty": "very"}
    risk_entry = make_entry(
        phq9, answers=answers, helpfulness=None, difficulty="", score=17, severity="Moderately severe", risk_flag=True
    )
    # A journal the client may keep entries of to themself, and one such private entry.
    journal = make_assignment(client_a, key="journal", title="Evening journal", allows_private_entries=True)
    private_entry = make_entry(journal, answers={"mood_before": 3, "writing": "Only for me"}, is_private=True)
    Comment.objects.create(entry=private_entry, author=client_a.user, body="A note to myself")
    _, token = SignInLink.issue(client_a.user)
    _notices_and_a_failed_email(client_a, therapist_a, entry_a, risk_entry)
    _topics(client_a, entry_a)
    return {
        "client": client_a,
        "therapist": therapist_a,
        "assignment": assignment_a,
        "entry": entry_a,
        "phq9": phq9,
        "risk_entry": risk_entry,
        "private_entry": private_entry,
        "token": token,
        "template": builtin_version("thought-record").template,
        "appointment": appointment_a,
    }


def _notices_and_a_failed_email(client, therapist, entry, risk_entry):
    """Every kind of notice, unread and read (so the navigation shows a count), and an email to the
    client that we gave up on (the owner's failed deliveries)."""
    from django.utils import timezone

    from notifications.models import Message, MessageKind, MessageStatus, Notice, NoticeKind

    Notice.objects.create(recipient=therapist, client=client, entry=risk_entry, kind=NoticeKind.NEEDS_ATTENTION)
    Notice.objects.create(recipient=therapist, client=client, entry=entry, kind=NoticeKind.TO_DISCUSS)
    Notice.objects.create(
        recipient=therapist, client=client, entry=entry, kind=NoticeKind.COMMENT, read_at=timezone.now()
    )
    Message.objects.create(
        idempotency_key="a11y:failed", recipient=client.user, kind=MessageKind.NEW_ASSIGNMENT,
        status=MessageStatus.FAILED, attempts=8, last_error="SMTPRecipientsRefused",
        next_attempt_at=timezone.now(), claimed_at=timezone.now(),
    )  # fmt: skip


def _topics(client, entry):
    """Topics for the next session: one from an entry, one a single long word (it must wrap), one
    the therapist has ticked off."""
    from insights.topics import topic_add, topic_mark_discussed

    topic_add(client=client, author=client.user, text="The evening I nearly gave up", entry=entry)
    topic_add(client=client, author=client.user, text="Overthinking" * 15)
    done = topic_add(client=client, author=client.user, text="Sleep")
    topic_mark_discussed(topic=done, therapist=client.therapist)


def _bad_crisis_number(page):
    """The crisis settings sent back with the write function's refusal (a number with letters)."""
    page.get_by_label("Phone number").first.fill("call 112")
    _submit("Save crisis resources")(page)
    page.get_by_text("Please check the fields marked below").wait_for()


def _bad_notice_settings(page):
    """The notice settings sent back with an error (the time emptied)."""
    page.get_by_label("Morning email on days with appointments").fill("")
    _submit("Save")(page)
    page.get_by_text("Please check the fields marked below").wait_for()


# --- The pages ------------------------------------------------------------------------------------------------


def _submit(button_name):
    """An action: press the form's button and wait for the page the POST answers with."""

    def act(page):
        with page.expect_navigation():
            page.get_by_role("button", name=button_name, exact=True).click()

    return act


def _skip_without_reason(page):
    """The log-entry form sent back with a server-side error (skipped, no reason given): the
    browser's own validation lets it through, the form does not."""
    page.get_by_role("group", name=re.compile("How did it go")).get_by_label("Skipped", exact=True).check()
    _submit("Save")(page)
    page.get_by_text("Choose what got in the way").wait_for()


BREATHING = "Slow breathing, 5 minutes"


def _breathing(w):
    """client_a's slow-breathing practice (a skill practice: tap scales, minutes, a time), made once."""
    from homework.models import Assignment

    mine = Assignment.objects.filter(client=w["client"], title=BREATHING).first()
    return mine or make_assignment(w["client"], key="skill-practice", title=BREATHING)


def _breathing_log(w):
    return reverse("homework:entry_new", args=[_breathing(w).code])


def _today_with_quick_logs(w):
    """The today page with two quick logs on its cards: the breathing practice and an urge log."""
    _breathing(w)
    make_assignment(w["client"], key="behaviour-to-avoid", title="Urge to check my phone")
    return reverse("homework:client_home")


def _done_chosen(page):
    """The log form with "Done" chosen (the exercise shows, the skip reasons hide), "Other"
    minutes and "How it was" open, on the narrowest phone."""
    page.get_by_role("group", name=re.compile("How did it go")).get_by_label("Done", exact=True).check()
    page.get_by_role("group", name=re.compile("How many minutes")).get_by_label("Other", exact=True).check()
    page.get_by_text("How it was").click()
    page.get_by_role("group", name=re.compile("How helpful")).wait_for()
    _fits_a_narrow_phone(page)


def _done_with_a_slider(page):
    """The thought record with "Done" chosen: its 0-100 ratings are sliders, one moved."""
    page.get_by_role("group", name=re.compile("How did it go")).get_by_label("Done", exact=True).check()
    page.get_by_label("How strong was that emotion?").fill("70")
    _fits_a_narrow_phone(page)


def _quick_log_refused(page):
    """A quick log saved with a rating and the minutes missing: the full form it opens instead."""
    card = page.locator("li.today-item", has_text=BREATHING)
    card.get_by_role("group", name=re.compile("were you before")).get_by_label("6", exact=True).check()
    with page.expect_navigation():
        card.get_by_role("button", name=re.compile("^Save as done")).click()
    page.get_by_text("Please check the fields marked below").wait_for()
    _fits_a_narrow_phone(page)


def _empty_form_submitted(page):
    _submit("Add and invite")(page)
    page.get_by_text("Please check the fields marked below").wait_for()


def _weak_new_password(page):
    """allauth's password form (Django's own field rendering) sent back with several errors on one
    field: too short, too common, all digits."""
    page.locator("input[name=oldpassword]").fill(PASSWORD)
    page.locator("input[name=password1]").fill("1234")
    page.locator("input[name=password2]").fill("1234")
    with page.expect_navigation():
        page.locator("main").get_by_role("button").last.click()
    assert page.locator("main .errorlist li").count() >= 2, "expected several errors on the new password"


def _client_added(page):
    """The add-client page again, with the "invitation sent" message and the invitation waiting."""
    page.get_by_label("Name").fill("Gina Newclient")
    page.get_by_label("Email").fill("gina@example.com")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    _submit("Add and invite")(page)
    page.get_by_role("status").get_by_text("Invitation sent to Gina Newclient").wait_for()
    page.get_by_role("heading", level=2, name="Waiting for an answer").wait_for()


INVITEE_EMAIL = "ivan.invitee@example.com"


def _invitation(therapist, user):
    from datetime import timedelta

    from django.utils import timezone

    from practices.models import CareInvitation

    invitation = CareInvitation.objects.create(
        practice=therapist.memberships.get().practice, therapist=therapist, user=user, email=user.email,
        name=user.name, timezone="Europe/Berlin", expires_at=timezone.now() + timedelta(days=14),
    )  # fmt: skip
    return reverse("practices:care_invitation", args=[invitation.code])


def _invitation_to_a_newcomer(w):
    """An invitation to someone in nobody's care: the page with Accept and Decline."""
    from conftest import make_user

    return _invitation(w["therapist"], make_user(INVITEE_EMAIL, "Ivan Invitee"))


def _invitee_signs_in(page):
    """The emailed link opened signed out: the sign-in page, then back to the invitation."""
    page.get_by_label("Email").fill(INVITEE_EMAIL)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
    page.get_by_role("button", name="Accept", exact=True).wait_for()
    _fits_a_narrow_phone(page)


def _invitation_to_client_a(w):
    """client_a, in practice A's care already, invited by a colleague: the page says so."""
    from practices.models import Membership

    colleague = Membership.objects.exclude(user=w["therapist"]).get(practice=w["client"].practice).user
    return _invitation(colleague, w["client"].user)


def _code_requested(page):
    """The page asking for the emailed code."""
    page.get_by_label(re.compile("Email")).fill("dana@example.com")
    with page.expect_navigation():
        page.get_by_role("button").last.click()


NARROW_PHONE = {"width": 360, "height": 740}


def _fits_a_narrow_phone(page):
    """The smallest phones we promise: nothing scrolls sideways at 360 px."""
    page.set_viewport_size(NARROW_PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW_PHONE["width"], f"{page.url} scrolls sideways at 360 px: {width} px wide"


def _reminders_refused(page):
    """The reminder settings sent back with the write functions' refusals (quiet hours with a
    start and no end, a time that is not one), on the narrowest phone."""
    page.get_by_label("Quiet from").fill("22:00")
    page.get_by_label("Remind me at").first.fill("around seven")
    _submit("Save reminder settings")(page)
    page.get_by_text("Please check the fields marked below").wait_for()
    _fits_a_narrow_phone(page)


def _topic_refused(page):
    """The topics page sent back with the write function's refusal (nothing written)."""
    _submit("Add to my topics")(page)
    page.get_by_text("Write what you would like to talk about.").wait_for()
    _fits_a_narrow_phone(page)


def _self_rating_refused(page):
    """The assignment page with its self-rating sent back (how well left out), on the narrowest phone."""
    page.get_by_role("group", name=re.compile("How much of it")).get_by_label("Most of it").check()
    _submit("Save my rating")(page)
    page.get_by_text("Please check the fields marked below").wait_for()
    _fits_a_narrow_phone(page)


def _self_rated(page):
    """The assignment page after a rating: the latest one, with its date, above the form again."""
    page.get_by_role("group", name=re.compile("How much of it")).get_by_label("Some of it").check()
    page.get_by_role("group", name=re.compile("How well")).get_by_label("Fairly").check()
    _submit("Save my rating")(page)
    page.get_by_text("Your last rating").wait_for()
    _fits_a_narrow_phone(page)


def _progress_opened(page):
    """The progress page with its tables open (the weeks, every trend), on the narrowest phone."""
    for summary in page.locator("main details summary").all():
        summary.click()
    _fits_a_narrow_phone(page)


def _their_therapist_opened_an_entry(page):
    """The access history with a row in its table: the therapist's read of an entry."""
    from audit.models import AuditAction
    from audit.record import record
    from practices.models import Client

    client = Client.objects.select_related("therapist").get(user__email="dana@example.com")
    record(actor=client.therapist, action=AuditAction.READ, object_type="Entry", client=client, actor_role="owner")
    page.reload()
    page.get_by_role("table").wait_for()


def _home_rules_opened(page):
    """The home with "how this list is made" open, on the narrowest phone."""
    page.get_by_text("How this list is made").click()
    _fits_a_narrow_phone(page)


def _risk_marked_seen(page):
    """The risky entry after "mark as seen" with a note: who saw it, when, and the note."""
    page.get_by_label("Note (optional)").fill("Called; safety plan reviewed")
    _submit("Mark the risk as seen")(page)
    page.get_by_text("Marked as seen by you").wait_for()


def _brief_opened(page):
    """The pre-session brief with each review form and each chart's numbers open, on the narrowest phone."""
    for summary in page.locator("main details summary").all():
        summary.click()
    _fits_a_narrow_phone(page)


def _pause_path(w):
    from notifications.links import pause_token

    return reverse("notifications:pause", args=[pause_token(w["client"].code, w["assignment"].code)])


def _with_calendar_feed(page):
    """The settings page with the calendar feed on: its long address must not widen the page."""
    _submit("Turn the calendar on")(page)
    page.get_by_label("Your calendar address").wait_for()
    _fits_a_narrow_phone(page)


@dataclasses.dataclass(frozen=True)
class Screen:
    role: str  # "anonymous", "client" or "therapist"
    url: Callable  # world -> path
    then: Callable | None = None  # page -> None, run before axe (e.g. submit the form invalid)
    status: int = 200


def _fixed(name, *args):
    return lambda w: reverse(name, args=list(args))


SCREENS = {
    # Anonymous (allauth's pages go through templates/allauth/layouts/base.html -> base.html).
    "anon-sign-in": Screen("anonymous", _fixed("account_login")),
    "anon-request-code": Screen("anonymous", _fixed("account_request_login_code")),
    "anon-password-reset": Screen("anonymous", _fixed("account_reset_password")),
    "anon-crisis": Screen("anonymous", _fixed("crisis")),
    "anon-request-code-sent": Screen("anonymous", _fixed("account_request_login_code"), then=_code_requested),
    "anon-sign-up-closed": Screen("anonymous", _fixed("account_signup")),
    "anon-welcome": Screen("anonymous", lambda w: reverse("accounts:sign_in_link", args=[w["token"]])),
    "anon-welcome-invalid": Screen(
        "anonymous", _fixed("accounts:sign_in_link", "not-a-real-token-0000000000000000000000000"), status=404
    ),
    "anon-pause-reminders": Screen("anonymous", _pause_path),
    "anon-pause-reminders-done": Screen("anonymous", _pause_path, then=_submit("Pause reminders for this practice")),
    "anon-care-invitation-then-signed-in": Screen("anonymous", _invitation_to_a_newcomer, then=_invitee_signs_in),
    # Client, on a phone.
    "client-today": Screen("client", _fixed("homework:client_home")),
    "client-care-invitation-in-care": Screen("client", _invitation_to_client_a, then=_fits_a_narrow_phone),
    "client-assignment": Screen("client", lambda w: reverse("homework:client_assignment", args=[w["assignment"].code])),
    "client-log-entry": Screen("client", lambda w: reverse("homework:entry_new", args=[w["assignment"].code])),
    "client-log-entry-errors": Screen(
        "client", lambda w: reverse("homework:entry_new", args=[w["assignment"].code]), then=_skip_without_reason
    ),
    "client-entry": Screen("client", lambda w: reverse("homework:client_entry", args=[w["entry"].code])),
    "client-history": Screen("client", _fixed("homework:client_history")),
    "client-entry-edit": Screen("client", lambda w: reverse("homework:entry_edit", args=[w["entry"].code])),
    "client-log-phq9": Screen("client", lambda w: reverse("homework:entry_new", args=[w["phq9"].code])),
    # The log form quick on a phone: "Done" chosen, tap scales, minutes' quick picks, sliders.
    "client-log-entry-done": Screen("client", _breathing_log, then=_done_chosen),
    "client-log-entry-sliders": Screen(
        "client", lambda w: reverse("homework:entry_new", args=[w["assignment"].code]), then=_done_with_a_slider
    ),
    "client-today-quick-log": Screen("client", _today_with_quick_logs, then=_fits_a_narrow_phone),
    "client-quick-log-refused": Screen("client", _today_with_quick_logs, then=_quick_log_refused),
    "client-entry-risk": Screen("client", lambda w: reverse("homework:client_entry", args=[w["risk_entry"].code])),
    "client-password": Screen("client", _fixed("account_change_password")),
    "client-password-errors": Screen("client", _fixed("account_change_password"), then=_weak_new_password),
    "client-reminders": Screen("client", _fixed("notifications:settings"), then=_fits_a_narrow_phone),
    "client-reminders-errors": Screen("client", _fixed("notifications:settings"), then=_reminders_refused),
    "client-reminders-calendar": Screen("client", _fixed("notifications:settings"), then=_with_calendar_feed),
    "client-assignment-self-rating": Screen(
        "client",
        lambda w: reverse("homework:client_assignment", args=[w["assignment"].code]),
        then=_fits_a_narrow_phone,
    ),
    "client-assignment-self-rating-errors": Screen(
        "client",
        lambda w: reverse("homework:client_assignment", args=[w["assignment"].code]),
        then=_self_rating_refused,
    ),
    "client-assignment-self-rated": Screen(
        "client", lambda w: reverse("homework:client_assignment", args=[w["assignment"].code]), then=_self_rated
    ),
    "client-topics": Screen("client", _fixed("insights:topics"), then=_fits_a_narrow_phone),
    "client-topics-errors": Screen("client", _fixed("insights:topics"), then=_topic_refused),
    "client-progress": Screen("client", _fixed("insights:progress"), then=_fits_a_narrow_phone),
    "client-progress-tables": Screen("client", _fixed("insights:progress"), then=_progress_opened),
    # Sign-in security (allauth's pages in our layout): sessions, second factors, re-authentication.
    "client-sessions": Screen("client", _fixed("usersessions_list"), then=_fits_a_narrow_phone),
    "client-two-step": Screen("client", _fixed("mfa_index"), then=_fits_a_narrow_phone),
    "client-totp-set-up": Screen("client", _fixed("mfa_activate_totp")),
    "client-passkeys": Screen("client", _fixed("mfa_list_webauthn")),
    "client-access-history": Screen(
        "client", _fixed("practices:access_history"), then=_their_therapist_opened_an_entry
    ),
    # Therapist, on a desktop.
    "therapist-client-list": Screen("therapist", _fixed("homework:client_list")),
    "therapist-two-step": Screen("therapist", _fixed("mfa_index")),
    "therapist-confirm-password": Screen("therapist", _fixed("account_reauthenticate")),
    "therapist-client-detail": Screen(
        "therapist", lambda w: reverse("homework:client_detail", args=[w["client"].code])
    ),
    "therapist-client-add": Screen("therapist", _fixed("practices:client_add")),
    "therapist-client-add-errors": Screen("therapist", _fixed("practices:client_add"), then=_empty_form_submitted),
    "therapist-client-added": Screen("therapist", _fixed("practices:client_add"), then=_client_added),
    "therapist-assign-choose": Screen(
        "therapist", lambda w: reverse("homework:assign_choose", args=[w["client"].code])
    ),
    "therapist-assign-thought-record": Screen(
        "therapist", lambda w: reverse("homework:assign", args=[w["client"].code, w["template"].code])
    ),
    "therapist-assignment-detail": Screen(
        "therapist", lambda w: reverse("homework:assignment_detail", args=[w["assignment"].code])
    ),
    "therapist-entry-detail": Screen("therapist", lambda w: reverse("homework:entry_detail", args=[w["entry"].code])),
    "therapist-entry-detail-risk": Screen(
        "therapist", lambda w: reverse("homework:entry_detail", args=[w["risk_entry"].code])
    ),
    "therapist-assignment-edit": Screen(
        "therapist", lambda w: reverse("homework:assignment_edit", args=[w["assignment"].code])
    ),
    "therapist-library": Screen("therapist", _fixed("homework:template_list")),
    "therapist-template-detail": Screen(
        "therapist", lambda w: reverse("homework:template_detail", args=[w["template"].code])
    ),
    "therapist-team": Screen("therapist", _fixed("practices:team")),
    "therapist-crisis-settings": Screen("therapist", _fixed("practices:crisis_settings")),
    "therapist-crisis-settings-errors": Screen(
        "therapist", _fixed("practices:crisis_settings"), then=_bad_crisis_number
    ),
    # A private entry as its therapist sees it: the date, the outcome, no content, no reply form.
    "therapist-entry-detail-private": Screen(
        "therapist", lambda w: reverse("homework:entry_detail", args=[w["private_entry"].code])
    ),
    "client-log-entry-private-option": Screen(
        "client", lambda w: reverse("homework:entry_edit", args=[w["private_entry"].code])
    ),
    "therapist-notices": Screen("therapist", _fixed("notifications:notices")),
    "therapist-notice-settings": Screen("therapist", _fixed("notifications:notice_settings")),
    "therapist-notice-settings-errors": Screen(
        "therapist", _fixed("notifications:notice_settings"), then=_bad_notice_settings
    ),
    "therapist-failed-deliveries": Screen("therapist", _fixed("notifications:failed_deliveries")),
    "therapist-audit-search": Screen("therapist", _fixed("practices:audit_search")),
    "therapist-brief": Screen("therapist", lambda w: reverse("insights:brief", args=[w["appointment"].code])),
    "therapist-brief-narrow": Screen(
        "therapist", lambda w: reverse("insights:brief", args=[w["appointment"].code]), then=_brief_opened
    ),
    # The home with a queue (the unseen risk answer, an entry to discuss), this week's appointment
    # and adherence at a glance; it must fit a narrow phone too.
    "therapist-home": Screen("therapist", _fixed("insights:home"), then=_home_rules_opened),
    "therapist-assigning-feedback": Screen("therapist", _fixed("insights:assigning_feedback")),
    "therapist-entry-risk-seen": Screen(
        "therapist", lambda w: reverse("homework:entry_detail", args=[w["risk_entry"].code]), then=_risk_marked_seen
    ),
}


# --- Helpers ----------------------------------------------------------------------------------------------------


def new_page(browser, role):
    """A fresh context per role: a phone for the client, a desktop for everyone else."""
    if role == "client":
        context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    else:
        context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def sign_in_through_the_form(page, base, user):
    """allauth's real sign-in form, filled and sent from the keyboard's point of view."""
    page.goto(base + reverse("account_login"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
    assert reverse("account_login") not in page.url, f"signing in as {user.email} failed: still on {page.url}"
    pass_second_step(page, base, user)


def axe_report(violations):
    lines = [f"{len(violations)} axe violation(s):"]
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}]: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    target {node['target']}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def assert_no_axe_violations(page):
    results = Axe().run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    assert not violations, f"{page.url}\n{axe_report(violations)}"
    # axe 4.12 no longer checks plain duplicate ids (WCAG 2.0/2.1 SC 4.1.1), only those ARIA points at.
    repeated = page.evaluate(
        """() => {
            const seen = {};
            for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
            return Object.keys(seen).filter((id) => seen[id] > 1);
        }"""
    )
    assert not repeated, f"{page.url}: ids used more than once: {repeated}"


# --- 1. axe on every main page -------------------------------------------------------------------------------


@pytest.mark.parametrize("screen_id", list(SCREENS))
@in_the_browser
def test_page_has_no_axe_violations(screen_id, live_server, browser, world):
    screen = SCREENS[screen_id]
    base = live_server.url
    context, page = new_page(browser, screen.role)
    try:
        if screen.role == "client":
            sign_in_through_the_form(page, base, world["client"].user)
        elif screen.role == "therapist":
            sign_in_through_the_form(page, base, world["therapist"])
        response = page.goto(base + screen.url(world))
        assert response.status == screen.status, f"{page.url}: {response.status}"
        if screen.then:
            screen.then(page)
        assert_no_axe_violations(page)
    finally:
        context.close()


# --- 2. The log-entry form with a keyboard alone ----------------------------------------------------------


def focused(page):
    """What has keyboard focus: tag, id, name, type, value, checked and text."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return el ? {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name'),
                         type: el.getAttribute('type'), value: el.value, checked: !!el.checked,
                         text: (el.innerText || '').trim()} : null;
        }"""
    )


def tab_until(page, predicate, what, limit=80):
    """Press Tab until predicate(focused) holds; fail after `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if predicate(now):
            return now
    raise AssertionError(f"{what} is not reachable with Tab (gave up after {limit} presses at {focused(page)})")


def arrow_until(page, name, value, limit=12):
    """In a radio group (focus on one of its radios), press ArrowDown until `value` is checked."""
    for _ in range(limit):
        now = focused(page)
        if now["name"] == name and now["value"] == value and now["checked"]:
            return now
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never checked {name}={value} (at {focused(page)})")


@pytest.mark.parametrize("key", ["Enter", "Space"])
@in_the_browser
def test_the_log_entry_form_works_with_the_keyboard_alone(key, live_server, browser, world):
    from homework.models import Entry

    base = live_server.url
    assignment = world["assignment"]
    before = Entry.objects.filter(assignment=assignment).count()
    context, page = new_page(browser, "client")
    try:
        sign_in_through_the_form(page, base, world["client"].user)
        page.goto(base + reverse("homework:entry_new", args=[assignment.code]))
        page.get_by_role("heading", level=1, name="Log a practice").wait_for()

        # The first Tab from the top of the page reaches the skip link, shown on screen.
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["tag"] == "a" and now["text"] == "Skip to content", f"the first Tab reached {now}"
        box = page.locator(":focus").bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 1, (
            f"the focused skip link is off screen: {box}"
        )

        # It moves focus to <main>, so the next Tab continues from the content, not the nav.
        page.keyboard.press("Enter")
        assert focused(page)["id"] == "main", f"after the skip link, focus is on {focused(page)}"
        assert page.url.endswith("#main")

        # The outcome radios: Tab into the group, arrows to choose "Skipped".
        tab_until(page, lambda f: f["name"] == "log-outcome", "the outcome radios")
        arrow_until(page, "log-outcome", "skipped")
        # The reason radios, the same way.
        tab_until(page, lambda f: f["name"] == "log-skip_reason", "the skip reasons")
        arrow_until(page, "log-skip_reason", "no_time")
        # The save button, and the form goes off with Enter or Space.
        tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Save", "the Save button")
        with page.expect_navigation():
            page.keyboard.press(key)
        # (The redirect keeps the #main the skip link added, as browsers do.)
        page.wait_for_url(re.compile(re.escape(base + reverse("homework:client_home")) + r"(#main)?$"))
        page.get_by_role("status").get_by_text("Saved").wait_for()
        assert_no_axe_violations(page)  # the confirmation message too
    finally:
        context.close()

    entries = Entry.objects.filter(assignment=assignment)
    assert entries.count() == before + 1
    newest = entries.order_by("-created_at").first()
    assert (newest.outcome, newest.skip_reason) == ("skipped", "no_time")


# --- 3. Errors and help are tied to their field, with ids that never repeat --------------------------------


def test_a_field_with_several_errors_describes_itself_with_unique_ids():
    """Django's aria-describedby points at <id>_helptext and <id>_error; a field with two errors
    must not render that id twice (axe's duplicate-id-aria), and a radio group, whose inputs get
    no aria-describedby from Django, carries it on its fieldset."""
    from django import forms
    from django.template.loader import render_to_string

    class TwoErrors(forms.Form):
        name = forms.CharField(help_text="As the client likes to be called.")
        choice = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect, help_text="Pick one.")

    form = TwoErrors(data={})
    form.is_valid()
    form.add_error("name", "A second problem.")
    form.add_error("choice", "A second problem.")
    for name in ("name", "choice"):
        html = render_to_string("includes/field.html", {"field": form[name]})
        ids = re.findall(r'\bid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), f"{name}: repeated ids {ids}"
        described = re.findall(r'aria-describedby="([^"]+)"', html)
        assert described, f"{name}: nothing carries aria-describedby"
        for target in " ".join(described).split():
            assert target in ids, f"{name}: aria-describedby names {target!r}, which is not on the page"
        assert f"id_{name}_error" in described[0] and f"id_{name}_helptext" in described[0]
