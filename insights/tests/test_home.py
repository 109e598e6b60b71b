"""The therapist's home: the pure rules on constructed numbers, then the loader and the page on
rows (queue order, who is listed, appointments by the client's day, adherence at a glance)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_assignment, make_client, make_entry
from insights import home
from insights.home import Period, improving, load_home, neither_engaging_nor_improving, quiet_since

TODAY = date(2026, 3, 18)


# --- The rules ----------------------------------------------------------------------------------------


def low(**overrides):
    """Ten of thirty planned practices: under half, so only improvement can spare the client."""
    return Period(**{"planned": 30, "practised": 10, **overrides})


def test_little_practice_and_nothing_better_is_neither_engaging_nor_improving():
    assert neither_engaging_nor_improving(low())
    assert "Under 50% of the planned practice" in home.NOT_ENGAGING_RULE


def test_half_of_the_plan_done_is_engaging():
    assert not neither_engaging_nor_improving(low(practised=15))  # exactly half: not under it
    assert neither_engaging_nor_improving(low(practised=14.5))


def test_too_little_planned_says_nothing():
    assert not neither_engaging_nor_improving(Period(planned=home.MIN_PLANNED - 1, practised=0))
    assert neither_engaging_nor_improving(Period(planned=home.MIN_PLANNED, practised=0))
    assert not neither_engaging_nor_improving(Period())


@pytest.mark.parametrize(
    "scores,better",
    [
        (((17, 15, 12),), True),  # 5 points down: a reliable change on the PHQ-9
        (((17, 13),), False),  # 4 points: not yet
        (((12, 17),), False),  # worse
        (((17,),), False),  # one score is no trend
        (((9, 9), (20, 14)), True),  # any questionnaire improving counts
    ],
)
def test_a_questionnaire_score_down_by_five_is_improving(scores, better):
    assert improving(low(scores=scores)) is better
    assert neither_engaging_nor_improving(low(scores=scores)) is not better


def test_helpfulness_up_by_half_a_point_is_improving():
    # Early: 1, 2 (mean 1.5); late: 2, 2 (mean 2.0) is a rise of exactly 0.5.
    assert improving(low(early_helpfulness=(3, 2), late_helpfulness=(4, 2)))
    assert not improving(low(early_helpfulness=(3, 2), late_helpfulness=(3, 2)))
    # Thirds are not rounded: 4/3 against 1 is a rise of 1/3 only.
    assert not improving(low(early_helpfulness=(3, 3), late_helpfulness=(4, 3)))


def test_a_rise_needs_two_ratings_in_each_half():
    assert not improving(low(early_helpfulness=(0, 1), late_helpfulness=(8, 2)))
    assert not improving(low(early_helpfulness=(0, 2), late_helpfulness=(4, 1)))


def test_quiet_counts_from_the_later_of_the_last_entry_and_the_start():
    started = TODAY - timedelta(days=20)
    assert quiet_since(TODAY - timedelta(days=4), started, TODAY) == TODAY - timedelta(days=4)
    assert quiet_since(TODAY - timedelta(days=3), started, TODAY) is None
    # Never logged: counted from the start of the homework.
    assert quiet_since(None, TODAY - timedelta(days=4), TODAY) == TODAY - timedelta(days=4)
    assert quiet_since(None, TODAY - timedelta(days=3), TODAY) is None
    # Logged long ago, but the homework is new.
    assert quiet_since(TODAY - timedelta(days=30), TODAY - timedelta(days=2), TODAY) is None


def test_nobody_is_quiet_without_started_homework():
    assert quiet_since(None, None, TODAY) is None
    assert quiet_since(None, TODAY + timedelta(days=1), TODAY) is None
    assert quiet_since(TODAY - timedelta(days=9), TODAY - timedelta(days=10), TODAY, days=10) is None


# --- Loading -------------------------------------------------------------------------------------------

needs_db = pytest.mark.django_db


def _logged(entry, days_ago):
    """Pretend the entry was logged `days_ago` days ago."""
    when = timezone.now() - timedelta(days=days_ago)
    type(entry).objects.filter(pk=entry.pk).update(created_at=when)


def _queue(user):
    return [(row.client.name, [r.kind for r in row.reasons]) for row in load_home(user).queue]


@needs_db
def test_the_queue_puts_unseen_risk_first_then_discussing_replies_quiet_and_not_engaging(practice_a, therapist_a):
    def person(name):
        client = make_client(practice_a, therapist_a, f"{name.split()[0].lower()}@example.com", name)
        assignment = make_assignment(client, starts_on=client.today() - timedelta(days=10))
        return client, assignment

    # Alphabetical order is the reverse of urgency, so only the rule can put them right.
    quiet, quiet_a = person("Aaron Quiet")
    _logged(make_entry(quiet_a, occurred_on=quiet.today() - timedelta(days=6)), 6)
    replying, replying_a = person("Bea Reply")
    entry = make_entry(replying_a)
    entry.comments.create(author=therapist_a, body="How did it go?")
    entry.comments.create(author=replying.user, body="Hard, honestly")
    discussing, discussing_a = person("Cleo Discuss")
    make_entry(discussing_a, wants_to_discuss=True)
    risky, risky_a = person("Dora Risk")
    make_entry(risky_a, risk_flag=True)

    queue = _queue(therapist_a)
    assert [name for name, _ in queue] == ["Dora Risk", "Cleo Discuss", "Bea Reply", "Aaron Quiet"]
    # Everyone here did little of the daily plan: each is also "not engaging", listed after the rest.
    assert queue[0][1] == ["risk", "not_engaging"]
    assert queue[3][1] == ["quiet", "not_engaging"]


@needs_db
def test_within_a_reason_the_longest_waiting_comes_first(practice_a, therapist_a):
    older = make_client(practice_a, therapist_a, "zed@example.com", "Zed Older")
    newer = make_client(practice_a, therapist_a, "amy@example.com", "Amy Newer")
    _logged(make_entry(make_assignment(older), risk_flag=True), 2)
    make_entry(make_assignment(newer), risk_flag=True)
    assert [name for name, _ in _queue(therapist_a)] == ["Zed Older", "Amy Newer"]


@needs_db
def test_a_seen_risk_flag_leaves_the_queue(therapist_a, client_a, assignment_a):
    from homework.recording import risk_mark_seen

    entry = make_entry(assignment_a, risk_flag=True)
    (row,) = load_home(therapist_a).queue
    assert row.first.kind == "risk" and row.first.entry == entry.code
    risk_mark_seen(entry=entry, therapist=therapist_a, note="")
    assert "risk" not in [r.kind for row in load_home(therapist_a).queue for r in row.reasons]


@needs_db
def test_a_reply_after_the_clients_comment_answers_it(therapist_a, client_a, assignment_a):
    entry = make_entry(assignment_a)
    entry.comments.create(author=client_a.user, body="One question")
    assert "reply" in _queue(therapist_a)[0][1]
    entry.comments.create(author=therapist_a, body="An answer")
    assert all("reply" not in kinds for _, kinds in _queue(therapist_a))


@needs_db
def test_a_reviewed_entry_is_no_longer_to_discuss(therapist_a, client_a, assignment_a):
    make_entry(assignment_a, wants_to_discuss=True, reviewed_at=timezone.now())
    assert all("discuss" not in kinds for _, kinds in _queue(therapist_a))


@needs_db
def test_quiet_needs_active_homework(therapist_a, client_a, assignment_a):
    _logged(make_entry(assignment_a, occurred_on=client_a.today() - timedelta(days=5)), 5)
    assert "quiet" in _queue(therapist_a)[0][1]
    type(assignment_a).objects.filter(pk=assignment_a.pk).update(status="stopped")
    assert _queue(therapist_a) == []


@needs_db
def test_someone_elses_clients_never_appear(therapist_a, therapist_b, client_b, client_a, assignment_a):
    make_entry(make_assignment(client_b), risk_flag=True)
    make_entry(assignment_a, risk_flag=True)
    assert [name for name, _ in _queue(therapist_a)] == [client_a.name]
    assert [c.name for c, _ in load_home(therapist_a).glance] == [client_a.name]
    assert [name for name, _ in _queue(therapist_b)] == [client_b.name]


@needs_db
def test_adherence_at_a_glance_counts_the_last_28_days_with_partly_as_half(therapist_a, client_a):
    today = client_a.today()
    daily = make_assignment(client_a, starts_on=today - timedelta(days=40), due_on=today + timedelta(days=7))
    for n in range(10):
        make_entry(daily, occurred_on=today - timedelta(days=n))
    make_entry(daily, occurred_on=today - timedelta(days=10), outcome="partly")
    make_entry(daily, occurred_on=today - timedelta(days=30))  # before the period: not counted
    # A one-off done before the period still counts as done once the period touches it.
    once = make_assignment(client_a, key="journal", frequency="once", starts_on=today - timedelta(days=35))
    make_entry(once, occurred_on=today - timedelta(days=34))
    ((client, period),) = load_home(therapist_a).glance
    assert (period.planned, period.practised) == (28 + 1, 10.5 + 1)
    assert period.adherence_pct == "40%"


@needs_db
def test_a_falling_questionnaire_score_spares_a_client_from_not_engaging(therapist_a, client_a):
    today = client_a.today()
    daily = make_assignment(client_a, starts_on=today - timedelta(days=27))
    phq9 = make_assignment(client_a, key="phq-9", frequency="once", starts_on=today - timedelta(days=27))
    make_entry(daily)
    make_entry(phq9, occurred_on=today - timedelta(days=21), score=17, helpfulness=None)
    assert _queue(therapist_a)[0][1] == ["not_engaging"]
    make_entry(phq9, occurred_on=today, score=12, helpfulness=None)
    assert _queue(therapist_a) == []


@needs_db
def test_appointments_are_placed_on_the_clients_own_day(practice_a, therapist_a):
    from practices.models import Appointment

    tokyo = make_client(practice_a, therapist_a, "kei@example.com", "Kei Tokyo", tz="Asia/Tokyo")
    lima = make_client(practice_a, therapist_a, "ana@example.com", "Ana Lima", tz="America/Lima")
    now = datetime(2026, 3, 18, 20, 0, tzinfo=UTC)  # 19 Mar 05:00 in Tokyo, 18 Mar 15:00 in Lima
    at = {
        "tokyo-today": datetime(2026, 3, 19, 1, 0, tzinfo=UTC),  # 10:00 on the 19th in Tokyo
        "tokyo-yesterday": datetime(2026, 3, 18, 10, 0, tzinfo=UTC),  # 19:00 on the 18th: gone
        "lima-today": datetime(2026, 3, 18, 23, 0, tzinfo=UTC),  # 18:00 on the 18th in Lima
        "lima-in-six-days": datetime(2026, 3, 24, 18, 0, tzinfo=UTC),
        "lima-in-seven-days": datetime(2026, 3, 25, 18, 0, tzinfo=UTC),  # beyond the week
    }
    made = {
        key: Appointment.objects.create(client=tokyo if key.startswith("tokyo") else lima, starts_at=when)
        for key, when in at.items()
    }
    found = load_home(therapist_a, now=now)
    # In time order: 18:00 in Lima comes before 10:00 the next morning in Tokyo.
    assert [a.code for a in found.today] == [made["lima-today"].code, made["tokyo-today"].code]
    assert [a.code for a in found.week] == [made["lima-in-six-days"].code]


@needs_db
def test_the_page_links_each_appointment_to_its_brief_and_shows_the_rule(sign_in, therapist_a, client_a, assignment_a):
    from practices.models import Appointment

    appointment = Appointment.objects.create(client=client_a, starts_at=timezone.now() + timedelta(minutes=5))
    make_entry(assignment_a, risk_flag=True)
    html = sign_in(therapist_a).get(reverse("insights:home")).content.decode()
    assert reverse("insights:brief", args=[appointment.code]) in html
    assert home.NOT_ENGAGING_RULE.split(":")[0] in html
    assert "Risk answer not marked seen" in html
    assert reverse("insights:assigning_feedback") in html
    assert f'href="{reverse("homework:client_list")}"' in html  # the client list, one click away


@needs_db
def test_a_client_gets_404(sign_in, client_a):
    assert sign_in(client_a.user).get(reverse("insights:home")).status_code == 404


@needs_db
def test_the_demo_fills_every_section_of_the_home(capsys):
    from django.core.management import call_command

    from accounts.models import User
    from insights.history import load_history
    from insights.patterns import find_patterns

    call_command("seed_demo")
    capsys.readouterr()  # the printed passwords
    found = load_home(User.objects.get(email="maya@example.org"))
    assert [a.client.name for a in found.today] == ["Jordan Lee"]
    assert {a.client.name for a in found.week} == {"Alex Novak", "Riley Chen", "Priya Shah", "Morgan Ellis"}
    reasons = {row.client.name: [r.kind for r in row.reasons] for row in found.queue}
    assert found.queue[0].client.name == "Riley Chen" and reasons["Riley Chen"][0] == "risk"
    assert "reply" in reasons["Jordan Lee"]
    assert "quiet" in reasons["Morgan Ellis"]
    assert "not_engaging" in reasons["Priya Shah"]
    assert all(period.planned for _, period in found.glance)
    # What the briefs show: the PHQ-9 trend, avoidance, a task too easy twice in a row.
    rules = {}
    for client, _ in found.glance:
        history = load_history(client)
        rules[client.name] = {
            f.rule for f in find_patterns(history.entry_facts, history.assignment_facts, history.today)
        }
    assert {"avoidance", "same_skip_reason"} <= rules["Priya Shah"]
    assert "too_easy" in rules["Alex Novak"]
    (riley,) = [period for client, period in found.glance if client.name == "Riley Chen"]
    assert riley.scores and riley.scores[0][-1] == 9
    assert User.objects.get(email="jordan@example.org").client_profile.session_topics.open().count() == 1
