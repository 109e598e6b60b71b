"""Reminder times of an assignment: what a therapist may write, the default from "when and
where", and the client's own change of them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import builtin_version
from homework.assigning import assignment_create, assignment_update
from homework.reminding import BAD_TIMES, assignment_reminders_set, clean_times, times_from_when_where
from lib.conflicts import EditConflict


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("19:00", ["19:00"]),
        ("7pm", ["19:00"]),
        ("7:30 pm, 08:15", ["08:15", "19:30"]),
        ("12am", ["00:00"]),
        ("12 pm and 6.45", ["06:45", "12:00"]),
        ("none", []),
        ("", []),
        (["21:00", "21:00"], ["21:00"]),
    ],
)
def test_times_of_day_are_read_the_way_people_write_them(typed, stored):
    assert clean_times(typed) == stored


@pytest.mark.parametrize("typed", ["25:00", "7", "noon", "13pm", "19:60", "1,2,3", ["19:00", 7], 19])
def test_what_is_not_a_time_of_day_is_refused_in_plain_words(typed):
    with pytest.raises(ValueError, match="19:00 or 7:30 pm"):
        clean_times(typed)


def test_at_most_six_times_a_day():
    assert len(clean_times("08:00, 09:00, 10:00, 11:00, 12:00, 13:00")) == 6
    with pytest.raises(ValueError):
        clean_times("08:00, 09:00, 10:00, 11:00, 12:00, 13:00, 14:00")


@pytest.mark.parametrize(
    ("when_where", "default"),
    [
        ("After dinner at 19:30, at the kitchen table", ["19:30"]),
        ("at 7pm on the sofa", ["19:00"]),
        ("After breakfast, at the kitchen table", ["08:00"]),
        ("Before bed", ["21:30"]),
        ("Whenever I feel anxious", []),
        ("", []),
    ],
)
def test_the_default_reminder_comes_from_when_and_where(when_where, default):
    assert times_from_when_where(when_where) == default


def _fields(**overrides):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    fields = dict(
        title="Breathing",
        instructions="Breathe slowly",
        rationale="It calms",
        goal=None,
        frequency="daily",
        times_per_week=None,
        weekdays=[],
        when_where="After dinner, 19:00",
        starts_on=today,
        due_on=today + timedelta(days=7),
        barriers="",
        if_then_plan="",
        expected_difficulty="easy",
        confidence=8,
    )
    fields.update(overrides)
    return fields


@pytest.mark.django_db
def test_assigning_without_times_takes_the_agreed_time_and_none_means_none(therapist_a, client_a):
    version = builtin_version("thought-record")
    assert assignment_create(therapist=therapist_a, client=client_a, version=version, **_fields()).reminder_times == [
        "19:00"
    ]
    silent = assignment_create(
        therapist=therapist_a, client=client_a, version=version, **_fields(reminder_times="none")
    )
    assert silent.reminder_times == []
    with pytest.raises(ValidationError) as refused:
        assignment_create(therapist=therapist_a, client=client_a, version=version, **_fields(reminder_times="soon"))
    assert refused.value.message_dict == {"reminder_times": [BAD_TIMES]}


@pytest.mark.django_db
def test_a_revision_that_does_not_name_the_times_keeps_them(assignment_a):
    assignment_update(assignment=assignment_a, expected_version=1, reminder_times="08:00, 20:00")
    assignment_update(assignment=assignment_a, expected_version=2, title="New title")
    assignment_a.refresh_from_db()
    assert assignment_a.reminder_times == ["08:00", "20:00"]


@pytest.mark.django_db
def test_the_therapist_page_keeps_a_bad_time_and_says_what_is_wrong(therapist_a, assignment_a, sign_in):
    client = sign_in(therapist_a)
    url = reverse("homework:assignment_edit", args=[assignment_a.code])
    page = client.get(url)
    assert 'value="none"' in page.content.decode()  # no times yet: the field says so
    body = {
        "title": "Breathing", "instructions": "Slowly", "rationale": "Calms", "goal": "", "frequency": "daily",
        "when_where": "", "reminder_times": "half past seven", "starts_on": str(assignment_a.starts_on),
        "due_on": str(assignment_a.due_on), "barriers": "", "if_then_plan": "", "expected_difficulty": "easy",
        "confidence": "7", "version": str(assignment_a.version),
    }  # fmt: skip
    refused = client.post(url, body)
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "Write times of day as 19:00 or 7:30 pm" in html
    assert 'value="half past seven"' in html
    body["reminder_times"] = "7:30 pm"
    assert client.post(url, body).status_code == 302
    shown = client.get(reverse("homework:assignment_detail", args=[assignment_a.code])).content.decode()
    assert "19:30" in shown


@pytest.mark.django_db
def test_the_client_changes_their_times_and_a_stale_change_is_refused(client_a, assignment_a):
    assignment_reminders_set(assignment=assignment_a, actor=client_a.user, times="07:00", expected_version=1)
    assert assignment_a.reminder_times == ["07:00"] and assignment_a.version == 2
    assignment_reminders_set(assignment=assignment_a, actor=client_a.user, on=False)
    assert assignment_a.reminders_on is False and assignment_a.reminder_times == ["07:00"]
    with pytest.raises(EditConflict):
        assignment_reminders_set(assignment=assignment_a, actor=client_a.user, times="08:00", expected_version=1)
    with pytest.raises(ValidationError) as refused:
        assignment_reminders_set(assignment=assignment_a, actor=client_a.user, times="later")
    assert refused.value.message_dict == {"reminder_times": [BAD_TIMES]}
