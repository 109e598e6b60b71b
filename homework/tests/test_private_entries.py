"""Private entries (homework/README.md, "Private entries"; docs/security.md): a journal or reflection
entry the client keeps to themself, where the therapist allowed it when assigning.

The therapist sees that it exists, its date, its outcome, "wants to discuss" and a risk flag;
never what the client wrote or rated, nor the comments' text: not on any page, not in the brief
or its PDF, the notices, the emails or the API, and FHIR refuses it. Every content field of the
private entries below carries PRIVATE, so a page that printed any of them would fail.
"""

import json
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import builtin_version, make_assignment, make_entry
from homework import assigning, recording
from homework.access import entries_of_assignment, entries_of_client, get_entry_for_therapist
from homework.models import Comment, Entry, ExerciseTemplate, TemplateVersion

pytestmark = pytest.mark.django_db

PRIVATE = "PRIVATE-4b9e-kept-to-the-client"
# Ratings are numbers: these are the words the therapist's pages would print for them.
RATING_WORDS = ("Very (4/4)", "Difficulty: Too hard", "4.0 of 4", "Too hard ×", "Something else")
MOOD_CHART = "Mood before and after writing"  # the journal's chart, drawn from the private ratings only


@pytest.fixture
def world(client_a, therapist_a, appointment_a):
    """client_a's journal, private entries allowed: a private entry that wants discussing (text,
    ratings, the client's comment and an earlier reply of the therapist's), a private skipped one
    with a note, and one entry that is not private."""
    today = client_a.today()
    journal = make_assignment(client_a, key="journal", title="Evening journal", allows_private_entries=True)
    written = make_entry(
        journal,
        occurred_on=today - timedelta(days=2),
        answers={"mood_before": 2, "writing": f"Writing {PRIVATE}", "mood_after": 9},
        helpfulness=4,
        difficulty="too_hard",
        wants_to_discuss=True,
        is_private=True,
    )
    Comment.objects.create(entry=written, author=therapist_a, body=f"Reply {PRIVATE}")
    Comment.objects.create(entry=written, author=client_a.user, body=f"Comment {PRIVATE}")
    skipped = make_entry(
        journal,
        occurred_on=today - timedelta(days=1),
        outcome="skipped",
        skip_reason="other",
        skip_note=f"Skip note {PRIVATE}",
        answers={"writing": f"Half a page {PRIVATE}"},
        helpfulness=None,
        difficulty="",
        is_private=True,
    )
    shared = make_entry(journal, occurred_on=today, answers={"writing": "Shared writing"})  # no moods to chart
    return {"journal": journal, "written": written, "skipped": skipped, "shared": shared, "appointment": appointment_a}


def assert_withheld(text, *entries):
    assert PRIVATE not in text
    for words in RATING_WORDS:
        assert words not in text, f"a private rating shows: {words!r}"
    for entry in entries:
        assert entry.occurred_on.isoformat() in text, "the private entry's date should show"


def therapist_page(http, name, *args):
    response = http.get(reverse(name, args=list(args)))
    assert response.status_code == 200, f"{name}: {response.status_code}"
    return response.content.decode()


# --- What the therapist sees -------------------------------------------------------------------------


def test_the_client_page_lists_private_entries_by_date_only(world, sign_in, therapist_a, client_a):
    page = therapist_page(sign_in(therapist_a), "homework:client_detail", client_a.code)
    assert_withheld(page, world["written"], world["skipped"])
    assert 'class="tag">Private</span>' in page
    assert "Shared writing" not in page  # lists show no answers at all; the entry page does


def test_the_assignment_page_shows_no_content_or_thread_of_a_private_entry(world, sign_in, therapist_a):
    page = therapist_page(sign_in(therapist_a), "homework:assignment_detail", world["journal"].code)
    assert_withheld(page, world["written"], world["skipped"])
    assert "Shared writing" in page  # the entry that is not private shows as ever


