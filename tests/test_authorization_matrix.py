"""The authorization matrix (docs/security.md T-AZ-1, T-AZ-1c, T-AZ-2, T-AZ-3).

Complete by construction: every URL pattern Django knows (allauth's included) must be listed in
exactly one of PUBLIC, ALLAUTH, MATRIX or API below, so a new URL without an entry fails CI.

For each MATRIX route and each role in ROLES, with GET and with an empty POST (the test client
does not enforce CSRF, so the POST reaches the view):

- anonymous people are sent to the sign-in page and see none of A's data;
- roles named in `owners` get the page, and it shows `shows` (so the leak checks can fail); their
  GET changes nothing;
- roles named in `others` may use the page for themselves (their own list, their own home, which
  shows what `theirs` names) but see nothing of A's;
- everyone else gets 404 (never 403: no existence oracle; a GET of a POST-only URL included),
  sees nothing of A's in the body, the headers (Location included) or cookies, and a POST changes
  nothing.

Routes with a `valid_post` body get a third method, "POST-valid": the body the owner's form
accepts. The owner's POST must change something (that proves the body is valid) and everyone
else's must change nothing. A page whose form posts other actions to the same URL (a delete
button) lists them in OTHER_POSTS, under the same rules.

API routes (the JSON API under /api/v1/) follow the same rules with three differences, tested
by test_api_matrix and its neighbours: anonymous callers get 401 (JSON), not a redirect; bodies
are JSON and a write uses the operation's own method (PUT for an update); and a signed-in caller
of the operation's audience may get 422 for a malformed body on someone else's record, because
the body is checked before any record is looked up, exactly as for a record that does not exist
(test_api_a_foreign_record_answers_like_a_missing_one holds both to the same bytes).
"""

import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from conftest import SENTINEL
from tests.conftest import CLIENT_A_EMAIL, CLIENT_A_NAME, LEAK_MARKERS, ROLES, snapshot

CLIENT_B_NAME = "Eve Client"  # client_b's name, on B's own pages
# therapist_a's invitation into A's care sent to client_b's address (objs.care_invitation): only
# its invitee sees who invites them, and only therapist_a sees the address in their pending list.
INVITATION_TEXT = "Alice Therapist at Practice A invites you"
INVITED_EMAIL = "eve@example.com"

SIGNED_IN = frozenset(ROLES) - {"anonymous"}
THERAPISTS = frozenset({"therapist_a", "colleague_a", "therapist_b"})
CLIENTS = frozenset({"client_a", "client_b"})


# --- The three lists -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Route:
    url: Callable  # objs -> the URL of this route for A's object
    owners: frozenset  # roles entitled to A's object behind this URL
    others: frozenset = frozenset()  # roles who may use the page for themselves, seeing nothing of A's
    shows: str | None = None  # what an owner's GET shows of A's (proves the leak check can fail)
    get: int = 200  # status of an entitled GET (302 for redirecting pages)
    valid_post: Callable | None = None  # objs -> a body the owner's POST succeeds with
    private: tuple = ()  # extra strings only owners may see
    theirs: dict = dataclasses.field(default_factory=dict)  # role in `others` -> what their GET shows of their own
    posted: tuple = (302, 303)  # what the owner's valid POST answers (a page redirects; JSON is 200)


@dataclasses.dataclass(frozen=True)
class Public:
    url: Callable
    reason: str
    status: int = 200  # what anyone's GET gets


@dataclasses.dataclass(frozen=True)
class ApiRoute:
    """An operation of the JSON API: anonymous callers get 401, bodies are JSON."""

    url: Callable  # objs -> the URL of this operation for A's object
    method: str  # the operation's HTTP method
    audience: frozenset  # who may call it at all (CLIENTS or THERAPISTS); any other role gets 404
    owners: frozenset  # roles entitled to A's object behind this URL
    others: frozenset = frozenset()  # roles who get their own data here, seeing nothing of A's
    shows: str | None = None  # what an owner's call returns of A's (proves the leak check can fail)
    status: int = 200  # of an entitled call (201 for a create)
    valid_body: Callable | None = None  # objs -> a JSON body the owner's write succeeds with
    private: tuple = ()  # extra strings only owners may see
    theirs: dict = dataclasses.field(default_factory=dict)  # role in `others` -> what they get of their own


@dataclasses.dataclass(frozen=True)
class Allauth:
    url: Callable
    anonymous: str  # "page": anonymous GET gets 200; "sign_in": redirected to the sign-in page
    sign_in_url: str = "account_login"  # where "sign_in" sends them


def _r(name, *attrs):
    """reverse(name, args=[objs.<attr>.code, ...]) as a URL builder."""

    def build(objs):
        return reverse(name, args=[getattr(objs, attr).code for attr in attrs])

    build.__name__ = f"url_{name}"
    build.names_records = True
    return build


def _fixed(name, *args):
    return lambda objs: reverse(name, args=list(args))


AUDIT_MARKER = "matrixmarker"  # the object code of therapist_a's read that the audit pages show


def _with_a_draft(name, attr):
    """reverse(name, args=[objs.<attr>.code]) (the assignment or the entry), once client_a has a
    draft there with SENTINEL in it, so a request that read it or wrote over it would show."""

    def build(objs):
        from homework.models import Draft

        target = getattr(objs, attr)
        entry = target if attr == "entry" else None
        Draft.objects.get_or_create(
            client=objs.client,
            assignment=entry.assignment if entry else target,
            entry=entry,
            defaults={"data": {"situation": [f"Draft {SENTINEL}"]}},
        )
        return reverse(name, args=[target.code])

    build.__name__ = f"url_{name}"
    build.names_records = True
    return build


def _after_a_read(name):
    """reverse(name), once a read by therapist_a of client_a's entry is in the audit trail (the
    fixtures write none): the audit pages then have a row of A's to show, or to keep from others."""

    def build(objs):
        from audit.models import AuditAction
        from audit.record import record

        record(
            actor=objs.therapist,
            action=AuditAction.READ,
            object_type="Entry",
            object_code=AUDIT_MARKER,
            client=objs.client,
            actor_role="owner",
        )
        return reverse(name)

    build.__name__ = f"url_{name}"
    return build


CRISIS_MARKER_A = "Riverside line of Practice A"  # a number label of A's own crisis resources


def _with_crisis_resources_of_a(name):
    """reverse(name), once practice A has crisis resources of its own (the fixtures set none): the
    owner's page then shows A's label, which B's owner must not see on B's page."""

    def build(objs):
        from practices.crisis import crisis_resources_set

        crisis_resources_set(
            practice=objs.practice, actor=objs.therapist, country="Germany", numbers=[(CRISIS_MARKER_A, "112")]
        )
        return reverse(name)

    build.__name__ = f"url_{name}"
    return build


