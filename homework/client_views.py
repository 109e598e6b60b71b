"""Client pages: what to do today, an assignment written down, logging a practice, history.

Every view is for the signed-in client only (client_required) and reaches assignments and
entries through homework.access, which answers 404 for anything that is not the client's own
and records each read. Each page runs a fixed number of queries however many assignments and
entries the client has.
"""

import uuid
from collections import defaultdict
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods

from homework import scheduling
from homework.access import (
    NEWEST_FIRST,
    get_assignment_for_client,
    get_entry_for_client,
    own_draft,
    own_entries,
    own_open_assignments,
    own_submitted_entry,
)
from homework.client_forms import (
    CommentForm,
    EntryEditForm,
    EntryMetaForm,
    SelfRatingForm,
    filled_in,
    for_the_phone,
    quick_fields,
)
from homework.draft_views import (
    ALREADY_SAVED,
    SUBMISSION_KEY,
    draft_is_current,
    fill_from_draft,
    keep_draft_state,
    parse_submission_key,
    saved_message,
    submission_key_for,
)
from homework.items import answer_rows, answers_form_class, initial_from_answers
from homework.models import PRACTISED, AssignmentStatus, Comment, Entry, Frequency
from homework.recording import LOCKED_ENTRY, comment_add, entry_record, entry_update, self_rating_record
from lib.conflicts import LOCKED, EditConflict
from lib.validation import add_errors, saved
from practices.decorators import client_required
from practices.models import Appointment

SAVED = "Saved. Thank you for doing this."
HISTORY_PAGE_SIZE = 20
ASSIGNMENT_ENTRIES_SHOWN = 20
RECENT_ON_HOME = 5
# The self-rating is asked "before your next session": while the exercise runs and for two weeks
# after it ends, which covers the usual weekly or fortnightly appointment that reviews it.
SELF_RATING_DAYS = 14
RATED = "Thank you. Your therapist will see how it went from your side."

# Columns a list row shows; the encrypted free text (answers, notes, instructions) stays unread.
ENTRY_ROW_FIELDS = (
    "code",
    "occurred_on",
    "created_at",
    "outcome",
    "skip_reason",
    "helpfulness",
    "difficulty",
    "wants_to_discuss",
    "is_private",
    "score",
    "severity",
    "risk_flag",
    "reviewed_at",
    "assignment__code",
    "assignment__title",
)


def _entry_rows(queryset):
    """The columns a list of entries shows (the door already ordered them)."""
    return queryset.select_related("assignment").only(*ENTRY_ROW_FIELDS)


# --- Pages -------------------------------------------------------------------------------------


@client_required
@require_GET
def client_home(request):
    client = request.client
    today = client.today()
    # The exercise's version comes along (one join) for the quick log's questions.
    assignments = list(
        own_open_assignments(request.user, request=request)
        .select_related("template_version__template")
        .defer(
            "instructions",
            "rationale",
            "barriers",
            "if_then_plan",
            "template_version__rationale",
            "template_version__instructions",
        )
    )
    # What the schedule needs: this week's entries (times a week counts from Monday) and any
    # practice of a one-off exercise. Dates and outcomes only, so no free text is decrypted.
    monday = today - timedelta(days=today.weekday())
    logged = own_entries(request.user, request=request)
    entries = logged.filter(
        Q(occurred_on__gte=monday) | Q(assignment__frequency=Frequency.ONCE, outcome__in=PRACTISED),
        assignment__status=AssignmentStatus.ACTIVE,
    ).only("assignment_id", "occurred_on", "outcome")
    recent = list(_entry_rows(logged)[:RECENT_ON_HOME])
    next_appointment = Appointment.objects.filter(client=client).upcoming().first()
    return render(
        request,
        "homework/client/home.html",
        {
            "client": client,
            "today": today,
            "plan": _home_plan(assignments, entries, today),
            "recent": recent,
            "next_appointment": next_appointment,
        },
    )


