"""The pre-session brief: its sections from a constructed history, the suggestion rule, the period
it covers, its page and forms, and a query count that does not grow with the history."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import SENTINEL, audit_lock_queries, make_assignment, make_entry
from homework.models import AssignmentReview, Comment, Entry, ReviewDecision
from insights.brief import GOOD_ADHERENCE, PERIOD_DAYS, build_brief, suggest
from insights.models import SessionTopic
from insights.patterns import Finding
from practices.models import Appointment

KEEP, MODIFY, STEP_DOWN = ReviewDecision.KEEP, ReviewDecision.MODIFY, ReviewDecision.STEP_DOWN


# --- The suggestion: a pure function of the findings ----------------------------------------------


def found(*rules):
    return [Finding(rule, rule.replace("_", " ").capitalize(), "when", "Do this.") for rule in rules]


@pytest.mark.parametrize(
    "rules,adherence,logged,decisions,discuss",
    [
        (("too_hard",), 0.9, 4, (STEP_DOWN,), False),
        (("avoidance",), 0.2, 4, (STEP_DOWN,), False),
        (("low_confidence",), 0.1, 1, (STEP_DOWN,), False),
        (("too_easy",), 1.0, 7, (MODIFY,), False),
        (("low_helpfulness",), 0.9, 6, (MODIFY,), False),
        # Easier before bigger: a step that is avoided is the likeliest to stop the practice.
        (("too_easy", "avoidance"), 0.5, 5, (STEP_DOWN, MODIFY), False),
        ((), GOOD_ADHERENCE, 6, (KEEP,), False),
        ((), 0.3, 2, (KEEP, MODIFY), True),
        ((), 0.0, 0, (KEEP, STEP_DOWN), True),  # no activity at all
        ((), None, 0, (KEEP,), False),  # nothing planned yet
        (("same_skip_reason", "backfilled"), 1.0, 7, (KEEP,), False),  # rules without a decision of their own
    ],
)
def test_the_suggestion_follows_the_findings(rules, adherence, logged, decisions, discuss):
    suggestion = suggest(found(*rules), adherence=adherence, logged=logged)
    assert suggestion.decisions == decisions
    assert suggestion.discuss is discuss
    assert suggestion.reasons


def test_the_suggestion_says_why_in_the_findings_words():
    suggestion = suggest(found("too_hard", "low_helpfulness"), adherence=0.5, logged=3)
    assert suggestion.reasons == ("Too hard. Do this.", "Low helpfulness. Do this.")
    assert suggestion.label == "Step down (make it easier) or modify"
    no_activity = suggest([], adherence=0.0, logged=0)
    assert no_activity.label == "Discuss, then keep as it is or step down (make it easier)"


# --- A constructed history -------------------------------------------------------------------------


def logged(assignment, at, *, day=None, **fields):
    """An entry first logged at `at` (about the local day `day`, that day by default)."""
    if fields.get("outcome") == "skipped":
        fields.setdefault("helpfulness", None)
        fields.setdefault("difficulty", "")
    entry = make_entry(assignment, occurred_on=day or at.astimezone(assignment.client.tz).date(), **fields)
    Entry.objects.filter(pk=entry.pk).update(created_at=at)
    entry.refresh_from_db()
    return entry


@pytest.fixture
def story(client_a, therapist_a):
    """A week since the previous appointment, with one of everything the brief looks for."""
    now = timezone.now()
    before = now - timedelta(days=6)
    previous = Appointment.objects.create(client=client_a, starts_at=before)
    appointment = Appointment.objects.create(client=client_a, starts_at=now + timedelta(hours=2))
    today = client_a.today()
    ago = lambda days: now - timedelta(days=days)  # noqa: E731
    s = SimpleNamespace(now=now, previous=previous, appointment=appointment, today=today)

    # An exposure avoided twice, then too hard twice in a row: step down.
    s.exposure = make_assignment(client_a, key="exposure", title="Lift ladder")
    s.old_skip = logged(s.exposure, ago(8), outcome="skipped", skip_reason="too_uncomfortable")
    s.avoided = [logged(s.exposure, ago(d), outcome="skipped", skip_reason="too_uncomfortable") for d in (5, 4)]
    s.too_hard = [
        logged(s.exposure, ago(d), difficulty="too_hard",
               answers={"suds_before": 60, "suds_peak": 85 - d, "suds_after": 40, "belief_before": 80, "came_true": 5})
        for d in (3, 2)
    ]  # fmt: skip
    Comment.objects.create(entry=s.too_hard[1], author=client_a.user, body="Was that right?")
    Comment.objects.create(entry=s.too_hard[1], author=therapist_a, body="Yes, well done.")

    # A journal crammed into the hours before the appointment, too easy twice: a bigger step.
    s.journal = make_assignment(client_a, key="journal", title="Evening pages")
    s.crammed = [
        logged(s.journal, now - timedelta(hours=1), day=today - timedelta(days=1), difficulty="too_easy"),
        logged(s.journal, now - timedelta(minutes=30), day=today, difficulty="too_easy", wants_to_discuss=True,
               answers={"mood_before": 3, "writing": f"Writing {SENTINEL}", "mood_after": 6}),
    ]  # fmt: skip
    Comment.objects.create(entry=s.crammed[1], author=client_a.user, body=f"Can we talk {SENTINEL}")

    # A thought record assigned with low confidence and skipped for lack of time: step down.
    s.thoughts = make_assignment(client_a, title="Thoughts", confidence=5)
    s.no_time = [logged(s.thoughts, ago(d), outcome="skipped", skip_reason="no_time") for d in (5, 4, 3)]

    s.walk = make_assignment(client_a, key="activity", title="A walk")  # nothing at all
    s.reflection = make_assignment(client_a, key="reflection", title="Values", frequency="once")
    logged(s.reflection, ago(2))

    # PHQ-9: 18 before the period, 12 with a risk flag in it; an old flag never marked as seen.
    phq_then = make_assignment(client_a, key="phq-9", title="PHQ-9 then", frequency="once")
    s.old_score = logged(phq_then, ago(10), score=18, severity="Moderately severe", helpfulness=None, difficulty="")
    s.old_unseen = logged(phq_then, ago(9), risk_flag=True, answers={"phq9_9": "1"}, helpfulness=None, difficulty="")
    s.old_seen = logged(phq_then, ago(8), risk_flag=True, helpfulness=None, difficulty="")
    Entry.objects.filter(pk=s.old_seen.pk).update(risk_seen_at=ago(7), risk_seen_by=therapist_a)
    phq_now = make_assignment(client_a, key="phq-9", title="PHQ-9 now", frequency="once")
    s.risk = logged(phq_now, ago(1), score=12, severity="Moderate", risk_flag=True, answers={"phq9_9": "2"},
                    helpfulness=None, difficulty="")  # fmt: skip

    s.topic = SessionTopic.objects.create(client=client_a, text="The lift")
    s.ticked = SessionTopic.objects.create(client=client_a, text="Sleep", discussed_at=ago(1), discussed_by=therapist_a)
    SessionTopic.objects.create(client=client_a, text="Old news", discussed_at=ago(10), discussed_by=therapist_a)
    return s


def item_of(brief, assignment):
    return next(i for i in brief.assignments if i.assignment.pk == assignment.pk)


def test_the_brief_covers_the_week_since_the_previous_appointment(story):
    brief = build_brief(story.appointment, now=story.now)
    assert brief.period_reason == "appointment" and brief.period_start == story.previous.starts_at
    assert brief.logged == 11, "the entry logged before the previous appointment is not in it"


def test_risk_flags_of_the_period_and_those_never_seen_come_first(story):
    brief = build_brief(story.appointment, now=story.now)
    assert [e.pk for e in brief.risk] == [story.risk.pk, story.old_unseen.pk]
    assert [row["value"] for row in brief.risk[0].risk_rows] == ["More than half the days"]


def test_open_topics_then_those_ticked_off_in_the_period(story):
    brief = build_brief(story.appointment, now=story.now)
    assert [t.text for t in brief.topics] == ["The lift", "Sleep"]
    assert [t.text for t in brief.open_topics] == ["The lift"]


def test_each_assignment_has_its_adherence_timeliness_ratings_and_suggestion(story):
    brief = build_brief(story.appointment, now=story.now)
    exposure = item_of(brief, story.exposure)
    assert (exposure.done, exposure.partly, exposure.skipped) == (2, 0, 2)
    assert exposure.skip_reasons == [("I avoided it because it felt too uncomfortable", 2)]
    assert exposure.difficulty == [("Too hard", 2)] and exposure.helpfulness == 3 and exposure.rated == 2
    assert exposure.timeliness == "spread over the days"
    assert {v.finding.rule for v in exposure.findings} == {"avoidance", "too_hard"}
    assert exposure.suggestion.decisions == (STEP_DOWN,)

    journal = item_of(brief, story.journal)
    assert journal.timeliness == "crammed into the last 24 hours" and journal.crammed_share == 1
    assert journal.streak == (2, 2), "yesterday and today practised, nothing before"
    assert journal.suggestion.decisions == (MODIFY,)

    thoughts = item_of(brief, story.thoughts)
    assert thoughts.skip_reasons == [("No time", 3)] and thoughts.rate == 0
    assert {v.finding.rule for v in thoughts.findings} == {"same_skip_reason", "low_confidence"}
    assert thoughts.suggestion.decisions == (STEP_DOWN,)

    walk = item_of(brief, story.walk)
    assert walk.planned > 0 and walk.entries == [] and walk.suggestion.discuss
    assert walk.suggestion.decisions == (KEEP, STEP_DOWN)
    assert item_of(brief, story.reflection).suggestion.decisions == (KEEP,)
    assert item_of(brief, story.reflection).streak is None, "a once-only exercise has no run of days"


def test_each_pattern_names_its_entries_and_skip_reasons_are_counted(story):
    brief = build_brief(story.appointment, now=story.now)
    by_rule = {(v.finding.rule, getattr(v.assignment, "pk", None)): v for v in brief.findings}
    avoidance = by_rule[("avoidance", story.exposure.pk)]
    assert [e.pk for e in avoidance.entries] == [e.pk for e in story.avoided]
    assert avoidance.finding.when.startswith("Skipped “because it felt too uncomfortable”")
    assert [e.pk for e in by_rule[("too_hard", story.exposure.pk)].entries] == [e.pk for e in story.too_hard]
    assert [e.pk for e in by_rule[("same_skip_reason", story.thoughts.pk)].entries] == [e.pk for e in story.no_time]
    assert brief.skip_reasons == [("No time", 3), ("I avoided it because it felt too uncomfortable", 2)]
    assert len({v.anchor for v in brief.findings}) == len(brief.findings)


def test_entries_to_discuss_comments_awaiting_and_questionnaire_change(story):
    brief = build_brief(story.appointment, now=story.now)
    assert [e.pk for e in brief.to_discuss] == [story.crammed[1].pk]
    assert any(row["value"] == f"Writing {SENTINEL}" for row in brief.to_discuss[0].rows)
    assert [(e.pk, c.body) for e, c in brief.awaiting] == [(story.crammed[1].pk, f"Can we talk {SENTINEL}")]
    assert brief.awaiting_total == 1, "the thread with the therapist's reply last is not waiting"
    (phq9,) = brief.questionnaires
    assert phq9.latest.score == 12 and phq9.baseline.score == 18 and phq9.change == -6
    titles = [c.title for c in brief.charts]
    assert titles[0].startswith("PHQ-9") and "SUDS before, at peak and after each trial: Lift ladder" in titles


def test_a_later_review_starts_the_period_but_one_in_this_session_does_not(story, therapist_a):
    review = AssignmentReview.objects.create(assignment=story.exposure, reviewer=therapist_a, decision="keep")
    AssignmentReview.objects.filter(pk=review.pk).update(created_at=story.now - timedelta(days=3, hours=12))
    brief = build_brief(story.appointment, now=story.now)
    assert brief.period_reason == "review"
    assert story.avoided[0].pk not in {e.pk for i in brief.assignments for e in i.entries}
    AssignmentReview.objects.filter(pk=review.pk).update(created_at=story.appointment.starts_at + timedelta(minutes=5))
    assert build_brief(story.appointment, now=story.now).period_reason == "appointment"


def test_without_an_earlier_appointment_or_review_it_looks_back_four_weeks(appointment_a, entry_a):
    brief = build_brief(appointment_a, now=timezone.now())
    assert brief.period_reason == "days"
    assert brief.period_start == appointment_a.starts_at - timedelta(days=PERIOD_DAYS)
    assert [e.pk for e in brief.to_discuss] == [entry_a.pk]


# --- The page ----------------------------------------------------------------------------------------


def brief_url(appointment):
    return reverse("insights:brief", args=[appointment.code])


def test_the_page_puts_risk_first_then_topics_and_shows_rules_entries_and_thresholds(story, sign_in, therapist_a):
    response = sign_in(therapist_a).get(brief_url(story.appointment))
    assert response.status_code == 200
    page = response.content.decode()
    sections = [
        "risk",
        "topics",
        "homework",
        "patterns",
        "skips",
        "discuss",
        "awaiting",
        "scores",
        "charts",
        "thresholds",
    ]
    positions = [page.index(f'<h2 id="h-{section}">') for section in sections]
    assert positions == sorted(positions)
    assert '<h2 id="h-risk">Risk flags</h2>' in page and "What Dana Client wants to talk about</h2>" in page
    for entry in story.avoided + story.too_hard + story.no_time:
        assert reverse("homework:entry_detail", args=[entry.code]) in page
    assert "Rule: Felt “too hard” the last 2 times in a row." in page
    assert "3 times or more for one assignment" in page, "the thresholds are listed"
    assert page.count('<img src="data:image/svg+xml;base64,') == len(
        build_brief(story.appointment, now=story.now).charts
    )
    assert 'action="' + reverse("insights:topic_discussed", args=[story.topic.code]) + '"' in page
    assert reverse("insights:topic_discussed", args=[story.ticked.code]) not in page, "ticked off already"
    assert page.count('action="' + reverse("homework:assignment_review", args=[story.exposure.code])) == 1


def test_the_client_page_links_each_appointment_to_its_brief(story, sign_in, therapist_a, client_a):
    page = sign_in(therapist_a).get(reverse("homework:client_detail", args=[client_a.code])).content.decode()
    assert brief_url(story.appointment) in page and brief_url(story.previous) in page


def test_ticking_a_topic_off_returns_to_the_brief(story, sign_in, therapist_a):
    http = sign_in(therapist_a)
    url = reverse("insights:topic_discussed", args=[story.topic.code])
    assert http.get(url).status_code == 405
    response = http.post(url, {"next": brief_url(story.appointment) + "#h-topics"})
    assert response.status_code == 302 and response["Location"] == brief_url(story.appointment) + "#h-topics"
    story.topic.refresh_from_db()
    assert story.topic.discussed_by == therapist_a
    elsewhere = http.post(url, {"next": "https://evil.example/"})
    assert elsewhere["Location"] == reverse("homework:client_detail", args=[story.appointment.client.code])


def test_a_colleague_gets_not_found(story, sign_in, colleague_a):
    http = sign_in(colleague_a)
    assert http.get(brief_url(story.appointment)).status_code == 404
    assert http.post(reverse("insights:topic_discussed", args=[story.topic.code])).status_code == 404
    story.topic.refresh_from_db()
    assert story.topic.discussed_at is None


# --- The review form on the brief --------------------------------------------------------------------


def review(http, assignment, **body):
    return http.post(reverse("homework:assignment_review", args=[assignment.code]), body)


def test_a_review_from_the_brief_saves_both_ratings_and_returns_to_it(story, sign_in, therapist_a):
    http = sign_in(therapist_a)
    back = brief_url(story.appointment) + f"#a-{story.exposure.code}"
    response = review(http, story.exposure, decision="step_down", quantity="1", quality="2", note="", next=back)
    assert response.status_code == 302 and response["Location"] == back
    saved = story.exposure.reviews.get()
    assert (saved.decision, saved.quantity, saved.quality) == ("step_down", 1, 2)
    page = http.get(brief_url(story.appointment)).content.decode()
    assert "1 · Some of it" in page and "2 · Well" in page
    assert reverse("homework:assignment_edit", args=[story.exposure.code]) in page, "the change is one link away"


def test_ratings_may_stay_empty_and_a_foreign_next_is_ignored(story, sign_in, therapist_a):
    http = sign_in(therapist_a)
    for n, unsafe in enumerate(
        ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
    ):
        response = review(http, story.walk, decision="keep", quantity="", quality="", note=f"n{n}", next=unsafe)
        assert response["Location"] == reverse("homework:assignment_detail", args=[story.walk.code]), unsafe
    assert {(r.quantity, r.quality) for r in story.walk.reviews.all()} == {(None, None)}


def test_a_refused_review_keeps_what_was_typed_and_the_way_back(story, sign_in, therapist_a):
    back = brief_url(story.appointment)
    response = review(
        sign_in(therapist_a), story.walk, decision="", quantity="2", note="Agreed a shorter walk", next=back
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Agreed a shorter walk" in page and f'name="next" value="{back}"' in page
    assert '<option value="2" selected>' in page
    assert not story.walk.reviews.exists()


def test_the_assignment_page_shows_both_ratings_side_by_side(story, sign_in, therapist_a):
    from homework.models import SelfRating

    AssignmentReview.objects.create(assignment=story.walk, reviewer=therapist_a, decision="keep", quantity=3, quality=1)
    SelfRating.objects.create(assignment=story.walk, quantity=2, quality=3)
    page = sign_in(therapist_a).get(reverse("homework:assignment_detail", args=[story.walk.code])).content.decode()
    table = page[page.index('<table class="ratings">') : page.index("</table>")]
    assert "3 · All of it" in table and "2 · Most of it" in table and "1 · Fairly" in table and "3 · Very well" in table


# --- Queries: the same whatever the history holds ------------------------------------------------------

# The session, user and membership (3); the appointment through the door (1) and its audit row (2:
# the chain's last row, then the insert; audit/record.py); the brief's own 9 (history 3, previous
# appointment, reviews, self-ratings, topics, comments awaiting 2); the navigation's unread notices (1).
BRIEF_QUERIES = 16


def grow(client, total):
    """`total` entries over four assignments (exposure with numbers, a journal, a PHQ-9, a thought
    record), one in three with the client's comment and some with replies, made in a few queries."""
    start = client.today() - timedelta(days=total // 4 + 1)
    assignments = [
        make_assignment(client, key="exposure", starts_on=start),
        make_assignment(client, key="journal", starts_on=start),
        make_assignment(client, key="phq-9", starts_on=start, frequency="weekdays", weekdays=[0]),
        make_assignment(client, starts_on=start),
    ]
    rows = []
    for n in range(total):
        a = assignments[n % 4]
        skipped = n % 5 == 0
        rows.append(
            Entry(
                assignment=a,
                occurred_on=client.today() - timedelta(days=n // 4),
                outcome="skipped" if skipped else "done",
                skip_reason="no_time" if skipped else "",
                helpfulness=None if skipped else n % 5,
                difficulty="" if skipped else "about_right",
                wants_to_discuss=n % 9 == 0,
                risk_flag=n % 97 == 0,
                score=n % 27 if n % 4 == 2 else None,
                answers={
                    "suds_before": n % 100,
                    "suds_peak": 90,
                    "suds_after": 20,
                    "mood_before": 4,
                    "mood_after": 6,
                    "situation": f"Situation {n}",
                },
            )  # fmt: skip
        )
    entries = Entry.objects.bulk_create(rows)
    Comment.objects.bulk_create(
        [Comment(entry=e, author=client.user, body=f"Comment {n}") for n, e in enumerate(entries) if n % 3 == 0]
    )
    return assignments


@pytest.mark.parametrize("total", [10, 2000])
def test_the_brief_costs_the_same_queries_with_10_or_2000_entries(
    total, client_a, therapist_a, appointment_a, sign_in, django_assert_max_num_queries
):
    assignments = grow(client_a, total)
    SessionTopic.objects.create(client=client_a, text="A topic")
    AssignmentReview.objects.create(assignment=assignments[0], reviewer=therapist_a, decision="keep")
    http = sign_in(therapist_a)
    with django_assert_max_num_queries(BRIEF_QUERIES + audit_lock_queries()):
        response = http.get(brief_url(appointment_a))
    assert response.status_code == 200
    assert response.content.decode().count("data:image/svg+xml") == 3  # SUDS, mood, PHQ-9