def test_the_entry_page_shows_date_and_outcome_and_no_reply_form(world, sign_in, therapist_a):
    http = sign_in(therapist_a)
    for entry in (world["written"], world["skipped"]):
        page = therapist_page(http, "homework:entry_detail", entry.code)
        assert_withheld(page, entry)
        assert entry.get_outcome_display() in page
        assert "Send reply" not in page
    page = therapist_page(http, "homework:entry_detail", world["written"].code)
    assert "2 comments, private like the entry" in page
    assert "Yes, in session" in page  # "wants to discuss" is the client's message to the therapist


def test_a_reply_to_a_private_entry_is_refused(world, sign_in, therapist_a):
    url = reverse("homework:entry_detail", args=[world["written"].code])
    response = sign_in(therapist_a).post(url, {"body": "May I read it?"})
    assert response.status_code == 200
    assert world["written"].comments.count() == 2
    with pytest.raises(ValidationError) as refused:
        recording.comment_add(entry=world["written"], author=therapist_a, body="May I?")
    assert refused.value.message_dict["body"] == [recording.PRIVATE_NO_REPLY]


def test_the_home_shows_the_wish_to_discuss_and_no_content(world, sign_in, therapist_a, client_a):
    page = therapist_page(sign_in(therapist_a), "insights:home")
    assert PRIVATE not in page
    assert "Wants to discuss" in page
    # The client's comment on the private entry awaits nobody's reply.
    assert "Comment awaiting your reply" not in page


def test_the_brief_counts_private_practice_but_shows_none_of_it(world, sign_in, therapist_a):
    page = therapist_page(sign_in(therapist_a), "insights:brief", world["appointment"].code)
    assert_withheld(page, world["written"])
    assert "A private entry: what Dana Client wrote stays with them" in page  # entries to talk about
    assert "Skipped 1" in page  # the outcome still counts towards the plan
    assert MOOD_CHART not in page  # only the private entry had both moods: no chart from it
    assert "Shared writing" not in page


def test_the_brief_pdf_shows_none_of_it(world, sign_in, therapist_a, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; `make browser` installs it")
    response = sign_in(therapist_a).get(reverse("insights:brief_pdf", args=[world["appointment"].code]))
    assert response.status_code == 200
    path = tmp_path / "brief.pdf"
    path.write_bytes(response.content)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True)
    text = " ".join(out.stdout.decode().split())
    assert PRIVATE not in text
    for words in RATING_WORDS:
        assert words not in text
    assert world["written"].occurred_on.strftime("%a %-d %b") in text
    assert "A private entry" in text


def test_the_api_lists_private_entries_without_content(world, sign_in, therapist_a):
    response = sign_in(therapist_a).get(reverse("api:assignment_entries", kwargs={"code": world["journal"].code}))
    assert response.status_code == 200
    assert PRIVATE not in response.content.decode()
    items = {item["code"]: item for item in response.json()["items"]}
    written = items[world["written"].code]
    assert written["is_private"] is True
    assert written["occurred_on"] == world["written"].occurred_on.isoformat()
    assert (written["answers"], written["comments"]) == ([], [])
    assert (written["helpfulness"], written["difficulty"]) == (None, "")
    assert (written["outcome"], written["wants_to_discuss"]) == ("done", True)
    skipped = items[world["skipped"].code]
    assert (skipped["outcome"], skipped["skip_reason"], skipped["skip_note"]) == ("skipped", "", "")
    assert items[world["shared"].code]["is_private"] is False


def test_fhir_refuses_a_private_entry_as_not_found(world, sign_in, therapist_a):
    from audit.models import AuditAction, AuditEvent

    http = sign_in(therapist_a)
    response = http.get(reverse("api:entry_fhir", kwargs={"code": world["written"].code}))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}
    assert PRIVATE not in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT, object_code=world["written"].code).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DENIED, object_code=world["written"].code).exists()
    assert http.get(reverse("api:entry_fhir", kwargs={"code": world["shared"].code})).status_code == 200