PUBLIC = {
    "healthz": Public(_fixed("healthz"), "load balancers and monitors probe it without signing in"),
    "crisis": Public(_fixed("crisis"), "crisis resources must be one tap away, signed in or not"),
    # Installing Between as an app: fixed files, the same for everyone, fetched by the browser on
    # its own (the manifest without cookies); none holds anything of anyone's.
    "favicon": Public(_fixed("favicon"), "browsers ask for /favicon.ico on their own, on every site"),
    "manifest": Public(_fixed("manifest"), "the web app manifest: name, colours, icons, the start page's URL"),
    "service_worker": Public(
        _fixed("service_worker"), "the worker script, registered on the sign-in page too; it keeps no one's data"
    ),
    "accounts:sign_in_link": Public(
        _fixed("accounts:sign_in_link", "not-a-real-token-0000000000000000000000000"),
        "the single-use emailed token is itself the credential; GET moves it into the session and on to /welcome/",
        status=404,  # the dummy token is unknown: its page says so
    ),
    "accounts:sign_in_link_open": Public(
        _fixed("accounts:sign_in_link_open"),
        "the token-less page an opened link moves to: a button, only its POST uses the link in the session",
        status=404,  # no link was opened in this session: the invalid-link page
    ),
    # The API's description is no secret (the code is open source) and holds no one's data; client
    # developers and schema tools (schemathesis, generators) read it before they have a session.
    "api:openapi-json": Public(_fixed("api:openapi-json"), "the API's shape only, the same for everyone"),
    "api:openapi-view": Public(_fixed("api:openapi-view"), "renders openapi.json with same-origin Swagger files"),
    # django-ninja's root pattern exists so reverse() can find the prefix; it answers 404 to all.
    "api:api-root": Public(_fixed("api:api-root"), "not a page: 404 for everyone", status=404),
    # Signed links from reminder emails and calendar apps: the signature is the credential, and
    # neither page shows anything of the client (notifications/tests/test_pause_links.py,
    # test_calendar_feed.py test them with real tokens).
    "notifications:pause": Public(
        _fixed("notifications:pause", "not-a-real-token"),
        "a mail client's one-click unsubscribe posts without a session; GET only asks",
        status=400,  # the dummy token is not ours: "This link does not work"
    ),
    "notifications:feed": Public(
        _fixed("notifications:feed", "not-a-real-token"),
        "calendar apps poll it without signing in; only the current secret address answers",
        status=404,
    ),
}

ALLAUTH = {
    # Signing in, out and back in.
    "account_login": Allauth(_fixed("account_login"), "page"),
    "account_logout": Allauth(_fixed("account_logout"), "sign_in"),
    "account_inactive": Allauth(_fixed("account_inactive"), "page"),
    "account_signup": Allauth(_fixed("account_signup"), "page"),  # shows "closed": invitation only
    "account_reauthenticate": Allauth(_fixed("account_reauthenticate"), "sign_in"),
    "account_request_login_code": Allauth(_fixed("account_request_login_code"), "page"),
    # Without a pending code, back to asking for one.
    "account_confirm_login_code": Allauth(
        _fixed("account_confirm_login_code"), "sign_in", sign_in_url="account_request_login_code"
    ),
    # Email addresses and passwords.
    "account_email": Allauth(_fixed("account_email"), "sign_in"),
    "account_email_verification_sent": Allauth(_fixed("account_email_verification_sent"), "page"),
    "account_confirm_email": Allauth(_fixed("account_confirm_email", "not-a-real-key"), "page"),
    "account_change_password": Allauth(_fixed("account_change_password"), "sign_in"),
    "account_set_password": Allauth(_fixed("account_set_password"), "sign_in"),
    "account_reset_password": Allauth(_fixed("account_reset_password"), "page"),
    "account_reset_password_done": Allauth(_fixed("account_reset_password_done"), "page"),
    "account_reset_password_from_key": Allauth(_fixed("account_reset_password_from_key", "1", "not-a-key"), "page"),
    "account_reset_password_from_key_done": Allauth(_fixed("account_reset_password_from_key_done"), "page"),
    # MFA.
    "mfa_index": Allauth(_fixed("mfa_index"), "sign_in"),
    "mfa_authenticate": Allauth(_fixed("mfa_authenticate"), "sign_in"),
    "mfa_reauthenticate": Allauth(_fixed("mfa_reauthenticate"), "sign_in"),
    "mfa_activate_totp": Allauth(_fixed("mfa_activate_totp"), "sign_in"),
    "mfa_deactivate_totp": Allauth(_fixed("mfa_deactivate_totp"), "sign_in"),
    "mfa_view_recovery_codes": Allauth(_fixed("mfa_view_recovery_codes"), "sign_in"),
    "mfa_generate_recovery_codes": Allauth(_fixed("mfa_generate_recovery_codes"), "sign_in"),
    "mfa_download_recovery_codes": Allauth(_fixed("mfa_download_recovery_codes"), "sign_in"),
    # Passkeys (WebAuthn). The key pages take allauth's integer id and only ever find the
    # signed-in person's own keys (tests/test_sign_in_rules.py tries another person's).
    "mfa_list_webauthn": Allauth(_fixed("mfa_list_webauthn"), "sign_in"),
    "mfa_add_webauthn": Allauth(_fixed("mfa_add_webauthn"), "sign_in"),
    "mfa_reauthenticate_webauthn": Allauth(_fixed("mfa_reauthenticate_webauthn"), "sign_in"),
    "mfa_remove_webauthn": Allauth(_fixed("mfa_remove_webauthn", 1), "sign_in"),
    "mfa_edit_webauthn": Allauth(_fixed("mfa_edit_webauthn", 1), "sign_in"),
    # GET sends back to the sign-in page, where the passkey button posts here.
    "mfa_login_webauthn": Allauth(_fixed("mfa_login_webauthn"), "sign_in"),
    # Each person's signed-in browsers, to end the others.
    "usersessions_list": Allauth(_fixed("usersessions_list"), "sign_in"),
}

