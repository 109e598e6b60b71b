"""Nothing typed is lost, in a real browser (Debian's Chromium through Playwright) on a 360 x 740
phone: drafts saved as the client types and brought back, a Save pressed offline sent exactly once
when the phone is back online, the app installable with a service worker that shows the today
page offline, and sign-out forgetting what the browser kept (homework/README.md, "Drafts,
submission keys and offline")."""

import json
import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from conftest import PASSWORD, make_assignment
from tests.test_browser_loop import sign_in_through_the_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
TYPED = "I sat down to do it, then the phone rang and I never came back to it"
NOTE = "Too tired after the late shift, will try the morning instead"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def homework(transactional_db, client_a):
    """client_a's thought record (the built-in library comes back with make_assignment: a
    transactional test flushed it)."""
    return make_assignment(client_a, title="Catch the thought")


def _signed_in(phone, base, client_a):
    page = phone.new_page()
    sign_in_through_the_form(page, base, client_a.user)
    page.wait_for_url(base + reverse("homework:client_home"))
    return page


def _status(page):
    return page.locator("[data-draft-status]")


def _outcome(page, label):
    page.get_by_role("group", name=re.compile("How did it go")).get_by_label(label, exact=True).check()


def _kept_keys(page):
    return page.evaluate("Object.keys(localStorage).filter(function (k) { return k.indexOf('between:') === 0; })")


def _entries():
    from homework.models import Entry

    return list(Entry.objects.all())


def test_what_was_typed_is_there_when_the_form_is_opened_again(live_server, phone, client_a, homework):
    from homework.models import Draft

    base = live_server.url
    page = _signed_in(phone, base, client_a)
    log = base + reverse("homework:entry_new", args=[homework.code])
    page.goto(log)
    _outcome(page, "Done")
    page.get_by_label("What was the situation?").fill(TYPED)
    expect(_status(page)).to_have_text("Saved")
    assert Draft.objects.get().assignment == homework
    assert _kept_keys(page) == [], "the server has it: nothing stays on the phone"
    page.close()

    again = phone.new_page()
    again.goto(log)
    expect(again.get_by_label("What was the situation?")).to_have_value(TYPED)
    expect(
        again.get_by_role("group", name=re.compile("How did it go")).get_by_label("Done", exact=True)
    ).to_be_checked()
    expect(_status(again)).to_have_text("Saved")


def test_leaving_the_page_right_after_typing_keeps_the_text(live_server, phone, client_a, homework):
    """No pause for the debounce: the page going away sends the draft (and the phone keeps it)."""
    base = live_server.url
    page = _signed_in(phone, base, client_a)
    log = base + reverse("homework:entry_new", args=[homework.code])
    page.goto(log)
    _outcome(page, "Done")
    page.get_by_label("What was the situation?").fill(TYPED)
    page.goto(base + reverse("homework:client_history"))  # straight away, within the 1.5 s
    page.goto(log)
    expect(page.get_by_label("What was the situation?")).to_have_value(TYPED)


def test_a_save_pressed_offline_is_sent_exactly_once_when_back_online(live_server, phone, client_a, homework):
    base = live_server.url
    page = _signed_in(phone, base, client_a)
    log_path = reverse("homework:entry_new", args=[homework.code])
    page.goto(base + log_path)
    _outcome(page, "Skipped")
    page.get_by_role("group", name=re.compile("what got in the way")).get_by_label("No time").check()
    page.get_by_label("Anything you want to add about why").fill(NOTE)

    phone.set_offline(True)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(_status(page)).to_contain_text("Saved on this phone")
    assert _entries() == []
    kept = json.loads(page.evaluate(f"localStorage.getItem('between:send:{log_path}')"))
    assert kept["fields"]["log-skip_note"] == [NOTE]
    assert kept["fields"]["submission_key"], "the submission goes with its key"
    assert page.url == base + log_path, "nothing navigated away from the form"

    with page.expect_navigation(url=base + reverse("homework:client_home")):
        phone.set_offline(False)
    expect(page.get_by_role("status").get_by_text("Sent to your therapist")).to_be_visible()
    entries = _entries()
    assert len(entries) == 1
    assert (entries[0].outcome, entries[0].skip_reason, entries[0].skip_note) == ("skipped", "no_time", NOTE)
    assert str(entries[0].submission_key) == kept["fields"]["submission_key"][0]
    assert _kept_keys(page) == []

    # Back online for good: going back to the form sends nothing again.
    page.goto(base + log_path)
    page.wait_for_timeout(500)
    assert len(_entries()) == 1