def test_the_notices_and_emails_of_a_private_entry_carry_nothing_of_it(world, client_a, therapist_a, sign_in):
    from notifications.email import build_emails
    from notifications.models import Message, Notice, NoticeKind

    recording.comment_add(entry=world["written"], author=client_a.user, body=f"Another {PRIVATE}")
    assert not Notice.objects.filter(kind=NoticeKind.COMMENT).exists(), "a private thread is nobody's news"
    Notice.objects.create(recipient=therapist_a, client=client_a, entry=world["written"], kind=NoticeKind.TO_DISCUSS)
    page = therapist_page(sign_in(therapist_a), "notifications:notices")
    assert PRIVATE not in page
    assert world["written"].occurred_on.isoformat() in page
    for email in build_emails(list(Message.objects.all())):
        assert PRIVATE not in email.subject + email.body


# --- The door itself -----------------------------------------------------------------------------------


def test_the_doors_hand_out_private_entries_withheld(world, therapist_a, client_a):
    entry = get_entry_for_therapist(therapist_a, world["written"].code)
    assert entry.content_withheld and entry.is_private
    assert (entry.answers, entry.helpfulness, entry.difficulty, entry.skip_note) == ({}, None, "", "")
    assert [c.body for c in entry.comments.all()] == ["", ""]
    listed = {e.pk: e for e in entries_of_client(therapist_a, client_a)}
    assert listed[world["skipped"].pk].skip_note == "" and listed[world["skipped"].pk].skip_reason == ""
    assert listed[world["shared"].pk].answers["writing"] == "Shared writing"
    paged = list(entries_of_assignment(therapist_a, world["journal"])[:2])
    assert all(e.answers == {} for e in paged if e.is_private)


def test_a_withheld_entry_can_be_neither_saved_nor_read_around(world, therapist_a, client_a):
    entry = get_entry_for_therapist(therapist_a, world["written"].code)
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.comments.all()[0].save()
    with pytest.raises(TypeError):
        entries_of_client(therapist_a, client_a).values_list("answers", flat=True)
    with pytest.raises(TypeError):
        entries_of_client(therapist_a, client_a).values()
    assert sorted(entries_of_client(therapist_a, client_a).values_list("occurred_on", flat=True))
    entry.refresh_from_db()
    assert entry.answers == {}, "reading the row again keeps it withheld"
    assert Entry.objects.get(pk=entry.pk).answers["writing"] == f"Writing {PRIVATE}", "nothing changed in the database"


# --- What the client sees -------------------------------------------------------------------------------


def test_the_client_still_sees_everything_of_their_own(world, sign_in, client_a):
    http = sign_in(client_a.user)
    page = http.get(reverse("homework:client_entry", args=[world["written"].code])).content.decode()
    assert f"Writing {PRIVATE}" in page and f"Comment {PRIVATE}" in page
    assert "Private: your therapist sees only that you did it" in page
    history = http.get(reverse("homework:client_history")).content.decode()
    assert 'class="tag">Private</span>' in history
    progress = http.get(reverse("insights:progress")).content.decode()
    assert "Your mood before and after writing" in progress
    mine = http.get(reverse("api:my_entries")).json()["items"]
    assert any(e["is_private"] and e["answers"].get("writing") == f"Writing {PRIVATE}" for e in mine)


# --- The rules: where private entries are possible ---------------------------------------------------------


def _assign_fields(client):
    today = client.today()
    return dict(
        title="Try it", instructions="Do it", rationale="It helps", frequency="daily",
        starts_on=today, due_on=today + timedelta(days=7), confidence=7,
    )  # fmt: skip


def test_the_option_is_refused_for_a_thought_record(therapist_a, client_a):
    with pytest.raises(ValidationError) as refused:
        assigning.assignment_create(
            therapist=therapist_a, client=client_a, version=builtin_version("thought-record"),
            allows_private_entries=True, **_assign_fields(client_a),
        )  # fmt: skip
    assert refused.value.message_dict["allows_private_entries"] == [assigning.PRIVATE_NOT_FOR_KIND]
    record = make_assignment(client_a)
    with pytest.raises(ValidationError):
        assigning.assignment_update(assignment=record, expected_version=record.version, allows_private_entries=True)


@pytest.mark.parametrize("key", ["journal", "reflection"])
def test_journals_and_reflections_may_allow_it(therapist_a, client_a, key):
    assignment = assigning.assignment_create(
        therapist=therapist_a, client=client_a, version=builtin_version(key), allows_private_entries=True,
        **_assign_fields(client_a),
    )  # fmt: skip
    assert assignment.allows_private_entries and assigning.private_entries_allowed(assignment)
    assigning.assignment_update(
        assignment=assignment, expected_version=assignment.version, allows_private_entries=False
    )
    assert not assignment.allows_private_entries