MATRIX = {
    # Everyone signed in is sent on to their own start page.
    "home": Route(_fixed("home"), owners=frozenset(), others=SIGNED_IN, get=302),
    # --- Therapist pages: the practice's team ---
    "practices:team": Route(
        _fixed("practices:team"),
        owners=frozenset({"therapist_a"}),
        others=frozenset({"therapist_b"}),  # owner of B: sees B's team only
        shows="Carol Colleague",
        private=("Carol Colleague", "carol@example.com", "alice@example.com"),
        theirs={"therapist_b": "bob@example.com"},
        valid_post=lambda objs: {"name": "Nina Newtherapist", "email": "nina@example.com"},
    ),
    # The owner's list of emails that failed, to people of the practice (client_a's address here).
    # No valid_post: a retry names one message, and another owner's retry of A's is a 404 (which
    # the matrix does not allow `others`); notifications/tests/test_failed_deliveries.py tests it.
    "notifications:failed_deliveries": Route(
        _fixed("notifications:failed_deliveries"),
        owners=frozenset({"therapist_a"}),
        others=frozenset({"therapist_b"}),  # owner of B: B's failures only
        shows=CLIENT_A_EMAIL,
    ),
    # The owner's search of the audit trail: rows of their practice's people and clients only.
    "practices:audit_search": Route(
        _after_a_read("practices:audit_search"),
        owners=frozenset({"therapist_a"}),
        others=frozenset({"therapist_b"}),  # owner of B: B's rows only
        shows=AUDIT_MARKER,
        private=(AUDIT_MARKER, "Carol Colleague", "Alice Therapist"),
        theirs={"therapist_b": CLIENT_B_NAME},  # B's own client, in the client choices
    ),
    # The owner's crisis resources for the practice's clients; B's owner edits B's own.
    "practices:crisis_settings": Route(
        _with_crisis_resources_of_a("practices:crisis_settings"),
        owners=frozenset({"therapist_a"}),
        others=frozenset({"therapist_b"}),  # owner of B: B's resources (the defaults so far)
        shows=CRISIS_MARKER_A,
        private=(CRISIS_MARKER_A,),
        theirs={"therapist_b": "international defaults"},
        valid_post=lambda objs: {"country": "Austria", "label_0": "Emergency", "number_0": "+43 112"},
    ),
    # --- Therapist pages: notices of their own clients, and when they hear of them ---
    "notifications:notices": Route(
        _fixed("notifications:notices"),
        owners=frozenset({"therapist_a"}),
        others=frozenset({"colleague_a", "therapist_b"}),  # their own notices: none of A's
        shows=CLIENT_A_NAME,
        valid_post=lambda objs: {"all": "1"},
    ),
    "notifications:notice_settings": Route(
        _fixed("notifications:notice_settings"),
        owners=frozenset(),
        others=THERAPISTS,  # each therapist's own settings
        valid_post=lambda objs: {"timezone": "America/Los_Angeles", "morning_brief_at": "08:15"},
    ),
    # --- Therapist pages: the home (their own caseload's appointments, queue and adherence) ---
    "insights:home": Route(
        _fixed("insights:home"),
        owners=frozenset({"therapist_a"}),
        others=frozenset({"colleague_a", "therapist_b"}),  # each sees their own caseload only
        shows=CLIENT_A_NAME,
        theirs={"therapist_b": CLIENT_B_NAME},
    ),
    # Shares of one's own assignments only, never a client: every therapist gets their own page.
    "insights:assigning_feedback": Route(
        _fixed("insights:assigning_feedback"),
        owners=frozenset(),
        others=THERAPISTS,
        theirs={"therapist_a": "1 assignment you made", "therapist_b": "1 assignment you made"},
    ),
    # --- Therapist pages: the caseload ---
    "homework:client_list": Route(
        _fixed("homework:client_list"),
        owners=frozenset({"therapist_a"}),
        others=frozenset({"colleague_a", "therapist_b"}),
        shows=CLIENT_A_NAME,
        theirs={"therapist_b": CLIENT_B_NAME},
    ),
    "practices:client_add": Route(
        _fixed("practices:client_add"),
        owners=frozenset({"therapist_a"}),
        others=frozenset({"colleague_a", "therapist_b"}),  # their own pending invitations only
        shows=INVITED_EMAIL,  # therapist_a's invitation waiting for an answer
        private=(INVITED_EMAIL,),
        valid_post=lambda objs: {"name": "Nina Newclient", "email": "nina.client@example.com", "timezone": "UTC"},
    ),
    "homework:client_detail": Route(
        _r("homework:client_detail", "client"), owners=frozenset({"therapist_a"}), shows=SENTINEL
    ),
    "practices:client_edit": Route(
        _r("practices:client_edit", "client"),
        owners=frozenset({"therapist_a"}),
        shows=CLIENT_A_NAME,
        valid_post=lambda objs: {"name": "Renamed Client", "timezone": "Europe/Paris"},  # is_active off!
    ),
    "practices:goal_add": Route(
        _r("practices:goal_add", "client"),
        owners=frozenset({"therapist_a"}),
        valid_post=lambda objs: {"title": "Injected goal", "description": "", "status": "active"},
    ),
    "practices:goal_edit": Route(
        _r("practices:goal_edit", "goal"),
        owners=frozenset({"therapist_a"}),
        shows=SENTINEL,
        valid_post=lambda objs: {"title": "Changed", "description": "Changed", "status": "achieved"},
    ),
    "practices:appointment_add": Route(
        _r("practices:appointment_add", "client"),
        owners=frozenset({"therapist_a"}),
        valid_post=lambda objs: {"starts_at": "2031-03-04T10:00"},
    ),
    "practices:appointment_edit": Route(
        _r("practices:appointment_edit", "appointment"),
        owners=frozenset({"therapist_a"}),
        valid_post=lambda objs: {"starts_at": "2031-03-04T10:00"},
    ),
    # --- Therapist pages: the pre-session brief of A's appointment (the treating therapist only) ---
    "insights:brief": Route(_r("insights:brief", "appointment"), owners=frozenset({"therapist_a"}), shows=SENTINEL),
    # A PDF's text is compressed, so `shows` could not find it; insights/tests/test_brief_pdf.py reads it.
    "insights:brief_pdf": Route(_r("insights:brief_pdf", "appointment"), owners=frozenset({"therapist_a"})),
    "insights:topic_discussed": Route(
        _r("insights:topic_discussed", "topic"),
        owners=frozenset({"therapist_a"}),
        get=405,  # POST only: the button sits on the brief
        valid_post=lambda objs: {"next": reverse("insights:brief", args=[objs.appointment.code])},
    ),
    # --- Therapist pages: the exercise library (practice templates are shared in the practice) ---
    "homework:template_list": Route(
        _fixed("homework:template_list"),
        owners=frozenset({"therapist_a", "colleague_a"}),
        others=frozenset({"therapist_b"}),
        shows=SENTINEL,
    ),
    "homework:template_detail": Route(
        _r("homework:template_detail", "template"), owners=frozenset({"therapist_a", "colleague_a"}), shows=SENTINEL
    ),
    # --- Therapist pages: homework of A's client ---
    "homework:assign_choose": Route(
        _r("homework:assign_choose", "client"), owners=frozenset({"therapist_a"}), shows=CLIENT_A_NAME
    ),
    "homework:assign": Route(
        _r("homework:assign", "client", "builtin_template"),
        owners=frozenset({"therapist_a"}),
        shows=CLIENT_A_NAME,
        valid_post=lambda objs: _assign_body(objs),
    ),
    "homework:assignment_detail": Route(
        _r("homework:assignment_detail", "assignment"), owners=frozenset({"therapist_a"}), shows=SENTINEL
    ),
    "homework:assignment_edit": Route(
        _r("homework:assignment_edit", "assignment"),
        owners=frozenset({"therapist_a"}),
        shows=SENTINEL,
        valid_post=lambda objs: {**_assign_body(objs), "version": str(objs.assignment.version)},
    ),
    "homework:assignment_review": Route(
        _r("homework:assignment_review", "assignment"),
        owners=frozenset({"therapist_a"}),
        get=405,  # POST only: the review form sits on the assignment page
        valid_post=lambda objs: {"decision": "stop", "note": ""},
    ),
    "homework:entry_detail": Route(
        _r("homework:entry_detail", "entry"),
        owners=frozenset({"therapist_a"}),
        shows=SENTINEL,
        valid_post=lambda objs: {"body": "A reply"},
    ),
    "homework:risk_seen": Route(
        _r("homework:risk_seen", "entry"),
        owners=frozenset({"therapist_a"}),
        get=405,  # POST only: the form sits on the entry page while the flag is unseen
        valid_post=lambda objs: {"risk_note": "Called; safety plan reviewed"},
    ),
    # --- The invitee's answer to an invitation into care (no role gate: they may be nobody's client) ---
    "practices:care_invitation": Route(
        _r("practices:care_invitation", "care_invitation"),
        owners=frozenset({"client_b"}),  # its invitee; in B's care, so the page says why they cannot accept
        shows=INVITATION_TEXT,
        private=(INVITATION_TEXT,),
        valid_post=lambda objs: {"decline": "1"},
    ),
    # --- Client pages ---
    "homework:client_home": Route(
        _fixed("homework:client_home"),
        owners=frozenset({"client_a"}),
        others=frozenset({"client_b"}),
        shows=SENTINEL,
        theirs={"client_b": "B&#x27;s homework"},
    ),
    "homework:client_history": Route(
        _fixed("homework:client_history"),
        owners=frozenset({"client_a"}),
        others=frozenset({"client_b"}),
        shows=SENTINEL,
        theirs={"client_b": "B&#x27;s homework"},
    ),
    "homework:client_assignment": Route(
        _r("homework:client_assignment", "assignment"), owners=frozenset({"client_a"}), shows=SENTINEL
    ),
    "homework:entry_new": Route(
        _r("homework:entry_new", "assignment"),
        owners=frozenset({"client_a"}),
        shows=SENTINEL,
        valid_post=lambda objs: _entry_body(objs),
    ),
    "homework:quick_log": Route(
        _r("homework:quick_log", "assignment"),
        owners=frozenset({"client_a"}),
        get=405,  # POST only: the form sits on the today page's card
        # The card's body for a thought record: done, today, the answers (the time is filled in).
        valid_post=lambda objs: {key: value for key, value in _entry_body(objs).items() if key != "log-comment"},
    ),
    "homework:client_entry": Route(
        _r("homework:client_entry", "entry"),
        owners=frozenset({"client_a"}),
        shows=SENTINEL,
        valid_post=lambda objs: {"body": "A new comment"},
    ),
    "homework:entry_edit": Route(
        _r("homework:entry_edit", "entry"),
        owners=frozenset({"client_a"}),
        shows=SENTINEL,
        valid_post=lambda objs: {**_entry_body(objs), "log-version": str(objs.entry.version)},
    ),
    # What the log form holds as client_a types (static/js/drafts.js): JSON, POST only. A draft
    # of A's is there already; no one else may read or overwrite it (the state compares them).
    "homework:draft": Route(
        _with_a_draft("homework:draft", "assignment"),
        owners=frozenset({"client_a"}),
        get=405,
        posted=(200,),
        valid_post=lambda objs: {"log-outcome": "done", "situation": "Half-typed situation"},
    ),
    "homework:entry_draft": Route(
        _with_a_draft("homework:entry_draft", "entry"),
        owners=frozenset({"client_a"}),
        get=405,
        posted=(200,),
        valid_post=lambda objs: {"log-skip_note": "Half-typed", "log-version": str(objs.entry.version)},
    ),
    "notifications:settings": Route(
        _fixed("notifications:settings"),
        owners=frozenset({"client_a"}),
        others=frozenset({"client_b"}),  # their own reminders
        shows=SENTINEL,  # the titles of the client's practices
        theirs={"client_b": "B&#x27;s homework"},
        valid_post=lambda objs: _reminder_settings_body(objs),
    ),
    "notifications:feed_manage": Route(
        _fixed("notifications:feed_manage"),
        owners=frozenset({"client_a"}),
        others=frozenset({"client_b"}),  # their own feed
        get=405,  # POST only: the buttons sit on the settings page
        valid_post=lambda objs: {"action": "on"},
    ),
    "homework:self_rating": Route(
        _r("homework:self_rating", "assignment"),
        owners=frozenset({"client_a"}),
        get=405,  # POST only: the form sits on the assignment page
        valid_post=lambda objs: {"quantity": "2", "quality": "3"},
    ),
    # --- Client pages: topics for the next session, progress ---
    "insights:topics": Route(
        _fixed("insights:topics"),
        owners=frozenset({"client_a"}),
        others=frozenset({"client_b"}),  # their own topics
        shows=SENTINEL,  # the text of client_a's open topic
        theirs={"client_b": "B&#x27;s topic"},
        valid_post=lambda objs: {"topic-text": "Something for next time"},
    ),
    "insights:progress": Route(
        _fixed("insights:progress"),
        owners=frozenset({"client_a"}),
        others=frozenset({"client_b"}),  # their own progress
        shows=SENTINEL,  # the titles of the client's practices
        theirs={"client_b": "B&#x27;s homework"},
    ),
    # --- Client pages: who opened their record (therapist_a's read of A's entry, for client_a) ---
    "practices:access_history": Route(
        _after_a_read("practices:access_history"),
        owners=frozenset({"client_a"}),
        others=frozenset({"client_b"}),  # their own history: nobody's yet
        shows="Alice Therapist",
        private=("Alice Therapist",),
        theirs={"client_b": "Nobody else has opened your record yet."},
    ),
}

