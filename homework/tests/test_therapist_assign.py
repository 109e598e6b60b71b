from datetime import UTC, datetime, time, timedelta

import pytest
from django.urls import reverse

from conftest import SENTINEL, builtin_version, make_client
from homework.models import Assignment
from notifications.models import Message, MessageKind
from practices.models import Appointment, Goal
from practices.tests.helpers import assert_not_found


@pytest.fixture
def version(db):
    return builtin_version("thought-record")


def choose_url(client):
    return reverse("homework:assign_choose", args=[client.code])


def assign_url(client, version):
    return reverse("homework:assign", args=[client.code, version.template.code])


def form(client, **overrides):
    today = client.today()
    data = {
        "title": "Catch the thought",
        "instructions": f"When you notice a drop in mood, write the thought {SENTINEL}",
        "rationale": "Seeing thoughts on paper makes them easier to test",
        "goal": "",
        "frequency": "daily",
        "times_per_week": "",
        "when_where": "Evenings, at the desk",
        "starts_on": today.isoformat(),
        "due_on": (today + timedelta(days=6)).isoformat(),
        "barriers": "Too tired",
        "if_then_plan": "If I am too tired, then I write one line",
        "expected_difficulty": "moderate",
        "confidence": "8",
    }
    data.update(overrides)
    return data


# --- Choosing an exercise ---------------------------------------------------------------------------