def test_the_checkbox_is_on_the_assign_and_edit_forms_of_a_journal_only(sign_in, therapist_a, client_a):
    http = sign_in(therapist_a)
    box = 'name="allows_private_entries"'
    for key, shown in (("journal", True), ("reflection", True), ("thought-record", False), ("phq-9", False)):
        url = reverse("homework:assign", args=[client_a.code, builtin_version(key).template.code])
        assert (box in http.get(url).content.decode()) is shown, key
    journal = make_assignment(client_a, key="journal", allows_private_entries=True)
    edit = http.get(reverse("homework:assignment_edit", args=[journal.code])).content.decode()
    assert box in edit and "checked" in edit.split(box)[1].split(">")[0]
    record = make_assignment(client_a)
    assert box not in http.get(reverse("homework:assignment_edit", args=[record.code])).content.decode()


def test_the_assign_page_saves_the_choice(sign_in, therapist_a, client_a):
    from homework.models import Assignment

    template = builtin_version("journal").template
    today = client_a.today()
    body = {
        "title": "Journal", "instructions": "Write", "rationale": "It helps", "frequency": "daily",
        "starts_on": today.isoformat(), "due_on": (today + timedelta(days=7)).isoformat(),
        "expected_difficulty": "moderate", "confidence": "7", "allows_private_entries": "on",
    }  # fmt: skip
    response = sign_in(therapist_a).post(reverse("homework:assign", args=[client_a.code, template.code]), body)
    assert response.status_code == 302
    assert Assignment.objects.get(title="Journal").allows_private_entries


def _log(assignment, **changes):
    values = dict(
        assignment=assignment, client_user=assignment.client.user, outcome="done",
        occurred_on=assignment.client.today(), answers={"mood_before": 4, "writing": "Words"},
    )  # fmt: skip
    values.update(changes)
    return recording.entry_record(**values)


def test_an_entry_cannot_be_private_unless_allowed(client_a):
    journal = make_assignment(client_a, key="journal")  # not allowed
    with pytest.raises(ValidationError) as refused:
        _log(journal, is_private=True)
    assert refused.value.message_dict["is_private"] == [recording.PRIVATE_NOT_ALLOWED]
    record = make_assignment(client_a, allows_private_entries=True)  # set behind the rules' back
    with pytest.raises(ValidationError):
        _log(record, answers={"situation": "x"}, is_private=True)
    assert not Entry.objects.exists()
    assert not _log(journal).is_private


def test_an_edit_keeps_or_changes_privacy_and_the_option_withdrawn_keeps_old_ones_private(client_a):
    journal = make_assignment(client_a, key="journal", allows_private_entries=True)
    entry = _log(journal, is_private=True)
    assert entry.is_private
    values = dict(
        client_user=client_a.user, outcome="done", occurred_on=entry.occurred_on,
        answers={"mood_before": 5, "writing": "More"},
    )  # fmt: skip
    entry = recording.entry_update(entry=entry, expected_version=entry.version, **values)
    assert entry.is_private, "left out, privacy stays as it was"
    journal.allows_private_entries = False
    journal.save()
    entry.assignment = journal
    entry = recording.entry_update(entry=entry, expected_version=entry.version, is_private=True, **values)
    assert entry.is_private, "withdrawing the option does not open an entry kept private"
    entry = recording.entry_update(entry=entry, expected_version=entry.version, is_private=False, **values)
    assert not entry.is_private
    with pytest.raises(ValidationError):
        recording.entry_update(entry=entry, expected_version=entry.version, is_private=True, **values)