API = {
    # --- Client side: the client's own homework ---
    "api:my_assignments": ApiRoute(
        _fixed("api:my_assignments"),
        "GET",
        audience=CLIENTS,
        owners=frozenset({"client_a"}),
        others=frozenset({"client_b"}),
        shows=SENTINEL,
        theirs={"client_b": "B's homework"},
    ),
    "api:my_assignment": ApiRoute(
        _r("api:my_assignment", "assignment"), "GET", audience=CLIENTS, owners=frozenset({"client_a"}), shows=SENTINEL
    ),
    "api:my_entry_create": ApiRoute(
        _r("api:my_entry_create", "assignment"),
        "POST",
        audience=CLIENTS,
        owners=frozenset({"client_a"}),
        shows="Injected comment",  # the new entry comes back with its comment
        status=201,
        valid_body=lambda objs: {**_api_entry_body(objs), "comment": "Injected comment"},
    ),
    "api:my_entries": ApiRoute(
        _fixed("api:my_entries"),
        "GET",
        audience=CLIENTS,
        owners=frozenset({"client_a"}),
        others=frozenset({"client_b"}),
        shows=SENTINEL,
        theirs={"client_b": "B's situation"},
    ),
    "api:my_entry_update": ApiRoute(
        _r("api:my_entry_update", "entry"),
        "PUT",
        audience=CLIENTS,
        owners=frozenset({"client_a"}),
        shows=SENTINEL,  # the comment thread comes back with the changed entry
        valid_body=lambda objs: {**_api_entry_body(objs), "version": objs.entry.version},
    ),
    # --- Therapist side: the treating therapist only ---
    "api:clients": ApiRoute(
        _fixed("api:clients"),
        "GET",
        audience=THERAPISTS,
        owners=frozenset({"therapist_a"}),
        others=frozenset({"colleague_a", "therapist_b"}),  # their own caseloads
        shows=CLIENT_A_NAME,
        theirs={"therapist_b": CLIENT_B_NAME},
    ),
    "api:client_assignments": ApiRoute(
        _r("api:client_assignments", "client"),
        "GET",
        audience=THERAPISTS,
        owners=frozenset({"therapist_a"}),
        shows=SENTINEL,
    ),
    "api:assignment_entries": ApiRoute(
        _r("api:assignment_entries", "assignment"),
        "GET",
        audience=THERAPISTS,
        owners=frozenset({"therapist_a"}),
        shows=SENTINEL,
    ),
    "api:entry_fhir": ApiRoute(
        _r("api:entry_fhir", "entry"), "GET", audience=THERAPISTS, owners=frozenset({"therapist_a"}), shows=SENTINEL
    ),
}


# --- Enumerating what Django routes -------------------------------------------------------------------------