def test_the_app_installs_and_the_today_page_shows_offline(live_server, phone, client_a, homework):
    base = live_server.url
    page = _signed_in(phone, base, client_a)
    scope = page.evaluate("navigator.serviceWorker.ready.then(function (r) { return r.scope; })")
    assert scope == base + "/"

    manifest = page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())")
    assert (manifest["name"], manifest["start_url"], manifest["display"]) == ("Between", "/today/", "standalone")
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for src in [icon["src"] for icon in manifest["icons"]] + ["/favicon.ico"]:
        answer = page.evaluate("src => fetch(src).then(r => [r.status, r.headers.get('Content-Type')])", src)
        assert answer[0] == 200 and answer[1].startswith("image/"), (src, answer)

    # One online visit (this one) is enough to keep the today page, and nothing else signed in.
    page.goto(base + reverse("homework:client_history"))
    page.wait_for_function("() => caches.match('/today/').then(function (r) { return !!r; })")
    kept = page.evaluate(
        "caches.open('between-v1').then(c => c.keys()).then(ks => ks.map(k => new URL(k.url).pathname))"
    )
    assert "/today/" in kept
    others = [path for path in kept if path not in ("/today/", "/manifest.webmanifest", "/favicon.ico")]
    assert all(path.startswith("/static/") for path in others), others

    phone.set_offline(True)
    page.goto(base + reverse("homework:client_home"))
    expect(page.get_by_role("heading", level=1, name=re.compile("^Today"))).to_be_visible()
    expect(page.get_by_text("You are offline. This is the page as it was")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == "rgb(251, 250, 247)", (
        "CSS offline"
    )
    with pytest.raises(PlaywrightError):
        page.goto(base + reverse("homework:client_history"))  # clinical pages are never kept
    phone.set_offline(False)


def test_signing_out_forgets_what_the_browser_kept(live_server, phone, client_a, homework):
    base = live_server.url
    page = _signed_in(phone, base, client_a)
    log_path = reverse("homework:entry_new", args=[homework.code])
    page.goto(base + log_path)
    _outcome(page, "Done")
    phone.set_offline(True)
    page.get_by_label("What was the situation?").fill(TYPED)
    expect(_status(page)).to_have_text("Saved on this phone")
    assert _kept_keys(page) == [f"between:draft:{log_path}"]
    phone.set_offline(False)
    page.evaluate("localStorage.setItem('not-ours', '1')")

    # The script alone (the sign-out answer, with its Clear-Site-Data, never arrives here).
    page.route("**" + reverse("account_logout"), lambda route: route.abort())
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_timeout(300)
    page.unroute("**" + reverse("account_logout"))
    page.goto(base + reverse("homework:client_home"))  # still signed in: the browser's error page before
    assert _kept_keys(page) == []
    assert page.evaluate("localStorage.getItem('not-ours')") == "1", "only our own keys go"

    # And the real sign-out: Clear-Site-Data takes the rest, the today page's copy included.
    page.wait_for_function("() => caches.match('/today/').then(function (r) { return !!r; })")
    with page.expect_navigation(url=re.compile(re.escape(reverse("account_login")))):
        page.get_by_role("button", name="Sign out").click()
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("caches.keys()") == []


def test_a_save_after_the_session_ran_out_is_saved_once_after_signing_in_again(live_server, phone, client_a, homework):
    """The server ends the session (30 idle minutes for clients, between/sign_in.py); the Save
    pressed then is kept on the server and sent once the client signs in again."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from between.sign_in import SEEN_AT, SIGNED_IN_AT

    base = live_server.url
    page = _signed_in(phone, base, client_a)
    log_path = reverse("homework:entry_new", args=[homework.code])
    page.goto(base + log_path)
    _outcome(page, "Skipped")
    page.get_by_role("group", name=re.compile("what got in the way")).get_by_label("No time").check()
    page.get_by_label("Anything you want to add about why").fill(NOTE)
    expect(_status(page)).to_have_text("Saved")

    # 31 minutes without a request, as far as the server can tell.
    (key,) = Session.objects.values_list("session_key", flat=True)
    session = SessionStore(session_key=key)
    idle = timedelta(minutes=31).total_seconds()
    session[SEEN_AT] = time.time() - idle
    session[SIGNED_IN_AT] = time.time() - idle
    session.save()

    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(re.escape(reverse("account_login"))))
    assert _entries() == []
    page.get_by_label("Email").fill(client_a.user.email)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
    page.wait_for_url(base + reverse("homework:client_home"))
    expect(page.get_by_role("status").get_by_text("Sent to your therapist")).to_be_visible()
    assert len(_entries()) == 1

    # Opening the form again brings nothing back and sends nothing twice.
    page.goto(base + log_path)
    expect(page.get_by_label("Anything you want to add about why")).to_have_value("")
    page.wait_for_timeout(500)
    assert len(_entries()) == 1