def test_the_log_form_offers_the_checkbox_only_where_allowed(sign_in, client_a):
    http = sign_in(client_a.user)
    allowed = make_assignment(client_a, key="journal", allows_private_entries=True)
    not_allowed = make_assignment(client_a, key="journal")
    box = 'name="log-is_private"'
    assert box in http.get(reverse("homework:entry_new", args=[allowed.code])).content.decode()
    assert box not in http.get(reverse("homework:entry_new", args=[not_allowed.code])).content.decode()
    body = {
        "log-outcome": "done", "log-occurred_on": client_a.today().isoformat(), "mood_before": "4",
        "writing": "Only mine", "log-is_private": "on",
    }  # fmt: skip
    assert http.post(reverse("homework:entry_new", args=[allowed.code]), body).status_code == 302
    assert Entry.objects.get(assignment=allowed).is_private
    # Where it is not allowed, the box is not on the form: a forged one changes nothing.
    assert http.post(reverse("homework:entry_new", args=[not_allowed.code]), body).status_code == 302
    assert not Entry.objects.get(assignment=not_allowed).is_private
    entry = Entry.objects.get(assignment=allowed)
    assert box in http.get(reverse("homework:entry_edit", args=[entry.code])).content.decode()


def test_the_api_refuses_a_private_entry_where_not_allowed_with_the_rulebooks_words(sign_in, client_a):
    journal = make_assignment(client_a, key="journal")
    body = {
        "outcome": "done", "occurred_on": client_a.today().isoformat(),
        "answers": {"mood_before": 4, "writing": "Words"}, "is_private": True,
    }  # fmt: skip
    url = reverse("api:my_entry_create", kwargs={"code": journal.code})
    response = sign_in(client_a.user).post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"]["is_private"] == [recording.PRIVATE_NOT_ALLOWED]


# --- Safety over privacy: a risk answer in a private entry still reaches the therapist --------------------


@pytest.fixture
def risky_journal(practice_a, client_a):
    """A practice's own journal with a question whose answer raises the risk flag (PHQ-9 itself is a
    questionnaire, which can never be private)."""
    base = builtin_version("journal")
    template = ExerciseTemplate.objects.create(kind="journal", practice=practice_a)
    safe = {
        "linkId": "safe", "text": "Do you feel safe tonight?", "type": "choice", "riskIfAbove": 0,
        "answerOption": [{"valueCoding": {"code": "0", "display": "Yes"}},
                         {"valueCoding": {"code": "1", "display": "Not really"}}],
    }  # fmt: skip
    version = TemplateVersion.objects.create(
        template=template, number=1, title="Journal with a check-in", summary="", rationale="", instructions="",
        items=[*base.items, safe],
    )  # fmt: skip
    return make_assignment(client_a, template_version=version, allows_private_entries=True)


def test_a_risk_answer_in_a_private_entry_reaches_the_therapist_as_a_flag_only(
    risky_journal, client_a, therapist_a, appointment_a, sign_in, django_capture_on_commit_callbacks
):
    from notifications.email import build_emails
    from notifications.models import Message, MessageKind, Notice, NoticeKind

    with django_capture_on_commit_callbacks(execute=True):
        entry = _log(risky_journal, answers={"mood_before": 1, "writing": f"Tonight {PRIVATE}", "safe": "1"},
                     is_private=True)  # fmt: skip
    assert entry.is_private and entry.risk_flag
    assert Notice.objects.filter(kind=NoticeKind.NEEDS_ATTENTION, entry=entry).exists()
    (alert,) = Message.objects.filter(kind=MessageKind.NEEDS_ATTENTION)
    (email,) = build_emails([alert])
    assert PRIVATE not in email.body and "Not really" not in email.body

    http = sign_in(therapist_a)
    page = therapist_page(http, "homework:entry_detail", entry.code)
    assert "This is a risk flag on a private entry" in page
    assert "Mark the risk as seen" in page
    assert PRIVATE not in page and "Not really" not in page
    brief = therapist_page(http, "insights:brief", appointment_a.code)
    assert "A risk flag on a private entry" in brief
    assert PRIVATE not in brief and "Not really" not in brief
    home = therapist_page(http, "insights:home")
    assert "Risk answer not marked seen" in home and PRIVATE not in home
    # Marking it seen works as for any flag, and opens nothing.
    response = http.post(reverse("homework:risk_seen", args=[entry.code]), {"risk_note": "Called"})
    assert response.status_code == 302
    assert Entry.objects.get(pk=entry.pk).risk_seen_at is not None