def route_keys(patterns=None, prefix="", namespace=None):
    """Yield (key, pattern string) for every URL pattern, descending into includes.

    The key is the namespaced route name; a pattern without a name is keyed by its pattern string."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from route_keys(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            if entry.name:
                yield (f"{namespace}:{entry.name}" if namespace else entry.name), pattern
            else:
                yield pattern, pattern


def all_routes():
    return dict(route_keys())


LISTS = {"PUBLIC": PUBLIC, "ALLAUTH": ALLAUTH, "MATRIX": MATRIX, "API": API}


def test_every_url_pattern_is_keyed_once():
    keys = [key for key, _ in route_keys()]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicates, f"Two URL patterns share a key; give them distinct names: {duplicates}"


def test_every_url_pattern_has_an_entry():
    routes = all_routes()
    missing = sorted(
        f"{key}  ({pattern})" for key, pattern in routes.items() if not any(key in lst for lst in LISTS.values())
    )
    assert not missing, (
        "These URL patterns have no entry in PUBLIC, ALLAUTH, MATRIX or API of tests/test_authorization_matrix.py; "
        "add one saying who may use them:\n  " + "\n  ".join(missing)
    )


def test_no_url_pattern_is_in_two_lists():
    names = list(LISTS)
    overlaps = sorted(
        f"{key}: {a} and {b}"
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        for key in set(LISTS[a]) & set(LISTS[b])
    )
    assert not overlaps, overlaps


def test_no_entry_names_a_pattern_that_no_longer_exists():
    routes = all_routes()
    stale = sorted(f"{name}: {key}" for name, lst in LISTS.items() for key in lst if key not in routes)
    assert not stale, "Entries for URL patterns that no longer exist (remove them):\n  " + "\n  ".join(stale)


def test_public_urls_are_only_what_needs_to_be_public():
    # A widening of the public surface must be a deliberate, reviewed edit of this line.
    assert set(PUBLIC) == {
        "healthz",
        "crisis",
        "favicon",
        "manifest",
        "service_worker",
        "accounts:sign_in_link",
        "accounts:sign_in_link_open",
        "api:openapi-json",
        "api:openapi-view",
        "api:api-root",
        "notifications:pause",
        "notifications:feed",
    }


@pytest.mark.parametrize("key", sorted(ALLAUTH))
def test_the_allauth_list_holds_only_allauths_own_views(key):
    """So no view of ours can hide in the lighter ALLAUTH list instead of the MATRIX."""
    url = ALLAUTH[key].url(None)
    assert resolve(urlsplit(url).path).func.__module__.startswith("allauth."), key


def test_matrix_roles_are_known_and_consistent():
    for key, route in {**MATRIX, **API}.items():
        assert route.owners <= SIGNED_IN and route.others <= SIGNED_IN, key
        assert not route.owners & route.others, key
        assert set(route.theirs) <= route.others, f"{key}: `theirs` names a role not in `others`"
    for key, route in API.items():
        assert key.startswith("api:"), key
        assert route.audience in (CLIENTS, THERAPISTS), key
        assert route.owners | route.others <= route.audience, key
        assert (route.method == "GET") == (route.valid_body is None), f"{key}: a write needs a valid_body"


@pytest.mark.parametrize("key", sorted(MATRIX) + sorted(PUBLIC) + sorted(ALLAUTH))
def test_each_url_builder_resolves_to_its_own_pattern(key, objs):
    entry = MATRIX.get(key) or PUBLIC.get(key) or ALLAUTH.get(key)
    url = entry.url(objs)
    assert resolve(urlsplit(url).path).view_name == key, f"{url} is routed elsewhere (shadowed by another pattern?)"


# --- Helpers ------------------------------------------------------------------------------------------------


def _header_text(response):
    parts = [f"{name}: {value}" for name, value in response.items()]
    parts += [f"Set-Cookie {morsel.key}={morsel.value}" for morsel in response.cookies.values()]
    return "\n".join(parts)


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def assert_nothing_of_as(response, extra=()):
    """No leak marker anywhere in what the response carries: body, headers (Location), cookies."""
    body, headers = _body(response), _header_text(response)
    leaks = [marker for marker in (*LEAK_MARKERS, *extra) if marker in body or marker in headers]
    assert not leaks, f"{response.status_code} response leaks {leaks}"


def sign_in_path():
    return reverse(settings.LOGIN_URL)


def assert_sent_to_sign_in(response, path=None):
    assert response.status_code == 302, f"expected a redirect to sign in, got {response.status_code}"
    location = urlsplit(response["Location"])
    assert location.path == (path or sign_in_path()), response["Location"]
    assert not location.netloc or location.netloc == "testserver", "redirected off-site"


def _request(client, method, url, body=None):
    if method == "GET":
        return client.get(url)
    return client.post(url, body or {})


def _state(objs):
    from notifications.models import ReminderPreferences
    from practices.models import CrisisResources

    state = snapshot(objs)
    # The client's reminder rules and calendar secret: only the client may change their own.
    state["reminder_preferences"] = sorted(
        ReminderPreferences.objects.values_list(
            "client_id", "quiet_start", "quiet_end", "channels", "paused_until", "feed_nonce"
        )
    )
    # The crisis numbers a practice's clients see: only its owner may change them.
    state["crisis_resources"] = sorted(
        (row.practice_id, row.country, str(row.numbers), row.note, row.updated_at)
        for row in CrisisResources.objects.all()
    )
    return state


# --- T-AZ-1 / T-AZ-2: every matrix route x role x method ------------------------------------------------------

MATRIX_CASES = [
    pytest.param(key, role, method, id=f"{key}-{role}-{method}")
    for key in sorted(MATRIX)
    for role in ROLES
    for method in ("GET", "POST", *(("POST-valid",) if MATRIX[key].valid_post else ()))
]

# An empty POST to an entitled page: a re-shown form (200), a redirect, a refused method (405),
# a stale-version conflict (409) or a bad request (400). Never a crash, never "not found".
OWNER_POST_STATUSES = {200, 302, 303, 400, 405, 409}


@pytest.mark.parametrize("key,role,method", MATRIX_CASES)
def test_matrix(key, role, method, objs, as_role):
    route = MATRIX[key]
    url = route.url(objs)
    body = route.valid_post(objs) if method == "POST-valid" else None
    http = as_role(role)
    before = _state(objs)

    response = _request(http, "GET" if method == "GET" else "POST", url, body)

    if role == "anonymous":
        # A page that takes no form may refuse a POST for its method (405), which says nothing.
        if not (method != "GET" and route.valid_post is None and response.status_code == 405):
            assert_sent_to_sign_in(response)
        assert_nothing_of_as(response, route.private)
        assert _state(objs) == before, "an anonymous request changed data"
    elif role in route.owners:
        if method == "GET":
            assert response.status_code == route.get, f"{role} GET {url}: {response.status_code}"
            if route.shows:
                assert route.shows in _body(response), f"{role} should see {route.shows!r} on {url}"
            assert _state(objs) == before, f"{role}'s GET of {url} changed data"
        elif method == "POST":
            assert response.status_code in OWNER_POST_STATUSES, f"{role} POST {url}: {response.status_code}"
        else:
            assert response.status_code in route.posted, (
                f"the valid body was refused ({response.status_code}); fix valid_post for {key}: "
                + _body(response)[:2000]
            )
            assert _state(objs) != before, f"the owner's valid POST to {key} changed nothing; fix valid_post"
    elif role in route.others:
        if method == "GET":
            assert response.status_code == route.get, f"{role} GET {url}: {response.status_code}"
            if role in route.theirs:
                assert route.theirs[role] in _body(response), f"{role} should see their own {route.theirs[role]!r}"
            assert _state(objs) == before, f"{role}'s GET of {url} changed data"
        else:
            assert response.status_code in OWNER_POST_STATUSES, f"{role} POST {url}: {response.status_code}"
        assert_nothing_of_as(response, route.private)
    else:
        # A foreign role: the same "not found" a non-existent record gives, a GET of a POST-only
        # URL included. A POST to a page that takes no form may instead be refused for its method
        # before any lookup (405), which says nothing about the record.
        allowed = {404} if method == "GET" or route.valid_post else {404, 405}
        assert response.status_code in allowed, f"{role} {method} {url}: {response.status_code} (expected 404)"
        assert_nothing_of_as(response, route.private)
        assert _state(objs) == before, f"{role}'s refused {method} to {url} changed data"


# --- Other methods: PUT, PATCH, DELETE change nothing for anyone -------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(MATRIX))
def test_other_methods_change_nothing(key, role, objs, as_role):
    route = MATRIX[key]
    http = as_role(role)
    url = route.url(objs)
    before = _state(objs)
    for method in ("put", "patch", "delete"):
        response = getattr(http, method)(url, "decision=stop&name=x", content_type="application/x-www-form-urlencoded")
        if role == "anonymous":
            assert response.status_code in (302, 405), f"{method} {url}: {response.status_code}"
        elif role in route.owners or role in route.others:
            assert response.status_code < 500, f"{role} {method} {url}: {response.status_code}"
        else:
            assert response.status_code in (404, 405), f"{role} {method} {url}: {response.status_code}"
        if role not in route.owners:
            assert_nothing_of_as(response, route.private)
    assert _state(objs) == before, f"{role}'s PUT/PATCH/DELETE to {url} changed data"


# --- Other forms on one URL: every body an owner's page posts, refused to everyone else ----------------------

# Bodies besides valid_post that an owner's page sends to the same URL, each a different action.
OTHER_POSTS = {
    "practices:appointment_edit": {"delete": lambda objs: {"delete": "1"}},  # the page's delete button
    "insights:topics": {
        "remove": lambda objs: {"remove": objs.topic.code},  # each open topic's remove button
        "from_entry": lambda objs: {"topic-text": "About this entry", "topic-entry": objs.entry.code},  # entry page
    },
}
OTHER_POST_CASES = [
    pytest.param(key, action, role, id=f"{key}-{action}-{role}")
    for key in sorted(OTHER_POSTS)
    for action in sorted(OTHER_POSTS[key])
    for role in ROLES
]


@pytest.mark.parametrize("key,action,role", OTHER_POST_CASES)
def test_other_forms_on_a_page_are_refused_to_everyone_else(key, action, role, objs, as_role):
    route = MATRIX[key]
    url = route.url(objs)
    before = _state(objs)
    response = as_role(role).post(url, OTHER_POSTS[key][action](objs))
    if role in route.owners:
        assert response.status_code in (302, 303), f"{role} {action} {url}: {response.status_code}"
        # Counts only: the action may have deleted the very record _state() reads.
        assert snapshot()["counts"] != before["counts"], f"the owner's {action} changed nothing; fix OTHER_POSTS"
        return
    if role == "anonymous":
        assert_sent_to_sign_in(response)
    else:
        assert response.status_code == 404, f"{role} {action} {url}: {response.status_code} (expected 404)"
    assert_nothing_of_as(response, route.private)
    assert _state(objs) == before, f"{role}'s {action} to {url} changed data"


# --- No existence oracle: a foreign record looks exactly like a missing one -----------------------------------

ORACLE_CASES = [
    pytest.param(key, role, id=f"{key}-{role}")
    for key in sorted(MATRIX)
    if getattr(MATRIX[key].url, "names_records", False)
    for role in sorted(SIGNED_IN)
    if role not in MATRIX[key].owners and role not in MATRIX[key].others
]

MISSING = "zzzzzzzzzzzz"


def _codes(objs):
    return [
        obj.code
        for obj in (
            objs.client,
            objs.goal,
            objs.appointment,
            objs.assignment,
            objs.entry,
            objs.template,
            objs.topic,
            objs.care_invitation,
        )
        if obj is not None
    ] + [objs.builtin_template.code]


@pytest.mark.parametrize("key,role", ORACLE_CASES)
def test_a_foreign_record_answers_like_a_missing_one(key, role, objs, as_role):
    url = MATRIX[key].url(objs)
    codes = [code for code in _codes(objs) if code in url]
    if not codes:
        pytest.skip("the URL names no record")
    missing_url = url
    for code in codes:
        # Keep the builtin template's code (everyone may see it); replace A's own records.
        if code != objs.builtin_template.code:
            missing_url = missing_url.replace(code, MISSING)
    if missing_url == url:
        pytest.skip("the URL names no record of A's")
    http = as_role(role)
    foreign, missing = http.get(url), http.get(missing_url)
    assert foreign.status_code == missing.status_code
    assert foreign.status_code in (404, 405)  # 405: a POST-only URL refuses GET before any lookup
    foreign_body = _body(foreign)
    for code in codes:
        foreign_body = foreign_body.replace(code, MISSING)
    assert foreign_body == _body(missing), "a foreign record's 404 differs from a missing record's"


# --- Odd codes: a hand-edited URL is "not found", never a crash ------------------------------------------------

ODD_CODES = {
    "nul": "%00",
    "quote": "%27%20OR%201%3D1--",
    "long": "a" * 300,
    "unicode": "%C3%A9%E2%80%AE",
    "dots": "..",
    "percent": "%25",
}
ODD_CASES = [
    pytest.param(key, odd, id=f"{key}-{odd}")
    for key in sorted(MATRIX)
    if getattr(MATRIX[key].url, "names_records", False)
    for odd in sorted(ODD_CODES)
]


@pytest.mark.parametrize("key,odd", ODD_CASES)
def test_an_odd_code_is_not_found(key, odd, objs, as_role):
    route = MATRIX[key]
    url = route.url(objs)
    codes = [code for code in _codes(objs) if code in url and code != objs.builtin_template.code]
    assert codes
    http = as_role(sorted(route.owners)[0])
    for code in codes:
        for method in ("GET", "POST"):
            response = _request(http, method, url.replace(code, ODD_CODES[odd]))
            assert response.status_code in (404, 405), f"{method} {url} with code {odd!r}: {response.status_code}"


# --- Public and allauth pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(PUBLIC))
@pytest.mark.parametrize("role", ROLES)
def test_public_pages_answer_anyone_and_leak_nothing(key, role, objs, as_role):
    http = as_role(role)
    response = http.get(PUBLIC[key].url(objs))
    assert response.status_code == PUBLIC[key].status
    assert_nothing_of_as(response)


@pytest.mark.parametrize("key", sorted(ALLAUTH))
def test_allauth_pages_for_anonymous_are_sign_in_pages_or_send_there(key, objs, client):
    entry = ALLAUTH[key]
    response = client.get(entry.url(objs))
    if entry.anonymous == "page":
        assert response.status_code == 200, f"{key}: {response.status_code}"
    else:
        assert_sent_to_sign_in(response, reverse(entry.sign_in_url))
    assert_nothing_of_as(response)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("role", sorted(SIGNED_IN - {"client_a"}))
@pytest.mark.parametrize("key", sorted(ALLAUTH))
def test_allauth_pages_show_no_clinical_data(key, role, method, objs, as_role):
    http = as_role(role)
    before = _state(objs)
    response = _request(http, method, ALLAUTH[key].url(objs))
    assert response.status_code < 500
    assert_nothing_of_as(response)
    assert _state(objs) == before


@pytest.mark.parametrize("key", sorted(ALLAUTH))
def test_allauth_pages_show_client_a_no_clinical_data(key, objs, as_role):
    response = as_role("client_a").get(ALLAUTH[key].url(objs))
    assert response.status_code < 500
    assert SENTINEL not in _body(response) + _header_text(response)


# --- The JSON API: every operation x role x method ------------------------------------------------------------

UNAUTHORIZED = {"detail": "Unauthorized"}
NOT_FOUND = {"detail": "Not found"}


def _api_request(http, method, url, body=None):
    if method == "GET":
        return http.get(url)
    return http.generic(method, url, json.dumps(body if body is not None else {}), content_type="application/json")


def _api_labels(route):
    """GET, the operation's own method with an empty body, and with a valid one. A GET operation
    gets a POST instead, which its path does not serve."""
    if route.method == "GET":
        return ("GET", "POST")
    return ("GET", route.method, f"{route.method}-valid")


API_CASES = [
    pytest.param(key, role, label, id=f"{key}-{role}-{label}")
    for key in sorted(API)
    for role in ROLES
    for label in _api_labels(API[key])
]


@pytest.mark.parametrize("key,role,label", API_CASES)
def test_api_matrix(key, role, label, objs, as_role):
    route = API[key]
    method, valid = label.removesuffix("-valid"), label.endswith("-valid")
    url = route.url(objs)
    body = route.valid_body(objs) if valid else {}
    http = as_role(role)
    before = _state(objs)

    response = _api_request(http, method, url, body)

    if method != route.method:
        # django-ninja refuses a method the path does not serve before anything else, for anyone.
        assert response.status_code == 405, f"{role} {method} {url}: {response.status_code}"
    elif role == "anonymous":
        assert response.status_code == 401, f"anonymous {method} {url}: {response.status_code}"
        assert response.json() == UNAUTHORIZED
        assert "Location" not in response, "an API caller is not sent to a sign-in page"
    elif role in route.owners:
        if method == "GET" or valid:
            assert response.status_code == route.status, f"{role} {method} {url}: {_body(response)[:2000]}"
            assert response["Content-Type"].startswith("application/json")
            if route.shows:
                assert route.shows in _body(response), f"{role} should get {route.shows!r} from {url}"
        else:
            assert response.status_code == 422, f"{role} {method} {url} with an empty body: {response.status_code}"
    elif role in route.others:
        assert response.status_code == route.status, f"{role} {method} {url}: {response.status_code}"
        if role in route.theirs:
            assert route.theirs[role] in _body(response), f"{role} should get their own {route.theirs[role]!r}"
    else:
        allowed = {404}
        if method != "GET" and not valid and role in route.audience:
            allowed.add(422)  # the body is refused before any lookup, as for a missing record
        assert response.status_code in allowed, f"{role} {label} {url}: {response.status_code} (expected 404)"
        if response.status_code == 404:
            assert response.json() == NOT_FOUND
    if role not in route.owners:
        assert_nothing_of_as(response, route.private)
    if role in route.owners and valid:
        assert _state(objs) != before, f"the owner's valid {method} to {key} changed nothing; fix valid_body"
    else:
        assert _state(objs) == before, f"{role}'s {label} to {url} changed data"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(API))
def test_api_other_methods_change_nothing(key, role, objs, as_role):
    route = API[key]
    http = as_role(role)
    url = route.url(objs)
    before = _state(objs)
    for method in ("PUT", "PATCH", "DELETE"):
        # An id slipped into the body as well: it must never reach a write (T-IN-6).
        response = _api_request(http, method, url, {"outcome": "skipped", "client_id": 1})
        if method != route.method:
            assert response.status_code == 405, f"{role} {method} {url}: {response.status_code}"
        elif role == "anonymous":
            assert response.status_code == 401
        elif role in route.owners or role in route.others:
            assert response.status_code == 422, f"{role} {method} {url}: {response.status_code}"
        else:
            assert response.status_code in ({404, 422} if role in route.audience else {404}), response.status_code
        if role not in route.owners:
            assert_nothing_of_as(response, route.private)
    assert _state(objs) == before, f"{role}'s PUT/PATCH/DELETE to {url} changed data"


API_ORACLE_CASES = [
    pytest.param(key, role, id=f"{key}-{role}")
    for key in sorted(API)
    if getattr(API[key].url, "names_records", False)
    for role in sorted(SIGNED_IN)
    if role not in API[key].owners and role not in API[key].others
]


@pytest.mark.parametrize("key,role", API_ORACLE_CASES)
def test_api_a_foreign_record_answers_like_a_missing_one(key, role, objs, as_role):
    route = API[key]
    url = route.url(objs)
    codes = [code for code in _codes(objs) if code in url]
    assert codes
    missing_url = url
    for code in codes:
        missing_url = missing_url.replace(code, MISSING)
    http = as_role(role)
    bodies = [None] if route.method == "GET" else [route.valid_body(objs), {}]
    for body in bodies:
        foreign = _api_request(http, route.method, url, body)
        missing = _api_request(http, route.method, missing_url, body)
        assert foreign.status_code == missing.status_code
        assert foreign.status_code in (404, 422)
        if body:
            assert foreign.status_code == 404, "a valid body on someone else's record is 'not found'"
        foreign_body = _body(foreign)
        for code in codes:
            foreign_body = foreign_body.replace(code, MISSING)
        assert foreign_body == _body(missing), "a foreign record's answer differs from a missing record's"


@pytest.mark.parametrize("key,odd", [
    pytest.param(key, odd, id=f"{key}-{odd}")
    for key in sorted(API)
    if getattr(API[key].url, "names_records", False)
    for odd in sorted(ODD_CODES)
])  # fmt: skip
def test_api_an_odd_code_is_not_found(key, odd, objs, as_role):
    route = API[key]
    url = route.url(objs)
    http = as_role(sorted(route.owners)[0])
    body = route.valid_body(objs) if route.valid_body else None
    for code in [code for code in _codes(objs) if code in url]:
        response = _api_request(http, route.method, url.replace(code, ODD_CODES[odd]), body)
        assert response.status_code == 404, f"{route.method} {url} with code {odd!r}: {response.status_code}"


@pytest.mark.parametrize("key", sorted(key for key, route in API.items() if route.method == "GET"))
def test_api_answers_with_client_data_are_json_and_never_stored(key, objs, as_role):
    route = API[key]
    response = as_role(sorted(route.owners)[0]).get(route.url(objs))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "no-store" in response.get("Cache-Control", ""), f"{key}: Cache-Control={response.get('Cache-Control')!r}"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- The API's lists hold exactly the caller's own rows ----------------------------------------------------------


def test_api_a_clients_lists_hold_exactly_their_own_homework(objs, world_b, as_role):
    http = as_role("client_b")
    assert [a["code"] for a in http.get(reverse("api:my_assignments")).json()] == [world_b.assignment.code]
    assert [e["code"] for e in http.get(reverse("api:my_entries")).json()["items"]] == [world_b.entry.code]


@pytest.mark.parametrize(
    "role,caseload", [("therapist_a", ["client_a"]), ("colleague_a", []), ("therapist_b", ["client_b"])]
)
def test_api_a_therapists_caseload_holds_exactly_their_own_clients(role, caseload, objs, as_role, request):
    codes = [request.getfixturevalue(name).code for name in caseload]
    assert [c["code"] for c in as_role(role).get(reverse("api:clients")).json()] == codes


def test_api_the_write_functions_second_line_answers_404_too(objs, as_role, monkeypatch):
    """If the door ever let a foreign assignment through, entry_record's own check would refuse it;
    the API answers that PermissionDenied with the same 404, not a 403 that confirms the record."""
    from api import me

    monkeypatch.setattr(me, "get_assignment_for_client", lambda user, code, request=None: objs.assignment)
    route = API["api:my_entry_create"]
    before = _state(objs)
    response = _api_request(as_role("client_b"), "POST", route.url(objs), route.valid_body(objs))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert_nothing_of_as(response)
    assert _state(objs) == before


def test_api_reading_a_record_is_audited(objs, as_role):
    """The door that authorizes an API read also records it (moved here with the rest of test_access)."""
    from audit.models import AuditAction, AuditEvent

    as_role("client_a").get(reverse("api:my_assignment", args=[objs.assignment.code]))
    as_role("therapist_a").get(reverse("api:entry_fhir", args=[objs.entry.code]))
    reads = AuditEvent.objects.filter(action=AuditAction.READ)
    assert reads.filter(actor=objs.client.user, object_code=objs.assignment.code).exists()
    assert reads.filter(actor=objs.therapist, object_code=objs.entry.code).exists()


# --- T-AZ-3: privilege escalation, ids swapped in bodies -------------------------------------------------------


def _assign_body(objs, **overrides):
    """A body the assign form accepts for the thought record (see test_the_assign_body_is_valid)."""
    today = objs.client.today()
    body = {
        "title": "Catch the thought",
        "instructions": "Write it down when your mood drops.",
        "rationale": "Seeing the thought is the first step to testing it.",
        "goal": objs.goal.code,
        "frequency": "daily",
        "times_per_week": "",
        "starts_on": today.isoformat(),
        "due_on": (today + timedelta(days=7)).isoformat(),
        "when_where": "After dinner",
        "barriers": "",
        "if_then_plan": "",
        "expected_difficulty": "moderate",
        "confidence": "7",
    }
    body.update(overrides)
    return body


def _entry_body(objs):
    """A practice of the thought record as the client's form posts it (meta fields prefixed "log")."""
    return {
        "log-outcome": "done",
        "log-occurred_on": objs.client.today().isoformat(),
        "log-helpfulness": "3",
        "log-difficulty": "about_right",
        "log-comment": "Injected comment",
        "situation": "Injected situation",
        "automatic_thought": "Injected thought",
        "emotion": "sad",
        "emotion_intensity": "50",
    }


