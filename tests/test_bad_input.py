"""Text that cannot be stored and dates a client's zone cannot represent are refused where they
enter, with a message beside the field, on every door; nothing half-stored breaks a page later."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import builtin_version
from homework import assigning, recording
from homework.models import Assignment, Comment, Entry
from lib.validation import DATE_OUT_OF_RANGE, EARLIEST_DATE, LATEST_DATE, NUL_MESSAGE, UNENCODABLE_MESSAGE
from practices import clients
from practices.models import Appointment, Goal

# (character, message): a NUL byte, a lone low surrogate, a lone high surrogate
BAD_CHARACTERS = [("\x00", NUL_MESSAGE), ("\udc00", UNENCODABLE_MESSAGE), ("\ud800", UNENCODABLE_MESSAGE)]
FIXTURES = [HealthCheck.function_scoped_fixture]


@st.composite
def bad_text(draw):
    """Ordinary text with one character that can never be stored, and the message it must get."""
    text = draw(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30))
    bad, message = draw(st.sampled_from(BAD_CHARACTERS))
    at = draw(st.integers(min_value=0, max_value=len(text)))
    return text[:at] + bad + text[at:], message


out_of_range_dates = st.one_of(
    st.dates(max_value=EARLIEST_DATE - timedelta(days=1)), st.dates(min_value=LATEST_DATE + timedelta(days=1))
)


def _assignment_fields(client, **changes):
    today = client.today()
    fields = dict(
        title="Try it", instructions="Do it", rationale="It helps", frequency="daily", starts_on=today,
        due_on=today + timedelta(days=7), confidence=7, when_where="", barriers="", if_then_plan="",
    )  # fmt: skip
    fields.update(changes)
    return fields


def _entry_kwargs(assignment, **changes):
    kwargs = dict(
        assignment=assignment, client_user=assignment.client.user, outcome="skipped", skip_reason="other",
        skip_note="Busy", occurred_on=assignment.client.today(), answers={},
    )  # fmt: skip
    kwargs.update(changes)
    return kwargs


@settings(max_examples=25, deadline=None, suppress_health_check=FIXTURES)
@given(
    bad=bad_text(),
    field=st.sampled_from(["title", "instructions", "rationale", "when_where", "barriers", "if_then_plan"]),
)
def test_assignment_text_that_cannot_be_stored_is_refused_by_field(therapist_a, client_a, bad, field):
    text, message = bad
    version = builtin_version("thought-record")
    with pytest.raises(ValidationError) as refused:
        assigning.assignment_create(therapist=therapist_a, client=client_a, version=version,
                                    **_assignment_fields(client_a, **{field: text}))  # fmt: skip
    assert refused.value.message_dict[field] == [message]
    assert not Assignment.objects.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=FIXTURES)
@given(day=out_of_range_dates, field=st.sampled_from(["starts_on", "due_on"]))
def test_assignment_dates_out_of_range_are_refused_by_field(therapist_a, client_a, day, field):
    version = builtin_version("thought-record")
    changes = {field: day}
    if field == "due_on" and day < client_a.today():
        changes["starts_on"] = EARLIEST_DATE  # so only the range, not the order, is wrong
    with pytest.raises(ValidationError) as refused:
        assigning.assignment_create(therapist=therapist_a, client=client_a, version=version,
                                    **_assignment_fields(client_a, **changes))  # fmt: skip
    assert refused.value.message_dict[field] == [DATE_OUT_OF_RANGE]


@settings(max_examples=25, deadline=None, suppress_health_check=FIXTURES)
@given(bad=bad_text(), field=st.sampled_from(["skip_note", "comment", "answer", "answer line", "answer key"]))
def test_entry_text_that_cannot_be_stored_is_refused_by_field(assignment_a, bad, field):
    text, message = bad
    changes, key = {
        "skip_note": ({"skip_note": text}, "skip_note"),
        "comment": ({"comment": text}, "comment"),
        "answer": ({"answers": {"situation": text}}, "situation"),
        "answer line": ({"answers": {"evidence_for": ["fine", text]}}, "evidence_for"),
        "answer key": ({"answers": {text: "x"}}, "answers"),
    }[field]
    with pytest.raises(ValidationError) as refused:
        recording.entry_record(**_entry_kwargs(assignment_a, **changes))
    assert refused.value.message_dict[key] == [message]
    assert not Entry.objects.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=FIXTURES)
@given(day=out_of_range_dates)
def test_entry_dates_out_of_range_are_refused(assignment_a, day):
    with pytest.raises(ValidationError) as refused:
        recording.entry_record(**_entry_kwargs(assignment_a, occurred_on=day))
    assert refused.value.message_dict["occurred_on"] == [DATE_OUT_OF_RANGE]


@settings(max_examples=20, deadline=None, suppress_health_check=FIXTURES)
@given(bad=bad_text())
def test_comments_that_cannot_be_stored_are_refused(entry_a, bad):
    text, message = bad
    before = Comment.objects.count()
    with pytest.raises(ValidationError) as refused:
        recording.comment_add(entry=entry_a, author=entry_a.assignment.client.user, body=text)
    assert refused.value.message_dict["body"] == [message]
    assert Comment.objects.count() == before


@settings(max_examples=20, deadline=None, suppress_health_check=FIXTURES)
@given(bad=bad_text(), field=st.sampled_from(["title", "description"]))
def test_goal_text_that_cannot_be_stored_is_refused(therapist_a, client_a, bad, field):
    text, message = bad
    values = {"title": "Sleep better", "description": "", field: text}
    with pytest.raises(ValidationError) as refused:
        clients.goal_create(actor=therapist_a, client=client_a, **values)
    assert refused.value.message_dict[field] == [message]
    assert not Goal.objects.filter(client=client_a).exists()


@settings(max_examples=20, deadline=None, suppress_health_check=FIXTURES)
@given(moment=st.datetimes(max_value=datetime(1899, 12, 31)) | st.datetimes(min_value=datetime(2200, 1, 1)))
def test_appointments_out_of_range_are_refused_in_any_zone(therapist_a, client_a, moment):
    with pytest.raises(ValidationError):
        clients.appointment_create(actor=therapist_a, client=client_a, starts_at=moment.replace(tzinfo=UTC))
    with pytest.raises(ValidationError):
        clients.local_to_aware(moment, "Pacific/Kiritimati")


@pytest.mark.parametrize(
    "typed, zone", [("0001-01-01T00:00", "Europe/Berlin"), ("9999-12-31T23:00", "America/New_York")]
)
def test_an_appointment_at_the_ends_of_time_gets_a_message_not_a_500(sign_in, therapist_a, client_a, typed, zone):
    client_a.timezone = zone
    client_a.save(update_fields=["timezone"])
    url = reverse("practices:appointment_add", args=[client_a.code])
    response = sign_in(therapist_a).post(url, {"starts_at": typed})
    assert response.status_code == 200
    assert DATE_OUT_OF_RANGE in response.content.decode()
    assert not Appointment.objects.exists()


def _post_entry(http, assignment, **changes):
    body = {"outcome": "skipped", "skip_reason": "other", "skip_note": "Busy", "answers": {}}
    body["occurred_on"] = assignment.client.today().isoformat()
    body.update(changes)
    url = reverse("api:my_entry_create", kwargs={"code": assignment.code})
    return http.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"answers": {"situation": "\udc00"}}, "situation", UNENCODABLE_MESSAGE),
        ({"answers": {"situation": "a\x00b"}}, "situation", NUL_MESSAGE),
        ({"skip_note": "a\x00b"}, "skip_note", NUL_MESSAGE),
        ({"comment": "\ud800 hi"}, "comment", UNENCODABLE_MESSAGE),
        ({"occurred_on": date(1, 1, 1).isoformat()}, "occurred_on", DATE_OUT_OF_RANGE),
    ],
)
def test_the_api_refuses_what_could_never_be_shown_and_every_page_still_renders(
    sign_in, assignment_a, therapist_a, changes, field, message
):
    http = sign_in(assignment_a.client.user)
    response = _post_entry(http, assignment_a, **changes)
    assert response.status_code == 422
    assert response.json()["errors"][field] == [message]
    assert not Entry.objects.exists()

    assert http.get(reverse("homework:client_history")).status_code == 200
    therapist = sign_in(therapist_a)
    assert therapist.get(reverse("homework:assignment_detail", args=[assignment_a.code])).status_code == 200


@settings(max_examples=200, deadline=None)
@given(typed=st.one_of(st.text(max_size=40), st.lists(st.one_of(st.text(max_size=8), st.integers(), st.none()))))
def test_any_reminder_times_are_either_clean_times_or_one_worded_refusal(typed):
    from homework.reminding import BAD_TIMES, clean_times

    try:
        times = clean_times(typed)
    except ValueError as problem:
        assert str(problem) == BAD_TIMES
        return
    assert times == sorted(set(times)) and len(times) <= 6
    assert all(len(t) == 5 and 0 <= int(t[:2]) <= 23 and 0 <= int(t[3:]) <= 59 for t in times)