def test_it_offers_the_library_for_the_client(sign_in, therapist_a, client_a, version):
    response = sign_in(therapist_a).get(choose_url(client_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Assign homework to Dana Client" in body
    assert assign_url(client_a, version) in body


# --- The tailoring form ---------------------------------------------------------------------------------


def test_it_prefills_the_form_from_the_templates_latest_version(sign_in, therapist_a, client_a, version):
    body = sign_in(therapist_a).get(assign_url(client_a, version)).content.decode()
    assert f'value="{version.title}"' in body
    assert version.rationale.splitlines()[0] in body
    assert f'value="{client_a.today().isoformat()}"' in body
    for name in (
        "title",
        "instructions",
        "rationale",
        "goal",
        "when_where",
        "starts_on",
        "due_on",
        "barriers",
        "if_then_plan",
        "expected_difficulty",
        "confidence",
        "times_per_week",
    ):
        assert f'for="id_{name}"' in body, name
    assert 'value="weekdays"' in body and 'name="weekdays" value="6"' in body


def test_due_date_defaults_to_the_next_appointment_in_the_clients_time_zone(
    sign_in, therapist_a, client_b, therapist_b
):
    version = builtin_version("journal")
    # 02:30 UTC is still the previous evening in New York.
    day = client_b.today() + timedelta(days=5)
    starts_at = datetime.combine(day, time(2, 30), tzinfo=UTC)
    Appointment.objects.create(client=client_b, starts_at=starts_at)
    body = sign_in(therapist_b).get(assign_url(client_b, version)).content.decode()
    expected = (day - timedelta(days=1)).isoformat()
    assert f'name="due_on" value="{expected}"' in body


def test_due_date_defaults_to_a_week_without_an_appointment(sign_in, therapist_a, client_a, version):
    body = sign_in(therapist_a).get(assign_url(client_a, version)).content.decode()
    assert f'name="due_on" value="{(client_a.today() + timedelta(days=7)).isoformat()}"' in body


def test_the_goal_select_lists_only_this_clients_goals(sign_in, therapist_a, practice_a, client_a, goal_a, version):
    other = make_client(practice_a, therapist_a, "olga@example.com", "Olga Other")
    foreign = Goal.objects.create(client=other, title="Other persons goal")
    body = sign_in(therapist_a).get(assign_url(client_a, version)).content.decode()
    assert f'value="{goal_a.code}"' in body
    assert foreign.code not in body and "Other persons goal" not in body


# --- Assigning -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra, frequency, times, weekdays, label",
    [
        ({"frequency": "once"}, "once", None, [], "Once"),
        ({"frequency": "daily", "weekdays": ["1"], "times_per_week": "3"}, "daily", None, [], "Every day"),
        ({"frequency": "times_per_week", "times_per_week": "3"}, "times_per_week", 3, [], "3 times a week"),
        ({"frequency": "weekdays", "weekdays": ["4", "0", "2"]}, "weekdays", None, [0, 2, 4], "Every Mon, Wed, Fri"),
    ],
)
def test_it_assigns_with_every_frequency(
    sign_in, therapist_a, client_a, goal_a, version, extra, frequency, times, weekdays, label
):
    response = sign_in(therapist_a).post(assign_url(client_a, version), form(client_a, goal=goal_a.code, **extra))
    assignment = Assignment.objects.get(client=client_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("homework:assignment_detail", args=[assignment.code])
    assert (assignment.frequency, assignment.times_per_week, assignment.weekdays) == (frequency, times, weekdays)
    assert assignment.frequency_label() == label
    assert assignment.template_version == version
    assert assignment.assigned_by == therapist_a
    assert assignment.goal == goal_a
    assert assignment.confidence == 8
    assert assignment.if_then_plan == "If I am too tired, then I write one line"
    assert assignment.instructions.endswith(SENTINEL)


def test_assigning_tells_the_client_through_the_outbox(sign_in, therapist_a, client_a, version):
    sign_in(therapist_a).post(assign_url(client_a, version), form(client_a))
    assignment = Assignment.objects.get(client=client_a)
    message = Message.objects.get(recipient=client_a.user, kind=MessageKind.NEW_ASSIGNMENT)
    assert message.context == {"assignment": assignment.code}
    assert SENTINEL not in str(message.context)


def test_assigning_confirms_with_a_message(sign_in, therapist_a, client_a, version):
    response = sign_in(therapist_a).post(assign_url(client_a, version), form(client_a), follow=True)
    assert "assigned to Dana Client" in response.content.decode()


@pytest.mark.parametrize(
    "extra, field_error",
    [
        ({"frequency": "times_per_week", "times_per_week": ""}, "how many times a week"),
        ({"frequency": "times_per_week", "times_per_week": "8"}, "how many times a week (1–7)"),
        ({"frequency": "times_per_week", "times_per_week": "0"}, "how many times a week (1–7)"),
        ({"frequency": "weekdays"}, "Tick at least one weekday"),
        ({"frequency": "hourly"}, "Select a valid choice"),
        ({"confidence": ""}, "This field is required"),
        ({"confidence": "11"}, "confidence is a number from 0 to 10"),
        ({"instructions": ""}, "Write the instructions, in the client"),
    ],
)
def test_it_rejects_incomplete_plans_and_keeps_the_text(sign_in, therapist_a, client_a, version, extra, field_error):
    response = sign_in(therapist_a).post(assign_url(client_a, version), form(client_a, **extra))
    assert response.status_code == 200
    body = response.content.decode()
    assert field_error in body
    assert "If I am too tired, then I write one line" in body
    assert not Assignment.objects.exists()
    assert not Message.objects.exists()


def test_it_rejects_a_due_date_before_the_start_and_keeps_what_was_typed(sign_in, therapist_a, client_a, version):
    today = client_a.today()
    data = form(client_a, due_on=(today - timedelta(days=1)).isoformat(), when_where="Typed where")
    response = sign_in(therapist_a).post(assign_url(client_a, version), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "The due date cannot be before the start date." in body
    assert 'value="Typed where"' not in body  # a textarea, not an input
    assert "Typed where" in body and "Catch the thought" in body
    assert f'name="due_on" value="{(today - timedelta(days=1)).isoformat()}"' in body
    assert not Assignment.objects.exists()


def test_it_rejects_a_goal_of_another_client(sign_in, therapist_a, practice_a, client_a, client_b, version):
    other = make_client(practice_a, therapist_a, "olga@example.com", "Olga Other")
    for goal in (Goal.objects.create(client=other, title="Hers"), Goal.objects.create(client=client_b, title="B's")):
        response = sign_in(therapist_a).post(assign_url(client_a, version), form(client_a, goal=goal.code))
        assert response.status_code == 200
        assert "Choose one of this client&#x27;s goals." in response.content.decode()
    assert not Assignment.objects.exists()


def create_directly(therapist, client, version, **changes):
    """assignment_create with a complete plan, as the API or a script would call it."""
    from homework.assigning import assignment_create

    today = client.today()
    plan = dict(
        title="x", instructions="x", rationale="x", frequency="once", starts_on=today, due_on=today, confidence=5
    )
    return assignment_create(therapist=therapist, client=client, version=version, **{**plan, **changes})


def test_the_write_function_refuses_a_foreign_goal_too(therapist_a, practice_a, client_a, version):
    from django.core.exceptions import ValidationError

    other = make_client(practice_a, therapist_a, "olga@example.com", "Olga Other")
    goal = Goal.objects.create(client=other, title="Hers")
    with pytest.raises(ValidationError) as refused:
        create_directly(therapist_a, client_a, version, goal=goal)
    assert list(refused.value.message_dict) == ["goal"]
    assert not Assignment.objects.exists()


def test_it_refuses_a_practice_template_of_another_practice(sign_in, therapist_a, client_a, practice_b):
    from homework.models import ExerciseTemplate, TemplateVersion

    template = ExerciseTemplate.objects.create(kind="journal", practice=practice_b)
    TemplateVersion.objects.create(
        template=template, number=1, title="B only", summary="s", rationale="r", instructions="i", items=[]
    )
    url = reverse("homework:assign", args=[client_a.code, template.code])
    assert_not_found(sign_in(therapist_a).post(url, form(client_a)))
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    "schedule",
    [
        {"frequency": "weekdays", "weekdays": []},
        {"frequency": "weekdays", "weekdays": [9]},
        {"frequency": "times_per_week", "times_per_week": None},
        {"frequency": "times_per_week", "times_per_week": 8},
    ],
)
def test_the_write_function_refuses_an_incomplete_schedule(therapist_a, client_a, version, schedule):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        create_directly(therapist_a, client_a, version, **schedule)
    assert list(refused.value.message_dict) == [next(key for key in schedule if key != "frequency")]
    assert not Assignment.objects.exists()
    assert not Message.objects.exists()