def _reminder_settings_body(objs):
    """The reminder settings page as client_a saves it: a new zone and a time for assignment_a."""
    prefix = f"a-{objs.assignment.code}"
    return {
        "timezone": "Europe/Paris",
        "channels": "email",
        "quiet_start": "",
        "quiet_end": "",
        "paused_until": "",
        f"{prefix}-reminder_times": "19:00",
        f"{prefix}-reminders_on": "on",
        f"{prefix}-version": str(objs.assignment.version),
    }


def _api_entry_body(objs):
    """A practice of the thought record as a JSON client sends it (api.schemas.EntryIn)."""
    return {
        "outcome": "done",
        "occurred_on": objs.client.today().isoformat(),
        "helpfulness": 3,
        "difficulty": "about_right",
        "answers": {
            "situation": "Injected situation",
            "automatic_thought": "Injected thought",
            "emotion": "sad",
            "emotion_intensity": 50,
        },
    }


def _assign_url(objs):
    return reverse("homework:assign", args=[objs.client.code, objs.builtin_template.code])


def test_the_assign_body_is_valid(objs, as_role):
    """The control for the escalation tests below: the same body works for the treating therapist."""
    before = snapshot(objs)["counts"]["Assignment"]
    response = as_role("therapist_a").post(_assign_url(objs), _assign_body(objs))
    assert response.status_code in (302, 303), _body(response)[:3000]
    assert snapshot(objs)["counts"]["Assignment"] == before + 1