@client_required
@require_GET
def client_assignment(request, code):
    assignment = get_assignment_for_client(request.user, code, request=request)
    return _render_assignment(request, assignment)


@client_required
@require_http_methods(["GET", "POST"])
def self_rating(request, code):
    # Authorize before answering 405 to a GET, so a stranger gets the same 404 as for a
    # missing record.
    assignment = get_assignment_for_client(request.user, code, request=request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = SelfRatingForm(request.POST)
    if form.is_valid() and saved(
        form, self_rating_record, assignment=assignment, client_user=request.user, **form.cleaned_data
    ):
        messages.success(request, RATED)
        return redirect("homework:client_assignment", code=assignment.code)
    return _render_assignment(request, assignment, rating_form=form, status=400)


@client_required
@require_http_methods(["GET", "POST"])
def entry_new(request, code):
    assignment = get_assignment_for_client(request.user, code, request=request)
    today = request.client.today()
    if request.method == "POST":
        # The same form sent again (a retry after a lost answer, the replay after signing in
        # again): the entry it saved, even if the exercise has been stopped since.
        key = parse_submission_key(request.POST.get(SUBMISSION_KEY))
        already = own_submitted_entry(request.user, assignment, key)
        if already is not None:
            if already.risk_flag:
                # The first answer, the crisis resources, may never have arrived.
                return _saved_with_risk(request)
            messages.info(request, ALREADY_SAVED)
            return redirect("homework:client_entry", code=already.code)
    if not assignment.has_started_by(today):
        context = {"assignment": assignment, "today": today}
        return render(request, "homework/client/not_loggable.html", context, status=409)

    submission_key, draft_saved_at = submission_key_for(request), None
    if request.method == "POST":
        meta = EntryMetaForm(request.POST, assignment=assignment, today=today)
        answers_form = _answers_form(assignment, data=request.POST, optional=meta.is_skipped)
        saved = _record_new_entry(request, assignment, meta, answers_form, key)
        if saved is not None:
            return saved
    else:
        meta = EntryMetaForm(assignment=assignment, today=today)
        answers_form = _answers_form(assignment)
        # What the client typed last time and did not save (homework.drafts).
        draft_saved_at = fill_from_draft(own_draft(request.user, assignment), meta, answers_form)

    keep_draft_state(meta, submission_key=submission_key, draft_saved_at=draft_saved_at)
    return _render_entry_form(request, assignment=assignment, meta=meta, answers_form=answers_form)


@client_required
@require_http_methods(["GET", "POST"])
def quick_log(request, code):
    """The today page's quick log: "done" and the exercise's few tap questions, recorded by the
    same entry_record as the full form. Times and dates it does not ask are now and today; a
    refusal shows the full log form with everything sent kept and the messages beside it."""
    # Authorize before answering 405 to a GET, so a stranger gets the same 404 as for a
    # missing record.
    assignment = get_assignment_for_client(request.user, code, request=request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    # Each card carries a submission key, as the full form does: a second tap on Save (or a
    # retry) finds the entry the first one saved.
    key = parse_submission_key(request.POST.get(SUBMISSION_KEY))
    already = own_submitted_entry(request.user, assignment, key)
    if already is not None:
        messages.info(request, ALREADY_SAVED)
        return redirect("homework:client_entry", code=already.code)
    today = request.client.today()
    if not assignment.has_started_by(today):
        context = {"assignment": assignment, "today": today}
        return render(request, "homework/client/not_loggable.html", context, status=409)

    data = filled_in(assignment.template_version.items, request.POST, client=assignment.client)
    meta = EntryMetaForm(data, assignment=assignment, today=today)
    answers_form = _answers_form(assignment, data=data, optional=meta.is_skipped)
    saved = _record_new_entry(request, assignment, meta, answers_form, key)
    if saved is not None:
        return saved
    # The full form keeps the card's submission key, so it stays the same submission.
    keep_draft_state(meta, submission_key=submission_key_for(request))
    return _render_entry_form(
        request,
        assignment=assignment,
        meta=meta,
        answers_form=answers_form,
        action=reverse("homework:entry_new", args=[assignment.code]),
        status=400,
    )


@client_required
@require_GET
def client_history(request):
    client = request.client
    comment_count = (
        Comment.objects.filter(entry=OuterRef("pk")).order_by().values("entry").annotate(n=Count("pk")).values("n")
    )
    entries = _entry_rows(own_entries(request.user, request=request))
    entries = entries.annotate(comment_count=Subquery(comment_count))
    page = Paginator(entries, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "homework/client/history.html", {"client": client, "page": page})


@client_required
@require_http_methods(["GET", "POST"])
def client_entry(request, code):
    entry = get_entry_for_client(request.user, code, request=request)
    if request.method == "POST":
        form = CommentForm(request.POST)
        if form.is_valid() and saved(form, comment_add, entry=entry, author=request.user, **form.cleaned_data):
            messages.success(
                request,
                "Your comment is saved. It stays private, like the entry."
                if entry.is_private
                else "Your comment is saved. Your therapist will see it.",
            )
            return redirect("homework:client_entry", code=entry.code)
    else:
        form = CommentForm()
    assignment = entry.assignment
    return render(
        request,
        "homework/client/entry.html",
        {
            "client": request.client,
            "entry": entry,
            "assignment": assignment,
            "rows": answer_rows(assignment.template_version.items, entry.answers),
            "comments": entry.comments.all(),
            "form": form,
        },
    )


@client_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, code):
    entry = get_entry_for_client(request.user, code, request=request)
    assignment = entry.assignment
    today = request.client.today()
    # A reviewed entry is part of what the therapist has seen; the client can still comment on
    # it. 409 rather than 404: the entry exists and is theirs, it is only its state that says no.
    if not entry.is_editable_by_client and request.method == "GET":
        return render(request, "homework/client/locked.html", {"entry": entry, "assignment": assignment}, status=409)

    conflict = None
    if request.method == "POST":
        meta = EntryEditForm(request.POST, assignment=assignment, today=today, entry=entry)
        answers_form = _answers_form(assignment, data=request.POST, optional=meta.is_skipped)
        if not entry.is_editable_by_client:
            # Reviewed while the client was typing: show their text back rather than lose it.
            conflict = EditConflict(LOCKED_ENTRY, reason=LOCKED)
        elif _both_valid(meta, answers_form):
            was_risky = entry.risk_flag
            try:
                entry_update(
                    entry=entry,
                    expected_version=meta.cleaned_data["version"],
                    client_user=request.user,
                    answers=_answers_of(answers_form),
                    **meta.entry_values(),
                )
            except ValidationError as exc:
                add_errors(exc, meta, answers_form)
            except EditConflict as exc:
                conflict = exc
                if not exc.is_locked:
                    # Let a second, deliberate save win: the page now carries the current version.
                    meta = _with_current_version(meta, entry)
            else:
                if entry.risk_flag and not was_risky:
                    return _saved_with_risk(request)
                messages.success(request, saved_message(entry, SAVED))
                return redirect("homework:client_entry", code=entry.code)
    else:
        meta = EntryEditForm(assignment=assignment, today=today, entry=entry)
        initial = initial_from_answers(assignment.template_version.items, entry.answers)
        answers_form = _answers_form(assignment, initial=initial)
        # A change typed earlier and not saved, unless the entry was saved since it was typed.
        draft = own_draft(request.user, assignment, entry)
        if draft is not None and not draft_is_current(draft, meta, entry):
            draft = None
        keep_draft_state(meta, draft_saved_at=fill_from_draft(draft, meta, answers_form))

    return _render_entry_form(
        request,
        assignment=assignment,
        meta=meta,
        answers_form=answers_form,
        entry=entry,
        conflict=conflict,
        status=409 if conflict else 200,
    )


# --- Helpers -----------------------------------------------------------------------------------


SAVED_WITH_RISK = (
    "Saved. Thank you for answering honestly. Some of your answers suggest you may be going through a very "
    "hard time; your therapist will see this, but not right away. If you might hurt yourself, get help now: "
    "the numbers are below."
)


def _record_new_entry(request, assignment, meta, answers_form, key):
    """Save a new entry from valid forms (the full log form and the quick log alike): the
    response to send, or None with the refusal's messages put on the forms."""
    if not _both_valid(meta, answers_form):
        return None
    try:
        entry = entry_record(
            assignment=assignment,
            client_user=request.user,
            answers=_answers_of(answers_form),
            comment=meta.cleaned_data["comment"],
            submission_key=key,
            **meta.entry_values(),
        )
    except ValidationError as exc:
        add_errors(exc, meta, answers_form)
        return None
    if entry.risk_flag:
        return _saved_with_risk(request)
    messages.success(request, saved_message(entry, SAVED))
    return redirect("homework:client_home")


def _saved_with_risk(request):
    # An answer that signals risk: the very next page is the crisis resources themselves, not a
    # link to them, since the therapist may not read the entry for hours.
    messages.success(request, SAVED_WITH_RISK)
    return redirect("crisis")


def _render_assignment(request, assignment, *, rating_form=None, status=200):
    today = request.client.today()
    entries = list(_entry_rows(assignment.entries.order_by(*NEWEST_FIRST))[: ASSIGNMENT_ENTRIES_SHOWN + 1])
    # A refused rating is shown back whatever the dates, so what was chosen is never lost.
    asks_rating = rating_form is not None or _asks_for_self_rating(assignment, today)
    return render(
        request,
        "homework/client/assignment.html",
        {
            "client": request.client,
            "assignment": assignment,
            "goal": assignment.goal,
            "entries": entries[:ASSIGNMENT_ENTRIES_SHOWN],
            "more_entries": len(entries) > ASSIGNMENT_ENTRIES_SHOWN,
            "can_log": assignment.has_started_by(today),
            "asks_rating": asks_rating,
            "rating_form": rating_form or SelfRatingForm(),
            "latest_rating": assignment.self_ratings.order_by("-created_at", "-pk").first() if asks_rating else None,
        },
        status=status,
    )


def _asks_for_self_rating(assignment, today):
    """Started, and running or ended (due date passed, or stopped) at most SELF_RATING_DAYS ago."""
    if assignment.starts_on > today:
        return False
    ended_on = assignment.due_on
    if not assignment.is_active:
        # Nothing changes a stopped assignment (reminder settings list open ones only), so its
        # last change is the stop: its local day is when it ended.
        ended_on = min(ended_on, assignment.updated_at.astimezone(assignment.client.tz).date())
    return (today - ended_on).days <= SELF_RATING_DAYS


def _answers_form(assignment, *, data=None, initial=None, optional=False, auto_id="id_%s"):
    form = answers_form_class(assignment.template_version.items)(data=data, initial=initial, auto_id=auto_id)
    # Tap scales and quick picks; a new entry's times start at now and its dates at today.
    is_new = data is None and initial is None
    for_the_phone(form, client=assignment.client if is_new else None)
    # The browser must not block "skipped" because an exercise field is empty: the server
    # decides what is required once it knows the outcome.
    form.use_required_attribute = False
    if optional:
        for field in form.fields.values():
            field.required = False
    return form


def _both_valid(meta, answers_form):
    # Validate both, always, so every error shows on the first round trip.
    meta_ok = meta.is_valid()
    answers_ok = answers_form.is_valid()
    return meta_ok and answers_ok


def _answers_of(answers_form):
    return answers_form.cleaned_answers()


def _with_current_version(meta, entry):
    current = Entry.objects.filter(pk=entry.pk).values_list("version", flat=True).first() or entry.version
    data = meta.data.copy()
    data[meta.add_prefix("version")] = str(current)
    fresh = EntryEditForm(data, assignment=meta.assignment, today=meta.today, entry=entry)
    fresh.is_valid()
    return fresh


def _render_entry_form(request, *, assignment, meta, answers_form, entry=None, conflict=None, action=None, status=200):
    day = meta["occurred_on"]
    return render(
        request,
        "homework/client/entry_form.html",
        {
            "assignment": assignment,
            "meta": meta,
            "answers_form": answers_form,
            "entry": entry,
            "conflict": conflict,
            "has_errors": bool(meta.errors or answers_form.errors),
            # The form posts back to its own page, unless the quick log's refusal shows it.
            "action": action,
            # The day sits folded away as "today" until it is another day or has a problem.
            "day_open": bool(day.errors) or str(day.value() or "") != meta.today.isoformat(),
            # "How it was" (all optional) is folded away unless something in it is filled in.
            "how_open": any(
                meta[name].errors or meta[name].value() not in (None, "", False)
                for name in ("helpfulness", "difficulty", "wants_to_discuss", "comment")
                if name in meta.fields
            ),
        },
        status=status,
    )


def _quick_log_fields(assignment):
    """The today card's quick-log questions for this assignment, or None (see quick_fields). Each
    card's ids start with the assignment's code, so two cards never share one."""
    form = answers_form_class(assignment.template_version.items)(auto_id=f"quick-{assignment.code}-%s")
    form.use_required_attribute = False
    # No times to start at now: the card does not ask them (quick_log fills them in), and
    # reading each assignment's client for its zone would cost a query per card.
    return quick_fields(for_the_phone(form), assignment.kind)


def _home_plan(assignments, entries, today):
    """Split the active assignments into today's list (to do or done) and the rest, each with a
    short note for the client; scheduling decides what is due."""
    by_assignment = defaultdict(list)
    for entry in entries:
        by_assignment[entry.assignment_id].append(entry)
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)

    todays, planned = [], set()
    for assignment, state in scheduling.todays_plan(assignments, by_assignment, today):
        planned.add(assignment.pk)
        notes = []
        if assignment.frequency == Frequency.TIMES_PER_WEEK:
            logged = by_assignment[assignment.pk]
            done = sum(1 for e in logged if e.outcome in PRACTISED and e.occurred_on >= monday)
            notes.append(f"{done} of {scheduling.planned_count(assignment, monday, sunday)} this week")
        if assignment.due_on == today:
            notes.append("last day today")
        elif assignment.due_on <= today + timedelta(days=6):
            notes.append(f"until {date_format(assignment.due_on, 'l')}")
        quick = _quick_log_fields(assignment)
        todays.append(
            {
                "assignment": assignment,
                "done_today": state == scheduling.DONE,
                "note": " · ".join(notes),
                "quick": quick,
                "quick_key": uuid.uuid4() if quick else None,
            }
        )

    others = []
    for assignment in assignments:
        if assignment.pk in planned:
            continue
        if assignment.starts_on > today:
            label, day = "Starts", assignment.starts_on
        elif assignment.due_on < today:
            label, day = "Ended", assignment.due_on
        else:
            upcoming_days = scheduling.planned_dates(assignment, today + timedelta(days=1), today + timedelta(days=7))
            if assignment.frequency == Frequency.WEEKDAYS and upcoming_days:
                label, day = "Next", upcoming_days[0]
            elif assignment.frequency == Frequency.ONCE:
                label, day = "Done. Open until", assignment.due_on
            elif assignment.frequency == Frequency.TIMES_PER_WEEK:
                label, day = "Done for this week. Open until", assignment.due_on
            else:
                label, day = "Open until", assignment.due_on
        others.append({"assignment": assignment, "label": label, "day": day})
    others.sort(key=lambda item: item["day"])
    return {"today": todays, "other": others}