ESCALATIONS = {
    "assign": (lambda objs: _assign_url(objs), _assign_body),
    "review": (
        lambda objs: reverse("homework:assignment_review", args=[objs.assignment.code]),
        lambda objs: {"decision": "stop", "note": "", "version": str(objs.assignment.version)},
    ),
    "goal_add": (
        lambda objs: reverse("practices:goal_add", args=[objs.client.code]),
        lambda objs: {"title": "Injected goal", "description": "x", "status": "active"},
    ),
    "assignment_edit": (
        lambda objs: reverse("homework:assignment_edit", args=[objs.assignment.code]),
        lambda objs, **overrides: {**_assign_body(objs, **overrides), "version": str(objs.assignment.version)},
    ),
    "client_edit": (
        lambda objs: reverse("practices:client_edit", args=[objs.client.code]),
        lambda objs: {"name": "Renamed", "timezone": "UTC"},
    ),
}


@pytest.mark.parametrize("action", sorted(ESCALATIONS))
def test_a_client_cannot_use_therapist_actions_on_their_own_records(action, objs, as_role):
    url, body = ESCALATIONS[action]
    before = snapshot(objs)
    response = as_role("client_a").post(url(objs), body(objs))
    assert response.status_code == 404
    assert snapshot(objs) == before


GOAL_FORMS = {
    "assign": (_assign_url, _assign_body),
    "assignment_edit": ESCALATIONS["assignment_edit"],
}


@pytest.mark.parametrize("form", sorted(GOAL_FORMS))
def test_a_therapist_cannot_attach_another_practices_goal(form, objs, as_role, client_b):
    from homework.models import Assignment
    from practices.models import Goal

    # No apostrophes: the page escapes them (&#x27;), so "B's goal" could never be found in it.
    goal_b = Goal.objects.create(client=client_b, title="Goal of practice B", description="Words of practice B")
    url, body = GOAL_FORMS[form]
    before = snapshot(objs)
    response = as_role("therapist_a").post(url(objs), body(objs, goal=goal_b.code))
    assert response.status_code in (200, 400, 404), "the form must refuse the foreign goal"
    assert snapshot(objs) == before, "the form accepted B's goal"
    assert "Words of practice B" not in _body(response) and "Goal of practice B" not in _body(response)
    assert not Assignment.objects.filter(goal=goal_b).exists()


@pytest.mark.parametrize("form", sorted(GOAL_FORMS))
def test_a_therapist_cannot_attach_one_clients_goal_to_another_client(form, objs, as_role, practice_a, therapist_a):
    """Same therapist, two clients: a goal code of one client in the other's form."""
    from conftest import make_client
    from homework.models import Assignment
    from practices.models import Goal

    other = make_client(practice_a, therapist_a, "frank@example.com", "Frank Client")
    goal_other = Goal.objects.create(client=other, title="Frank's goal")
    url, body = GOAL_FORMS[form]
    before = snapshot(objs)
    response = as_role("therapist_a").post(url(objs), body(objs, goal=goal_other.code))
    assert response.status_code in (200, 400, 404)
    assert snapshot(objs) == before
    assert not Assignment.objects.filter(goal=goal_other).exists()
